#include "notify/outbox_worker.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "common/log.h"

namespace ab {
namespace {

// Due entries read per pass on top of those already held in memory.
constexpr size_t kBatch = 256;
// Entries queued for one receiver before new ones are pushed back in the store instead: bounds
// memory when a receiver is slow, throttled or its circuit is open.
constexpr size_t kLaneBacklog = 512;
constexpr Duration kLaneFullDelay{1000};
// After a failed store write the entry is still pending; wait before sending it again.
constexpr Duration kStoreErrorDelay{1000};
// Pending entries scanned at start to restore per-(incident, receiver) ordering.
constexpr int kRecoveryScan = 100'000;
// Real-time waits when no better deadline is known.
constexpr std::chrono::milliseconds kIdleRecheck{60'000};
constexpr std::chrono::milliseconds kHeldRecheck{1000};

using Key = std::pair<int64_t, std::string>;  // (incident id, receiver)

double UnitRandom() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// A real-time wait for a deadline on the injected clock (tests move a FakeClock and Wake()).
std::chrono::milliseconds WaitFor(TimePoint until, TimePoint now) {
  if (until == TimePoint::max()) return kHeldRecheck;
  return std::clamp<std::chrono::milliseconds>(until - now, std::chrono::milliseconds(1),
                                               kIdleRecheck);
}

}  // namespace

std::map<std::string, ReceiverDelivery> DeliveryPolicies(
    const std::vector<ReceiverConfig>& receivers) {
  std::map<std::string, ReceiverDelivery> out;
  std::map<std::string, std::optional<RateLimit>> strictest;
  for (const ReceiverConfig& r : receivers) {
    const std::string key = r.RateLimitKey();
    out[r.name] = ReceiverDelivery{r.retry, r.delivery, key};
    if (key.empty() || !r.delivery.rate_limit) continue;
    auto [it, first] = strictest.try_emplace(key, r.delivery.rate_limit);
    if (!first) {
      it->second->per_second = std::min(it->second->per_second, r.delivery.rate_limit->per_second);
      it->second->burst = std::min(it->second->burst, r.delivery.rate_limit->burst);
    }
  }
  for (auto& [name, d] : out) {
    auto it = strictest.find(d.rate_limit_key);
    if (it != strictest.end()) d.pacing.rate_limit = it->second;
  }
  return out;
}

struct OutboxWorker::Impl {
  Impl(IncidentStore& s, std::map<std::string, std::unique_ptr<Notifier>> n,
       std::map<std::string, ReceiverDelivery> p, const Clock& c, OutboxMetrics m)
      : store(s),
        notifiers(std::move(n)),
        policies(std::move(p)),
        clock(c),
        metrics(std::move(m)) {}

  // One receiver: its sender threads, its queue, and what paces it. A receiver that hangs, fails
  // or is throttled only ever blocks its own lane.
  struct Lane {
    Lane(std::string n, ReceiverDelivery p)
        : name(std::move(n)),
          policy(p),
          own_bucket(p.pacing.rate_limit),
          breaker(p.pacing.circuit_breaker) {}
    const std::string name;
    const ReceiverDelivery policy;
    std::deque<OutboxEntry> ready;
    std::vector<std::thread> threads;
    size_t busy = 0;
    std::condition_variable cv;
    TokenBucket own_bucket;
    TokenBucket* bucket = &own_bucket;  // or the one shared by its rate_limit_key
    CircuitBreaker breaker;
    CircuitState reported = CircuitState::kClosed;
    TimePoint hold_until{};  // the receiver said Retry-After: nothing goes out before
  };
  // Entries of one key held in memory: at most one in flight, the rest wait in id order.
  struct KeyState {
    bool in_flight = false;
    std::map<int64_t, OutboxEntry> waiting;
  };
  // Entries of a key with id >= `id` must not go out before `until` (the head is backing off).
  struct Block {
    int64_t id = 0;
    TimePoint until{};
  };
  struct Outcome {
    bool reschedule = false;  // the entry stays pending and blocks its key until `next`
    TimePoint next{};
    bool dead = false;             // dead-lettered now
    bool endpoint_failed = false;  // counts towards the circuit breaker
    std::optional<TimePoint> hold_until;
  };
  struct PassResult {
    bool progress = false;
    bool truncated = false;
  };

