#include "notify/outbox_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <random>
#include <set>
#include <utility>

namespace ab {
namespace {

// Due entries read per pass on top of those already held in memory.
constexpr size_t kBatch = 256;
// Entries queued for one receiver before new ones are pushed back in the store instead: bounds
// memory when a receiver is slow but alive.
constexpr size_t kLaneBacklog = 512;
constexpr Duration kLaneFullDelay{1000};
// After a failed store write the entry is still pending; wait before sending it again.
constexpr Duration kStoreErrorDelay{1000};
// A receiver's Retry-After beyond this is treated as a bug on its side.
constexpr Duration kMaxRetryAfter{24 * 3'600'000};
// Pending entries scanned at start to restore per-(incident, receiver) ordering.
constexpr int kRecoveryScan = 100'000;
// Real-time waits of the dispatcher when no better deadline is known.
constexpr std::chrono::milliseconds kIdleRecheck{60'000};
constexpr std::chrono::milliseconds kHeldRecheck{1000};

using Key = std::pair<int64_t, std::string>;  // (incident id, receiver)

double UnitRandom() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

struct OutboxWorker::Impl {
  Impl(IncidentStore& s, std::map<std::string, std::unique_ptr<Notifier>> n,
       std::map<std::string, RetryPolicy> r, const Clock& c, OutboxMetrics m, int t)
      : store(s),
        notifiers(std::move(n)),
        retry(std::move(r)),
        clock(c),
        metrics(std::move(m)),
        max_lane_threads(std::max(1, t)) {}

  // A receiver's own sender threads: a receiver that hangs only ever blocks its own lane.
  struct Lane {
    std::deque<OutboxEntry> ready;
    std::vector<std::thread> threads;
    size_t busy = 0;
    std::condition_variable cv;
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
  };
  struct PassResult {
    bool progress = false;
    bool truncated = false;
  };

  IncidentStore& store;
  const std::map<std::string, std::unique_ptr<Notifier>> notifiers;  // read-only after start
  const std::map<std::string, RetryPolicy> retry;
  const Clock& clock;
  const OutboxMetrics metrics;
  const size_t max_lane_threads;

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

  RetryPolicy PolicyFor(const std::string& receiver) const {
    auto it = retry.find(receiver);
    return it == retry.end() ? RetryPolicy{} : it->second;
  }

  void Metric(const std::string& receiver, const char* result) const {
    if (metrics.on_attempt) metrics.on_attempt(receiver, result);
  }

  // After a restart the in-memory blocks are gone: an entry backing off would be overtaken by a
  // later entry of its key that is due now. Rebuild them from the pending entries.
  void RecoverOrder() {
    OutboxQuery q;
    q.state = OutboxState::kPending;
    q.limit = kRecoveryScan;
    auto pending = store.ListOutbox(q);
    if (!pending.ok()) {
      spdlog::warn("outbox: cannot scan pending entries at start, ordering after a restart is "
                   "best effort: {}", pending.error().message);
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

  Lane& LaneFor(const std::string& receiver) {
    auto& lane = lanes[receiver];
    if (!lane) lane = std::make_unique<Lane>();
    return *lane;
  }

  // mu held.
  void Enqueue(Lane& lane, OutboxEntry e) {
    lane.ready.push_back(std::move(e));
    const size_t idle = lane.threads.size() - lane.busy;
    if (!stopping && lane.ready.size() > idle && lane.threads.size() < max_lane_threads) {
      lane.threads.emplace_back([this, l = &lane] { LaneLoop(*l); });
    }
    lane.cv.notify_one();
  }

  // Pushes a due entry back in the store so it stops occupying due reads. mu held.
  void Defer(const OutboxEntry& e, TimePoint until, const std::string& note) {
    const std::string& error = e.last_error.empty() ? note : e.last_error;
    Status st = store.MarkRetry(e.id, e.attempts, until, error);
    if (!st.ok()) {
      spdlog::error("outbox: cannot defer entry={} receiver={}: {}", e.id, e.receiver,
                    st.error().message);
    }
  }

  // mu held.
  void DeadForMissingReceiver(const OutboxEntry& e) {
    const std::string reason =
        "receiver \"" + e.receiver + "\" is not configured (removed from the config?)";
    Status st = store.MarkDead(e.id, e.attempts, reason);
    if (!st.ok()) {
      spdlog::error("outbox: cannot mark entry={} dead: {}", e.id, st.error().message);
      return;
    }
    spdlog::warn("outbox: dead entry={} incident={} event={} reason=\"{}\"", e.id,
                 e.incident_id, e.event_id, reason);
    Metric(e.receiver, "dead");
  }

  // Reads due entries and routes each one: to its receiver's lane, behind its key's in-flight
  // entry, or back to the store when its key is blocked. mu held, so that an entry finishing
  // concurrently is either still known here or already marked in the store (never sent twice).
  PassResult Pass(TimePoint now) {
    PassResult r;
    const size_t limit = kBatch + known.size();
    auto due = store.DueOutbox(now, static_cast<int>(limit));
    if (!due.ok()) {
      spdlog::error("outbox: cannot read due entries: {}", due.error().message);
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
      if (lane.ready.size() >= kLaneBacklog) {
        const TimePoint until = now + kLaneFullDelay;
        blocked[key] = Block{e.id, until};
        Defer(e, until, "receiver backlog full");
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
        spdlog::error("outbox: cannot read next due time: {}", next.error().message);
        wait = kHeldRecheck;
      } else if (next->has_value()) {
        // Due already means held back here (in flight, queued, or behind its key's head):
        // completions move those along; the recheck is only a safety net.
        wait = **next <= now ? kHeldRecheck
                             : std::min<std::chrono::milliseconds>(kIdleRecheck, **next - now);
      }
      const auto deadline = std::chrono::steady_clock::now() + wait;
      const bool woken =
          dispatcher_cv.wait_until(lock, deadline, [this] { return stopping || wake; });
      pass = !woken;
    }
  }

  void LaneLoop(Lane& lane) {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      lane.cv.wait(lock, [&] { return stopping || !lane.ready.empty(); });
      if (stopping) return;  // queued entries stay pending in the store for the next start
      OutboxEntry e = std::move(lane.ready.front());
      lane.ready.pop_front();
      ++lane.busy;
      lock.unlock();
      const Outcome outcome = Deliver(e);
      lock.lock();
      --lane.busy;
      Finish(e, outcome);
    }
  }

  // One attempt and its record in the store. Runs without the lock.
  Outcome Deliver(const OutboxEntry& e) {
    Notifier& notifier = *notifiers.at(e.receiver);
    SendContext ctx;
    Result<std::vector<ExternalRef>> refs = store.ExternalRefs(e.incident_id, e.receiver);
    if (!refs.ok()) {
      // Sending without them could open a second ticket: wait for the store instead.
      spdlog::error("outbox: cannot read external refs of incident={} receiver={}: {}",
                    e.incident_id, e.receiver, refs.error().message);
      return Outcome{true, clock.now() + kStoreErrorDelay};
    }
    ctx.refs = std::move(*refs);
    ctx.now = clock.now();
    SendResult result = notifier.Send(e, ctx);
    const TimePoint done = clock.now();
    const int attempts = e.attempts + 1;
    const RetryPolicy policy = PolicyFor(e.receiver);

    if (result.kind == SendResult::Kind::kOk) {
      // The ref first: if we die before marking the entry delivered, its retry finds the ticket.
      if (result.ref) {
        ExternalRef ref = *result.ref;
        if (ref.receiver.empty()) ref.receiver = e.receiver;
        Status ref_st = store.AddExternalRef(e.incident_id, ref);
        if (!ref_st.ok()) {
          spdlog::error("outbox: cannot store external ref of incident={} receiver={}: {}",
                        e.incident_id, e.receiver, ref_st.error().message);
        }
      }
      Status st = store.MarkDelivered(e.id, attempts, done);
      if (!st.ok()) {
        spdlog::error("outbox: delivered entry={} but cannot record it (it may be sent again): {}",
                      e.id, st.error().message);
        return Outcome{true, done + kStoreErrorDelay};
      }
      Metric(e.receiver, "ok");
      return Outcome{};
    }

    std::string reason = result.reason.empty() ? "receiver \"" + e.receiver + "\" failed"
                                               : result.reason;
    if (result.kind == SendResult::Kind::kRetry && attempts < policy.max_attempts) {
      Duration wait = Backoff(policy, attempts, UnitRandom());
      if (result.retry_after) wait = std::max(wait, std::min(*result.retry_after, kMaxRetryAfter));
      const TimePoint next = done + wait;
      spdlog::warn("outbox: attempt failed receiver={} incident={} entry={} event={} attempt={}/{} "
                   "retry_in={} reason=\"{}\"",
                   e.receiver, e.incident_id, e.id, e.event_id, attempts, policy.max_attempts,
                   FormatDuration(wait), reason);
      Status st = store.MarkRetry(e.id, attempts, next, reason);
      if (!st.ok()) {
        spdlog::error("outbox: cannot record retry of entry={}: {}", e.id, st.error().message);
      }
      Metric(e.receiver, "retry");
      return Outcome{true, next};
    }

    if (result.kind == SendResult::Kind::kRetry) {
      reason += " (gave up after " + std::to_string(attempts) + " attempts)";
    }
    spdlog::warn("outbox: dead receiver={} incident={} entry={} event={} attempt={} reason=\"{}\"",
                 e.receiver, e.incident_id, e.id, e.event_id, attempts, reason);
    Status st = store.MarkDead(e.id, attempts, reason);
    if (!st.ok()) {
      spdlog::error("outbox: cannot mark entry={} dead (it may be sent again): {}", e.id,
                    st.error().message);
      return Outcome{true, done + kStoreErrorDelay};
    }
    Metric(e.receiver, "dead");
    return Outcome{};
  }

  // mu held.
  void Finish(const OutboxEntry& e, const Outcome& outcome) {
    known.erase(e.id);
    const Key key{e.incident_id, e.receiver};
    auto ks = keys.find(key);
    if (ks == keys.end()) return;  // cannot happen: dispatch always creates the key state
    ks->second.in_flight = false;
    if (outcome.reschedule) {
      blocked[key] = Block{e.id, outcome.next};
      // Its followers must not overtake it: forget them here, and let the next pass push them
      // back in the store to the head's next attempt (that pass also learns the new due time).
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
    Enqueue(LaneFor(e.receiver), std::move(next));
  }
};

OutboxWorker::OutboxWorker(IncidentStore& store,
                           std::map<std::string, std::unique_ptr<Notifier>> notifiers,
                           std::map<std::string, RetryPolicy> retry, const Clock& clock,
                           OutboxMetrics metrics, int threads)
    : impl_(std::make_unique<Impl>(store, std::move(notifiers), std::move(retry), clock,
                                   std::move(metrics), threads)) {}

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
}

}  // namespace ab
