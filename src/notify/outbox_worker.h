// Delivers outbox entries: woken by each commit (no polling on the hot path), sends with each
// receiver's notifier, and records the outcome. Entries for one (incident, receiver) go out in
// order; a failing receiver never delays the others.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "notify/notifier.h"
#include "store/store.h"

namespace ab {

struct OutboxMetrics {
  // Hooks so the server layer can count without notify depending on prometheus-cpp.
  // Called from sender threads, concurrently: the hook must be thread-safe.
  std::function<void(const std::string& receiver, const std::string& result)> on_attempt;
};

// `threads` is the number of concurrent sends per receiver (different incidents): each receiver
// gets its own sender threads, started on demand, so a receiver that hangs until its timeout can
// only ever hold up its own entries.
class OutboxWorker {
 public:
  OutboxWorker(IncidentStore& store, std::map<std::string, std::unique_ptr<Notifier>> notifiers,
               std::map<std::string, RetryPolicy> retry, const Clock& clock,
               OutboxMetrics metrics = {}, int threads = 4);
  ~OutboxWorker();

  void Start();
  // Finishes in-flight sends, then returns.
  void Stop();
  // Something was committed: look for due entries now.
  void Wake();

 private:
  void Run();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Backoff for attempt n (1-based): initial * 2^(n-1), capped at max, with full jitter in
// [d/2, d]. `unit_random` in [0,1).
Duration Backoff(const RetryPolicy& p, int attempt, double unit_random);

}  // namespace ab