  IncidentStore& store;
  const std::map<std::string, std::unique_ptr<Notifier>> notifiers;  // read-only after start
  const std::map<std::string, ReceiverDelivery> policies;
  const Clock& clock;
  const OutboxMetrics metrics;

  std::mutex mu;  // guards everything below
  std::condition_variable dispatcher_cv;
  bool started = false;
  bool stopping = false;
  bool wake = false;
  std::thread dispatcher;
  std::map<Key, KeyState> keys;
  std::map<Key, Block> blocked;
  std::set<int64_t> known;  // ids held in memory (queued or in flight)
  std::map<std::string, std::unique_ptr<Lane>> lanes;
  std::map<std::string, std::unique_ptr<TokenBucket>> buckets;  // by rate_limit_key

  void Metric(const std::string& receiver, const char* result) const {
    if (metrics.on_attempt) metrics.on_attempt(receiver, result);
  }
  void DeadLetterMetric(const std::string& receiver) const {
    if (metrics.on_dead_letter) metrics.on_dead_letter(receiver);
  }

  // After a restart the in-memory blocks are gone: an entry backing off would be overtaken by a
  // later entry of its key that is due now. Rebuild them from the pending entries.
  void RecoverOrder() {
    OutboxQuery q;
    q.state = OutboxState::kPending;
    q.limit = kRecoveryScan;
    auto pending = store.ListOutbox(q);
    if (!pending.ok()) {
      Log(LogLevel::kWarn,
          "outbox: cannot scan pending entries at start, ordering after a restart is best effort",
          {{"error", pending.error().message}});
      return;
    }
    std::map<Key, const OutboxEntry*> heads;
    for (const OutboxEntry& e : *pending) {
      const OutboxEntry*& head = heads[Key{e.incident_id, e.receiver}];
      if (head == nullptr || e.id < head->id) head = &e;
    }
    const TimePoint now = clock.now();
    for (const auto& [key, head] : heads) {
      if (head->next_attempt_at > now) blocked[key] = Block{head->id, head->next_attempt_at};
    }
  }

  // mu held.
  Lane& LaneFor(const std::string& receiver) {
    auto& lane = lanes[receiver];
    if (!lane) {
      auto p = policies.find(receiver);
      lane = std::make_unique<Lane>(receiver, p == policies.end() ? ReceiverDelivery{} : p->second);
      if (const std::string& key = lane->policy.rate_limit_key; !key.empty()) {
        auto& shared = buckets[key];
        if (!shared) shared = std::make_unique<TokenBucket>(lane->policy.pacing.rate_limit);
        lane->bucket = shared.get();
      }
    }
    return *lane;
  }

  // When the lane may start its next send: its Retry-After hold, circuit and rate limit. mu held.
  static TimePoint Gate(Lane& lane, TimePoint now) {
    return std::max({lane.hold_until, lane.breaker.NextSend(now), lane.bucket->NextFree(now)});
  }

  // mu held.
  void ReportCircuit(Lane& lane, TimePoint now) {
    const CircuitState s = lane.breaker.state(now);
    if (s == lane.reported) return;
    if (s == CircuitState::kOpen) {
      Log(LogLevel::kWarn,
          "outbox: circuit open: consecutive failures, no requests until the cool-down ends",
          {{"receiver", lane.name}});
    } else {
      Log(LogLevel::kInfo, "outbox: circuit changed",
          {{"circuit", ToString(s)}, {"receiver", lane.name}});
    }
    lane.reported = s;
    if (metrics.on_circuit) metrics.on_circuit(lane.name, s);
  }

