// Incident membership: which alerts each incident holds, and the member counts of live incidents
// (member_tally.h), kept as members join, fire, resolve and go stale so that no change rescans an
// incident's members.
//
// A group's current incident (any state) holds all its members. An alert that kept firing in an
// older occurrence (a person resolved it while the alert went on) stays with that occurrence until
// it stops firing: only a new firing joins another one, so an alert is never counted firing in two
// incidents of a rule. An older occurrence is let go of once it holds no firing alert.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_step.h"
#include "engine/incident_text.h"

namespace ab {

namespace {

// An alert's incidents, by id: a member change reaches them in that order, whether they were
// joined one by one or restored together.
void InsertId(std::vector<int64_t>& ids, int64_t id) {
  auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it == ids.end() || *it != id) ids.insert(it, id);
}

}  // namespace

bool Engine::IsMember(const Incident& inc, uint64_t fp) const {
  auto it = memberships_.find(fp);
  return it != memberships_.end() &&
         std::binary_search(it->second.begin(), it->second.end(), inc.id);
}

bool Engine::HeldInGroup(uint64_t fp, const std::string& rule, const LabelSet& group) const {
  auto it = memberships_.find(fp);
  if (it == memberships_.end()) return false;
  for (int64_t id : it->second) {
    const Incident& inc = incidents_.at(id);
    if (inc.rule == rule && inc.group == group) return true;
  }
  return false;
}

bool Engine::IsCurrent(const Incident& inc) const {
  auto it = groups_.find(GroupKey{inc.rule, inc.group});
  return it != groups_.end() && it->second.current_incident == inc.id;
}

// A new member: appended to the incident's list (in joining order; the store hands lists back
// sorted) and reported once as a membership row.
void Engine::AddMember(Incident& inc, const TrackedAlert& alert, Step& step) {
  const uint64_t fp = alert.alert.fingerprint;
  LeaveOlder(inc, fp, step);
  inc.alerts.push_back(fp);
  inc.alerts_total = static_cast<int>(inc.alerts.size());
  step.changes.joined.push_back({inc.id, fp, alert.id});
  InsertId(memberships_[fp], inc.id);
  if (IsOpen(inc.state)) {
    text_dirty_.insert(inc.id);
    auto tally = tallies_.find(inc.id);
    if (tally != tallies_.end() && tally->second.common) {
      if (inc.alerts_firing > 1) {
        auto& common = *tally->second.common;
        common.labels = CommonLabels(common.labels, alert.alert.labels);
        common.annotations = CommonLabels(common.annotations, alert.alert.annotations);
      } else {
        tally->second.common.reset();
      }
    }
  }
}

void Engine::LeaveOlder(const Incident& inc, uint64_t fp, Step& step) {
  auto it = memberships_.find(fp);
  if (it == memberships_.end()) return;
  std::vector<int64_t> older;
  for (int64_t id : it->second) {
    const Incident& other = incidents_.at(id);
    if (id != inc.id && other.rule == inc.rule && other.group == inc.group) older.push_back(id);
  }
  const bool firing = alerts_.at(fp).alert.firing();
  for (int64_t id : older) {
    Incident& other = incidents_.at(id);
    DropMembership(id, fp);
    if (firing) other.alerts_firing = std::max(0, other.alerts_firing - 1);
    step.touched_incidents.insert(id);
    step.release.insert(id);
  }
}

void Engine::InsertMembership(uint64_t fp, int64_t id) { InsertId(memberships_[fp], id); }

void Engine::AddMemberships(const Incident& inc) {
  for (uint64_t fp : inc.alerts) InsertId(memberships_[fp], inc.id);
}

void Engine::DropMemberships(const Incident& inc) {
  for (uint64_t fp : inc.alerts) DropMembership(inc.id, fp);
}

void Engine::DropMembership(int64_t id, uint64_t fp) {
  auto it = memberships_.find(fp);
  if (it == memberships_.end()) return;
  std::erase(it->second, id);
  if (it->second.empty()) memberships_.erase(it);
}

void Engine::LetGo(Incident& old, Step& step) {
  for (uint64_t fp : old.alerts) {
    auto a = alerts_.find(fp);
    if (a == alerts_.end() || !a->second.alert.firing()) DropMembership(old.id, fp);
  }
  tallies_.erase(old.id);
  step.release.insert(old.id);
}

// Older occurrences that hold no firing alert any more leave the engine (their rows stay in the
// store); called at the end of a step, after their rows were written.
void Engine::ReleaseDone(Step& step) {
  for (int64_t id : step.release) {
    auto it = incidents_.find(id);
    if (it == incidents_.end()) continue;
    const Incident& inc = it->second;
    if (IsCurrent(inc) || inc.alerts_firing > 0) continue;
    if (GroupOf(inc).previous_incident == id) continue;  // until its successor is declared
    if (inc.state == IncidentState::kPending || IsOpen(inc.state)) continue;
    DropMemberships(inc);
    tallies_.erase(id);
    incidents_.erase(it);
    UpdateTimers(id);
  }
  step.release.clear();
}

