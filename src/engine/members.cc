// Incident membership: which alerts each group's current incident holds, and the member counts
// of live incidents (member_tally.h), kept as members join, fire, resolve and go stale so that no
// change rescans an incident's members.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_step.h"

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

// A new member of a group's current incident: appended to its list (in joining order; the store
// hands lists back sorted) and reported once as a membership row.
void Engine::AddMember(Incident& inc, const TrackedAlert& alert, Step& step) {
  const uint64_t fp = alert.alert.fingerprint;
  inc.alerts.push_back(fp);
  inc.alerts_total = static_cast<int>(inc.alerts.size());
  step.changes.joined.push_back({inc.id, fp, alert.id});
  InsertId(memberships_[fp], inc.id);
}

void Engine::AddMemberships(const Incident& inc) {
  for (uint64_t fp : inc.alerts) InsertId(memberships_[fp], inc.id);
}

void Engine::DropMemberships(const Incident& inc) {
  for (uint64_t fp : inc.alerts) {
    auto it = memberships_.find(fp);
    if (it == memberships_.end()) continue;
    std::erase(it->second, inc.id);
    if (it->second.empty()) memberships_.erase(it);
  }
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

// From the members as they are now: after a restart, a reload or a reopen.
MemberTally Engine::BuildTally(const Incident& inc) const {
  MemberTally tally;
  const Rule* rule = rules_->Find(inc.rule);
  if (inc.state == IncidentState::kPending && rule != nullptr && !rule->heartbeat()) {
    tally.trigger.emplace(rule->trigger.within);
  }
  for (uint64_t fp : inc.alerts) {
    auto it = alerts_.find(fp);
    if (it == alerts_.end()) continue;
    const TrackedAlert& a = it->second;
    if (a.resolved_at) tally.last_member_end = std::max(tally.last_member_end, *a.resolved_at);
    if (!tally.trigger) continue;
    if (a.alert.firing()) {
      tally.trigger->Fired(fp, a.first_received, std::nullopt, std::nullopt);
    } else if (rule->trigger.within.count() > 0 && a.resolved_at) {
      tally.trigger->Lingering(fp, a.first_received, *a.resolved_at);
    }
  }
  return tally;
}

// A member alert fires again: the live incidents that hold it count it as firing.
void Engine::MemberStarted(uint64_t fp, const PriorEpisode& prior, Step& step) {
  auto it = memberships_.find(fp);
  if (it == memberships_.end()) return;
  const TrackedAlert& alert = alerts_.at(fp);
  for (int64_t id : it->second) {
    Incident& inc = incidents_.at(id);
    if (IsOpen(inc.state)) {
      ++inc.alerts_firing;
      inc.held_open = false;
    } else if (inc.state == IncidentState::kPending) {
      bool built = false;  // a tally built now already counts this receipt
      auto& trigger = TallyOf(inc, &built).trigger;
      if (trigger && !built) {
        trigger->Fired(fp, alert.first_received, prior.first_received, prior.resolved_at);
      }
    } else {
      continue;  // resolved or closed: what its alerts do no longer changes it
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
  for (int64_t id : it->second) {
    Incident& inc = incidents_.at(id);
    const bool open = IsOpen(inc.state);
    if (!open && inc.state != IncidentState::kPending) continue;
    bool built = false;  // a tally built now already counts this receipt
    MemberTally& tally = TallyOf(inc, &built);
    tally.last_member_end = std::max(tally.last_member_end, ended);
    if (open) {
      inc.alerts_firing = std::max(0, inc.alerts_firing - 1);
      Emit(inc, type, now, details, step);
    } else if (tally.trigger && !built) {
      tally.trigger->Ended(fp, alert.first_received, ended);
    }
    step.touched_incidents.insert(id);
  }
}

}  // namespace ab
