// The common delivery keys of a receiver and the per-type defaults they override.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "config/config.h"
#include "config/receiver_type.h"

namespace ab {
namespace {

using ::ab::testing::ErrorStrings;
using ::ab::testing::TempDir;
using ::testing::ElementsAre;

TEST(ReceiverDeliveryTest, TypesCarryTheVendorsLimitsByDefault) {
  auto DeliveryDefaultsFor = [](std::string_view type) { return FindReceiverType(type)->delivery; };
  const DeliveryPolicy slack = DeliveryDefaultsFor("slack");
  ASSERT_TRUE(slack.rate_limit.has_value());
  EXPECT_DOUBLE_EQ(slack.rate_limit->per_second, 1.0);
  EXPECT_EQ(slack.rate_limit->burst, 1);
  EXPECT_FALSE(slack.stateful);

  const DeliveryPolicy pagerduty = DeliveryDefaultsFor("pagerduty");
  ASSERT_TRUE(pagerduty.rate_limit.has_value());
  EXPECT_DOUBLE_EQ(pagerduty.rate_limit->per_second * 60, 120.0);  // 120 events/min per key
  EXPECT_TRUE(pagerduty.stateful);

  const DeliveryPolicy github = DeliveryDefaultsFor("github");
  ASSERT_TRUE(github.rate_limit.has_value());
  EXPECT_DOUBLE_EQ(github.rate_limit->per_second, 1.0);  // writes at least a second apart
  EXPECT_EQ(github.concurrency, 1);
  EXPECT_TRUE(github.stateful);

  for (const char* stateful : {"opsgenie", "jira", "servicenow"}) {
    EXPECT_TRUE(DeliveryDefaultsFor(stateful).stateful) << stateful;
  }
  for (const char* stateless : {"teams", "email", "webhook", "console"}) {
    const DeliveryPolicy p = DeliveryDefaultsFor(stateless);
    EXPECT_FALSE(p.stateful) << stateless;
    EXPECT_FALSE(p.rate_limit.has_value()) << stateless;
    EXPECT_GE(p.concurrency, 1) << stateless;
  }
}

TEST(ReceiverDeliveryTest, ParsesEveryDeliveryKey) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: plain
    type: webhook
    url: http://127.0.0.1:1/
  - name: tuned
    type: webhook
    url: http://127.0.0.1:1/
    concurrency: 8
    rate_limit: {rate: 120/m, burst: 10}
    circuit_breaker: {failures: 3, cool_down: 10s, max_cool_down: 2m}
    retry: {max_attempts: 4, initial_backoff: 500ms, max_backoff: 10s}
    timeout: 3s
  - name: short
    type: webhook
    url: http://127.0.0.1:1/
    rate_limit: 5/2s
    circuit_breaker: {cool_down: 10m}
  - name: unlimited
    type: console
    rate_limit: none
)");
  LoadResult r = CheckPaths({file});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  ASSERT_EQ(r.config.receivers.size(), 4u);

  const DeliveryPolicy& plain = r.config.receivers[0].delivery;
  EXPECT_EQ(plain.concurrency, 4);
  EXPECT_FALSE(plain.rate_limit.has_value());
  EXPECT_EQ(plain.circuit_breaker.failures, 5);
  EXPECT_EQ(plain.circuit_breaker.cool_down, Duration(30'000));
  EXPECT_EQ(plain.circuit_breaker.max_cool_down, Duration(300'000));

  const ReceiverConfig& tuned = r.config.receivers[1];
  EXPECT_EQ(tuned.delivery.concurrency, 8);
  ASSERT_TRUE(tuned.delivery.rate_limit.has_value());
  EXPECT_DOUBLE_EQ(tuned.delivery.rate_limit->per_second, 2.0);
  EXPECT_EQ(tuned.delivery.rate_limit->burst, 10);
  EXPECT_EQ(tuned.delivery.circuit_breaker.failures, 3);
  EXPECT_EQ(tuned.delivery.circuit_breaker.cool_down, Duration(10'000));
  EXPECT_EQ(tuned.delivery.circuit_breaker.max_cool_down, Duration(120'000));
  EXPECT_EQ(tuned.retry.max_attempts, 4);
  EXPECT_EQ(tuned.retry.initial_backoff, Duration(500));
  EXPECT_EQ(tuned.timeout, Duration(3000));

  const DeliveryPolicy& shrt = r.config.receivers[2].delivery;
  ASSERT_TRUE(shrt.rate_limit.has_value());
  EXPECT_DOUBLE_EQ(shrt.rate_limit->per_second, 2.5);
  EXPECT_EQ(shrt.rate_limit->burst, 1);
  // A longer cool-down than the default ceiling raises the ceiling with it.
  EXPECT_EQ(shrt.circuit_breaker.max_cool_down, Duration(600'000));

  EXPECT_FALSE(r.config.receivers[3].delivery.rate_limit.has_value());
}

TEST(ReceiverDeliveryTest, ReportsEveryBadDeliveryValue) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: bad
    type: webhook
    url: http://127.0.0.1:1/
    concurrency: 0
    rate_limit: fast
    circuit_breaker: {failures: 0, cool_down: 1m, max_cool_down: 10s, probe: yes}
  - name: worse
    type: console
    rate_limit: {burst: 0}
  - name: odd
    type: console
    rate_limit: 0/s
    concurrency: many
)");
  LoadResult r = CheckPaths({file});
  const std::string f = file + ":";
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(f + "5:18: concurrency: must be between 1 and 64, got 0",
                  f + "6:17: rate_limit: expected a rate like 1/s, 120/m or 10/5s, got \"fast\"",
                  f + "7:33: circuit_breaker.failures: must be between 1 and 1000000, got 0",
                  f + "7:66: circuit_breaker: max_cool_down (10s) is shorter than cool_down (1m)",
                  f + "7:71: unknown key \"circuit_breaker.probe\" (valid: failures, cool_down, "
                      "max_cool_down)",
                  f + "10:17: missing required key \"rate_limit.rate\"",
                  f + "10:25: rate_limit.burst: must be between 1 and 10000, got 0",
                  f + "13:17: rate_limit: expected a rate like 1/s, 120/m or 10/5s, got \"0/s\"",
                  f + "14:18: concurrency: expected an integer, got \"many\""));
}

}  // namespace
}  // namespace ab