int Engine::FiringCount(const Incident& inc) const {
  int n = 0;
  for (uint64_t fp : inc.alerts) {
    auto it = alerts_.find(fp);
    if (it != alerts_.end() && it->second.alert.firing()) ++n;
  }
  return n;
}

MemberTally& Engine::TallyOf(const Incident& inc, bool* built) {
  auto it = tallies_.find(inc.id);
  if (built != nullptr) *built = it == tallies_.end();
  if (it == tallies_.end()) it = tallies_.emplace(inc.id, BuildTally(inc)).first;
  return it->second;
}

// From the members as they are now: after a restart, a reload or a reopen. A pending incident
// counts every member toward its trigger; a resolved one only those that fired after it resolved.
MemberTally Engine::BuildTally(const Incident& inc) const {
  MemberTally tally;
  const Rule* rule = rules_->Find(inc.rule);
  const bool pending = inc.state == IncidentState::kPending;
  const bool reopening = inc.state == IncidentState::kResolved && inc.resolved_at.has_value() &&
                         rule != nullptr && rule->dedup_window.count() > 0;
  if ((pending || reopening) && rule != nullptr && !rule->heartbeat()) {
    tally.trigger.emplace(rule->trigger.within);
  }
  for (uint64_t fp : inc.alerts) {
    auto it = alerts_.find(fp);
    if (it == alerts_.end()) continue;
    const TrackedAlert& a = it->second;
    if (a.resolved_at) tally.last_member_end = std::max(tally.last_member_end, *a.resolved_at);
    if (!tally.trigger || (reopening && !CountsTowardReopen(inc, rule, a))) continue;
    if (a.alert.firing()) {
      tally.trigger->Fired(fp, a.first_received, std::nullopt, std::nullopt);
    } else if (rule->trigger.within.count() > 0 && a.resolved_at) {
      tally.trigger->Lingering(fp, a.first_received, *a.resolved_at);
    }
  }
  return tally;
}

// A member alert fires again: the incidents that hold it count it as firing.
void Engine::MemberStarted(uint64_t fp, const PriorEpisode& prior, TimePoint now, Step& step) {
  auto it = memberships_.find(fp);
  if (it == memberships_.end()) return;
  const TrackedAlert& alert = alerts_.at(fp);
  for (int64_t id : it->second) {
    Incident& inc = incidents_.at(id);
    if (IsOpen(inc.state)) {
      ++inc.alerts_firing;
      inc.held_open = false;
      text_dirty_.insert(id);
      if (auto t = tallies_.find(id); t != tallies_.end()) t->second.common.reset();
    } else if (inc.state == IncidentState::kPending) {
      bool built = false;  // a tally built now already counts this receipt
      auto& trigger = TallyOf(inc, &built).trigger;
      if (trigger && !built) {
        trigger->Fired(fp, alert.first_received, prior.first_received, prior.resolved_at);
      }
    } else {
      // Resolved or closed: its count follows its alerts all the same.
      ++inc.alerts_firing;
      auto t = tallies_.find(id);
      if (t != tallies_.end() && t->second.trigger) {
        // A count toward reopening that ran out (not yet looked at) is over: this firing starts
        // afresh, as it would had the count been dropped when it ran out.
        t->second.trigger->Expire(now);
        if (t->second.trigger->counting() == 0) {
          tallies_.erase(t);
        } else {
          t->second.trigger->Fired(fp, alert.first_received, prior.first_received,
                                   prior.resolved_at);
        }
      }
    }
    step.touched_incidents.insert(id);
  }
}

// A member alert resolved or went stale.
void Engine::MemberEnded(uint64_t fp, EventType type, nlohmann::json details, TimePoint now,
                         Step& step) {
  auto it = memberships_.find(fp);
  if (it == memberships_.end()) return;
  const TrackedAlert& alert = alerts_.at(fp);
  const TimePoint ended = alert.resolved_at.value_or(now);
  const std::vector<int64_t> ids = it->second;  // older occurrences let go of it below
  for (int64_t id : ids) {
    Incident& inc = incidents_.at(id);
    step.touched_incidents.insert(id);
    if (inc.state == IncidentState::kResolved || inc.state == IncidentState::kClosed) {
      inc.alerts_firing = std::max(0, inc.alerts_firing - 1);
      auto t = tallies_.find(id);
      if (t != tallies_.end() && t->second.trigger &&
          CountsTowardReopen(inc, rules_->Find(inc.rule), alert)) {
        t->second.trigger->Ended(fp, alert.first_received, ended);
      }
      if (!IsCurrent(inc)) {
        DropMembership(id, fp);  // its firing there is over
        step.release.insert(id);
      }
      continue;
    }
    const bool open = IsOpen(inc.state);
    bool built = false;  // a tally built now already counts this receipt
    MemberTally& tally = TallyOf(inc, &built);
    tally.last_member_end = std::max(tally.last_member_end, ended);
    if (open) {
      inc.alerts_firing = std::max(0, inc.alerts_firing - 1);
      tally.common.reset();
      text_dirty_.insert(id);
      Emit(inc, type, now, details, step);
    } else if (tally.trigger && !built) {
      tally.trigger->Ended(fp, alert.first_received, ended);
    }
  }
}

}  // namespace ab
