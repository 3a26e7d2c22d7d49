#include "notify/outbox_worker.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <thread>
#include <utility>

#include "common/log.h"

namespace ab {
namespace {

// Real-time waits when nothing better is known; tests move a FakeClock and Wake() instead.
constexpr std::chrono::milliseconds kIdleRecheck{60'000};
// After a failed store read, wait this long (real time) before reading again.
constexpr std::chrono::milliseconds kReadErrorDelay{1000};
// Reads per scheduler pass before it dispatches what it has (then it reads on).
constexpr int kReadsPerPass = 16;

double UnitRandom() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

bool Contains(const std::vector<int64_t>& ids, int64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
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

namespace {

// Each configured receiver's policy: the given one, or the defaults.
std::map<std::string, ReceiverDelivery> LanePolicies(
    const std::map<std::string, std::unique_ptr<Notifier>>& notifiers,
    const std::map<std::string, ReceiverDelivery>& policies) {
  std::map<std::string, ReceiverDelivery> out;
  for (const auto& [name, notifier] : notifiers) {
    auto it = policies.find(name);
    out[name] = it == policies.end() ? ReceiverDelivery{} : it->second;
  }
  return out;
}

}  // namespace

struct OutboxWorker::Impl : std::enable_shared_from_this<Impl> {
  Impl(IncidentStore& s, std::map<std::string, std::unique_ptr<Notifier>> n,
       const std::map<std::string, ReceiverDelivery>& p, const Clock& c, OutboxMetrics m)
      : store(s),
        notifiers(std::move(n)),
        policies(LanePolicies(notifiers, p)),
        clock(c),
        metrics(std::move(m)),
        schedule(policies) {
    for (const auto& [name, policy] : policies) {
      senders.emplace(name, std::make_unique<Sender>(name, policy));
    }
  }

  // A receiver's sender threads and the jobs the scheduler gave them.
  struct Sender {
    Sender(std::string n, ReceiverDelivery p) : name(std::move(n)), policy(std::move(p)) {}
    const std::string name;
    const ReceiverDelivery policy;
    std::mutex mu;  // guards the three below; never held across anything but a push or pop
    std::condition_variable cv;
    std::deque<SendJob> jobs;
    int threads = 0;
    int idle = 0;
    std::atomic<int> store_failures{0};  // consecutive failed reads before a send
  };

  // What a sender thread hands back to the scheduler.
  struct Completion {
    SendJob job;
    bool sent = false;
    AttemptRecord record;  // sent
    bool recorded = false;
    std::vector<int64_t> held;
    std::optional<TimePoint> retry_at;  // not sent: when to try again
  };

  IncidentStore& store;
  const std::map<std::string, std::unique_ptr<Notifier>> notifiers;  // read-only after start
  const std::map<std::string, ReceiverDelivery> policies;
  const Clock& clock;
  const OutboxMetrics metrics;

  OutboxSchedule schedule;                                 // the scheduler thread's alone
  std::map<std::string, std::unique_ptr<Sender>> senders;  // the map itself is fixed

  // The scheduler's wake-up: flags raised by anyone, a mutex held only to flip `signalled`.
  std::mutex signal_mu;
  std::condition_variable signal_cv;
  bool signalled = false;
  std::atomic<bool> committed{false};
  std::atomic<bool> stopping{false};

  std::mutex done_mu;
  std::vector<Completion> completions;

  // A sender's store calls and clock reads run under a shared hold of io_mu; Stop() takes it
  // exclusively to set `abandoned`, after which a sender still out touches neither (they may be
  // gone when its send returns). The scheduler's run under it too but it is joined first.
  std::shared_mutex io_mu;
  bool abandoned = false;

  std::mutex threads_mu;
  std::condition_variable threads_cv;
  struct Thread {
    std::thread thread;
    bool done = false;
  };
  std::list<Thread> threads;  // sender threads
  std::thread scheduler;
  int running = 0;
  bool started = false;
  bool stopped = false;

  mutable std::mutex view_mu;
  std::map<std::string, std::optional<TimePoint>> oldest;

  void Signal() {
    {
      std::lock_guard<std::mutex> lock(signal_mu);
      signalled = true;
    }
    signal_cv.notify_one();
  }

  template <typename F>
  void Hook(const F& hook, const std::string& receiver) const {
    if (hook) hook(receiver);
  }
  void Metric(const std::string& receiver, const char* result) const {
    if (metrics.on_attempt) metrics.on_attempt(receiver, result);
  }

  // Runs `body` on a new thread that counts as running until it returns. threads_mu not held.
  template <typename F>
  void Spawn(F body) {
    std::lock_guard<std::mutex> lock(threads_mu);
    Thread& t = threads.emplace_back();
    ++running;
    t.thread = std::thread([self = shared_from_this(), &t, body = std::move(body)] {
      body();
      std::lock_guard<std::mutex> lock(self->threads_mu);
      t.done = true;
      --self->running;
      self->threads_cv.notify_all();
    });
  }

  // ---- scheduler thread ----

  void SchedulerLoop() {
    ReleaseHeldOfConfigured(clock.now());
    uint64_t requeues = store.OutboxRequeues();  // the first reads start from the start anyway
    auto read_again_at = std::chrono::steady_clock::time_point::min();
    while (!stopping.load()) {
      {
        std::lock_guard<std::mutex> lock(signal_mu);
        signalled = false;
      }
      if (committed.exchange(false)) schedule.Committed();
      // Read before the store is: an action committed after this is seen on the next pass.
      if (const uint64_t r = store.OutboxRequeues(); r != requeues) {
        requeues = r;
        schedule.Rescan();
      }
      TimePoint now = clock.now();
      ApplyCompletions(now);

      if (std::chrono::steady_clock::now() >= read_again_at) {
        if (!ReadNew(now)) read_again_at = std::chrono::steady_clock::now() + kReadErrorDelay;
      }
      const bool read_waiting = schedule.NextRead().has_value();
      RecordAgain(now);
      for (const auto& [receiver, state] : schedule.CircuitChanges(now))
        ReportCircuit(receiver, state);
      for (SendJob& job : schedule.Dispatch(now)) Enqueue(std::move(job));
      Publish(now);

      // Sleep until something is due; Wake() and completions cut it short.
      now = clock.now();
      std::chrono::milliseconds wait = kIdleRecheck;
      if (std::optional<TimePoint> next = schedule.NextWake(now)) {
        wait = std::clamp<std::chrono::milliseconds>(*next - now, std::chrono::milliseconds(0),
                                                     kIdleRecheck);
      }
      auto deadline = std::chrono::steady_clock::now() + wait;
      if (read_waiting)
        deadline = std::min(deadline, std::max(read_again_at, std::chrono::steady_clock::now()));
      std::unique_lock<std::mutex> lock(signal_mu);
      signal_cv.wait_until(lock, deadline, [this] { return signalled || stopping.load(); });
    }
  }

  void ApplyCompletions(TimePoint now) {
    std::vector<Completion> done;
    {
      std::lock_guard<std::mutex> lock(done_mu);
      done.swap(completions);
    }
    for (const Completion& c : done) {
      if (c.sent) {
        schedule.Sent(c.job, c.record, c.recorded, c.held);
      } else {
        schedule.NotSent(c.job, c.held, c.retry_at, now);
      }
    }
  }

  // Reads what the schedule asks for; false after a failed read.
  bool ReadNew(TimePoint now) {
    for (int i = 0; i < kReadsPerPass; ++i) {
      std::optional<OutboxRead> read = schedule.NextRead();
      if (!read) return true;
      Result<std::vector<OutboxEntry>> rows = [&]() -> Result<std::vector<OutboxEntry>> {
        std::shared_lock<std::shared_mutex> io(io_mu);
        return store.PendingOutbox(read->receiver, read->after_id, read->limit);
      }();
      if (!rows.ok()) {
        Log(LogLevel::kError, "outbox: cannot read pending entries",
            {{"error", rows.error().message}});
        return false;
      }
      std::vector<OutboxEntry> unknown = schedule.ApplyRead(*read, *rows, now);
      if (!unknown.empty()) HoldForMissingReceivers(unknown);
    }
    return true;
  }

  // Entries of receivers not configured (removed at a reload): held in the store (no attempt,
  // no dead letter), listed by the API and discardable; when the receiver is configured again
  // the scheduler that starts with it releases them (ReleaseHeldOfConfigured).
  void HoldForMissingReceivers(const std::vector<OutboxEntry>& entries) {
    std::map<std::string, std::vector<int64_t>> by_receiver;
    for (const OutboxEntry& e : entries) by_receiver[e.receiver].push_back(e.id);
    for (const auto& [receiver, ids] : by_receiver) {
      const std::string reason = "receiver \"" + receiver +
                                 "\" is not configured (removed at a reload?): held until it is "
                                 "configured again, or discard it";
      Status st;
      {
        std::shared_lock<std::shared_mutex> io(io_mu);
        st = store.HoldMany(ids, reason);
      }
      Hook(metrics.on_store_write, receiver);
      if (!st.ok()) {
        Log(LogLevel::kError, "outbox: cannot hold entries",
            {{"entries", ids.size()}, {"receiver", receiver}, {"error", st.error().message}});
        Hook(metrics.on_record_failure, receiver);
        continue;
      }
      Log(LogLevel::kWarn, "outbox: held entries",
          {{"entries", ids.size()},
           {"receiver", receiver},
           {"reason",
            "not configured (removed at a reload?); released when it is configured again, or "
            "discard them"}});
    }
  }

  // At the start of a scheduler: entries held while their receiver was missing go back to
  // pending for the receivers this one delivers to.
  void ReleaseHeldOfConfigured(TimePoint now) {
    for (const auto& [receiver, notifier] : notifiers) {
      Result<int64_t> released = [&]() -> Result<int64_t> {
        std::shared_lock<std::shared_mutex> io(io_mu);
        return store.ReleaseHeld(receiver, now);
      }();
      if (!released.ok()) {
        Log(LogLevel::kError, "outbox: cannot release held entries",
            {{"receiver", receiver}, {"error", released.error().message}});
      } else if (*released > 0) {
        Log(LogLevel::kInfo, "outbox: released held entries (configured again)",
            {{"entries", *released}, {"receiver", receiver}});
      }
    }
  }

  // Outcomes the store refused before: only the record is tried again, never the send.
  void RecordAgain(TimePoint now) {
    for (const PendingRecord& r : schedule.DueRecords(now)) {
      std::vector<int64_t> held;
      bool ok = false;
      {
        std::shared_lock<std::shared_mutex> io(io_mu);
        ok = Record(senders.at(r.receiver)->policy, r.entry, r.record, &held);
      }
      schedule.Recorded(r, ok, held, now);
    }
  }

  void ReportCircuit(const std::string& receiver, CircuitState s) {
    if (s == CircuitState::kOpen) {
      Log(LogLevel::kWarn,
          "outbox: circuit open: consecutive failures, no requests until the cool-down ends",
          {{"receiver", receiver}});
    } else {
      Log(LogLevel::kInfo, "outbox: circuit changed",
          {{"circuit", ToString(s)}, {"receiver", receiver}});
    }
    if (metrics.on_circuit) metrics.on_circuit(receiver, s);
  }

  void Publish(TimePoint now) {
    std::map<std::string, std::optional<TimePoint>> view;
    for (const auto& [name, lane] : schedule.View(now)) view[name] = lane.oldest_pending;
    std::lock_guard<std::mutex> lock(view_mu);
    oldest = std::move(view);
  }

  void Enqueue(SendJob job) {
    Sender& s = *senders.at(job.receiver);
    std::lock_guard<std::mutex> lock(s.mu);
    s.jobs.push_back(std::move(job));
    const int max_threads = std::max(1, s.policy.pacing.concurrency);
    if (!stopping.load() && static_cast<int>(s.jobs.size()) > s.idle && s.threads < max_threads) {
      ++s.threads;
      Spawn([this, &s] { SenderLoop(s); });
    }
    s.cv.notify_one();
  }

  // ---- sender threads ----

  void SenderLoop(Sender& s) {
    while (true) {
      SendJob job;
      {
        std::unique_lock<std::mutex> lock(s.mu);
        ++s.idle;
        s.cv.wait(lock, [&] { return stopping.load() || !s.jobs.empty(); });
        --s.idle;
        if (stopping.load()) return;  // jobs not started stay pending in the store
        job = std::move(s.jobs.front());
        s.jobs.pop_front();
      }
      std::optional<Completion> c = Deliver(s, job);
      if (!c) return;  // abandoned at shutdown
      {
        std::lock_guard<std::mutex> lock(done_mu);
        completions.push_back(std::move(*c));
      }
      Signal();
    }
  }

  Completion NotSent(const SendJob& job, Sender& s, std::vector<int64_t> held) {
    Completion c;
    c.job = job;
    c.held = std::move(held);
    if (!Contains(c.held, job.entry.id)) {
      const int failures = ++s.store_failures;
      c.retry_at = clock.now() + Backoff(s.policy.retry, failures, UnitRandom());
    }
    return c;
  }

  // One attempt and its record; none when the worker abandoned it at shutdown.
  std::optional<Completion> Deliver(Sender& s, const SendJob& job) {
    const OutboxEntry& e = job.entry;
    SendContext ctx;
    std::vector<int64_t> held;
    {
      std::shared_lock<std::shared_mutex> io(io_mu);
      if (abandoned) return std::nullopt;
      if (s.policy.pacing.stateful) {
        // Its incident's earlier entry may have died since it was read: it must not overtake it.
        Result<std::vector<int64_t>> h = store.HoldBehindDead(e.incident_id, e.receiver);
        if (!h.ok()) {
          Log(LogLevel::kError, "outbox: cannot check entry for a dead predecessor",
              {{"entry", e.id}, {"error", h.error().message}});
          return NotSent(job, s, {});
        }
        held = std::move(*h);
        if (!held.empty()) Hook(metrics.on_store_write, e.receiver);
        if (Contains(held, e.id)) {
          Log(LogLevel::kWarn,
              "outbox: entry held behind a dead entry of the same incident; retry or discard "
              "the dead one",
              {{"entry", e.id}, {"receiver", e.receiver}, {"incident", e.incident_id}});
          return NotSent(job, s, std::move(held));
        }
      }
      Result<std::vector<ExternalRef>> refs = store.ExternalRefs(e.incident_id, e.receiver);
      if (!refs.ok()) {
        // Sending without them could open a second ticket: wait for the store instead.
        Log(LogLevel::kError, "outbox: cannot read external refs",
            {{"incident", e.incident_id},
             {"receiver", e.receiver},
             {"error", refs.error().message}});
        return NotSent(job, s, std::move(held));
      }
      ctx.refs = std::move(*refs);
      ctx.now = clock.now();
    }
    s.store_failures = 0;

    SendResult result = notifiers.at(e.receiver)->Send(e, ctx);

    std::shared_lock<std::shared_mutex> io(io_mu);
    if (abandoned) return std::nullopt;  // stays pending: sent again after the restart
    Completion c;
    c.job = job;
    c.sent = true;
    c.record = RecordAttempt(e, result, s.policy.retry, clock.now(), UnitRandom());
    // Optional steps that failed for good: counted and logged once per attempt, noted on the
    // entry; the incident's later entries go on (issue 16 item 1).
    for (const DegradedStep& d : result.degraded) {
      Log(LogLevel::kWarn, "outbox: delivered without a step",
          {{"receiver", e.receiver},
           {"incident", e.incident_id},
           {"entry", e.id},
           {"event", e.event_id},
           {"step", d.step},
           {"reason", d.reason}});
      if (metrics.on_degraded) metrics.on_degraded(e.receiver, d.step);
    }
    c.recorded = Record(s.policy, e, c.record, &held);
    c.held = std::move(held);
    return c;
  }

  // Writes an attempt's outcome; false when the store refused it. io_mu held (shared).
  bool Record(const ReceiverDelivery& policy, const OutboxEntry& e, const AttemptRecord& r,
              std::vector<int64_t>* held) {
    const std::string& receiver = e.receiver;
    auto write = [&](const Status& st, const char* what) {
      Hook(metrics.on_store_write, receiver);
      if (st.ok()) return true;
      Hook(metrics.on_record_failure, receiver);
      Log(LogLevel::kError, "outbox: cannot record an outcome",
          {{"what", what}, {"entry", e.id}, {"receiver", receiver}, {"error", st.error().message}});
      return false;
    };
    switch (r.kind) {
      case AttemptRecord::Kind::kDelivered: {
        // The ref first: if we die before marking the entry delivered, its retry finds the
        // ticket.
        if (r.ref) {
          ExternalRef ref = *r.ref;
          if (ref.receiver.empty()) ref.receiver = receiver;
          write(store.AddExternalRef(e.incident_id, ref), "the external ref");
        }
        // The steps it went without go on the incident's timeline (never downstream). Before
        // the delivery's mark, so that a failed write is tried again with it.
        if (!r.degraded.empty()) {
          std::vector<DegradedDelivery> steps;
          for (const DegradedStep& d : r.degraded) {
            steps.push_back({e.incident_id, e.event_seq, e.id, receiver, d.step, d.reason, r.at});
          }
          if (!write(store.RecordDegraded(steps), "the degraded steps")) return false;
        }
        if (!write(store.MarkDelivered(e.id, r.attempts, r.at, r.note), "the delivery")) {
          Log(LogLevel::kWarn,
              "outbox: delivered but could not record it: the record is retried with backoff, "
              "the event is not sent again",
              {{"entry", e.id}, {"event", e.event_id}});
          return false;
        }
        Metric(receiver, "ok");
        if (metrics.on_delivered) {
          metrics.on_delivered(
              receiver, std::max(0.0, std::chrono::duration<double>(r.at - e.created_at).count()));
        }
        return true;
      }
      case AttemptRecord::Kind::kRetry: {
        Log(LogLevel::kWarn, "outbox: attempt failed",
            {{"receiver", receiver},
             {"incident", e.incident_id},
             {"entry", e.id},
             {"event", e.event_id},
             {"attempt", r.attempts},
             {"max_attempts", policy.retry.max_attempts},
             {"retry_in", FormatDuration(r.next - r.at)},
             {"reason", r.error}});
        const bool ok = write(store.MarkRetry(e.id, r.attempts, r.next, r.error), "a retry");
        Metric(receiver, "retry");
        return ok;
      }
      case AttemptRecord::Kind::kDead: {
        Log(LogLevel::kWarn, "outbox: dead",
            {{"receiver", receiver},
             {"incident", e.incident_id},
             {"entry", e.id},
             {"event", e.event_id},
             {"attempt", r.attempts},
             {"reason", r.error}});
        if (!write(store.MarkDead(e.id, r.attempts, r.error), "the dead letter")) return false;
        Metric(receiver, "dead");
        Hook(metrics.on_dead_letter, receiver);
        if (policy.pacing.stateful) {
          // Its incident's later entries must not overtake it (a resolve before the create).
          Result<std::vector<int64_t>> h = store.HoldBehindDead(e.incident_id, receiver);
          if (!h.ok()) {
            Log(LogLevel::kError,
                "outbox: cannot hold the entries after a dead entry (each is checked again "
                "before it is sent)",
                {{"entry", e.id}, {"error", h.error().message}});
          } else if (!h->empty()) {
            Hook(metrics.on_store_write, receiver);
            held->insert(held->end(), h->begin(), h->end());
          }
        }
        return true;
      }
    }
    return false;
  }

  void Stop(std::chrono::steady_clock::time_point deadline) {
    {
      std::lock_guard<std::mutex> lock(threads_mu);
      if (!started || stopped) return;
      stopped = true;
    }
    stopping = true;
    Signal();
    // The scheduler never waits for a receiver (only, briefly, for the store): it ends first.
    scheduler.join();
    for (auto& [name, s] : senders) {
      std::lock_guard<std::mutex> lock(s->mu);
      s->cv.notify_all();
    }
    {
      std::unique_lock<std::mutex> lock(threads_mu);
      if (deadline == std::chrono::steady_clock::time_point::max()) {
        threads_cv.wait(lock, [&] { return running == 0; });
      } else {
        threads_cv.wait_until(lock, deadline, [&] { return running == 0; });
      }
    }
    {
      std::unique_lock<std::shared_mutex> io(io_mu);  // waits for store calls in progress only
      abandoned = true;
    }
    int left = 0;
    std::lock_guard<std::mutex> lock(threads_mu);
    for (auto t = threads.begin(); t != threads.end();) {
      if (t->done) {
        t->thread.join();
        t = threads.erase(t);
      } else {
        // Still sending: it finds `abandoned` when the send returns, records nothing and ends.
        // Its list element stays (it marks itself done there); the Impl outlives it.
        ++left;
        t->thread.detach();
        ++t;
      }
    }
    if (left > 0) {
      Log(LogLevel::kWarn,
          "outbox: stopped with sends still in flight past the deadline; their entries stay "
          "pending and go out after the restart",
          {{"in_flight", left}});
    }
  }
};

OutboxWorker::OutboxWorker(IncidentStore& store,
                           std::map<std::string, std::unique_ptr<Notifier>> notifiers,
                           std::map<std::string, ReceiverDelivery> policies, const Clock& clock,
                           OutboxMetrics metrics)
    : store_(store),
      clock_(clock),
      metrics_(std::move(metrics)),
      impl_(std::make_shared<Impl>(store, std::move(notifiers), policies, clock, metrics_)) {}

OutboxWorker::~OutboxWorker() { Stop(); }

std::shared_ptr<OutboxWorker::Impl> OutboxWorker::Current() const {
  std::lock_guard<std::mutex> lock(impl_mu_);
  return impl_;
}

void OutboxWorker::Start() {
  std::shared_ptr<Impl> impl = Current();
  {
    std::lock_guard<std::mutex> lock(impl->threads_mu);
    if (impl->started) return;
    impl->started = true;
  }
  impl->scheduler = std::thread([impl] { impl->SchedulerLoop(); });
}

void OutboxWorker::Stop(std::chrono::steady_clock::time_point deadline) {
  Current()->Stop(deadline);
}

void OutboxWorker::Reconfigure(std::map<std::string, std::unique_ptr<Notifier>> notifiers,
                               std::map<std::string, ReceiverDelivery> policies,
                               std::chrono::steady_clock::time_point deadline) {
  auto fresh = std::make_shared<Impl>(store_, std::move(notifiers), policies, clock_, metrics_);
  std::shared_ptr<Impl> old = Current();
  bool was_started = false;
  {
    std::lock_guard<std::mutex> lock(old->threads_mu);
    was_started = old->started && !old->stopped;
  }
  old->Stop(deadline);  // sends in flight finish on the old notifiers (the Impl owns them)
  {
    std::lock_guard<std::mutex> lock(impl_mu_);
    impl_ = fresh;
  }
  if (was_started) {
    Start();
    Wake();
  }
}

void OutboxWorker::Wake() {
  std::shared_ptr<Impl> impl = Current();
  impl->committed = true;
  impl->Signal();
}

std::map<std::string, std::optional<TimePoint>> OutboxWorker::OldestPending() const {
  std::shared_ptr<Impl> impl = Current();
  std::lock_guard<std::mutex> lock(impl->view_mu);
  return impl->oldest;
}

}  // namespace ab
