#include "model/json.h"

#include "common/crypto.h"
#include "model/outbox.h"

namespace ab {

nlohmann::json TimeJson(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return FormatRfc3339(*t);
}

nlohmann::json LabelsJson(const LabelSet& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& l : labels) j[l.name] = l.value;
  return j;
}

nlohmann::json AlertJson(const TrackedAlert& a) {
  return {
      {"fingerprint", FormatFingerprint(a.alert.fingerprint)},
      {"status", ToString(a.alert.status)},
      {"labels", LabelsJson(a.alert.labels)},
      {"annotations", LabelsJson(a.alert.annotations)},
      {"starts_at", FormatRfc3339(a.alert.starts_at)},
      {"ends_at", TimeJson(a.alert.ends_at)},
      {"generator_url", a.alert.generator_url},
      {"source", a.alert.source},
      {"first_received_at", FormatRfc3339(a.first_received)},
      {"last_received_at", FormatRfc3339(a.last_received)},
      {"resolved_at", TimeJson(a.resolved_at)},
      {"stale", a.stale},
  };
}

nlohmann::json IncidentJson(const Incident& inc, std::string_view external_url) {
  nlohmann::json refs = nlohmann::json::array();
  for (const auto& r : inc.external_refs) {
    refs.push_back({{"receiver", r.receiver}, {"type", r.type}, {"id", r.id}, {"url", r.url}});
  }
  nlohmann::json flags = nlohmann::json::array();
  if (inc.orphaned) flags.push_back("orphaned");
  if (inc.muted) flags.push_back("muted");
  std::string url(external_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return {
      {"id", inc.id},
      {"key", inc.key},
      {"rule", inc.rule},
      {"group", LabelsJson(inc.group)},
      {"state", ToString(inc.state)},
      {"flags", flags},
      {"base_severity", ToString(inc.base_severity)},
      {"priority", ToString(inc.priority)},
      {"title", inc.title},
      {"summary", inc.summary},
      {"owner",
       {{"team", inc.owner.team},
        {"commander", inc.owner.commander},
        {"communications", inc.owner.communications}}},
      {"runbook", inc.runbook},
      {"accounts", inc.accounts},
      {"alerts_firing", inc.alerts_firing},
      {"alerts_total", inc.alerts_total},
      {"declared_at", TimeJson(inc.declared_at)},
      {"acknowledged_at", TimeJson(inc.acknowledged_at)},
      {"resolved_at", TimeJson(inc.resolved_at)},
      {"closed_at", TimeJson(inc.closed_at)},
      {"resolution", inc.resolution},
      {"cause", inc.cause},
      {"runbook_updated", inc.runbook_updated ? nlohmann::json(*inc.runbook_updated) : nullptr},
      {"latest_note", inc.latest_note},
      {"last_update_at", TimeJson(inc.last_update_at)},
      {"external_refs", refs},
      {"url", url + "/api/v1/incidents/" + std::to_string(inc.id)},
  };
}

nlohmann::json EventEnvelope(const Event& ev, const Incident& inc, std::string_view external_url) {
  return {
      {"version", "1"},
      {"id", EventId(inc.key, ev.seq)},
      {"type", ToString(ev.type)},
      {"occurred_at", FormatRfc3339(ev.at)},
      // Who did it and what exactly (a note's text, a resolution, the field that changed with its
      // old and new value, how an incident resolved): receivers word their messages from these.
      {"actor", ev.actor},
      {"details", ev.details},
      {"incident", IncidentJson(inc, external_url)},
  };
}

nlohmann::json TimelineEntryJson(const Event& ev) {
  return {{"seq", ev.seq},
          {"type", ToString(ev.type)},
          {"at", FormatRfc3339(ev.at)},
          {"actor", ev.actor},
          {"details", ev.details}};
}

nlohmann::json DegradedEntryJson(const DegradedDelivery& d) {
  return {{"seq", d.event_seq},
          {"type", "delivery_degraded"},
          {"at", FormatRfc3339(d.at)},
          {"actor", "system"},
          {"details", {{"receiver", d.receiver}, {"step", d.step}, {"reason", d.reason}}}};
}

namespace {

// Length-prefixed fields, so that no two different inputs produce the same byte string.
void AddField(std::string& input, std::string_view s) {
  input += std::to_string(s.size());
  input += ':';
  input += s;
}

void AddGroup(std::string& input, std::string_view rule, const LabelSet& group) {
  AddField(input, rule);
  for (const auto& l : group) {
    AddField(input, l.name);
    AddField(input, l.value);
  }
}

std::string HashPart(const std::string& input) { return Base32Lower(Sha256(input)).substr(0, 16); }

}  // namespace

std::string IncidentGroupHash(std::string_view rule, const LabelSet& group) {
  std::string input;
  AddGroup(input, rule, group);
  return HashPart(input);
}

std::string IncidentKey(std::string_view instance_id, std::string_view rule, const LabelSet& group,
                        int occurrence) {
  std::string input;
  AddField(input, instance_id);
  AddGroup(input, rule, group);
  return "ab-" + HashPart(input) + "-" + std::to_string(occurrence);
}

std::string EventId(std::string_view key, int64_t seq) {
  return std::string(key) + "_" + std::to_string(seq);
}

std::string_view ToString(OutboxState s) {
  switch (s) {
    case OutboxState::kPending:
      return "pending";
    case OutboxState::kDelivered:
      return "delivered";
    case OutboxState::kHeld:
      return "held";
    case OutboxState::kDead:
      return "dead";
    case OutboxState::kDiscarded:
      return "discarded";
  }
  return "pending";
}

std::optional<OutboxState> ParseOutboxState(std::string_view text) {
  for (OutboxState s : kOutboxStates) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

}  // namespace ab