  // mu held.
  void Enqueue(Lane& lane, OutboxEntry e) {
    lane.ready.push_back(std::move(e));
    const size_t idle = lane.threads.size() - lane.busy;
    const size_t max_threads = static_cast<size_t>(std::max(1, lane.policy.pacing.concurrency));
    if (!stopping && lane.ready.size() > idle && lane.threads.size() < max_threads) {
      lane.threads.emplace_back([this, l = &lane] { LaneLoop(*l); });
    }
    lane.cv.notify_one();
  }

  // Pushes a due entry back in the store so it stops occupying due reads. mu held.
  void Defer(const OutboxEntry& e, TimePoint until, const std::string& note) {
    const std::string& error = e.last_error.empty() ? note : e.last_error;
    Status st = store.MarkRetry(e.id, e.attempts, until, error);
    if (!st.ok()) {
      Log(LogLevel::kError, "outbox: cannot defer entry",
          {{"entry", e.id}, {"receiver", e.receiver}, {"error", st.error().message}});
    }
  }

  // mu held.
  void DeadForMissingReceiver(const OutboxEntry& e) {
    const std::string reason =
        "receiver \"" + e.receiver + "\" is not configured (removed from the config?)";
    Status st = store.MarkDead(e.id, e.attempts, reason);
    if (!st.ok()) {
      Log(LogLevel::kError, "outbox: cannot mark entry dead",
          {{"entry", e.id}, {"error", st.error().message}});
      return;
    }
    Log(LogLevel::kWarn, "outbox: dead entry",
        {{"entry", e.id},
         {"receiver", e.receiver},
         {"incident", e.incident_id},
         {"event", e.event_id},
         {"reason", reason}});
    DeadLetterMetric(e.receiver);
  }

  // Stateful receivers: true when the entry is now held behind a dead entry of its key (or
  // cannot be checked, and so must wait). mu held.
  bool HeldBehindDead(const OutboxEntry& e) {
    auto held = store.HoldBehindDead(e.incident_id, e.receiver);
    if (!held.ok()) {
      Log(LogLevel::kError, "outbox: cannot check entry for a dead predecessor",
          {{"entry", e.id}, {"error", held.error().message}});
      return true;  // still pending: the next pass asks again
    }
    if (std::find(held->begin(), held->end(), e.id) == held->end()) return false;
    Log(LogLevel::kWarn,
        "outbox: entry held behind a dead entry of the same incident; retry or discard the "
        "dead one",
        {{"entry", e.id}, {"receiver", e.receiver}, {"incident", e.incident_id}});
    return true;
  }

  // Reads due entries and routes each one: to its receiver's lane, behind its key's in-flight
  // entry, or back to the store when its key is blocked. mu held, so that an entry finishing
  // concurrently is either still known here or already marked in the store (never sent twice).
  PassResult Pass(TimePoint now) {
    PassResult r;
    const size_t limit = kBatch + known.size();
    auto due = store.DueOutbox(now, static_cast<int>(limit));
    if (!due.ok()) {
      Log(LogLevel::kError, "outbox: cannot read due entries", {{"error", due.error().message}});
      return r;
    }
    std::vector<OutboxEntry>& entries = *due;
    r.truncated = entries.size() >= limit;
    std::sort(entries.begin(), entries.end(),
              [](const OutboxEntry& a, const OutboxEntry& b) { return a.id < b.id; });
    if (!r.truncated) {
      // A block whose head is past due yet neither read nor held is gone (delivered, dead or
      // discarded by someone else): release its key.
      std::set<int64_t> ids;
      for (const OutboxEntry& e : entries) ids.insert(e.id);
      for (auto it = blocked.begin(); it != blocked.end();) {
        const Block& b = it->second;
        const bool gone = b.until <= now && ids.count(b.id) == 0 && known.count(b.id) == 0;
        it = gone ? blocked.erase(it) : std::next(it);
      }
    }
    for (OutboxEntry& e : entries) {
      if (known.count(e.id) != 0) continue;
      Key key{e.incident_id, e.receiver};
      if (notifiers.count(e.receiver) == 0) {
        DeadForMissingReceiver(e);
        r.progress = true;
        continue;
      }
      if (auto b = blocked.find(key); b != blocked.end() && e.id >= b->second.id) {
        if (b->second.until > now) {
          if (e.id != b->second.id) {
            Defer(e, b->second.until,
                  "waiting for outbox entry " + std::to_string(b->second.id) +
                      " (same incident and receiver)");
            r.progress = true;
          }
          continue;
        }
        if (e.id != b->second.id) continue;  // its head is due but beyond this read
        blocked.erase(b);
      }
      if (auto ks = keys.find(key); ks != keys.end()) {
        known.insert(e.id);
        ks->second.waiting.emplace(e.id, std::move(e));
        r.progress = true;
        continue;
      }
      Lane& lane = LaneFor(e.receiver);
      if (lane.policy.pacing.stateful && HeldBehindDead(e)) {
        r.progress = true;
        continue;
      }
      if (lane.ready.size() >= kLaneBacklog) {
        const TimePoint until = std::max(now + kLaneFullDelay, Gate(lane, now));
        blocked[key] = Block{e.id, until};
        Defer(e, until == TimePoint::max() ? now + kLaneFullDelay : until, "receiver backlog full");
        r.progress = true;
        continue;
      }
      keys[key].in_flight = true;
      known.insert(e.id);
      Enqueue(lane, std::move(e));
      r.progress = true;
    }
    return r;
  }

