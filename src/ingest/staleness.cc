#include "ingest/staleness.h"

namespace ab {

std::optional<TimePoint> StaleDeadline(AlertRoute route, const Alert& alert, Duration stale_after,
                                       TimePoint now) {
  if (!alert.firing()) return std::nullopt;
  if (route == AlertRoute::kApiV2 && alert.ends_at) return *alert.ends_at;
  return SaturatingAdd(now, stale_after);  // stale_after may be up to 10 years
}

void SetStaleDeadlines(AlertRoute route, Duration stale_after, TimePoint now,
                       std::vector<Alert>& alerts) {
  for (Alert& a : alerts) a.stale_at = StaleDeadline(route, a, stale_after, now);
}

}  // namespace ab
