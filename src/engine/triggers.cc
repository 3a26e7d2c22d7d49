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
// (CONTRACTS.md "Time base"). Nothing is declared (or reopened) while no member fires.
Engine::TriggerHold Engine::CheckTrigger(Incident& inc, const Trigger& trigger, TriggerCount& count,
                                         TimePoint now) {
  const size_t need = static_cast<size_t>(std::max(1, trigger.min_alerts));
  count.Expire(now);
  if (count.counting() == 0) return TriggerHold::kGone;
  if (count.counting() < need) {
    inc.trigger_since.reset();
    return TriggerHold::kWaiting;
  }
  // Between two evaluations no alert arrives (an arrival is an evaluation), so the count can
  // only fall as the window slides. If it held at the last evaluation and enough of the alerts
  // counting now were counting before this instant (the need-th earliest start is before now),
  // it held throughout; else it holds since the need-th alert began to count. An alert that
  // fires again starts to count afresh, so a flap can only make a declaration later, never
  // earlier.
  const TimePoint nth = count.NthStart(need);
  if (!inc.trigger_since || nth >= now) inc.trigger_since = nth;
  if (now < *inc.trigger_since + trigger.hold || count.firing() == 0) {
    return TriggerHold::kWaiting;
  }
  return TriggerHold::kHolds;
}

void Engine::EvaluatePending(Incident& inc, const Rule* rule, TimePoint now, Step& step) {
  if (rule == nullptr || rule->heartbeat()) {
    // The rule vanished or changed kind at a reload: a group that never declared just goes.
    RemovePending(inc, step);
    return;
  }
  // What counts is kept as members change (member_tally.h).
  MemberTally& tally = TallyOf(inc);
  if (!tally.trigger) tally = BuildTally(inc);
  TriggerCount& count = *tally.trigger;
  const TriggerHold hold = CheckTrigger(inc, rule->trigger, count, now);
  inc.alerts_firing = count.firing();
  if (hold == TriggerHold::kGone) {
    RemovePending(inc, step);  // the group went quiet before its trigger held
  } else if (hold == TriggerHold::kHolds) {
    Declare(inc, *rule, now, step);
  }
}

bool Engine::CountsTowardReopen(const Incident& inc, const Rule* rule,
                                const TrackedAlert& a) const {
  if (!inc.resolved_at || a.first_received <= *inc.resolved_at) return false;
  // After a person resolved it, firings inside the quiet period are part of what they resolved.
  const Duration quiet = rule != nullptr ? rule->resolve.after : Duration(0);
  return !inc.resolved_by_hand || a.first_received >= *inc.resolved_at + quiet;
}

// Inside the dedup window, or while earlier firings there still count toward its trigger, a
// resolved incident takes its group's new firings.
bool Engine::CollectsReopen(Incident& inc, const Rule& rule, TimePoint now) {
  if (rule.heartbeat() || !inc.resolved_at) return false;
  if (auto t = tallies_.find(inc.id); t != tallies_.end() && t->second.trigger) {
    t->second.trigger->Expire(now);
    if (t->second.trigger->counting() > 0) return true;
  }
  return rule.dedup_window.count() > 0 && now <= *inc.resolved_at + rule.dedup_window;
}

void Engine::EvaluateReopen(Incident& inc, const Rule* rule, TimePoint now, Step& step) {
  if (rule == nullptr || rule->heartbeat()) {
    StopReopen(inc, step);
    return;
  }
  TriggerCount& count = *tallies_.at(inc.id).trigger;
  const TriggerHold hold = CheckTrigger(inc, rule->trigger, count, now);
  if (hold == TriggerHold::kGone) {
    StopReopen(inc, step);
    return;
  }
  if (hold == TriggerHold::kWaiting) return;
  // The firings that met the trigger, in a fixed order (restored member lists are sorted).
  std::vector<uint64_t> added;
  for (uint64_t fp : inc.alerts) {
    const TrackedAlert& a = alerts_.at(fp);
    if (a.alert.firing() && CountsTowardReopen(inc, rule, a)) added.push_back(fp);
  }
  std::sort(added.begin(), added.end());
  Reopen(inc, now, {{"alerts_firing", FiringCount(inc)}}, step);
  const Severity before = RulePriority(inc, rule, now);
  for (uint64_t fp : added) {
    const LabelSet& labels = alerts_.at(fp).alert.labels;
    Emit(inc, EventType::kAlertAdded, now,
         {{"fingerprint", FormatFingerprint(fp)}, {"labels", labels.ToString()}}, step);
  }
  RaiseBase(inc, BaseSeverityOf(inc, *rule), now, step);
  RaisePriority(inc, rule, before, now, step);
}

