// Heartbeats (dead man's switch): a `type: heartbeat` rule expects an alert matching it (the
// always-firing Watchdog of kube-prometheus) at least every `interval`. When none came, the
// monitoring pipeline is down: declare that as an incident, and resolve it when the beat returns.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_step.h"
#include "engine/incident_text.h"

namespace ab {

bool Engine::IsHeartbeat(const Incident& inc) const {
  const Rule* rule = rules_->Find(inc.rule);
  return rule != nullptr && rule->heartbeat();
}

void Engine::Beat(const Rule& rule, LabelSet group, uint64_t fp, TimePoint now, Step& step) {
  GroupKey key{rule.name, std::move(group)};
  heartbeats_[key].last_seen = now;
  GroupState& gs = groups_[key];
  if (gs.current_incident == 0) return;
  Incident& inc = incidents_.at(gs.current_incident);
  if (!IsOpen(inc.state)) return;
  Resolve(inc, now, {{"heartbeat", FormatFingerprint(fp)}}, step);
}

void Engine::CheckHeartbeats(TimePoint now, Step& step) {
  // A heartbeat without group_by is expected from the start; grouped ones once a group was seen.
  for (size_t idx : rules_->heartbeat_rules()) {
    const Rule& rule = rules_->rules()[idx];
    if (rule.group_by.empty()) heartbeats_.try_emplace(GroupKey{rule.name, {}});
  }
  for (const auto& [key, hb] : heartbeats_) {
    const Rule* rule = rules_->Find(key.rule);
    if (rule == nullptr || !rule->heartbeat()) continue;
    // Counted from when this engine started at the latest: a restart after a long stop gives the
    // pipeline one interval to be heard again before anyone is paged.
    TimePoint since = std::max(hb.last_seen.value_or(*epoch_), *epoch_);
    if (now <= since + rule->interval) continue;
    GroupState& gs = groups_[key];
    if (gs.current_incident != 0) {
      const Incident& last = incidents_.at(gs.current_incident);
      if (last.state == IncidentState::kPending || IsOpen(last.state)) continue;
      // Resolved by a person while the beat was still missing: they know; wait for it to return.
      bool heard_since = hb.last_seen && last.resolved_at && *hb.last_seen > *last.resolved_at;
      if (last.resolved_by_hand && !heard_since) continue;
    }
    Incident& inc = NewIncident(*rule, key.group, gs, now, step);
    inc.state = IncidentState::kDeclared;
    inc.declared_at = now;
    inc.base_severity = inc.priority = rule->severity.default_severity;
    IncidentText text = RenderHeartbeatText(*rule, key.group, hb.last_seen,
                                            TextContext{key.group, {}, 0, {}, rules_->accounts()});
    inc.title = std::move(text.title);
    inc.summary = std::move(text.summary);
    inc.owner = std::move(text.owner);
    inc.runbook = std::move(text.runbook);
    inc.receivers = rule->receivers;
    gs.last_occurrence = inc.occurrence;
    if (gs.previous_incident != 0) step.release.insert(gs.previous_incident);
    gs.previous_incident = 0;
    nlohmann::json last_seen = nullptr;
    if (hb.last_seen) last_seen = FormatRfc3339(*hb.last_seen);
    Emit(inc, EventType::kDeclared, now,
         {{"heartbeat", "missing"},
          {"interval", FormatDuration(rule->interval)},
          {"last_seen", last_seen}},
         step);
  }
}

// The last beat of each heartbeat group, from the tracked alerts: they are stored with their last
// receipt, so a restart or a reload knows when each heartbeat was last heard.
void Engine::RebuildHeartbeats() {
  heartbeats_.clear();
  if (rules_->heartbeat_rules().empty()) return;
  for (const auto& [fp, t] : alerts_) {
    if (!t.alert.firing()) continue;
    rules_->Match(t.alert.labels, &matched_);
    for (size_t idx : matched_) {
      const Rule& rule = rules_->rules()[idx];
      if (!rule.heartbeat()) break;  // Match returns heartbeat rules only, or none of them
      HeartbeatState& hb = heartbeats_[GroupKey{rule.name, rule.GroupOf(t.alert.labels)}];
      hb.last_seen = std::max(hb.last_seen.value_or(t.last_received), t.last_received);
    }
  }
}

}  // namespace ab
