#include "engine/engine.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "engine/incident_text.h"

namespace ab {

namespace {

std::string RuleActor(std::string_view rule) { return "rule:" + std::string(rule); }

bool Contains(const std::vector<uint64_t>& sorted, uint64_t fp) {
  return std::binary_search(sorted.begin(), sorted.end(), fp);
}

void InsertSorted(std::vector<uint64_t>& sorted, uint64_t fp) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), fp);
  if (it == sorted.end() || *it != fp) sorted.insert(it, fp);
}

void Erase(std::vector<int64_t>& v, int64_t x) {
  v.erase(std::remove(v.begin(), v.end(), x), v.end());
}

bool IsLive(IncidentState s) { return s == IncidentState::kPending || IsOpen(s); }

// A copy of `inc` without its member list, in time independent of the list's size: timeline
// snapshots and store rows do not carry it (the store keeps memberships as rows of their own).
Incident CopyWithoutMembers(Incident& inc) {
  std::vector<uint64_t> members = std::move(inc.alerts);
  Incident copy = inc;
  inc.alerts = std::move(members);
  return copy;
}

}  // namespace

void Changes::Merge(Changes&& later) {
  // Rows are upserted in order, so appending keeps "the later row wins".
  auto move_all = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  move_all(alerts, later.alerts);
  move_all(incidents, later.incidents);
  move_all(removed_incidents, later.removed_incidents);
  move_all(events, later.events);
  move_all(joined, later.joined);
}

size_t Engine::GroupKeyHash::operator()(const GroupKey& k) const {
  size_t h = std::hash<std::string>()(k.rule);
  for (const auto& l : k.group) {
    h = h * 1000003u ^ std::hash<std::string>()(l.name);
    h = h * 1000003u ^ std::hash<std::string>()(l.value);
  }
  return h;
}

// The bookkeeping of one Ingest or Tick call.
class Engine::Step {
 public:
  Changes changes;
  std::set<int64_t> touched_incidents;
  std::unordered_set<uint64_t> touched_alerts;
};

Engine::Engine(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)) {}

void Engine::SetRules(std::shared_ptr<const RuleSet> rules) { rules_ = std::move(rules); }

void Engine::Restore(std::vector<TrackedAlert> alerts, std::vector<Incident> incidents) {
  alerts_.clear();
  incidents_.clear();
  groups_.clear();
  memberships_.clear();
  next_id_ = 1;
  for (auto& a : alerts) {
    uint64_t fp = a.alert.fingerprint;
    alerts_.emplace(fp, std::move(a));
  }
  std::sort(incidents.begin(), incidents.end(),
            [](const Incident& a, const Incident& b) { return a.id < b.id; });
  for (auto& inc : incidents) {
    next_id_ = std::max(next_id_, inc.id + 1);
    GroupState& gs = groups_[GroupKey{inc.rule, inc.group}];
    if (inc.state != IncidentState::kPending) {
      gs.last_occurrence = std::max(gs.last_occurrence, inc.occurrence);
    }
    // Only the latest incident of each group can still change; older ones live in the store.
    if (gs.current_incident != 0) incidents_.erase(gs.current_incident);
    gs.current_incident = inc.id;
    int64_t id = inc.id;
    incidents_[id] = std::move(inc);
  }
  for (const auto& [id, inc] : incidents_) {
    if (!IsLive(inc.state)) continue;
    for (uint64_t fp : inc.alerts) memberships_[fp].push_back(id);
  }
}

const Incident* Engine::FindIncident(int64_t id) const {
  auto it = incidents_.find(id);
  return it == incidents_.end() ? nullptr : &it->second;
}

EngineStats Engine::Stats() const {
  EngineStats s;
  s.tracked_alerts = alerts_.size();
  for (const auto& [fp, a] : alerts_) s.firing_alerts += a.alert.firing() ? 1 : 0;
  for (const auto& [id, inc] : incidents_) {
    if (IsOpen(inc.state)) ++s.open_incidents;
    if (inc.state == IncidentState::kPending) ++s.pending_incidents;
  }
  return s;
}

