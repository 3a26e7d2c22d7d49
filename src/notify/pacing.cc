#include "notify/pacing.h"

#include <algorithm>
#include <cmath>

namespace ab {

void TokenBucket::Refill(TimePoint now) {
  const double burst = static_cast<double>(limit_->burst);
  if (!last_) {
    tokens_ = burst;
    last_ = now;
    return;
  }
  if (now <= *last_) return;
  const double elapsed = std::chrono::duration<double>(now - *last_).count();
  tokens_ = std::min(burst, tokens_ + elapsed * limit_->per_second);
  last_ = now;
}

TimePoint TokenBucket::NextFree(TimePoint now) {
  if (!limit_) return now;
  Refill(now);
  if (tokens_ >= 1.0) return now;
  const double wait_ms = std::ceil((1.0 - tokens_) * 1000.0 / limit_->per_second);
  return now + Duration(static_cast<int64_t>(std::max(1.0, wait_ms)));
}

void TokenBucket::Take(TimePoint now) {
  if (!limit_) return;
  Refill(now);
  tokens_ = std::max(0.0, tokens_ - 1.0);
}

std::string_view ToString(CircuitState s) {
  switch (s) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

CircuitState CircuitBreaker::state(TimePoint now) const {
  if (!open_) return CircuitState::kClosed;
  return now < open_until_ ? CircuitState::kOpen : CircuitState::kHalfOpen;
}

std::optional<TimePoint> CircuitBreaker::NextSend(TimePoint now) const {
  switch (state(now)) {
    case CircuitState::kClosed:
      return now;
    case CircuitState::kOpen:
      return open_until_;
    case CircuitState::kHalfOpen:
      if (probe_out_) return std::nullopt;
      return now;
  }
  return now;
}

bool CircuitBreaker::OnSend(TimePoint now) {
  if (state(now) != CircuitState::kHalfOpen) return false;
  probe_out_ = true;
  return true;
}

void CircuitBreaker::OnResult(bool failure, bool probe, TimePoint now) {
  if (probe) probe_out_ = false;
  if (!failure) {
    // Any useful answer closes the circuit, even one to a send started before it opened.
    failures_ = 0;
    open_ = false;
    cool_down_ = policy_.cool_down;
    return;
  }
  if (open_) {
    if (!probe) return;  // started before the circuit opened: already counted
    cool_down_ = std::min(policy_.max_cool_down, cool_down_ * 2);
    open_until_ = now + cool_down_;
    return;
  }
  if (++failures_ >= policy_.failures) {
    open_ = true;
    open_until_ = now + cool_down_;
  }
}

void CircuitBreaker::OnCancel(bool probe) {
  if (probe) probe_out_ = false;
}

std::optional<TimePoint> LanePacer::NextSend(TimePoint now) {
  if (in_flight_ >= concurrency_) return std::nullopt;
  std::optional<TimePoint> circuit = breaker_.NextSend(now);
  if (!circuit) return std::nullopt;
  return std::max({hold_until_, *circuit, bucket_->NextFree(now)});
}

bool LanePacer::Start(TimePoint now) {
  ++in_flight_;
  bucket_->Take(now);
  return breaker_.OnSend(now);
}

void LanePacer::Finish(bool probe, bool sent, bool endpoint_failed,
                       std::optional<TimePoint> hold_until, TimePoint now) {
  if (in_flight_ > 0) --in_flight_;
  if (!sent) {
    breaker_.OnCancel(probe);
    return;
  }
  breaker_.OnResult(endpoint_failed, probe, now);
  if (hold_until) hold_until_ = std::max(hold_until_, *hold_until);
}

}  // namespace ab
