// Delivers outbox entries: woken by each commit (no polling on the hot path), sends with each
// receiver's notifier, and records the outcome. Entries for one (incident, receiver) go out in
// order; a failing, slow or rate-limited receiver never delays the others.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "notify/notifier.h"
#include "notify/pacing.h"
#include "store/store.h"

namespace ab {

struct OutboxMetrics {
  // Hooks so the server layer can count without notify depending on prometheus-cpp.
  // Called from sender threads, concurrently: each hook must be thread-safe.
  // One send attempt and its result: ok, retry (will try again) or dead (gave up).
  std::function<void(const std::string& receiver, const std::string& result)> on_attempt;
  // An entry was dead-lettered (after an attempt, or because its receiver is gone).
  std::function<void(const std::string& receiver)> on_dead_letter;
  // An entry was delivered, `seconds` after it was created (committed).
  std::function<void(const std::string& receiver, double seconds)> on_delivered;
  // A receiver's circuit changed state.
  std::function<void(const std::string& receiver, CircuitState state)> on_circuit;
  // A delivery went through without one of its optional steps (SendResult::degraded).
  std::function<void(const std::string& receiver, const std::string& step)> on_degraded;
};

// How the worker treats one receiver: retries of each entry, and pacing of the whole receiver.
struct ReceiverDelivery {
  RetryPolicy retry;
  DeliveryPolicy pacing;
  // Receivers with the same non-empty key share one token bucket: two receivers posting to one
  // Slack webhook or one PagerDuty routing key stay within the vendor's limit together.
  std::string rate_limit_key;
};
// Per receiver; receivers that share a destination (ReceiverConfig::RateLimitKey) share its
// rate limit, at the strictest rate and burst any of them sets.
std::map<std::string, ReceiverDelivery> DeliveryPolicies(
    const std::vector<ReceiverConfig>& receivers);

// Each receiver gets its own sender threads (up to its `concurrency`, started on demand), its own
// rate limit, circuit breaker and Retry-After hold, so a receiver that hangs until its timeout,
// fails, or is throttled only ever holds up its own entries. Receivers missing from `policies`
// get the defaults.
class OutboxWorker {
 public:
  OutboxWorker(IncidentStore& store, std::map<std::string, std::unique_ptr<Notifier>> notifiers,
               std::map<std::string, ReceiverDelivery> policies, const Clock& clock,
               OutboxMetrics metrics = {});
  ~OutboxWorker();

  void Start();
  // Finishes in-flight sends, then returns.
  void Stop();
  // Something was committed, retried or discarded, or the clock moved: look again now.
  void Wake();

 private:
  void Run();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Backoff for attempt n (1-based): d = initial * 2^(n-1), capped at max, with "equal jitter" in
// [d/2, d] rather than full jitter in [0, d]: retries of entries that failed together still
// spread out, and the time before an entry is given up on stays predictable (at least half the
// sum of its backoffs). `unit_random` in [0,1).
Duration Backoff(const RetryPolicy& p, int attempt, double unit_random);

// A receiver's Retry-After is honoured up to this; beyond it the entry (and the receiver) is
// tried again after this long: an hour-long pause already means a problem worth seeing.
inline constexpr Duration kMaxRetryAfter{3'600'000};

}  // namespace ab
