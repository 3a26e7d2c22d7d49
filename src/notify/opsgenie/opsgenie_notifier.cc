#include "notify/opsgenie/opsgenie_notifier.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "notify/receiver_types.h"
#include "notify/text/event_words.h"
#include "notify/text/facts.h"
#include "notify/text/truncate.h"

namespace ab {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultMessage = "{{title}}";
constexpr std::string_view kDefaultDescription =
    "{{summary}}\n\nIncident {{incident.id}} ({{key}}){{#link}}: {{link}}{{/link}}";
constexpr std::string_view kDefaultNote = "{{event.headline}} ([{{severity}}] {{title}})";
constexpr std::string_view kSource = "alertbridge";
constexpr size_t kSourceChars = 100;
constexpr size_t kDetailValueChars = 1000;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// RFC 3986 unreserved characters stay, everything else is %XX (aliases go into the path).
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// details: string to string, at most kDetailsChars for keys and values together.
json Details(const EventView& event) {
  std::vector<std::pair<std::string, std::string>> items{{"incident_key", event.key()},
                                                         {"incident_id", event.Field("id")},
                                                         {"event", event.event_type()}};
  for (const IncidentFact& f : IncidentFacts(event)) items.emplace_back(f.label, f.value);
  for (const auto& l : event.group()) items.emplace_back(l.name, l.value);
  if (const std::string link = event.link(); !link.empty())
    items.emplace_back("incident_url", link);
  json out = json::object();
  size_t used = 0;
  for (auto& [key, value] : items) {
    if (value.empty() || out.contains(key)) continue;
    std::string v = Truncate(value, kDetailValueChars, LengthUnit::kChars);
    const size_t cost = TextLength(key, LengthUnit::kChars) + TextLength(v, LengthUnit::kChars);
    if (used + cost > OpsgenieNotifier::kDetailsChars) break;
    used += cost;
    out[key] = std::move(v);
  }
  return out;
}

}  // namespace

OpsgenieNotifier::OpsgenieNotifier(JsonPostTarget target, TemplateSet templates,
                                   std::string api_key, OpsgenieSettings settings)
    : JsonPostNotifier(std::move(target)),
      api_key_(std::move(api_key)),
      settings_(std::move(settings)),
      message_(templates["message"]),
      description_(templates["description"]),
      note_(templates["note"]) {
  std::string path = endpoint().path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  alerts_path_ = path + "/v2/alerts";
  // Jira Service Management Operations serves the same contract under this path, but only create,
  // acknowledge, close and add note.
  jsm_ = path.find("/jsm/ops/integration") != std::string::npos;
}

