#include "notify/pacing.h"

#include <gtest/gtest.h>

namespace ab {
namespace {

const TimePoint t0 = FromMillis(1'800'000'000'000);

TEST(TokenBucketTest, WithoutALimitEverySendMayStartNow) {
  TokenBucket bucket(std::nullopt);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(bucket.NextFree(t0), t0);
    bucket.Take(t0);
  }
}

TEST(TokenBucketTest, StartsFullThenRefillsAtTheRate) {
  TokenBucket bucket(RateLimit{2, 3});  // 2/s, bursts of 3
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(bucket.NextFree(t0), t0) << i;
    bucket.Take(t0);
  }
  EXPECT_EQ(bucket.NextFree(t0), t0 + Duration(500));
  EXPECT_EQ(bucket.NextFree(t0 + Duration(250)), t0 + Duration(500));
  EXPECT_EQ(bucket.NextFree(t0 + Duration(500)), t0 + Duration(500));
  bucket.Take(t0 + Duration(500));
  EXPECT_EQ(bucket.NextFree(t0 + Duration(500)), t0 + Duration(1000));
  // A long idle time refills to the burst, not beyond.
  const TimePoint later = t0 + Duration(60'000);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(bucket.NextFree(later), later) << i;
    bucket.Take(later);
  }
  EXPECT_GT(bucket.NextFree(later), later);
}

TEST(TokenBucketTest, SlowRatesWaitLong) {
  TokenBucket bucket(RateLimit{1.0 / 60, 1});  // 1/m
  bucket.Take(t0);
  EXPECT_EQ(bucket.NextFree(t0), t0 + Duration(60'000));
}

CircuitBreakerPolicy Policy() {
  return CircuitBreakerPolicy{3, Duration(10'000), Duration(25'000)};
}

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailuresOnly) {
  CircuitBreaker b(Policy());
  b.OnResult(true, false, t0);
  b.OnResult(true, false, t0);
  b.OnResult(false, false, t0);  // an answer resets the count
  b.OnResult(true, false, t0);
  b.OnResult(true, false, t0);
  EXPECT_EQ(b.state(t0), CircuitState::kClosed);
  EXPECT_EQ(b.NextSend(t0), t0);
  b.OnResult(true, false, t0 + Duration(1));
  EXPECT_EQ(b.state(t0 + Duration(1)), CircuitState::kOpen);
  EXPECT_EQ(b.NextSend(t0 + Duration(2)), t0 + Duration(10'001));
}

TEST(CircuitBreakerTest, HalfOpenLetsOneProbeThroughAndItsAnswerDecides) {
  CircuitBreaker b(Policy());
  for (int i = 0; i < 3; ++i) b.OnResult(true, false, t0);
  const TimePoint t1 = t0 + Duration(10'000);
  EXPECT_EQ(b.state(t1), CircuitState::kHalfOpen);
  EXPECT_EQ(b.NextSend(t1), t1);
  EXPECT_TRUE(b.OnSend(t1));
  EXPECT_FALSE(b.NextSend(t1).has_value());  // nothing else while the probe is out: no time

  b.OnResult(true, true, t1 + Duration(100));  // failed probe: cool-down doubles
  EXPECT_EQ(b.state(t1 + Duration(100)), CircuitState::kOpen);
  EXPECT_EQ(b.NextSend(t1 + Duration(100)), t1 + Duration(20'100));

  const TimePoint t2 = t1 + Duration(20'100);
  ASSERT_TRUE(b.OnSend(t2));
  b.OnResult(true, true, t2);  // doubles again, up to max_cool_down
  EXPECT_EQ(b.NextSend(t2), t2 + Duration(25'000));

  const TimePoint t3 = t2 + Duration(25'000);
  ASSERT_TRUE(b.OnSend(t3));
  b.OnResult(false, true, t3);
  EXPECT_EQ(b.state(t3), CircuitState::kClosed);
  EXPECT_FALSE(b.OnSend(t3));

  // Closed again with the policy's cool-down.
  for (int i = 0; i < 3; ++i) b.OnResult(true, false, t3);
  EXPECT_EQ(b.NextSend(t3), t3 + Duration(10'000));
}

TEST(CircuitBreakerTest, LateFailuresOfEarlierSendsDoNotExtendTheCoolDown) {
  CircuitBreaker b(Policy());
  for (int i = 0; i < 3; ++i) b.OnResult(true, false, t0);
  b.OnResult(true, false, t0 + Duration(5000));  // started before the circuit opened
  EXPECT_EQ(b.NextSend(t0 + Duration(5000)), t0 + Duration(10'000));
  b.OnResult(false, false, t0 + Duration(6000));  // one of them got through after all
  EXPECT_EQ(b.state(t0 + Duration(6000)), CircuitState::kClosed);
}

TEST(CircuitBreakerTest, StatesHaveMetricNames) {
  EXPECT_EQ(ToString(CircuitState::kClosed), "closed");
  EXPECT_EQ(ToString(CircuitState::kOpen), "open");
  EXPECT_EQ(ToString(CircuitState::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace ab
