// Alerts in: tracking each alert, routing it to the rules it matches, incident membership, and
// the bookkeeping every step shares (events, timers, rows to commit).
#include "engine/engine.h"

#include <algorithm>
#include <tuple>

#include "engine/engine_step.h"

namespace ab {

Incident CopyWithoutMembers(Incident& inc) {
  std::vector<uint64_t> members = std::move(inc.alerts);
  Incident copy = inc;
  inc.alerts = std::move(members);
  return copy;
}

size_t Engine::GroupKeyHash::operator()(const GroupKey& k) const {
  size_t h = std::hash<std::string>()(k.rule);
  for (const auto& l : k.group) {
    h = h * 1000003u ^ std::hash<std::string>()(l.name);
    h = h * 1000003u ^ std::hash<std::string>()(l.value);
  }
  return h;
}

Engine::Engine(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)) {}

Changes Engine::SetRules(std::shared_ptr<const RuleSet> rules) {
  rules_ = std::move(rules);
  impact_.clear();  // the accounts table may have changed with them
  // A pending trigger counts by its rule's window, which may have changed.
  for (int64_t id : pending_) tallies_[id] = BuildTally(incidents_.at(id));
  RebuildHeartbeats();
  for (const auto& [id, inc] : incidents_) UpdateTimers(id);
  return FlagOrphans();
}

Changes Engine::FlagOrphans() {
  Changes changes;
  for (auto& [id, inc] : incidents_) {
    const bool rule_gone = rules_->Find(inc.rule) == nullptr;
    // Flagged while open; the flag stays after it resolves, until its rule comes back.
    const bool orphaned = rule_gone && (inc.orphaned || IsOpen(inc.state));
    if (orphaned != inc.orphaned) {
      inc.orphaned = orphaned;
      changes.incidents.push_back(CopyWithoutMembers(inc));
    }
  }
  return changes;
}

void Engine::Restore(std::vector<TrackedAlert> alerts, std::vector<Incident> incidents,
                     std::optional<TimePoint> running_since) {
  alerts_.clear();
  incidents_.clear();
  groups_.clear();
  memberships_.clear();
  tallies_.clear();
  firing_alerts_ = 0;
  pending_.clear();
  open_.clear();
  quiet_.clear();
  reopening_.clear();
  stale_at_.clear();
  impact_.clear();
  raise_unscheduled_.clear();
  raise_at_.clear();
  raise_due_.clear();
  text_dirty_.clear();
  rendered_owner_.clear();
  epoch_ = running_since;
  grace_due_ = !running_since;
  sla_at_.clear();
  sla_due_.clear();
  silences_changed_ = !silences_.empty();  // held-back alerts and mutes are worked out afresh
  next_id_ = 1;
  next_alert_id_ = 1;
  for (const auto& a : alerts) next_alert_id_ = std::max(next_alert_id_, a.id + 1);
  for (auto& a : alerts) {
    uint64_t fp = a.alert.fingerprint;
    if (a.id == 0) a.id = next_alert_id_++;  // never stored with one (hand-made state)
    if (a.alert.firing()) {
      IndexStale(fp, std::nullopt, a.alert.stale_at);
      ++firing_alerts_;
    }
    alerts_.emplace(fp, std::move(a));
  }
  std::sort(incidents.begin(), incidents.end(),
            [](const Incident& a, const Incident& b) { return a.id < b.id; });
  for (const Incident& inc : incidents) {
    next_id_ = std::max(next_id_, inc.id + 1);
    GroupState& gs = groups_[GroupKey{inc.rule, inc.group}];
    if (inc.state != IncidentState::kPending) {
      gs.last_occurrence = std::max(gs.last_occurrence, inc.occurrence);
    }
    // Ascending ids: the latest one wins.
    if (inc.state == IncidentState::kPending) gs.previous_incident = gs.current_incident;
    gs.current_incident = inc.id;
  }
  // Newest first: a firing alert belongs to the latest incident of each group that holds it (a
  // new firing always joins the group's current incident; a repeat never joins a newer one).
  // Older occurrences that hold none are done with alerts and live in the store only (Act takes
  // them from there).
  auto firing = [this](uint64_t fp) {
    auto it = alerts_.find(fp);
    return it != alerts_.end() && it->second.alert.firing();
  };
  std::unordered_map<GroupKey, std::unordered_set<uint64_t>, GroupKeyHash> claimed;
  for (auto it = incidents.rbegin(); it != incidents.rend(); ++it) {
    Incident& inc = *it;
    GroupKey key{inc.rule, inc.group};
    const GroupState& gs = groups_[key];
    const bool current = gs.current_incident == inc.id;
    // The occurrence before a pending one is kept too (it is the latest again if that vanishes).
    const bool previous = gs.previous_incident == inc.id &&
                          incidents_.at(gs.current_incident).state == IncidentState::kPending;
    std::unordered_set<uint64_t>& taken = claimed[key];
    std::vector<uint64_t> owned;
    for (uint64_t fp : inc.alerts) {
      if (!firing(fp)) continue;
      if (taken.insert(fp).second || current) owned.push_back(fp);
    }
    if (!current && !previous && owned.empty()) continue;
    const int64_t id = inc.id;
    Incident& held = incidents_[id] = std::move(inc);
    if (current) {
      AddMemberships(held);
      if (held.state != IncidentState::kPending)
        held.alerts_firing = static_cast<int>(owned.size());
    } else {
      for (uint64_t fp : owned) InsertMembership(fp, id);
      held.alerts_firing = static_cast<int>(owned.size());
    }
  }
  for (auto& [id, inc] : incidents_) {
    if (inc.state == IncidentState::kPending || IsOpen(inc.state)) {
      tallies_.emplace(id, BuildTally(inc));
    } else if (inc.state == IncidentState::kResolved && IsCurrent(inc)) {
      // New firings since it resolved, still counting toward a reopen.
      MemberTally tally = BuildTally(inc);
      if (tally.trigger && tally.trigger->counting() > 0) tallies_.emplace(id, std::move(tally));
    }
  }
  RebuildHeartbeats();
  for (const auto& [id, inc] : incidents_) UpdateTimers(id);
}