void Engine::StopReopen(Incident& inc, Step& step) {
  tallies_.erase(inc.id);
  inc.trigger_since.reset();
  step.touched_incidents.insert(inc.id);
}

void Engine::RemovePending(Incident& inc, Step& step) {
  const int64_t id = inc.id;
  DropMemberships(inc);
  tallies_.erase(id);
  step.changes.removed_incidents.push_back(id);
  GroupState& gs = GroupOf(inc);
  incidents_.erase(id);  // `inc` dangles from here on
  // The occurrence before it is the group's latest again, holding all its members.
  gs.current_incident = 0;
  if (auto prev = incidents_.find(gs.previous_incident); prev != incidents_.end()) {
    gs.current_incident = prev->first;
    AddMemberships(prev->second);
  }
  gs.previous_incident = 0;
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
  inc.priority = RulePriority(inc, &rule, now);
  RenderText(inc, rule, /*owner=*/true);
  inc.receivers = rule.receivers;
  GroupState& gs = GroupOf(inc);
  gs.last_occurrence = inc.occurrence;
  if (gs.previous_incident != 0) step.release.insert(gs.previous_incident);
  gs.previous_incident = 0;
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

void Engine::RenderText(Incident& inc, const Rule& rule, bool owner) {
  MemberTally& tally = TallyOf(inc);
  if (!tally.common) {
    std::vector<const TrackedAlert*> firing;
    for (uint64_t fp : inc.alerts) {
      const TrackedAlert& a = alerts_.at(fp);
      if (a.alert.firing()) firing.push_back(&a);
    }
    TextContext all = CommonContext(firing);
    tally.common =
        MemberTally::Common{std::move(all.common_labels), std::move(all.common_annotations)};
  }
  TextContext ctx;
  ctx.common_labels = tally.common->labels;
  ctx.common_annotations = tally.common->annotations;
  ctx.alert_count = inc.alerts_firing;
  ctx.accounts = inc.accounts;
  ctx.account_table = rules_->accounts();
  IncidentText text = RenderIncidentText(rule, inc.group, ctx);
  inc.title = std::move(text.title);
  inc.summary = std::move(text.summary);
  inc.runbook = std::move(text.runbook);
  // An owner a person assigned since it was last rendered is theirs.
  auto rendered = rendered_owner_.find(inc.id);
  if (owner || (rendered != rendered_owner_.end() && rendered->second == inc.owner)) {
    inc.owner = text.owner;
    rendered_owner_[inc.id] = std::move(text.owner);
  }
  text_dirty_.erase(inc.id);
}

// Text follows the incident: what its templates see (members, severity, accounts) changed, so it
// is rendered again. While nothing fires it keeps the text of its last firing alerts.
void Engine::RefreshText(Incident& inc) {
  if (text_dirty_.count(inc.id) == 0) return;
  const Rule* rule = rules_->Find(inc.rule);
  if (!IsOpen(inc.state) || rule == nullptr || rule->heartbeat() || inc.alerts_firing == 0) {
    text_dirty_.erase(inc.id);
    return;
  }
  RenderText(inc, *rule, /*owner=*/false);
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
  inc.trigger_since.reset();
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
  inc.trigger_since.reset();
  AddMemberships(inc);
  inc.alerts_firing = FiringCount(inc);
  tallies_[inc.id] = BuildTally(inc);
  if (inc.alerts_firing > 0) inc.held_open = false;
  text_dirty_.insert(inc.id);
  RestartSla(inc, now);
  Emit(inc, EventType::kReopened, now, std::move(details), step, std::move(actor));
}

}  // namespace ab
