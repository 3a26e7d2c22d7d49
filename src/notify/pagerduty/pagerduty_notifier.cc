#include "notify/pagerduty/pagerduty_notifier.h"

#include <nlohmann/json.hpp>

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

PagerDutyNotifier::PagerDutyNotifier(std::string receiver, HttpEndpoint base,
                                     std::string routing_key, PagerDutySettings settings,
                                     Template summary, Duration timeout)
    : receiver_(std::move(receiver)),
      routing_key_(std::move(routing_key)),
      settings_(std::move(settings)),
      summary_(std::move(summary)),
      client_(base, timeout) {
  std::string path = base.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  path_ = path + "/v2/enqueue";
}

std::optional<std::string> PagerDutyNotifier::ActionFor(const EventView& event) {
  const std::string type = event.event_type();
  if (type == "acknowledged") return "acknowledge";
  if (type == "resolved" || type == "closed") return "resolve";
  if (type == "muted") return std::nullopt;  // muting is ours: PagerDuty has nothing like it
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
    if (std::string_view service = event.labels().Get("service"); !service.empty()) {
      payload["component"] = service;
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

SendResult PagerDutyNotifier::Send(const OutboxEntry& entry, const SendContext& ctx) {
  const std::string what = "receiver \"" + receiver_ + "\"";
  auto event = EventView::Parse(entry.payload);
  if (!event.ok()) return SendResult::Permanent(what + ": " + event.error().message);
  if (event->key().empty()) return SendResult::Permanent(what + ": event has no incident key");
  const std::optional<std::string> action = ActionFor(*event);
  if (!action) return SendResult::Ok();
  const HttpResponse res = client_.Send("POST", path_, JsonHeaders(), Body(*event, *action));
  return ClassifyResponse(res, ctx.now, what, {routing_key_});
}

Result<std::unique_ptr<Notifier>> MakePagerDutyNotifier(const ReceiverConfig& config) {
  const auto* settings = config.Settings<PagerDutySettings>();
  if (settings == nullptr) {
    return MakeError("receiver \"" + config.name + "\": routing_key is required for type pagerduty",
                     "routing_key");
  }
  auto base = ResolveReceiverUrl(config, "base_url");
  if (!base.ok()) return base.error();
  auto key = ResolveReceiverSecret(config, settings->routing_key, "routing_key");
  if (!key.ok()) return key.error();
  if (key->size() != kRoutingKeyChars) {
    return MakeError("receiver \"" + config.name + "\": routing_key " +
                         DescribeSecretRef(settings->routing_key) + " must be " +
                         std::to_string(kRoutingKeyChars) + " characters, got " +
                         std::to_string(key->size()),
                     "routing_key");
  }
  auto summary = ReceiverTemplate(config, "summary", kDefaultSummary);
  if (!summary.ok()) return summary.error();
  return std::unique_ptr<Notifier>(std::make_unique<PagerDutyNotifier>(
      config.name, std::move(base->endpoint), std::move(key).value(), *settings,
      std::move(summary).value(), config.timeout));
}

}  // namespace ab