// The first clock reading after a restart: time alertbridge was not running is not silence, so
// every restored firing alert gets its whole staleness period again from now (a webhook source's
// `stale_after`, an API v2 alert the validity its `endsAt` gave it) before it can go stale.
void Engine::StartClock(TimePoint now) {
  if (epoch_) return;
  epoch_ = now;
  if (!grace_due_) return;
  grace_due_ = false;
  for (auto& [fp, t] : alerts_) {
    if (!t.alert.firing() || !t.alert.stale_at) continue;
    const Duration period = *t.alert.stale_at - t.last_received;
    if (period.count() <= 0 || now + period <= *t.alert.stale_at) continue;
    IndexStale(fp, t.alert.stale_at, now + period);
    t.alert.stale_at = now + period;
  }
}

const Incident* Engine::FindIncident(int64_t id) const {
  auto it = incidents_.find(id);
  return it == incidents_.end() ? nullptr : &it->second;
}

EngineStats Engine::Stats() const {
  EngineStats s;
  s.tracked_alerts = alerts_.size();
  s.firing_alerts = firing_alerts_;
  s.open_incidents = open_.size();
  s.pending_incidents = pending_.size();
  s.incidents_in_memory = incidents_.size();
  return s;
}

std::vector<IncidentCount> Engine::CountIncidents() const {
  std::map<std::pair<IncidentState, Severity>, size_t> counts;
  for (const std::set<int64_t>* ids : {&pending_, &open_}) {
    for (int64_t id : *ids) {
      auto it = incidents_.find(id);
      if (it != incidents_.end()) ++counts[{it->second.state, it->second.priority}];
    }
  }
  std::vector<IncidentCount> out;
  out.reserve(counts.size());
  for (const auto& [key, n] : counts) out.push_back({key.first, key.second, n});
  return out;
}

Changes Engine::Ingest(const std::vector<Alert>& batch, TimePoint now) {
  Changes out;
  Ingest(batch, now, out);
  return out;
}