int Engine::FiringCount(const Incident& inc) const {
  int n = 0;
  for (uint64_t fp : inc.alerts) {
    auto it = alerts_.find(fp);
    if (it != alerts_.end() && it->second.alert.firing()) ++n;
  }
  return n;
}

Severity Engine::BaseSeverityOf(const Incident& inc, const Rule* rule) const {
  if (rule == nullptr) return inc.base_severity;
  std::optional<Severity> worst;
  for (uint64_t fp : inc.alerts) {
    auto it = alerts_.find(fp);
    if (it == alerts_.end() || !it->second.alert.firing()) continue;
    Severity s = rule->SeverityOf(it->second.alert.labels);
    worst = worst ? Worst(*worst, s) : s;
  }
  return worst.value_or(rule->severity.default_severity);
}

std::string Engine::TitleOf(const Incident& inc, const Rule& rule) const {
  if (rule.title.empty()) return DefaultTitle(rule, inc.group);
  std::vector<const TrackedAlert*> firing;
  for (uint64_t fp : inc.alerts) {
    auto it = alerts_.find(fp);
    if (it != alerts_.end() && it->second.alert.firing()) firing.push_back(&it->second);
  }
  return RenderText(rule.title, rule, inc.group, CommonContext(firing));
}

void Engine::Emit(Incident& inc, EventType type, TimePoint now, nlohmann::json details,
                  Step& step) {
  ++inc.last_seq;
  EventRecord rec;
  rec.event = Event{inc.id, inc.last_seq, type, now, RuleActor(inc.rule), std::move(details)};
  rec.snapshot = CopyWithoutMembers(inc);
  rec.notify = inc.receivers;
  step.changes.events.push_back(std::move(rec));
  step.touched_incidents.insert(inc.id);
}

Incident& Engine::NewIncident(const Rule& rule, const LabelSet& group, GroupState& gs,
                              TimePoint now, Step& step) {
  Incident inc;
  inc.id = next_id_++;
  inc.rule = rule.name;
  inc.group = group;
  inc.occurrence = gs.last_occurrence + 1;
  inc.key = IncidentKey(rule.name, group, inc.occurrence);
  inc.state = IncidentState::kPending;
  inc.created_at = now;
  inc.base_severity = inc.priority = rule.severity.default_severity;
  gs.current_incident = inc.id;
  step.touched_incidents.insert(inc.id);
  int64_t id = inc.id;
  return incidents_[id] = std::move(inc);
}

