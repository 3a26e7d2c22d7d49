#include "notify/pagerduty/pagerduty_notifier.h"

#include <nlohmann/json.hpp>

#include "notify/receiver_types.h"
#include "notify/text/event_words.h"
#include "notify/text/facts.h"
#include "notify/text/truncate.h"

namespace ab {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultSummary = "[{{severity}}] {{title}}";

// Routing keys of services and rulesets are 32 characters; PagerDuty rejects any other length
// with a 400, so say so at start-up instead of dead-lettering every page.
constexpr size_t kRoutingKeyChars = 32;

bool IsOpenState(const std::string& state) {
  return state == "declared" || state == "acknowledged";
}

// custom_details: what a responder wants at hand in the PagerDuty incident, raw values (JSON).
json CustomDetails(const EventView& event) {
  json d = {{"event", event.event_type()}, {"incident_key", event.key()}};
  for (const IncidentFact& f : IncidentFacts(event)) d[f.label] = f.value;
  json group = json::object();
  for (const auto& l : event.group()) group[l.name] = l.value;
  if (!group.empty()) d["group"] = std::move(group);
  if (const std::string link = event.link(); !link.empty()) d["incident_url"] = link;
  return d;
}

}  // namespace

PagerDutyNotifier::PagerDutyNotifier(JsonPostTarget target, TemplateSet templates,
                                     std::string routing_key, PagerDutySettings settings)
    : JsonPostNotifier(std::move(target)),
      routing_key_(std::move(routing_key)),
      settings_(std::move(settings)),
      summary_(templates["summary"]) {
  std::string path = endpoint().path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  path_ = path + "/v2/enqueue";
}

std::optional<std::string> PagerDutyNotifier::ActionFor(const EventView& event) {
  const std::string type = event.event_type();
  if (type == "acknowledged") return "acknowledge";
  if (type == "resolved" || type == "closed") return "resolve";
  if (type == "muted") return std::nullopt;  // muting is ours: PagerDuty has nothing like it
  // A base severity change alone: the priority change that follows it is the one to send (an
  // extra trigger at the old severity would be wrong).
  if (type == "severity_changed" && !IsPriorityChange(event)) return std::nullopt;
  if (type == "declared" || type == "reopened" || IsOpenState(event.Field("state")))
    return "trigger";
  return std::nullopt;
}

std::string PagerDutyNotifier::Body(const EventView& event, const std::string& action) const {
  json body = {{"routing_key", routing_key_},
               {"event_action", action},
               {"dedup_key", Truncate(event.key(), kDedupKeyChars, LengthUnit::kChars)}};
  if (action == "trigger") {
    std::string summary =
        Truncate(summary_.Render(event, TextFormat::kPlain), kSummaryChars, LengthUnit::kChars);
    if (summary.empty()) summary = event.key();
    const std::string sev = event.severity();
    size_t level = sev.size() == 4 && sev[3] >= '1' && sev[3] <= '5' ? sev[3] - '1' : 2;
    json payload = {{"summary", summary},
                    {"source", settings_.source},
                    {"severity", settings_.severity[level]},
                    {"custom_details", CustomDetails(event)}};
    if (const std::string at = event.occurred_at(); !at.empty()) payload["timestamp"] = at;
    if (const std::string rule = event.Field("rule"); !rule.empty()) payload["class"] = rule;
    if (const std::string team = event.team(); !team.empty()) payload["group"] = team;
    // labels() answers a copy: keep it alive while the view into it is used (ASan caught a
    // use after free of the temporary).
    const LabelSet labels = event.labels();
    if (std::string_view service = labels.Get("service"); !service.empty()) {
      payload["component"] = std::string(service);
    }
    body["payload"] = std::move(payload);
    json links = json::array();
    if (const std::string link = event.link(); IsLinkableUrl(link)) {
      links.push_back({{"href", link}, {"text", "alertbridge incident " + event.Field("id")}});
      body["client"] = "alertbridge";
      body["client_url"] = link;
    }
    if (const std::string runbook = event.Field("runbook"); IsLinkableUrl(runbook)) {
      links.push_back({{"href", runbook}, {"text", "Runbook"}});
    }
    if (!links.empty()) body["links"] = std::move(links);
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<JsonPostNotifier::Request> PagerDutyNotifier::RequestFor(
    const EventView& event) const {
  const std::optional<std::string> action = ActionFor(event);
  if (!action) return std::nullopt;
  return Request{.path = path_, .body = Body(event, *action)};
}

Result<std::unique_ptr<Notifier>> MakePagerDutyNotifier(const ReceiverConfig& config) {
  const auto* settings = config.Settings<PagerDutySettings>();
  if (settings == nullptr) {
    return MakeError("receiver \"" + config.name + "\": routing_key is required for type pagerduty",
                     "routing_key");
  }
  std::string key;
  auto target = ApiKeyTarget(config, settings->routing_key, "routing_key", &key);
  if (target.ok() && key.size() != kRoutingKeyChars) {
    return MakeError("receiver \"" + config.name + "\": routing_key " +
                         DescribeSecretRef(settings->routing_key) + " must be " +
                         std::to_string(kRoutingKeyChars) + " characters, got " +
                         std::to_string(key.size()),
                     "routing_key");
  }
  return MakeJsonPostNotifier<PagerDutyNotifier>(
      config, std::move(target), {{"summary", kDefaultSummary}}, std::move(key), *settings);
}

const ReceiverType& PagerDutyReceiverType() {
  // About 120 events per minute per routing key (VENDORS.md); a dead trigger must hold the
  // incident's resolve, so it is stateful.
  static const ReceiverType kType{{"pagerduty",
                                   {"routing_key", "base_url", "severity_map", "source"},
                                   ParsePagerDutySettings,
                                   {"summary"},
                                   {2, RateLimit{2, 2}, {}, true}},
                                  MakePagerDutyNotifier};
  return kType;
}

}  // namespace ab
