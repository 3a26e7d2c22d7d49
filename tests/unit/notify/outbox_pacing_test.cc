// The worker's per-receiver pacing (rate limit, circuit breaker, Retry-After hold, concurrency)
// and the stateful receivers' hold behind a dead entry. Time is a FakeClock: a send's ctx.now says
// when the worker let it go.
#include <algorithm>
#include <atomic>

#include "outbox_worker_fixture.h"

namespace ab::testing {
namespace {

class OutboxPacingTest : public OutboxWorkerTest {
 protected:
  static SendResult Ok(const OutboxEntry&) { return SendResult::Ok(); }

  bool WaitDelivered(std::initializer_list<int64_t> ids) {
    for (int64_t id : ids) {
      if (!WaitState(id, OutboxState::kDelivered)) return false;
    }
    return true;
  }
  void AdvanceTo(TimePoint t) {
    clock_.set(t);
    worker_->Wake();
  }
};

TEST_F(OutboxPacingTest, RateLimitSpacesSendsAndNeverSlowsAnotherReceiver) {
  std::map<std::string, std::unique_ptr<Notifier>> n;
  ScriptedNotifier* slack = Add(n, "slack", Ok);
  ScriptedNotifier* hook = Add(n, "hook", Ok);
  ReceiverDelivery limited;
  limited.pacing.concurrency = 4;
  limited.pacing.rate_limit = RateLimit{1, 1};
  const int64_t s1 = store_.Add(Entry(1, "slack", 1));
  const int64_t s2 = store_.Add(Entry(2, "slack", 1));
  const int64_t s3 = store_.Add(Entry(3, "slack", 1));
  std::vector<int64_t> hooks;
  for (int i = 0; i < 5; ++i) hooks.push_back(store_.Add(Entry(10 + i, "hook", 1)));
  StartWorker(std::move(n), {{"slack", limited}});

  ASSERT_TRUE(WaitDelivered({s1}));
  for (int64_t id : hooks) ASSERT_TRUE(WaitState(id, OutboxState::kDelivered)) << id;
  EXPECT_EQ(hook->Times(), std::vector<TimePoint>(5, t0_));  // all at once, unthrottled
  EXPECT_EQ(store_.Get(s2).attempts, 0);

  AdvanceTo(t0_ + Duration(1000));
  ASSERT_TRUE(WaitDelivered({s2}));
  AdvanceTo(t0_ + Duration(2000));
  ASSERT_TRUE(WaitDelivered({s3}));
  EXPECT_EQ(slack->Times(),
            (std::vector<TimePoint>{t0_, t0_ + Duration(1000), t0_ + Duration(2000)}));
}

TEST_F(OutboxPacingTest, ReceiversOfOneDestinationShareItsRateLimit) {
  std::map<std::string, std::unique_ptr<Notifier>> n;
  ScriptedNotifier* ops = Add(n, "slack-ops", Ok);
  ScriptedNotifier* dev = Add(n, "slack-dev", Ok);
  ReceiverDelivery shared;
  shared.pacing.rate_limit = RateLimit{1, 1};
  shared.rate_limit_key = "slack env:SLACK_URL";
  const int64_t o1 = store_.Add(Entry(1, "slack-ops", 1));
  const int64_t d1 = store_.Add(Entry(2, "slack-dev", 1));
  StartWorker(std::move(n), {{"slack-ops", shared}, {"slack-dev", shared}});

  // One token for both: one of them goes now, the other a second later.
  ASSERT_TRUE(store_.WaitFor(
      [&](const FakeStore::State& st) {
        return st.outbox.at(o1).state == OutboxState::kDelivered ||
               st.outbox.at(d1).state == OutboxState::kDelivered;
      },
      kDeadline));
  EXPECT_EQ(ops->Times().size() + dev->Times().size(), 1u);
  AdvanceTo(t0_ + Duration(1000));
  ASSERT_TRUE(WaitDelivered({o1, d1}));
  std::vector<TimePoint> times = ops->Times();
  const std::vector<TimePoint> dev_times = dev->Times();
  times.insert(times.end(), dev_times.begin(), dev_times.end());
  std::sort(times.begin(), times.end());
  EXPECT_EQ(times, (std::vector<TimePoint>{t0_, t0_ + Duration(1000)}));
}

TEST(DeliveryPoliciesTest, SharedDestinationsGetTheStrictestLimit) {
  std::vector<ReceiverConfig> rs(3);
  for (ReceiverConfig& r : rs) r.type = "slack";
  rs[0].name = "a";
  rs[0].url = Secret("env:SLACK_URL");
  rs[0].delivery.rate_limit = RateLimit{2, 5};
  rs[1].name = "b";
  rs[1].url = Secret("env:SLACK_URL");
  rs[1].delivery.rate_limit = RateLimit{1, 8};
  rs[2].name = "c";
  rs[2].url = Secret("env:OTHER_URL");
  rs[2].delivery.rate_limit = RateLimit{3, 3};
  const auto p = DeliveryPolicies(rs);
  EXPECT_EQ(p.at("a").rate_limit_key, "slack env:SLACK_URL");
  EXPECT_EQ(p.at("a").rate_limit_key, p.at("b").rate_limit_key);
  EXPECT_NE(p.at("a").rate_limit_key, p.at("c").rate_limit_key);
  for (const char* name : {"a", "b"}) {
    EXPECT_EQ(p.at(name).pacing.rate_limit->per_second, 1) << name;
    EXPECT_EQ(p.at(name).pacing.rate_limit->burst, 5) << name;
  }
  EXPECT_EQ(p.at("c").pacing.rate_limit->per_second, 3);
}

TEST_F(OutboxPacingTest, CircuitOpensStopsSendingThenProbesOnce) {
  auto down = std::make_shared<std::atomic<bool>>(true);
  std::map<std::string, std::unique_ptr<Notifier>> n;
  ScriptedNotifier* pd = Add(n, "pd", [down](const OutboxEntry&) {
    return *down ? SendResult::Retry("connection refused") : SendResult::Ok();
  });
  ReceiverDelivery policy;
  policy.pacing.concurrency = 1;
  policy.pacing.circuit_breaker = CircuitBreakerPolicy{2, Duration(10'000), Duration(60'000)};
  std::vector<int64_t> ids;
  for (int i = 1; i <= 4; ++i) ids.push_back(store_.Add(Entry(i, "pd", 1)));
  StartWorker(std::move(n), {{"pd", policy}});

  ASSERT_TRUE(WaitAttempts(ids[0], 1));
  ASSERT_TRUE(WaitAttempts(ids[1], 1));
  ASSERT_TRUE(metrics_.WaitFor("pd/circuit_open", 1));
  // The failed two back off (about a second); at 5s they are due again, but the circuit holds.
  AdvanceTo(t0_ + Duration(5000));
  AdvanceTo(t0_ + Duration(9999));

  // At the end of the cool-down one probe goes; it fails: the cool-down doubles.
  AdvanceTo(t0_ + Duration(10'000));
  ASSERT_TRUE(store_.WaitFor(
      [](const FakeStore::State& s) {
        int attempts = 0;
        for (const auto& [id, e] : s.outbox) attempts += e.attempts;
        return attempts == 3;
      },
      kDeadline));
  ASSERT_TRUE(metrics_.WaitFor("pd/circuit_half_open", 1));
  ASSERT_TRUE(metrics_.WaitFor("pd/circuit_open", 2));
  AdvanceTo(t0_ + Duration(29'999));

  *down = false;
  AdvanceTo(t0_ + Duration(30'000));
  for (int64_t id : ids) ASSERT_TRUE(WaitState(id, OutboxState::kDelivered)) << id;
  EXPECT_TRUE(metrics_.WaitFor("pd/circuit_closed", 1));

  const std::vector<TimePoint> times = pd->Times();
  ASSERT_EQ(times.size(), 7u);  // 2 failures, 1 failed probe, 4 deliveries
  EXPECT_EQ(times[0], t0_);
  EXPECT_EQ(times[1], t0_);
  EXPECT_EQ(times[2], t0_ + Duration(10'000));
  for (size_t i = 3; i < times.size(); ++i) EXPECT_EQ(times[i], t0_ + Duration(30'000)) << i;
  // Waiting behind the circuit costs no attempt: nothing gets closer to being given up.
  int attempts = 0;
  for (int64_t id : ids) attempts += store_.Get(id).attempts;
  EXPECT_EQ(attempts, 7);
  EXPECT_EQ(metrics_.Get("pd/retry"), 3);
}

TEST_F(OutboxPacingTest, RetryAfterHoldsTheWholeReceiverButOpensNoCircuit) {
  auto calls = std::make_shared<std::atomic<int>>(0);
  std::map<std::string, std::unique_ptr<Notifier>> n;
  ScriptedNotifier* slack = Add(n, "slack", [calls](const OutboxEntry&) {
    return (*calls)++ == 0 ? SendResult::Retry("HTTP 429", Duration(30'000)) : SendResult::Ok();
  });
  ReceiverDelivery policy;
  policy.pacing.concurrency = 1;
  policy.pacing.circuit_breaker.failures = 1;
  const int64_t a = store_.Add(Entry(1, "slack", 1));
  const int64_t b = store_.Add(Entry(2, "slack", 1));
  const int64_t c = store_.Add(Entry(3, "slack", 1));
  StartWorker(std::move(n), {{"slack", policy}});

  ASSERT_TRUE(WaitAttempts(a, 1));
  EXPECT_EQ(store_.Get(a).next_attempt_at, t0_ + Duration(30'000));
  AdvanceTo(t0_ + Duration(29'999));
  AdvanceTo(t0_ + Duration(30'000));
  ASSERT_TRUE(WaitDelivered({a, b, c}));
  const std::vector<TimePoint> times = slack->Times();
  ASSERT_EQ(times.size(), 4u);
  EXPECT_EQ(times[0], t0_);
  for (size_t i = 1; i < times.size(); ++i) EXPECT_EQ(times[i], t0_ + Duration(30'000)) << i;
  EXPECT_EQ(metrics_.Get("slack/circuit_open"), 0);
}

TEST_F(OutboxPacingTest, RetryAfterIsCappedAtAnHour) {
  std::map<std::string, std::unique_ptr<Notifier>> n;
  Add(n, "ops", [](const OutboxEntry&) {
    return SendResult::Retry("HTTP 503", Duration(int64_t{30} * 24 * 3'600'000));
  });
  const int64_t id = store_.Add(Entry(1, "ops", 1));
  StartWorker(std::move(n));
  ASSERT_TRUE(WaitAttempts(id, 1));
  EXPECT_EQ(store_.Get(id).next_attempt_at, t0_ + kMaxRetryAfter);
}

TEST_F(OutboxPacingTest, ConcurrencyBoundsSendsInFlight) {
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    int in_flight = 0;
    int max_in_flight = 0;
    int entered = 0;
    int released = 0;
  };
  auto gate = std::make_shared<Gate>();
  std::map<std::string, std::unique_ptr<Notifier>> n;
  Add(n, "ops", [gate](const OutboxEntry&) {
    std::unique_lock<std::mutex> lock(gate->mu);
    const int ticket = gate->entered++;
    gate->max_in_flight = std::max(gate->max_in_flight, ++gate->in_flight);
    gate->cv.notify_all();
    gate->cv.wait(lock, [&] { return gate->released > ticket; });
    --gate->in_flight;
    return SendResult::Ok();
  });
  std::vector<int64_t> ids;
  for (int i = 1; i <= 6; ++i) ids.push_back(store_.Add(Entry(i, "ops", 1)));
  StartWorker(std::move(n), {{"ops", Concurrency(2)}});

  auto wait_entered = [&](int count) {
    std::unique_lock<std::mutex> lock(gate->mu);
    return gate->cv.wait_for(lock, kDeadline, [&] { return gate->entered >= count; });
  };
  ASSERT_TRUE(wait_entered(2));
  for (int i = 1; i <= 6; ++i) {
    {
      std::lock_guard<std::mutex> lock(gate->mu);
      gate->released = i;
      gate->cv.notify_all();
    }
    if (i <= 4) {
      ASSERT_TRUE(wait_entered(i + 2)) << i;
    }
  }
  for (int64_t id : ids) ASSERT_TRUE(WaitState(id, OutboxState::kDelivered)) << id;
  std::lock_guard<std::mutex> lock(gate->mu);
  EXPECT_EQ(gate->max_in_flight, 2);
}

// A notifier that rejects the first event of incident 1 until told otherwise.
ScriptedNotifier::Script RejectFirst(std::shared_ptr<std::atomic<bool>> reject) {
  return [reject](const OutboxEntry& e) {
    if (*reject && e.event_id == EventId(1, 1)) return SendResult::Permanent("HTTP 400");
    return SendResult::Ok();
  };
}

TEST_F(OutboxPacingTest, StatefulDeadEntryHoldsItsIncidentUntilRetried) {
  auto reject = std::make_shared<std::atomic<bool>>(true);
  std::map<std::string, std::unique_ptr<Notifier>> n;
  ScriptedNotifier* jira = Add(n, "jira", RejectFirst(reject));
  ReceiverDelivery policy;
  policy.pacing.stateful = true;
  const int64_t a1 = store_.Add(Entry(1, "jira", 1));
  const int64_t a2 = store_.Add(Entry(1, "jira", 2));
  const int64_t a3 = store_.Add(Entry(1, "jira", 3));
  const int64_t b1 = store_.Add(Entry(2, "jira", 1));
  StartWorker(std::move(n), {{"jira", policy}});

  ASSERT_TRUE(WaitState(a1, OutboxState::kDead));
  ASSERT_TRUE(WaitState(a2, OutboxState::kHeld));
  ASSERT_TRUE(WaitState(a3, OutboxState::kHeld));
  ASSERT_TRUE(WaitState(b1, OutboxState::kDelivered));  // other incidents carry on
  EXPECT_TRUE(metrics_.WaitFor("jira/dead_letter", 1));

  // A new event of the held incident is held too, not sent ahead of the dead one.
  const int64_t a4 = store_.Add(Entry(1, "jira", 4));
  worker_->Wake();
  ASSERT_TRUE(WaitState(a4, OutboxState::kHeld));

  *reject = false;
  ASSERT_EQ(*store_.RetryOutbox(a1, clock_.now()), OutboxState::kDead);
  worker_->Wake();
  ASSERT_TRUE(WaitDelivered({a1, a2, a3, a4}));
  std::vector<std::string> incident1;
  for (const std::string& id : jira->Seen()) {
    if (id.rfind("ab-inc1-", 0) == 0) incident1.push_back(id);
  }
  EXPECT_EQ(incident1, (std::vector<std::string>{EventId(1, 1), EventId(1, 1), EventId(1, 2),
                                                 EventId(1, 3), EventId(1, 4)}));
  EXPECT_EQ(store_.Snapshot().rejected_updates, 0);
}

TEST_F(OutboxPacingTest, DiscardingTheDeadEntryReleasesTheRest) {
  auto reject = std::make_shared<std::atomic<bool>>(true);
  std::map<std::string, std::unique_ptr<Notifier>> n;
  Add(n, "pd", RejectFirst(reject));
  ReceiverDelivery policy;
  policy.pacing.stateful = true;
  const int64_t a1 = store_.Add(Entry(1, "pd", 1));
  const int64_t a2 = store_.Add(Entry(1, "pd", 2));
  StartWorker(std::move(n), {{"pd", policy}});
  ASSERT_TRUE(WaitState(a2, OutboxState::kHeld));

  ASSERT_EQ(*store_.DiscardOutbox(a1, clock_.now()), OutboxState::kDead);
  worker_->Wake();
  ASSERT_TRUE(WaitState(a2, OutboxState::kDelivered));
  EXPECT_EQ(store_.Get(a1).state, OutboxState::kDiscarded);
}

TEST_F(OutboxPacingTest, StatelessReceiversCarryOnPastADeadEntry) {
  auto reject = std::make_shared<std::atomic<bool>>(true);
  std::map<std::string, std::unique_ptr<Notifier>> n;
  Add(n, "slack", RejectFirst(reject));
  const int64_t a1 = store_.Add(Entry(1, "slack", 1));
  const int64_t a2 = store_.Add(Entry(1, "slack", 2));
  const int64_t a3 = store_.Add(Entry(1, "slack", 3));
  StartWorker(std::move(n));  // stateful is false by default

  ASSERT_TRUE(WaitState(a1, OutboxState::kDead));
  ASSERT_TRUE(WaitDelivered({a2, a3}));
}

}  // namespace
}  // namespace ab::testing