void Engine::Ingest(const std::vector<Alert>& batch, TimePoint now, Changes& into) {
  StartClock(now);
  Step step(into);
  for (const Alert& in : batch) {
    const uint64_t fp = in.fingerprint;
    PriorEpisode prior;
    switch (Receive(in, now, step, &prior)) {
      case Change::kNone:
        break;
      case Change::kEnded:
        MemberEnded(fp, EventType::kAlertResolved, {{"fingerprint", FormatFingerprint(fp)}}, now,
                    step);
        break;
      case Change::kStarted:
        MemberStarted(fp, prior, now, step);
        Route(fp, Change::kStarted, now, step);
        break;
      case Change::kRepeat:
        Route(fp, Change::kRepeat, now, step);
        break;
    }
  }
  for (int64_t id : step.TouchedIncidents()) Reevaluate(id, now, step);
  MuteTouched(now, step);
  Finish(step);
}

Changes Engine::Tick(TimePoint now) {
  Changes out;
  Tick(now, out);
  return out;
}

void Engine::Tick(TimePoint now, Changes& into) {
  StartClock(now);
  Step step(into);
  ExpireStale(now, step);
  // Only time-dependent decisions can change on a tick: a pending trigger's hold or window, a
  // quiet period before resolving. What did not change is not written back.
  std::set<int64_t> due(pending_.begin(), pending_.end());
  due.insert(quiet_.begin(), quiet_.end());
  due.insert(reopening_.begin(), reopening_.end());
  for (int64_t id : due) {
    auto it = incidents_.find(id);
    if (it == incidents_.end()) continue;
    const Incident& inc = it->second;
    auto state = [](const Incident& i) {
      return std::tuple(i.state, i.last_seq, i.trigger_since, i.alerts_firing);
    };
    auto before = state(inc);
    bool touched = step.touched_incidents.count(id) > 0;
    Reevaluate(id, now, step);
    auto after = incidents_.find(id);
    if (!touched && after != incidents_.end() && state(after->second) == before) {
      step.touched_incidents.erase(id);
    }
  }
  RaiseDue(now, step);
  CheckHeartbeats(now, step);
  RunOperations(now, step);
  Finish(step);
}

// Updates the tracked alert from what was received and says how it changed.
// `prior` gets the alert's previous firing episode when a new one starts.
Engine::Change Engine::Receive(const Alert& in, TimePoint now, Step& step, PriorEpisode* prior) {
  const uint64_t fp = in.fingerprint;
  auto [it, inserted] = alerts_.try_emplace(fp);
  TrackedAlert& t = it->second;
  std::optional<TimePoint> indexed;  // the staleness deadline indexed before this receipt
  Change change = Change::kNone;
  if (inserted) {
    t.id = next_alert_id_++;
    t.alert = in;
    t.first_received = t.last_received = now;
    if (in.firing()) {
      change = Change::kStarted;
      ++firing_alerts_;
    } else {
      t.resolved_at = now;
    }
  } else {
    const bool was_firing = t.alert.firing();
    if (in.firing() && !was_firing && !t.stale && t.alert.ends_at &&
        t.alert.starts_at == in.starts_at) {
      // A firing notice older than the resolve we already have (HA peers, retries, reordering):
      // the same firing episode, already over. Do not resurrect it.
      return Change::kNone;
    }
    if (was_firing) indexed = t.alert.stale_at;
    t.alert.annotations = in.annotations;
    t.alert.ends_at = in.ends_at;
    t.alert.generator_url = in.generator_url;
    t.alert.source = in.source;
    t.alert.starts_at = in.starts_at;
    t.alert.stale_at = in.stale_at;
    t.last_received = now;
    if (in.firing() && !was_firing) {
      *prior = {t.first_received, t.resolved_at};
      ++firing_alerts_;
      t.alert.status = AlertStatus::kFiring;
      t.first_received = now;
      t.resolved_at.reset();
      t.stale = false;
      change = Change::kStarted;
    } else if (!in.firing() && was_firing) {
      --firing_alerts_;
      t.alert.status = AlertStatus::kResolved;
      t.resolved_at = now;
      change = Change::kEnded;
    } else if (in.firing()) {
      change = Change::kRepeat;
    } else {
      t.stale = false;  // a real resolve came after all; it stays resolved from when it went stale
    }
  }
  IndexStale(fp, indexed, t.alert.firing() ? t.alert.stale_at : std::nullopt);
  step.touched_alerts.insert(fp);
  return change;
}