  void DispatchLoop() {
    std::unique_lock<std::mutex> lock(mu);
    bool pass = true;
    while (!stopping) {
      if (pass || wake) {
        wake = false;
        PassResult r;
        do {
          r = Pass(clock.now());
        } while (!stopping && r.truncated && r.progress);
      }
      // Sleep until the earliest pending entry is due; Wake() cuts it short.
      std::chrono::milliseconds wait = kIdleRecheck;
      auto next = store.NextOutboxDue();
      const TimePoint now = clock.now();
      if (!next.ok()) {
        Log(LogLevel::kError, "outbox: cannot read next due time",
            {{"error", next.error().message}});
        wait = kHeldRecheck;
      } else if (next->has_value()) {
        // Due already means held back here (in flight, queued, or behind its key's head):
        // completions move those along; the recheck is only a safety net.
        wait = **next <= now ? kHeldRecheck : WaitFor(**next, now);
      }
      const auto deadline = std::chrono::steady_clock::now() + wait;
      const bool woken =
          dispatcher_cv.wait_until(lock, deadline, [this] { return stopping || wake; });
      pass = !woken;
    }
  }

  void LaneLoop(Lane& lane) {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      if (lane.ready.empty()) {
        lane.cv.wait(lock);
        continue;
      }
      const TimePoint now = clock.now();
      ReportCircuit(lane, now);
      if (const TimePoint gate = Gate(lane, now); gate > now) {
        lane.cv.wait_for(lock, WaitFor(gate, now));
        continue;
      }
      lane.bucket->Take(now);
      const bool probe = lane.breaker.OnSend(now);
      OutboxEntry e = std::move(lane.ready.front());
      lane.ready.pop_front();
      ++lane.busy;
      lock.unlock();
      const Outcome outcome = Deliver(e, lane.policy);
      lock.lock();
      --lane.busy;
      const TimePoint done = clock.now();
      lane.breaker.OnResult(outcome.endpoint_failed, probe, done);
      if (outcome.hold_until) lane.hold_until = std::max(lane.hold_until, *outcome.hold_until);
      ReportCircuit(lane, done);
      Finish(e, outcome, lane);
      lane.cv.notify_all();  // the gate may have opened (probe answered) or moved
    }
    // Queued entries stay pending in the store for the next start.
  }