// Decides the incident's state after its members changed or time passed.
void Engine::Reevaluate(Incident& inc, const Rule* rule, TimePoint now, Step& step) {
  inc.alerts_firing = FiringCount(inc);
  step.touched_incidents.insert(inc.id);

  if (inc.state == IncidentState::kPending) {
    if (inc.alerts_firing == 0) {
      // The group went quiet before its trigger held: nothing to declare, nothing to keep.
      for (uint64_t fp : inc.alerts) Erase(memberships_[fp], inc.id);
      step.changes.removed_incidents.push_back(inc.id);
      groups_[GroupKey{inc.rule, inc.group}].current_incident = 0;
      incidents_.erase(inc.id);  // `inc` dangles from here on
      return;
    }
    if (rule == nullptr) return;
    // Trigger: min_alerts firing alerts received within the window, held for `for`. Times are
    // alertbridge's receive times, never the sender's startsAt (CONTRACTS.md "Time base").
    std::vector<TimePoint> received;
    for (uint64_t fp : inc.alerts) {
      const TrackedAlert& a = alerts_.at(fp);
      if (!a.alert.firing()) continue;
      if (rule->trigger.within.count() > 0 && a.first_received < now - rule->trigger.within) {
        continue;
      }
      received.push_back(a.first_received);
    }
    size_t need = static_cast<size_t>(std::max(1, rule->trigger.min_alerts));
    if (received.size() < need) return;
    std::nth_element(received.begin(), received.begin() + (need - 1), received.end());
    TimePoint held_since = received[need - 1];
    if (now < held_since + rule->trigger.hold) return;

    inc.state = IncidentState::kDeclared;
    inc.declared_at = now;
    inc.base_severity = inc.priority = BaseSeverityOf(inc, rule);
    inc.title = TitleOf(inc, *rule);
    if (!rule->summary.empty()) {
      std::vector<const TrackedAlert*> firing;
      for (uint64_t fp : inc.alerts) {
        const TrackedAlert& a = alerts_.at(fp);
        if (a.alert.firing()) firing.push_back(&a);
      }
      inc.summary = RenderText(rule->summary, *rule, inc.group, CommonContext(firing));
    }
    inc.owner = rule->owner;
    inc.runbook = rule->runbook;
    inc.receivers = rule->receivers;
    groups_[GroupKey{inc.rule, inc.group}].last_occurrence = inc.occurrence;
    Emit(inc, EventType::kDeclared, now, {{"alerts_firing", inc.alerts_firing}}, step);
    return;
  }

  if (!IsOpen(inc.state)) return;

  // Severity only rises while open: a quieter alert never silently downgrades an incident.
  Severity base = BaseSeverityOf(inc, rule);
  if (base < inc.base_severity) {
    Severity from = inc.base_severity;
    inc.base_severity = base;
    Emit(inc, EventType::kSeverityChanged, now,
         {{"field", "base_severity"}, {"from", ToString(from)}, {"to", ToString(base)}}, step);
  }
  if (inc.base_severity < inc.priority) {
    Severity from = inc.priority;
    inc.priority = inc.base_severity;
    Emit(inc, EventType::kSeverityChanged, now,
         {{"field", "priority"}, {"from", ToString(from)}, {"to", ToString(inc.priority)}}, step);
  }

  bool resolve_on_quiet = rule == nullptr || rule->resolve.when_alerts_resolved;
  if (inc.alerts_firing > 0 || !resolve_on_quiet) return;
  TimePoint quiet_since{};
  for (uint64_t fp : inc.alerts) {
    const TrackedAlert& a = alerts_.at(fp);
    if (a.resolved_at) quiet_since = std::max(quiet_since, *a.resolved_at);
  }
  Duration after = rule ? rule->resolve.after : Duration(0);
  if (now < quiet_since + after) return;
  inc.state = IncidentState::kResolved;
  inc.resolved_at = now;
  for (uint64_t fp : inc.alerts) Erase(memberships_[fp], inc.id);
  Emit(inc, EventType::kResolved, now, {{"alerts_total", inc.alerts.size()}}, step);
}

