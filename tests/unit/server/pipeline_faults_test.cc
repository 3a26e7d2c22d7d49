// Store faults and exceptions in the ingest pipeline (issue 13 items 3 and 8): after a failed
// commit nothing later is acknowledged until the engine has been rebuilt from what is committed,
// and an exception on the engine or store thread fails its batch, not the process.
#include <cstdlib>
#include <new>

#include "pipeline_fixture.h"

// GCC sees free() on memory from `new` once the replacement below is inlined: it is malloc's.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

// Allocation failure on demand, for the engine thread's bad_alloc: the n-th allocation from now
// on the arming thread throws.
namespace {
thread_local int fail_allocation_in = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (fail_allocation_in > 0 && --fail_allocation_in == 0) throw std::bad_alloc();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// The nothrow forms too (std::stable_sort's temporary buffer uses them): every form this file's
// deletes free must come from malloc, or ASan reports an alloc-dealloc mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace ab::testing {
namespace {

// The engine runs one group ahead of the store: group N+1 is computed on N's state while N
// commits. When N then fails, N+1 must fail too, whatever the threads' timing, or the store gets
// N+1's rows (an alert joining incident 1) without N's (incident 1's declaration).
TEST_F(PipelineFaultTest, TheGroupRunAheadOfAFailedCommitIsNotAcknowledged) {
  Start();
  faulty_->block_commit = 1;
  faulty_->fail_commit = 1;
  std::future<Status> first = Queue(Firing("checkout", "a"));  // declares incident 1
  ASSERT_TRUE(faulty_->commit_entered.Wait());
  // The store thread is inside commit 1, so the next clock read is the engine thread's, with the
  // second alert taken: let commit 1 fail right then, before the engine hands its group over.
  Gate first_answered;
  clock_.Arm([&] {
    faulty_->commit_gate.Open();
    EXPECT_TRUE(first_answered.Wait());
  });
  std::future<Status> second = Queue(Firing("checkout", "b"));  // joins incident 1
  Status first_status = Wait(std::move(first));
  first_answered.Open();
  EXPECT_FALSE(first_status.ok());
  EXPECT_FALSE(Wait(std::move(second)).ok()) << "acknowledged on top of a failed commit";
  ExpectConsistentStore(*real_, kReceiver);

  // The senders retry: both alerts end up in one properly declared incident.
  SendUntilAccepted(Firing("checkout", "a"));
  SendUntilAccepted(Firing("checkout", "b"));
  SendUntilAccepted(Firing("payments", "a"));
  ExpectConsistentStore(*real_, kReceiver);
  auto one = real_->GetIncident(1);
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((**one).incident.alerts_total, 2);
  auto stored = real_->Load();
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ((**one).incident.key,
            IncidentKey(stored->instance_id, "checkout", LabelSet{{"service", "checkout"}}, 1));
}

// When the engine cannot be rebuilt (the store cannot be read either), it must not carry on
// ahead of the store: every batch is refused until a rebuild succeeds, which the pipeline retries
// by itself.
TEST_F(PipelineFaultTest, NothingIsAcknowledgedUntilTheEngineIsRebuilt) {
  options_.rebuild_retry = std::chrono::milliseconds(20);
  Start();
  faulty_->fail_commit = 1;
  faulty_->fail_loads = true;
  EXPECT_FALSE(Send(Firing("checkout", "a")).ok());
  // The engine still holds incident 1 from the failed group: this alert would join it.
  Status second = Send(Firing("checkout", "b"));
  EXPECT_FALSE(second.ok()) << "acknowledged by an engine ahead of the store";
  EXPECT_FALSE(pipeline_->healthy());
  ExpectConsistentStore(*real_, kReceiver);

  faulty_->fail_loads = false;  // the store can be read again: the pipeline rebuilds by itself
  EXPECT_TRUE(WaitUntil([&] { return pipeline_->healthy(); }));
  EXPECT_TRUE(Send(Firing("checkout", "b")).ok());
  EXPECT_TRUE(Send(Firing("checkout", "a")).ok());
  ExpectConsistentStore(*real_, kReceiver);
  auto one = real_->GetIncident(1);
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((**one).incident.alerts_total, 2);
}

// What a sender is told names no file and no SQL: details are for the log.
TEST_F(PipelineFaultTest, AFailureAnswerCarriesNoStoreDetails) {
  Start();
  faulty_->fail_commit = 1;
  Status st = Send(Firing("checkout", "a"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.find("secret-path"), std::string::npos) << st.error().message;
  EXPECT_EQ(st.error().message.find("INSERT"), std::string::npos) << st.error().message;
}

TEST_F(PipelineFaultTest, AnExceptionOnTheStoreThreadFailsItsBatchOnly) {
  Start();
  ASSERT_TRUE(Send(Firing("checkout", "a")).ok());
  faulty_->throw_commit = 2;
  EXPECT_FALSE(Send(Firing("payments", "a")).ok());
  SendUntilAccepted(Firing("search", "a"));
  SendUntilAccepted(Firing("payments", "a"));
  ExpectConsistentStore(*real_, kReceiver);
  IncidentQuery q;
  auto page = real_->ListIncidents(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->incidents.size(), 3u);
}

// bad_alloc in the middle of the engine's work on a batch: that batch fails; the engine, which it
// may have left half changed, is rebuilt from the store; the batches around it are unaffected.
TEST_F(PipelineFaultTest, AnExceptionOnTheEngineThreadFailsItsBatchAndRebuildsTheEngine) {
  Start();
  ASSERT_TRUE(Send(Firing("checkout", "a")).ok());
  const int loads = faulty_->loads();
  // The next clock read is the engine thread's, just before it runs the batch.
  clock_.Arm([] { fail_allocation_in = 8; });
  Status failed = Send(Firing("payments", "a"));
  fail_allocation_in = 0;
  EXPECT_FALSE(failed.ok());
  SendUntilAccepted(Firing("checkout", "b"));
  EXPECT_GT(faulty_->loads(), loads) << "the engine was not rebuilt";
  SendUntilAccepted(Firing("payments", "a"));
  ExpectConsistentStore(*real_, kReceiver);
  EXPECT_EQ(pipeline_->stats().firing_alerts, 3u);
  EXPECT_EQ(pipeline_->stats().open_incidents, 2u);
}

// A full disk is noticed by a failed commit; once writes work again readiness comes back by the
// store thread's probe alone: a load balancer sends no traffic to a pod that is not ready.
TEST_F(PipelineFaultTest, ReadinessComesBackByProbingTheStoreWithoutTraffic) {
  options_.probe_retry = std::chrono::milliseconds(5);
  Start();
  faulty_->down = true;
  EXPECT_FALSE(Send(Firing("checkout", "a")).ok());
  EXPECT_FALSE(pipeline_->healthy());
  // While the store fails, batches are refused at once instead of failing one commit each.
  const int commits = faulty_->commits();
  EXPECT_FALSE(Send(Firing("checkout", "b")).ok());
  EXPECT_EQ(faulty_->commits(), commits);
  const int probes = faulty_->probes();
  ASSERT_TRUE(WaitUntil([&] { return faulty_->probes() > probes + 2; }));
  EXPECT_FALSE(pipeline_->healthy());

  faulty_->down = false;
  EXPECT_TRUE(WaitUntil([&] { return pipeline_->healthy(); }));
  EXPECT_TRUE(Send(Firing("checkout", "a")).ok());
  ExpectConsistentStore(*real_, kReceiver);
}

// An idle service finds out by itself when its store stops taking writes.
TEST_F(PipelineFaultTest, AnIdleProbeNoticesAStoreThatStoppedTakingWrites) {
  options_.idle_probe = std::chrono::milliseconds(5);
  options_.probe_retry = std::chrono::milliseconds(5);
  Start();
  EXPECT_TRUE(pipeline_->healthy());
  faulty_->down = true;
  EXPECT_TRUE(WaitUntil([&] { return !pipeline_->healthy(); }));
  faulty_->down = false;
  EXPECT_TRUE(WaitUntil([&] { return pipeline_->healthy(); }));
}

// The engine thread's loop turns at least every tick, idle or not (the systemd watchdog hook).
TEST_F(PipelineFaultTest, OnLoopRunsOnEveryTurnOfTheEngineLoop) {
  std::atomic<int> turns{0};
  options_.tick_interval = std::chrono::milliseconds(5);
  options_.on_loop = [&] { ++turns; };
  Start();
  EXPECT_TRUE(WaitUntil([&] { return turns > 3; }));
}

}  // namespace
}  // namespace ab::testing