void Engine::Route(uint64_t fp, Change change, TimePoint now, Step& step) {
  const LabelSet& labels = alerts_.at(fp).alert.labels;
  // A silenced alert is recorded but declares nothing and joins nothing (silences.cc routes it
  // when its silence ends and it still fires).
  if (!silences_.empty() && Silenced(labels, now)) return;
  rules_->Match(labels, &matched_);
  for (size_t idx : matched_) {
    const Rule& rule = rules_->rules()[idx];
    if (rule.heartbeat()) {
      Beat(rule, rule.GroupOf(labels), fp, now, step);
    } else {
      Join(rule, rule.GroupOf(labels), fp, change, now, step);
    }
  }
}

// A firing alert and one rule it matches: join the group's live incident, collect toward
// reopening its resolved one inside the dedup window, or start a new (pending) one. Only a new
// firing joins another occurrence: a repeat of an alert that an incident of the group holds (even
// one a person resolved while it kept firing) changes nothing.
void Engine::Join(const Rule& rule, LabelSet group, uint64_t fp, Change change, TimePoint now,
                  Step& step) {
  if (change == Change::kRepeat && HeldInGroup(fp, rule.name, group)) return;
  GroupState& gs = groups_[GroupKey{rule.name, group}];
  Incident* inc = gs.current_incident ? &incidents_.at(gs.current_incident) : nullptr;
  bool member = inc != nullptr && IsMember(*inc, fp);
  const TrackedAlert& alert = alerts_.at(fp);
  if (inc != nullptr && inc->state == IncidentState::kResolved) {
    if (inc->resolved_by_hand && now < *inc->resolved_at + rule.resolve.after) {
      // Firing inside the quiet period after a person resolved it: part of what they resolved.
      if (!member) {
        AddMember(*inc, alert, step);
        ++inc->alerts_firing;
        AddAccount(*inc, alert.alert.labels);
      }
      step.touched_incidents.insert(inc->id);
      return;
    }
    if (CollectsReopen(*inc, rule, now)) {
      // The dedup window decides that this is the same incident; whether it reopens is the
      // trigger's decision (Reevaluate), with the firings collected here until then.
      if (!member) {
        AddMember(*inc, alert, step);
        ++inc->alerts_firing;
        AddAccount(*inc, alert.alert.labels);
      }
      bool built = false;  // a count built now already holds this alert
      MemberTally& tally = TallyOf(*inc, &built);
      if (!built && !member && tally.trigger) {
        tally.trigger->Fired(fp, alert.first_received, std::nullopt, std::nullopt);
      }
      step.touched_incidents.insert(inc->id);
      return;
    }
  }
  if (inc == nullptr || !(inc->state == IncidentState::kPending || IsOpen(inc->state))) {
    inc = &NewIncident(rule, group, gs, now, step);
    member = false;
  }
  step.touched_incidents.insert(inc->id);
  const bool open = IsOpen(inc->state);
  const Severity before = open ? RulePriority(*inc, &rule, now) : inc->priority;
  if (!member) {
    if (open) {
      ++inc->alerts_firing;
      inc->held_open = false;
    } else if (auto& trigger = TallyOf(*inc).trigger) {
      trigger->Fired(fp, alert.first_received, std::nullopt, std::nullopt);
    }
    AddMember(*inc, alert, step);
    AddAccount(*inc, alert.alert.labels);
  }
  if (!open) return;  // pending: the trigger decides in Reevaluate
  Emit(*inc, EventType::kAlertAdded, now,
       {{"fingerprint", FormatFingerprint(fp)}, {"labels", alert.alert.labels.ToString()}}, step);
  RaiseBase(*inc, rule.SeverityOf(alert.alert.labels), now, step);
  RaisePriority(*inc, &rule, before, now, step);
}

Incident& Engine::NewIncident(const Rule& rule, const LabelSet& group, GroupState& gs,
                              TimePoint now, Step& step) {
  Incident inc;
  inc.id = next_id_++;
  inc.rule = rule.name;
  inc.group = group;
  inc.occurrence = gs.last_occurrence + 1;
  inc.key = IncidentKey(instance_id_, rule.name, group, inc.occurrence);
  inc.state = IncidentState::kPending;
  inc.created_at = now;
  inc.base_severity = inc.priority = rule.severity.default_severity;
  // The group's previous occurrence keeps only the alerts still firing in it.
  gs.previous_incident = 0;
  if (auto old = incidents_.find(gs.current_incident); old != incidents_.end()) {
    LetGo(old->second, step);
    gs.previous_incident = old->first;
  }
  gs.current_incident = inc.id;
  MemberTally& tally = tallies_[inc.id];
  tally = MemberTally{};
  if (!rule.heartbeat()) tally.trigger.emplace(rule.trigger.within);
  step.touched_incidents.insert(inc.id);
  int64_t id = inc.id;
  return incidents_[id] = std::move(inc);
}

