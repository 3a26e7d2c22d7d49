// An incident's life by its rule: the trigger that declares a pending group, the quiet period that
// resolves it, and the reopen inside the dedup window.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_step.h"
#include "engine/incident_text.h"

namespace ab {

// Trigger: at least `min_alerts` distinct member alerts count, without a break, for `for`. An
// alert counts while it fires and, with a `within` window, until `within` after it resolved
// (so N alerts that fired within the window count even if they did not overlap). The window
// boundary is inclusive. Times are alertbridge's receive times, never the sender's startsAt
// (CONTRACTS.md "Time base"). Nothing is declared while no member fires.
void Engine::EvaluatePending(Incident& inc, const Rule* rule, TimePoint now, Step& step) {
  if (rule == nullptr || rule->heartbeat()) {
    // The rule vanished or changed kind at a reload: a group that never declared just goes.
    RemovePending(inc, step);
    return;
  }
  const Trigger& trigger = rule->trigger;
  const size_t need = static_cast<size_t>(std::max(1, trigger.min_alerts));
  // What counts is kept as members change (member_tally.h): an alert counts while it fires and,
  // with a `within` window, until `within` after it resolved, from when it began to count.
  MemberTally& tally = TallyOf(inc);
  if (!tally.trigger) tally = BuildTally(inc);
  TriggerCount& count = *tally.trigger;
  count.Expire(now);
  const int firing = count.firing();
  inc.alerts_firing = firing;
  if (count.counting() == 0) {
    RemovePending(inc, step);  // the group went quiet before its trigger held
    return;
  }
  if (count.counting() < need) {
    inc.trigger_since.reset();
    return;
  }
  // Between two evaluations no alert arrives (an arrival is an evaluation), so the count can
  // only fall as the window slides. If it held at the last evaluation and enough of the alerts
  // counting now were counting before this instant (the need-th earliest start is before now),
  // it held throughout; else it holds since the need-th alert began to count. An alert that
  // fires again starts to count afresh, so a flap can only make a declaration later, never
  // earlier.
  const TimePoint nth = count.NthStart(need);
  if (!inc.trigger_since || nth >= now) inc.trigger_since = nth;
  if (now < *inc.trigger_since + trigger.hold || firing == 0) return;
  Declare(inc, *rule, now, step);
}

void Engine::RemovePending(Incident& inc, Step& step) {
  const int64_t id = inc.id;
  DropMemberships(inc);
  tallies_.erase(id);
  step.changes.removed_incidents.push_back(id);
  GroupOf(inc).current_incident = 0;
  incidents_.erase(id);  // `inc` dangles from here on
  UpdateTimers(id);
}

void Engine::Declare(Incident& inc, const Rule& rule, TimePoint now, Step& step) {
  inc.state = IncidentState::kDeclared;
  inc.declared_at = now;
  inc.trigger_since.reset();
  MemberTally& tally = TallyOf(inc);
  inc.alerts_firing = tally.trigger ? tally.trigger->firing() : FiringCount(inc);
  tally.trigger.reset();
  inc.base_severity = BaseSeverityOf(inc, rule);
  inc.priority = inc.base_severity;
  if (!rule.severity.raise.empty()) {
    inc.priority = rule.PriorityOf(inc.base_severity, inc.alerts_firing, ImpactOf(inc, rule), now);
  }
  RenderText(inc, rule);
  inc.receivers = rule.receivers;
  GroupOf(inc).last_occurrence = inc.occurrence;
  nlohmann::json details = {{"alerts_firing", inc.alerts_firing}};
  // The people the rule names for each role are on the timeline from the start (later changes
  // are `assigned` events).
  for (const auto& [role, who] : {std::pair{"team", &inc.owner.team},
                                  std::pair{"commander", &inc.owner.commander},
                                  std::pair{"communications", &inc.owner.communications}}) {
    if (!who->empty()) details[role] = *who;
  }
  Emit(inc, EventType::kDeclared, now, std::move(details), step);
}

void Engine::RenderText(Incident& inc, const Rule& rule) const {
  std::vector<const TrackedAlert*> firing;
  for (uint64_t fp : inc.alerts) {
    const TrackedAlert& a = alerts_.at(fp);
    if (a.alert.firing()) firing.push_back(&a);
  }
  TextContext ctx = CommonContext(firing);
  ctx.accounts = inc.accounts;
  ctx.account_table = rules_->accounts();
  IncidentText text = RenderIncidentText(rule, inc.group, ctx);
  inc.title = std::move(text.title);
  inc.summary = std::move(text.summary);
  inc.owner = std::move(text.owner);
  inc.runbook = std::move(text.runbook);
}

// `resolve.when_alerts_resolved`: resolves once no member has fired for the quiet period `after`.
// A member that fires again inside it keeps the incident open (flapping does not resolve and
// redeclare).
void Engine::MaybeResolve(Incident& inc, const Rule* rule, TimePoint now, Step& step) {
  if (inc.alerts_firing > 0 || inc.held_open) return;
  if (rule != nullptr && (rule->heartbeat() || !rule->resolve.when_alerts_resolved)) return;
  // No member fires, so every member has resolved: quiet since the last of them did.
  const TimePoint quiet_since = TallyOf(inc).last_member_end;
  Duration after = rule != nullptr ? rule->resolve.after : Duration(0);
  if (now < quiet_since + after) return;
  // Downstream says how it resolved: monitoring that went silent is not a recovery.
  size_t stale = 0;
  for (uint64_t fp : inc.alerts) stale += alerts_.at(fp).stale ? 1 : 0;
  const char* how = stale == 0
                        ? "alerts_recovered"
                        : (stale == inc.alerts.size() ? "alerts_stale" : "alerts_partly_stale");
  Resolve(inc, now, {{"alerts_total", inc.alerts.size()}, {"alerts_stale", stale}, {"how", how}},
          step);
}

void Engine::Resolve(Incident& inc, TimePoint now, nlohmann::json details, Step& step,
                     std::string actor) {
  inc.state = IncidentState::kResolved;
  inc.resolved_at = now;
  inc.held_open = false;
  inc.resolved_by_hand = !actor.empty();
  tallies_.erase(inc.id);  // memberships stay while it is its group's current incident
  Emit(inc, EventType::kResolved, now, std::move(details), step, std::move(actor));
}

void Engine::Reopen(Incident& inc, TimePoint now, nlohmann::json details, Step& step,
                    std::string actor) {
  inc.state = IncidentState::kDeclared;
  inc.resolved_at.reset();
  inc.resolved_by_hand = false;
  // Reopened by a person with nothing firing: it stays open until they resolve it or an alert
  // fires and resolves again.
  inc.held_open = !actor.empty();
  AddMemberships(inc);
  inc.alerts_firing = FiringCount(inc);
  tallies_[inc.id] = BuildTally(inc);
  if (inc.alerts_firing > 0) inc.held_open = false;
  RestartSla(inc, now);
  Emit(inc, EventType::kReopened, now, std::move(details), step, std::move(actor));
}

}  // namespace ab
