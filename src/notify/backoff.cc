#include <algorithm>
#include <cstdint>

#include "notify/outbox_schedule.h"

namespace ab {

Duration Backoff(const RetryPolicy& p, int attempt, double unit_random) {
  const int64_t cap = std::max<int64_t>(p.max_backoff.count(), 0);
  int64_t d = std::min<int64_t>(std::max<int64_t>(p.initial_backoff.count(), 0), cap);
  // Doubling stops at the cap, so a large attempt number cannot overflow.
  for (int i = 1; i < attempt && d < cap; ++i) d = d > cap / 2 ? cap : d * 2;
  // Jitter in [d/2, d]: retries of many entries that failed together spread out, and the wait
  // never drops below half the intended backoff.
  const double u = std::clamp(unit_random, 0.0, 1.0);
  const int64_t low = d - d / 2;
  return Duration(low + static_cast<int64_t>(u * static_cast<double>(d - low)));
}

}  // namespace ab