Changes Engine::Ingest(const std::vector<Alert>& batch, TimePoint now) {
  Step step;
  std::vector<size_t> matched;
  for (const Alert& in : batch) {
    const uint64_t fp = in.fingerprint;
    auto it = alerts_.find(fp);
    bool became_firing = false;
    bool became_resolved = false;
    if (it == alerts_.end()) {
      TrackedAlert t{in, now, now, std::nullopt};
      if (!in.firing()) t.resolved_at = now;
      it = alerts_.emplace(fp, std::move(t)).first;
      became_firing = in.firing();
    } else {
      TrackedAlert& t = it->second;
      bool was_firing = t.alert.firing();
      if (in.firing() && !was_firing && t.alert.ends_at && t.alert.starts_at == in.starts_at) {
        // A firing notice older than the resolve we already have (HA peers, retries, reordering):
        // the same firing episode, already over. Do not resurrect it.
        continue;
      }
      t.alert.annotations = in.annotations;
      t.alert.ends_at = in.ends_at;
      t.alert.generator_url = in.generator_url;
      t.alert.source = in.source;
      t.alert.starts_at = in.starts_at;
      t.last_received = now;
      if (in.firing() && !was_firing) {
        t.alert.status = AlertStatus::kFiring;
        t.first_received = now;
        t.resolved_at.reset();
        became_firing = true;
      } else if (!in.firing() && was_firing) {
        t.alert.status = AlertStatus::kResolved;
        t.resolved_at = now;
        became_resolved = true;
      }
    }
    step.touched_alerts.insert(fp);
    TrackedAlert& tracked = it->second;

    if (became_resolved) {
      for (int64_t id : memberships_[fp]) {
        Incident& inc = incidents_.at(id);
        if (IsOpen(inc.state)) {
          Emit(inc, EventType::kAlertResolved, now, {{"fingerprint", FormatFingerprint(fp)}}, step);
        }
        step.touched_incidents.insert(id);
      }
      continue;
    }
    if (!tracked.alert.firing()) continue;

    rules_->Match(tracked.alert.labels, &matched);
    for (size_t idx : matched) {
      const Rule& rule = rules_->rules()[idx];
      LabelSet group = rule.GroupOf(tracked.alert.labels);
      GroupState& gs = groups_[GroupKey{rule.name, group}];
      Incident* inc = gs.current_incident ? &incidents_.at(gs.current_incident) : nullptr;
      bool member = inc != nullptr && Contains(inc->alerts, fp);
      if (inc != nullptr && IsLive(inc->state)) {
        if (member && !became_firing) continue;  // a repeat notification: nothing new
      } else {
        // Resolved, closed or no incident: a repeat of an alert that was already part of it (e.g.
        // resolved by hand while firing) changes nothing; a new firing starts or reopens one.
        if (member && !became_firing) continue;
        bool in_window = inc != nullptr && inc->state == IncidentState::kResolved &&
                         inc->resolved_at && rule.dedup_window.count() > 0 &&
                         now <= *inc->resolved_at + rule.dedup_window;
        if (in_window) {
          inc->state = IncidentState::kDeclared;
          inc->resolved_at.reset();
          Emit(*inc, EventType::kReopened, now, {{"fingerprint", FormatFingerprint(fp)}}, step);
        } else {
          inc = &NewIncident(rule, group, gs, now, step);
        }
      }
      if (!Contains(inc->alerts, fp)) {  // `inc` may be a new occurrence here: ask it, not `member`
        InsertSorted(inc->alerts, fp);
        inc->alerts_total = static_cast<int>(inc->alerts.size());
        step.changes.joined.emplace_back(inc->id, fp);
      }
      auto& ms = memberships_[fp];
      if (std::find(ms.begin(), ms.end(), inc->id) == ms.end()) ms.push_back(inc->id);
      step.touched_incidents.insert(inc->id);
      if (IsOpen(inc->state)) {
        inc->alerts_firing = FiringCount(*inc);
        Emit(*inc, EventType::kAlertAdded, now,
             {{"fingerprint", FormatFingerprint(fp)}, {"labels", tracked.alert.labels.ToString()}},
             step);
      }
    }
  }

  for (int64_t id :
       std::vector<int64_t>(step.touched_incidents.begin(), step.touched_incidents.end())) {
    auto it = incidents_.find(id);
    if (it == incidents_.end()) continue;
    Reevaluate(it->second, rules_->Find(it->second.rule), now, step);
  }

  for (uint64_t fp : step.touched_alerts) step.changes.alerts.push_back(alerts_.at(fp));
  for (int64_t id : step.touched_incidents) {
    auto it = incidents_.find(id);
    if (it != incidents_.end()) step.changes.incidents.push_back(CopyWithoutMembers(it->second));
  }
  return std::move(step.changes);
}

Changes Engine::Tick(TimePoint now) {
  Step step;
  std::vector<int64_t> candidates;
  for (const auto& [id, inc] : incidents_) {
    // Only time-dependent decisions can change on a tick: a pending trigger with a window or a
    // hold, or a quiet period before resolving.
    if (inc.state == IncidentState::kPending) {
      candidates.push_back(id);
    } else if (IsOpen(inc.state) && inc.alerts_firing == 0) {
      candidates.push_back(id);
    }
  }
  for (int64_t id : candidates) {
    auto it = incidents_.find(id);
    if (it == incidents_.end()) continue;
    Incident before = it->second;
    Reevaluate(it->second, rules_->Find(it->second.rule), now, step);
    auto after = incidents_.find(id);
    if (after != incidents_.end() && after->second == before) step.touched_incidents.erase(id);
  }
  for (int64_t id : step.touched_incidents) {
    auto it = incidents_.find(id);
    if (it != incidents_.end()) step.changes.incidents.push_back(CopyWithoutMembers(it->second));
  }
  return std::move(step.changes);
}

}  // namespace ab
