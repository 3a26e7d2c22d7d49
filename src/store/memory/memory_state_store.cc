#include "store/memory/memory_state_store.h"

#include <algorithm>

namespace ab {

Status MemoryStateStore::Commit(const Changes& changes, const std::vector<OutboxEntry>& outbox) {
  for (const TrackedAlert& a : changes.alerts) alerts_[a.id] = a;
  for (const Incident& inc : changes.incidents) {
    StoredIncident& s = incidents_[inc.id];
    s.row = inc;
    s.row.alerts.clear();
  }
  for (const Membership& m : changes.joined) {
    std::vector<uint64_t>& members = incidents_[m.incident_id].members;
    if (std::find(members.begin(), members.end(), m.fingerprint) == members.end()) {
      members.push_back(m.fingerprint);
    }
  }
  for (int64_t id : changes.removed_incidents) incidents_.erase(id);
  for (const Holding& h : changes.holdings) {
    auto it = incidents_.find(h.incident_id);
    if (it != incidents_.end()) it->second.live = h.held;
  }
  events_ += changes.events.size();
  outbox_ += outbox.size();
  return Status::Ok();
}

Result<StoredState> MemoryStateStore::Load() {
  StoredState state;
  for (const auto& [id, a] : alerts_) state.alerts.push_back(a);
  for (const auto& [id, s] : incidents_) {
    Incident inc = s.row;
    inc.alerts = s.members;
    std::sort(inc.alerts.begin(), inc.alerts.end());  // as SQLite hands them back
    state.incidents.push_back(std::move(inc));
  }
  return state;
}

}  // namespace ab