  // One attempt and its record in the store. Runs without the lock.
  Outcome Deliver(const OutboxEntry& e, const ReceiverDelivery& policy) {
    Notifier& notifier = *notifiers.at(e.receiver);
    SendContext ctx;
    Result<std::vector<ExternalRef>> refs = store.ExternalRefs(e.incident_id, e.receiver);
    if (!refs.ok()) {
      // Sending without them could open a second ticket: wait for the store instead.
      Log(LogLevel::kError, "outbox: cannot read external refs",
          {{"incident", e.incident_id}, {"receiver", e.receiver}, {"error", refs.error().message}});
      Outcome o;
      o.reschedule = true;
      o.next = clock.now() + kStoreErrorDelay;
      return o;
    }
    ctx.refs = std::move(*refs);
    ctx.now = clock.now();
    SendResult result = notifier.Send(e, ctx);
    const TimePoint done = clock.now();
    const int attempts = e.attempts + 1;
    Outcome o;
    if (result.kind == SendResult::Kind::kOk) {
      RecordDelivered(e, result, attempts, done, &o);
      return o;
    }

    std::string reason =
        result.reason.empty() ? "receiver \"" + e.receiver + "\" failed" : result.reason;
    std::optional<Duration> retry_after;
    if (result.retry_after) {
      retry_after = std::clamp(*result.retry_after, Duration(0), kMaxRetryAfter);
      // The receiver said when to come back: nothing goes to it before then. It answered, so
      // this is not a failure for the circuit breaker.
      o.hold_until = done + *retry_after;
    } else {
      o.endpoint_failed = result.kind == SendResult::Kind::kRetry;
    }
    if (result.kind == SendResult::Kind::kRetry && attempts < policy.retry.max_attempts) {
      Duration wait = Backoff(policy.retry, attempts, UnitRandom());
      if (retry_after) wait = std::max(wait, *retry_after);
      const TimePoint next = done + wait;
      Log(LogLevel::kWarn, "outbox: attempt failed",
          {{"receiver", e.receiver},
           {"incident", e.incident_id},
           {"entry", e.id},
           {"event", e.event_id},
           {"attempt", attempts},
           {"max_attempts", policy.retry.max_attempts},
           {"retry_in", FormatDuration(wait)},
           {"reason", reason}});
      Status st = store.MarkRetry(e.id, attempts, next, reason);
      if (!st.ok()) {
        Log(LogLevel::kError, "outbox: cannot record retry",
            {{"entry", e.id}, {"error", st.error().message}});
      }
      Metric(e.receiver, "retry");
      o.reschedule = true;
      o.next = next;
      return o;
    }

    if (result.kind == SendResult::Kind::kRetry) {
      reason += " (gave up after " + std::to_string(attempts) + " attempts)";
    }
    Log(LogLevel::kWarn, "outbox: dead",
        {{"receiver", e.receiver},
         {"incident", e.incident_id},
         {"entry", e.id},
         {"event", e.event_id},
         {"attempt", attempts},
         {"reason", reason}});
    Status st = store.MarkDead(e.id, attempts, reason);
    if (!st.ok()) {
      Log(LogLevel::kError, "outbox: cannot mark entry dead (it may be sent again)",
          {{"entry", e.id}, {"error", st.error().message}});
      o.reschedule = true;
      o.next = done + kStoreErrorDelay;
      return o;
    }
    Metric(e.receiver, "dead");
    DeadLetterMetric(e.receiver);
    o.dead = true;
    if (policy.pacing.stateful) {
      // Its incident's later entries must not overtake it (a resolve before the create).
      auto held = store.HoldBehindDead(e.incident_id, e.receiver);
      if (!held.ok()) {
        Log(LogLevel::kError,
            "outbox: cannot hold the entries after a dead entry (the next pass holds them)",
            {{"entry", e.id}, {"error", held.error().message}});
      }
    }
    return o;
  }

