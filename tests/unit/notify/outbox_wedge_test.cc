// Regressions of issue 13 (items 1, 2 and 4) and issue 18 item 5, through the threaded worker:
// ingest never waits for delivery bookkeeping, nothing is rewritten to defer it, nothing is
// scheduled for "never", a delivered entry whose record fails is not re-sent in a loop, and
// entries of one incident go out in sequence whatever their retry times.
#include <atomic>
#include <thread>

#include "outbox_worker_fixture.h"

namespace ab::testing {
namespace {

// A notifier gate: sends wait inside Send() until released.
struct Hang {
  std::mutex mu;
  std::condition_variable cv;
  int entered = 0;
  bool released = false;

  SendResult Wait() {
    std::unique_lock<std::mutex> lock(mu);
    ++entered;
    cv.notify_all();
    cv.wait(lock, [&] { return released; });
    return SendResult::Ok();
  }
  bool WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, kDeadline, [&] { return entered >= n; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
    cv.notify_all();
  }
};

class OutboxWedgeTest : public OutboxWorkerTest {
 protected:
  bool WaitAllDelivered(const std::string& receiver) {
    return store_.WaitFor([&](const FakeStore::State& s) {
      for (const auto& [id, e] : s.outbox) {
        if (e.receiver == receiver && e.state != OutboxState::kDelivered) return false;
      }
      return true;
    });
  }
};

// Issue 13 item 1, as measured: thousands of incidents to the default `console` receiver plus a
// receiver that is down, and the store thread (committing, then waking the worker) must never
// wait for the worker while the worker is inside a store write.
TEST_F(OutboxWedgeTest, WakeNeverWaitsForTheWorkersStoreWrites) {
  std::map<std::string, std::unique_ptr<Notifier>> n;
  Add(n, "console", [](const OutboxEntry&) { return SendResult::Ok(); });
  Add(n, "down", [](const OutboxEntry&) { return SendResult::Retry("connection refused"); });
  for (int i = 1; i <= 3000; ++i) {
    store_.Add(Entry(i, "console", 1));
    store_.Add(Entry(i, "down", 1));
  }
  store_.BlockWrites();  // every outbox write now hangs, like an fsync on a stalled disk
  StartWorker(std::move(n));
  ASSERT_TRUE(store_.WaitForBlockedWrite());

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread ingest([&] {
    for (int i = 0; i < 200; ++i) {
      store_.Add(Entry(10'000 + i, "console", 1));  // a commit...
      worker_->Wake();                              // ...and the store thread's wake-up
    }
    std::lock_guard<std::mutex> lock(mu);
    done = true;
    cv.notify_all();
  });
  bool answered = false;
  {
    std::unique_lock<std::mutex> lock(mu);
    answered = cv.wait_for(lock, kDeadline, [&] { return done; });
  }
  store_.UnblockWrites();
  ingest.join();
  EXPECT_TRUE(answered) << "Wake() waited for a store write of the worker";
  EXPECT_TRUE(WaitAllDelivered("console"));
}

// A receiver that hangs with far more entries than its lane holds: nothing is rewritten to
// defer the rest (one write per delivered entry, the delivery itself), and no pass re-reads the
// same entries over and over.
TEST_F(OutboxWedgeTest, AFullLaneLeavesItsEntriesUntouchedInTheStore) {
  auto hang = std::make_shared<Hang>();
  std::map<std::string, std::unique_ptr<Notifier>> n;
  Add(n, "console", [hang](const OutboxEntry&) { return hang->Wait(); });
  constexpr int kEntries = 1500;
  for (int i = 1; i <= kEntries; ++i) store_.Add(Entry(i, "console", 1));
  StartWorker(std::move(n));

  ASSERT_TRUE(hang->WaitEntered(1));
  for (int i = 0; i < 5; ++i) {
    clock_.advance(Duration(2000));
    worker_->Wake();
  }
  hang->Release();
  ASSERT_TRUE(WaitAllDelivered("console"));
  const FakeStore::State s = store_.Snapshot();
  EXPECT_EQ(s.writes, kEntries) << "entries rewritten while they waited for their lane";
  EXPECT_TRUE(metrics_.WaitFor("console/ok", kEntries));
  EXPECT_EQ(metrics_.Get("console/store_write"), kEntries);  // the metric says the same
  EXPECT_LE(s.rows_read, 2 * kEntries) << "passes re-read the same entries";
  EXPECT_EQ(s.rejected_updates, 0);
}

// Issue 13 item 2: with the lane's backlog full and a half-open probe in flight, followers of a
// deferred key were written with next_attempt_at = INT64_MAX and never delivered.
TEST_F(OutboxWedgeTest, AKeyBehindAHalfOpenProbeWaitsForItsOutcomeNotForever) {
  auto hang = std::make_shared<Hang>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  std::map<std::string, std::unique_ptr<Notifier>> n;
  Add(n, "pd", [hang, calls](const OutboxEntry&) {
    const int call = (*calls)++;
    if (call == 0) return SendResult::Retry("connection refused");  // opens the circuit
    if (call == 1) return hang->Wait();                             // the probe
    return SendResult::Ok();
  });
  ReceiverDelivery policy;
  policy.pacing.concurrency = 1;
  policy.pacing.circuit_breaker = CircuitBreakerPolicy{1, Duration(10'000), Duration(60'000)};
  for (int i = 1; i <= 700; ++i) {
    store_.Add(Entry(i, "pd", 1));
    store_.Add(Entry(i, "pd", 2));
  }
  StartWorker(std::move(n), {{"pd", policy}});
  ASSERT_TRUE(metrics_.WaitFor("pd/circuit_open", 1));

  clock_.set(t0_ + Duration(10'000));
  worker_->Wake();
  ASSERT_TRUE(hang->WaitEntered(1));  // the probe is out
  for (int i = 1; i <= 5; ++i) {
    clock_.set(t0_ + Duration(10'000 + i * 1500));
    worker_->Wake();
  }
  hang->Release();  // the probe succeeds: the circuit closes and everything goes
  for (int i = 1; i <= 10; ++i) {
    clock_.set(t0_ + Duration(20'000 + i * 5000));
    worker_->Wake();
  }
  EXPECT_TRUE(WaitAllDelivered("pd"));
  EXPECT_LT(store_.Snapshot().max_next_written, t0_ + Duration(3'600'000))
      << "an entry was scheduled for never";
}

// Issue 13 item 4: the send succeeded but recording it failed. It must not be sent again every
// second: the record is retried with backoff and the receiver gets the event once.
TEST_F(OutboxWedgeTest, ADeliveryThatCannotBeRecordedIsNotSentInALoop) {
  std::map<std::string, std::unique_ptr<Notifier>> n;
  ScriptedNotifier* hook = Add(n, "hook", [](const OutboxEntry&) { return SendResult::Ok(); });
  const int64_t id = store_.Add(Entry(1, "hook", 1));
  store_.FailDelivered(3);
  StartWorker(std::move(n));

  for (int failures = 1; failures <= 3; ++failures) {
    ASSERT_TRUE(store_.WaitFor(
        [&](const FakeStore::State& s) { return s.failed_delivered >= failures; }, kDeadline));
    // Each record retry waits longer: 1s, 2s, 4s at most (equal jitter).
    clock_.advance(Duration(1000 << failures));
    worker_->Wake();
  }
  ASSERT_TRUE(WaitState(id, OutboxState::kDelivered));
  EXPECT_EQ(hook->Seen(), (std::vector<std::string>{EventId(1, 1)}));
  EXPECT_EQ(store_.Get(id).attempts, 1);
  EXPECT_TRUE(metrics_.WaitFor("hook/ok", 1));
  EXPECT_EQ(metrics_.Get("hook/record_failure"), 3);
  EXPECT_EQ(metrics_.Get("hook/store_write"), 4);
}

// Issue 18 item 5: a dead `acknowledged` retried while the incident's `note_added` waits for the
// receiver's rate limit goes out first: order within an incident is by sequence, not by when
// each entry became due.
TEST_F(OutboxWedgeTest, ARetriedDeadEntryGoesBeforeALaterPendingOne) {
  auto reject = std::make_shared<std::atomic<bool>>(true);
  std::map<std::string, std::unique_ptr<Notifier>> n;
  ScriptedNotifier* slack = Add(n, "slack", [reject](const OutboxEntry& e) {
    if (*reject && e.event_id == EventId(1, 2)) return SendResult::Permanent("HTTP 400");
    return SendResult::Ok();
  });
  ReceiverDelivery policy;
  policy.pacing.rate_limit = RateLimit{1, 1};
  const int64_t ack = store_.Add(Entry(1, "slack", 2));
  StartWorker(std::move(n), {{"slack", policy}});
  ASSERT_TRUE(WaitState(ack, OutboxState::kDead));  // sent at t0: the token is spent

  const int64_t note = store_.Add(Entry(1, "slack", 3));
  const int reads = store_.Snapshot().due_reads;
  worker_->Wake();  // due now, waiting for the next token at t0 + 1s
  ASSERT_TRUE(store_.WaitFor([&](const FakeStore::State& s) { return s.due_reads > reads; }));
  clock_.set(t0_ + Duration(500));
  *reject = false;
  ASSERT_EQ(*store_.RetryOutbox(ack, clock_.now()), OutboxState::kDead);
  worker_->Wake();

  clock_.set(t0_ + Duration(1000));
  worker_->Wake();
  ASSERT_TRUE(store_.WaitFor(
      [&](const FakeStore::State& s) {
        return s.outbox.at(ack).state == OutboxState::kDelivered ||
               s.outbox.at(note).state == OutboxState::kDelivered;
      },
      kDeadline));
  clock_.set(t0_ + Duration(2000));
  worker_->Wake();
  ASSERT_TRUE(WaitState(ack, OutboxState::kDelivered));
  ASSERT_TRUE(WaitState(note, OutboxState::kDelivered));
  EXPECT_EQ(slack->Seen(), (std::vector<std::string>{EventId(1, 2), EventId(1, 2), EventId(1, 3)}));
}

}  // namespace
}  // namespace ab::testing
