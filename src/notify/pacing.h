// Per-receiver pacing for the outbox worker: a token bucket (rate limit), a circuit breaker, and
// the LanePacer that combines them with the receiver's concurrency and Retry-After pause. Plain
// state machines on injected time, owned by the worker's scheduler thread (no locks).
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
  // the cool-down when open. None while the half-open probe is out: its outcome decides, not a
  // time (a caller must never turn this into a far-away deadline).
  std::optional<TimePoint> NextSend(TimePoint now) const;
  // A send starts; true when it is the probe of a half-open circuit.
  bool OnSend(TimePoint now);
  // A send ended. `failure`: no useful answer (connection error, timeout, 5xx). An answer that
  // says when to come back, or a permanent error, shows the endpoint is alive: not a failure.
  void OnResult(bool failure, bool probe, TimePoint now);
  // A send that started never reached the receiver (a store error before it): a probe that did
  // not happen; the next send probes instead.
  void OnCancel(bool probe);

 private:
  CircuitBreakerPolicy policy_;
  Duration cool_down_;  // grows with each failed probe, back to the policy's after a success
  int failures_ = 0;    // consecutive, while closed
  bool open_ = false;
  bool probe_out_ = false;
  TimePoint open_until_{};
};

// Everything that decides when a receiver's next send may start: its concurrency (sends in
// flight), rate limit (own or shared token bucket), circuit breaker and Retry-After pause.
class LanePacer {
 public:
  // `bucket` (the receiver's own, or one shared by receivers of one destination) outlives it.
  LanePacer(const DeliveryPolicy& policy, TokenBucket* bucket)
      : concurrency_(policy.concurrency < 1 ? 1 : policy.concurrency),
        bucket_(bucket),
        breaker_(policy.circuit_breaker) {}

  // `now` when a send may start now, else when one may: a later time, or none while every sender
  // is busy or a half-open probe is out (a send's outcome, not a time, opens the gate then).
  std::optional<TimePoint> NextSend(TimePoint now);
  // A send starts (only when NextSend(now) <= now): takes a token. True when it is the probe.
  bool Start(TimePoint now);
  // A send ended. `sent`: it reached the receiver (false: a store error came first).
  void Finish(bool probe, bool sent, bool endpoint_failed, std::optional<TimePoint> hold_until,
              TimePoint now);

  CircuitState circuit(TimePoint now) const { return breaker_.state(now); }
  int in_flight() const { return in_flight_; }

 private:
  int concurrency_;
  TokenBucket* bucket_;
  CircuitBreaker breaker_;
  TimePoint hold_until_{};  // the receiver said Retry-After: nothing goes out before
  int in_flight_ = 0;
};

}  // namespace ab
