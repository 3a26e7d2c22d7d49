// Alerts that go silent (CONTRACTS.md "Staleness"): Alertmanager never sends "resolved" for an
// alert that gets silenced, and a sender can die mid-incident. A firing alert not refreshed by its
// deadline is marked stale and counts as resolved, so incidents never hang open forever.
#include "engine/engine.h"
#include "engine/engine_step.h"

namespace ab {

// Keeps stale_at_ holding exactly the firing alerts that have a deadline.
void Engine::IndexStale(uint64_t fp, std::optional<TimePoint> before,
                        std::optional<TimePoint> after) {
  if (before == after) return;
  if (before) stale_at_.erase({*before, fp});
  if (after) stale_at_.insert({*after, fp});
}

void Engine::ExpireStale(TimePoint now, Step& step) {
  while (!stale_at_.empty() && stale_at_.begin()->first <= now) {
    auto [deadline, fp] = *stale_at_.begin();
    stale_at_.erase(stale_at_.begin());
    TrackedAlert& t = alerts_.at(fp);
    t.alert.status = AlertStatus::kResolved;
    t.resolved_at = now;
    t.stale = true;
    --firing_alerts_;
    step.touched_alerts.insert(fp);
    MemberEnded(fp, EventType::kAlertStale,
                {{"fingerprint", FormatFingerprint(fp)},
                 {"last_received_at", FormatRfc3339(t.last_received)},
                 {"stale_at", FormatRfc3339(deadline)}},
                now, step);
  }
  for (int64_t id : step.TouchedIncidents()) Reevaluate(id, now, step);
}

}  // namespace ab
