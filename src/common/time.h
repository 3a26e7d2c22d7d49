// Time for the whole service. Nothing below src/server reads the wall clock: it is injected as a
// Clock, and tests drive a FakeClock, so timers and windows are deterministic.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ab {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{}) : now_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(Duration(now_.load())); }
  void set(TimePoint t) { now_ = t.time_since_epoch().count(); }
  void advance(Duration d) { now_ += d.count(); }

 private:
  std::atomic<int64_t> now_;
};

// The longest duration anything may be configured with. Durations are added to times (now +
// stale_after, dedup windows, `for`, timeouts); past 10 years a value is a typo, and the cap keeps
// every such sum of a real time far from overflowing.
inline constexpr Duration kMaxDuration{10LL * 365 * 86'400'000};

// Prometheus duration syntax: "1h30m", units ms s m h d w y, no spaces, no fractions, "0" allowed.
// At most kMaxDuration.
Result<Duration> ParseDuration(std::string_view text);

// t + d, clamped to the representable range instead of overflowing (undefined behaviour), for
// sums whose operands come from outside (a sender's timestamps, a vendor's Retry-After).
inline TimePoint SaturatingAdd(TimePoint t, Duration d) {
  int64_t out = 0;
  if (__builtin_add_overflow(t.time_since_epoch().count(), d.count(), &out)) {
    return d.count() > 0 ? TimePoint::max() : TimePoint::min();
  }
  return TimePoint(Duration(out));
}
// Shortest Prometheus form: 90m -> "1h30m", 0 -> "0s".
std::string FormatDuration(Duration d);

// RFC 3339 in UTC with milliseconds: "2026-11-22T22:44:03.655Z".
std::string FormatRfc3339(TimePoint t);
// Accepts any number of fractional digits (truncated to ms), "Z" or a numeric offset.
Result<TimePoint> ParseRfc3339(std::string_view text);

inline int64_t ToMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromMillis(int64_t ms) { return TimePoint(Duration(ms)); }

}  // namespace ab