  void RecordDelivered(const OutboxEntry& e, const SendResult& result, int attempts, TimePoint done,
                       Outcome* o) {
    // The ref first: if we die before marking the entry delivered, its retry finds the ticket.
    if (result.ref) {
      ExternalRef ref = *result.ref;
      if (ref.receiver.empty()) ref.receiver = e.receiver;
      Status ref_st = store.AddExternalRef(e.incident_id, ref);
      if (!ref_st.ok()) {
        Log(LogLevel::kError, "outbox: cannot store external ref",
            {{"incident", e.incident_id},
             {"receiver", e.receiver},
             {"error", ref_st.error().message}});
      }
    }
    // Optional steps that failed for good: counted, logged and noted on the entry; the
    // incident's later entries go on (issue 16 item 1).
    std::string note;
    for (const DegradedStep& d : result.degraded) {
      Log(LogLevel::kWarn, "outbox: delivered without a step",
          {{"receiver", e.receiver},
           {"incident", e.incident_id},
           {"entry", e.id},
           {"event", e.event_id},
           {"step", d.step},
           {"reason", d.reason}});
      note += (note.empty() ? "delivered without: " : "; ") + d.step + " (" + d.reason + ")";
      if (metrics.on_degraded) metrics.on_degraded(e.receiver, d.step);
    }
    Status st = store.MarkDelivered(e.id, attempts, done, note);
    if (!st.ok()) {
      Log(LogLevel::kError, "outbox: delivered but cannot record it (it may be sent again)",
          {{"entry", e.id}, {"error", st.error().message}});
      o->reschedule = true;
      o->next = done + kStoreErrorDelay;
      return;
    }
    Metric(e.receiver, "ok");
    if (metrics.on_delivered) {
      metrics.on_delivered(
          e.receiver, std::max(0.0, std::chrono::duration<double>(done - e.created_at).count()));
    }
  }

  // mu held.
  void Finish(const OutboxEntry& e, const Outcome& outcome, Lane& lane) {
    known.erase(e.id);
    const Key key{e.incident_id, e.receiver};
    auto ks = keys.find(key);
    if (ks == keys.end()) return;  // cannot happen: dispatch always creates the key state
    ks->second.in_flight = false;
    const bool hold = outcome.dead && lane.policy.pacing.stateful;
    if (outcome.reschedule || hold) {
      if (outcome.reschedule) blocked[key] = Block{e.id, outcome.next};
      // Its followers must not overtake it: forget them here. The next pass pushes them back in
      // the store to the head's next attempt, or finds them held behind the dead head.
      for (const auto& [id, entry] : ks->second.waiting) known.erase(id);
      keys.erase(ks);
      if (!stopping) {
        wake = true;
        dispatcher_cv.notify_one();
      }
      return;
    }
    if (auto b = blocked.find(key); b != blocked.end() && b->second.id == e.id) blocked.erase(b);
    if (ks->second.waiting.empty()) {
      keys.erase(ks);
      return;
    }
    auto first = ks->second.waiting.begin();
    OutboxEntry next = std::move(first->second);
    ks->second.waiting.erase(first);
    ks->second.in_flight = true;
    Enqueue(lane, std::move(next));
  }
};

OutboxWorker::OutboxWorker(IncidentStore& store,
                           std::map<std::string, std::unique_ptr<Notifier>> notifiers,
                           std::map<std::string, ReceiverDelivery> policies, const Clock& clock,
                           OutboxMetrics metrics)
    : impl_(std::make_unique<Impl>(store, std::move(notifiers), std::move(policies), clock,
                                   std::move(metrics))) {}

OutboxWorker::~OutboxWorker() { Stop(); }

void OutboxWorker::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->started) return;
  impl_->started = true;
  impl_->RecoverOrder();
  impl_->dispatcher = std::thread([this] { Run(); });
}

void OutboxWorker::Run() { impl_->DispatchLoop(); }

void OutboxWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->started || impl_->stopping) return;
    impl_->stopping = true;
    impl_->dispatcher_cv.notify_all();
    for (auto& [name, lane] : impl_->lanes) lane->cv.notify_all();
  }
  impl_->dispatcher.join();
  // No thread is added once stopping is set, so the lists are stable now.
  for (auto& [name, lane] : impl_->lanes) {
    for (std::thread& t : lane->threads) t.join();
  }
}

void OutboxWorker::Wake() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->wake = true;
  impl_->dispatcher_cv.notify_one();
  // Lanes waiting for a deadline on the clock look again (tests move a FakeClock).
  for (auto& [name, lane] : impl_->lanes) lane->cv.notify_all();
}

}  // namespace ab