Engine::GroupState& Engine::GroupOf(const Incident& inc) {
  return groups_[GroupKey{inc.rule, inc.group}];
}

void Engine::Emit(Incident& inc, EventType type, TimePoint now, nlohmann::json details, Step& step,
                  std::string actor) {
  // Events people receive carry the incident's text as it is now; member changes (not sent by
  // default) leave the re-rendering to the end of the step, once for all of them.
  if (type != EventType::kAlertAdded && type != EventType::kAlertResolved &&
      type != EventType::kAlertStale) {
    RefreshText(inc);
  }
  ++inc.last_seq;
  EventRecord rec;
  if (actor.empty()) actor = "rule:" + inc.rule;
  rec.event = Event{inc.id, inc.last_seq, type, now, std::move(actor), std::move(details)};
  rec.snapshot = CopyWithoutMembers(inc);
  for (const std::string& r : inc.receivers) {
    if (rules_->routes().Wants(r, type)) rec.notify.push_back(r);
  }
  step.changes.events.push_back(std::move(rec));
  step.touched_incidents.insert(inc.id);
}

// Decides a touched incident's state after its members changed or time passed.
void Engine::Reevaluate(int64_t id, TimePoint now, Step& step) {
  auto it = incidents_.find(id);
  if (it == incidents_.end()) return;
  Incident& inc = it->second;
  const Rule* rule = rules_->Find(inc.rule);
  if (inc.state == IncidentState::kPending) {
    EvaluatePending(inc, rule, now, step);
  } else if (IsOpen(inc.state)) {
    MaybeResolve(inc, rule, now, step);
  } else if (inc.state == IncidentState::kResolved) {
    auto tally = tallies_.find(id);
    if (tally != tallies_.end() && tally->second.trigger) EvaluateReopen(inc, rule, now, step);
  }
}

void Engine::UpdateTimers(int64_t id) {
  WatchRaises(id);
  WatchSla(id);
  auto it = incidents_.find(id);
  if (it == incidents_.end()) {
    pending_.erase(id);
    open_.erase(id);
    quiet_.erase(id);
    reopening_.erase(id);
    impact_.erase(id);
    text_dirty_.erase(id);
    rendered_owner_.erase(id);
    return;
  }
  const Incident& inc = it->second;
  if (inc.state == IncidentState::kPending) {
    pending_.insert(id);
  } else {
    pending_.erase(id);
  }
  if (IsOpen(inc.state)) {
    open_.insert(id);
  } else {
    open_.erase(id);
  }
  bool quiet = IsOpen(inc.state) && inc.alerts_firing == 0 && !inc.held_open && !IsHeartbeat(inc);
  if (quiet) {
    quiet_.insert(id);
  } else {
    quiet_.erase(id);
  }
  auto tally = tallies_.find(id);
  if (inc.state == IncidentState::kResolved && tally != tallies_.end() && tally->second.trigger) {
    reopening_.insert(id);
  } else {
    reopening_.erase(id);
  }
  if (!IsOpen(inc.state)) {
    impact_.erase(id);
    text_dirty_.erase(id);
  }
}

void Engine::Finish(Step& step) {
  for (int64_t id : step.touched_incidents) {
    auto it = incidents_.find(id);
    if (it != incidents_.end() && text_dirty_.count(id) > 0) RefreshText(it->second);
  }
  for (int64_t id : step.touched_incidents) UpdateTimers(id);
  for (uint64_t fp : step.touched_alerts) step.changes.alerts.push_back(alerts_.at(fp));
  for (int64_t id : step.touched_incidents) {
    auto it = incidents_.find(id);
    if (it != incidents_.end()) step.changes.incidents.push_back(CopyWithoutMembers(it->second));
  }
  ReleaseDone(step);
}

}  // namespace ab
