// Per-receiver pacing for the outbox worker: a token bucket (rate limit) and a circuit breaker.
// Both are plain state machines on injected time, guarded by the worker's lock.
#pragma once

#include <optional>
#include <string_view>

#include "common/time.h"
#include "config/config.h"

namespace ab {

class TokenBucket {
 public:
  explicit TokenBucket(std::optional<RateLimit> limit) : limit_(limit) {}

  // When the next send may start: `now` when a token is there (always, without a limit).
  TimePoint NextFree(TimePoint now);
  // Spends a token; call only when NextFree(now) <= now.
  void Take(TimePoint now);

 private:
  void Refill(TimePoint now);

  std::optional<RateLimit> limit_;
  double tokens_ = 0;
  std::optional<TimePoint> last_;  // the bucket starts full at its first use
};

enum class CircuitState { kClosed, kOpen, kHalfOpen };
std::string_view ToString(CircuitState s);

class CircuitBreaker {
 public:
  explicit CircuitBreaker(CircuitBreakerPolicy policy)
      : policy_(policy), cool_down_(policy.cool_down) {}

  CircuitState state(TimePoint now) const;
  // When the next send may start: `now` when closed (or half-open with no probe out), the end of
  // the cool-down when open, TimePoint::max() while the probe is out.
  TimePoint NextSend(TimePoint now) const;
  // A send starts; true when it is the probe of a half-open circuit.
  bool OnSend(TimePoint now);
  // A send ended. `failure`: no useful answer (connection error, timeout, 5xx). An answer that
  // says when to come back, or a permanent error, shows the endpoint is alive: not a failure.
  void OnResult(bool failure, bool probe, TimePoint now);

 private:
  CircuitBreakerPolicy policy_;
  Duration cool_down_;  // grows with each failed probe, back to the policy's after a success
  int failures_ = 0;    // consecutive, while closed
  bool open_ = false;
  bool probe_out_ = false;
  TimePoint open_until_{};
};

}  // namespace ab
