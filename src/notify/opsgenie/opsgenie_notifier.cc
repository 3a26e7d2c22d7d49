#include "notify/opsgenie/opsgenie_notifier.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "notify/text/facts.h"
#include "notify/text/truncate.h"

namespace ab {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultMessage = "{{title}}";
constexpr std::string_view kDefaultDescription =
    "{{summary}}\n\nIncident {{incident.id}} ({{key}}){{#link}}: {{link}}{{/link}}";
constexpr std::string_view kDefaultNote = "Incident {{event.verb}}: [{{severity}}] {{title}}";
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

OpsgenieNotifier::OpsgenieNotifier(std::string receiver, HttpEndpoint base, std::string api_key,
                                   OpsgenieSettings settings, Template message,
                                   Template description, Template note, Duration timeout)
    : receiver_(std::move(receiver)),
      api_key_(std::move(api_key)),
      settings_(std::move(settings)),
      message_(std::move(message)),
      description_(std::move(description)),
      note_(std::move(note)),
      client_(base, timeout) {
  std::string path = base.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  alerts_path_ = path + "/v2/alerts";
}

OpsgenieNotifier::Request OpsgenieNotifier::RequestFor(const EventView& event) const {
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
    return {"POST", alerts_path_, Dump(body)};
  }
  if (type == "acknowledged" || type == "resolved" || type == "closed") {
    const std::string verb = type == "acknowledged" ? "acknowledge" : "close";
    json body = {{"source", kSource},
                 {"note", Truncate(note_.Render(event, TextFormat::kPlain), kNoteChars,
                                   LengthUnit::kChars)}};
    return {"POST", by_alias + "/" + verb + query, Dump(body)};
  }
  if (type == "severity_changed" || type == "escalated") {
    return {"PUT", by_alias + "/priority" + query, Dump(json{{"priority", priority}})};
  }
  json body = {
      {"source", kSource},
      {"note", Truncate(note_.Render(event, TextFormat::kPlain), kNoteChars, LengthUnit::kChars)}};
  return {"POST", by_alias + "/notes" + query, Dump(body)};
}

SendResult OpsgenieNotifier::Send(const OutboxEntry& entry, const SendContext& ctx) {
  const std::string what = "receiver \"" + receiver_ + "\"";
  auto event = EventView::Parse(entry.payload);
  if (!event.ok()) return SendResult::Permanent(what + ": " + event.error().message);
  if (event->key().empty()) return SendResult::Permanent(what + ": event has no incident key");
  const Request req = RequestFor(*event);
  HttpHeaders headers = JsonHeaders();
  headers.emplace_back("Authorization", "GenieKey " + api_key_);
  const HttpResponse res = client_.Send(req.method, req.path, headers, req.body);
  SendResult result = ClassifyResponse(res, ctx.now, what, {api_key_});
  if (result.kind == SendResult::Kind::kOk && req.path == alerts_path_) {
    const json answer = json::parse(res.body, nullptr, /*allow_exceptions=*/false);
    auto id = answer.is_object() ? answer.find("requestId") : answer.end();
    if (answer.is_object() && id != answer.end() && id->is_string() && !id->empty()) {
      const std::string request_id = id->get<std::string>();
      result.ref = ExternalRef{
          "", "opsgenie-request", request_id,
          client_.endpoint().Origin() + alerts_path_ + "/requests/" + PercentEncode(request_id)};
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
  auto base = ResolveReceiverUrl(config, "base_url");
  if (!base.ok()) return base.error();
  auto key = ResolveReceiverSecret(config, settings->api_key, "api_key");
  if (!key.ok()) return key.error();
  auto message = ReceiverTemplate(config, "message", kDefaultMessage);
  if (!message.ok()) return message.error();
  auto description = ReceiverTemplate(config, "description", kDefaultDescription);
  if (!description.ok()) return description.error();
  auto note = ReceiverTemplate(config, "note", kDefaultNote);
  if (!note.ok()) return note.error();
  return std::unique_ptr<Notifier>(std::make_unique<OpsgenieNotifier>(
      config.name, std::move(base->endpoint), std::move(key).value(), *settings,
      std::move(message).value(), std::move(description).value(), std::move(note).value(),
      config.timeout));
}

}  // namespace ab
