// Delivers outbox entries: woken by each commit (no polling on the hot path), sends with each
// receiver's notifier, and records the outcome. Entries for one (incident, receiver) go out in
// sequence order; a failing, slow or rate-limited receiver never delays the others, and ingest
// never waits for the worker.
//
// Threads: one scheduler thread owns the schedule (outbox_schedule.h: what to read, what may go,
// what an outcome changes) and each receiver has its own sender threads (up to its
// `concurrency`). No lock is ever held across a store call or a send: Wake() only raises a flag,
// sender threads write each attempt's outcome themselves and hand it to the scheduler through a
// queue, and the scheduler reads new entries from the store with nothing locked.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "notify/notifier.h"
#include "notify/outbox_schedule.h"
#include "notify/pacing.h"
#include "store/store.h"

namespace ab {

struct OutboxMetrics {
  // Hooks so the server layer can count without notify depending on prometheus-cpp.
  // Called from the worker's threads, concurrently: each hook must be thread-safe.
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
  // The worker wrote to the store for this receiver's entries (each write is a durable commit):
  // with the delivered count, the write cost per delivered entry (1 when nothing goes wrong).
  std::function<void(const std::string& receiver)> on_store_write;
  // An outcome could not be recorded (the store refused the write): a delivered or dead entry
  // whose record is retried with backoff, or a retry whose attempt count was not persisted.
  std::function<void(const std::string& receiver)> on_record_failure;
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
  // Stops sending. Sends in flight may finish and be recorded until `deadline`; those still out
  // then are abandoned: their entries stay pending in the store and go out after a restart (with
  // the same event id), so a receiver's long `timeout` never holds up a shutdown. Without a
  // deadline, waits for every send in flight.
  void Stop(std::chrono::steady_clock::time_point deadline =
                std::chrono::steady_clock::time_point::max());
  // Something was committed, retried or discarded, or the clock moved: look again now. Never
  // blocks on the worker: it raises a flag for the scheduler thread. (An operator's retry or
  // discard shows in IncidentStore::OutboxRequeues: the worker then reads from the start again.)
  void Wake();

  // Per receiver: created_at of its oldest pending entry (none when it has none), as of the
  // scheduler's latest pass. Safe from any thread.
  std::map<std::string, std::optional<TimePoint>> OldestPending() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the worker's threads: an abandoned send outlives it
};

}  // namespace ab