std::optional<JsonPostNotifier::Request> OpsgenieNotifier::RequestFor(
    const EventView& event) const {
  const std::string type = event.event_type();
  const std::string alias = Truncate(event.key(), kAliasChars, LengthUnit::kChars);
  const std::string sev = event.severity();
  const size_t level = sev.size() == 4 && sev[3] >= '1' && sev[3] <= '5' ? sev[3] - '1' : 2;
  const std::string& priority = settings_.priority[level];
  const std::string by_alias = alerts_path_ + "/" + PercentEncode(alias);
  const std::string query = "?identifierType=alias";

  if (type == "declared" || type == "reopened") {
    std::string message =
        Truncate(message_.Render(event, TextFormat::kPlain), kMessageChars, LengthUnit::kChars);
    if (message.empty()) message = alias;
    json body = {{"message", message},
                 {"alias", alias},
                 {"description", Truncate(description_.Render(event, TextFormat::kPlain),
                                          kDescriptionChars, LengthUnit::kChars)},
                 {"details", Details(event)},
                 {"source", Truncate(kSource, kSourceChars, LengthUnit::kChars)},
                 {"priority", priority}};
    if (const std::string rule = event.Field("rule"); !rule.empty()) {
      body["entity"] = Truncate(rule, kEntityChars, LengthUnit::kChars);
    }
    if (!settings_.tags.empty()) body["tags"] = settings_.tags;
    if (!settings_.responders.empty()) {
      json responders = json::array();
      for (const OpsgenieResponder& r : settings_.responders) {
        responders.push_back({{"type", r.type}, {r.type == "user" ? "username" : "name", r.name}});
      }
      body["responders"] = std::move(responders);
    }
    return Post(alerts_path_, Dump(body));
  }
  if (type == "acknowledged" || type == "resolved" || type == "closed") {
    const std::string verb = type == "acknowledged" ? "acknowledge" : "close";
    json body = {{"source", kSource},
                 {"note", Truncate(note_.Render(event, TextFormat::kPlain), kNoteChars,
                                   LengthUnit::kChars)}};
    return Post(by_alias + "/" + verb + query, Dump(body));
  }
  if (type == "severity_changed" && !IsPriorityChange(event)) return std::nullopt;
  if ((type == "severity_changed" || type == "escalated") && !jsm_) {
    return Request{.method = "PUT",
                   .path = by_alias + "/priority" + query,
                   .body = Dump(json{{"priority", priority}}),
                   .headers = Auth(),
                   .optional_step = "priority"};
  }
  // Every other update is a note (on JSM, whose integration events API has no priority endpoint,
  // a priority change too). Notes are optional: one the vendor refuses does not hold the close.
  json body = {
      {"source", kSource},
      {"note", Truncate(note_.Render(event, TextFormat::kPlain), kNoteChars, LengthUnit::kChars)}};
  Request note = Post(by_alias + "/notes" + query, Dump(body));
  note.optional_step = type == "severity_changed" || type == "escalated" ? "priority" : "note";
  return note;
}

HttpHeaders OpsgenieNotifier::Auth() const { return {{"Authorization", "GenieKey " + api_key_}}; }

JsonPostNotifier::Request OpsgenieNotifier::Post(std::string path, std::string body) const {
  return Request{.path = std::move(path), .body = std::move(body), .headers = Auth()};
}

SendResult OpsgenieNotifier::OnAnswer(const Request& req, const HttpResponse& res,
                                      SendResult result) const {
  if (result.kind == SendResult::Kind::kOk && req.path == alerts_path_) {
    const json answer = json::parse(res.body, nullptr, /*allow_exceptions=*/false);
    auto id = answer.is_object() ? answer.find("requestId") : answer.end();
    if (answer.is_object() && id != answer.end() && id->is_string() && !id->empty()) {
      const std::string request_id = id->get<std::string>();
      result.ref = ExternalRef{
          "", "opsgenie-request", request_id,
          endpoint().Origin() + alerts_path_ + "/requests/" + PercentEncode(request_id)};
    }
  }
  return result;
}

Result<std::unique_ptr<Notifier>> MakeOpsgenieNotifier(const ReceiverConfig& config) {
  const auto* settings = config.Settings<OpsgenieSettings>();
  if (settings == nullptr) {
    return MakeError("receiver \"" + config.name + "\": api_key is required for type opsgenie",
                     "api_key");
  }
  std::string key;
  auto target = ApiKeyTarget(config, settings->api_key, "api_key", &key);
  return MakeJsonPostNotifier<OpsgenieNotifier>(
      config, std::move(target),
      {{"message", kDefaultMessage}, {"description", kDefaultDescription}, {"note", kDefaultNote}},
      std::move(key), *settings);
}

const ReceiverType& OpsgenieReceiverType() {
  // No per-key limit a bridge would reach; a dead create must hold the incident's close.
  static const ReceiverType kType{{"opsgenie",
                                   {"api_key", "base_url", "priority_map", "tags", "responders"},
                                   ParseOpsgenieSettings,
                                   {"message", "description", "note"},
                                   {4, std::nullopt, {}, true}},
                                  MakeOpsgenieNotifier};
  return kType;
}

}  // namespace ab
