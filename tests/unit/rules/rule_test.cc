// Rule::SeverityOf / GroupOf and RuleSet lookup, ordering and `continue: false`.
#include "rules/rule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ab {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Rule MakeRule(std::string name, std::string match, bool continue_matching = true) {
  Rule r;
  r.name = std::move(name);
  Result<std::vector<Matcher>> m = ParseMatchers(match);
  EXPECT_TRUE(m.ok()) << match << ": " << m.error().message;
  if (m.ok()) r.match = *m;
  r.continue_matching = continue_matching;
  return r;
}

std::vector<size_t> MatchOf(const RuleSet& set, const LabelSet& labels) {
  std::vector<size_t> out;
  set.Match(labels, &out);
  return out;
}

Rule SeverityRule() {
  Rule r = MakeRule("checkout", R"(service="checkout")");
  r.severity.default_severity = Severity::SEV3;
  r.severity.from_label =
      SeverityFromLabel{"severity", {{"critical", Severity::SEV1}, {"warning", Severity::SEV4}}};
  return r;
}

TEST(RuleTest, SeverityComesFromMappedLabelValue) {
  Rule r = SeverityRule();
  EXPECT_EQ(r.SeverityOf(LabelSet{{"severity", "critical"}}), Severity::SEV1);
  EXPECT_EQ(r.SeverityOf(LabelSet{{"severity", "warning"}}), Severity::SEV4);
}

TEST(RuleTest, SeverityFallsBackToDefault) {
  Rule r = SeverityRule();
  EXPECT_EQ(r.SeverityOf(LabelSet{{"severity", "info"}}), Severity::SEV3);     // unmapped value
  EXPECT_EQ(r.SeverityOf(LabelSet{{"service", "checkout"}}), Severity::SEV3);  // no label
  r.severity.from_label.reset();
  r.severity.default_severity = Severity::SEV2;
  EXPECT_EQ(r.SeverityOf(LabelSet{{"severity", "critical"}}), Severity::SEV2);  // no mapping
}

TEST(RuleTest, GroupTakesOnlyGroupByLabels) {
  Rule r = MakeRule("g", "a=b");
  r.group_by = {"service", "cluster"};
  LabelSet alert{{"service", "checkout"}, {"cluster", "eu-1"}, {"instance", "10.0.0.1:9100"}};
  EXPECT_EQ(r.GroupOf(alert), (LabelSet{{"service", "checkout"}, {"cluster", "eu-1"}}));
}

TEST(RuleTest, GroupLeavesOutMissingLabels) {
  Rule r = MakeRule("g", "a=b");
  r.group_by = {"service", "cluster"};
  EXPECT_EQ(r.GroupOf(LabelSet{{"service", "checkout"}}), (LabelSet{{"service", "checkout"}}));
  EXPECT_TRUE(r.GroupOf(LabelSet{{"other", "x"}}).empty());
  r.group_by.clear();
  EXPECT_TRUE(r.GroupOf(LabelSet{{"service", "checkout"}}).empty());
}

TEST(RuleSetTest, FindsRulesByName) {
  RuleSet set({MakeRule("one", "a=1"), MakeRule("two", "a=2")});
  ASSERT_NE(set.Find("two"), nullptr);
  EXPECT_EQ(set.Find("two")->name, "two");
  EXPECT_EQ(set.Find("three"), nullptr);
  EXPECT_EQ(RuleSet().Find("one"), nullptr);
}

TEST(RuleSetTest, MatchesEveryRuleInFileOrder) {
  RuleSet set({
      MakeRule("by-severity", R"(severity=~"critical|warning")"),  // unindexed
      MakeRule("checkout", R"(service="checkout")"),
      MakeRule("high-latency", R"(alertname="HighLatency")"),
      MakeRule("catch-all", ""),  // no matchers: takes everything
      MakeRule("other-service", R"(service="search")"),
  });
  LabelSet alert{{"alertname", "HighLatency"}, {"service", "checkout"}, {"severity", "critical"}};
  EXPECT_THAT(MatchOf(set, alert), ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(MatchOf(set, LabelSet{{"service", "search"}}), ElementsAre(3, 4));
}

TEST(RuleSetTest, ContinueFalseStopsAtFirstMatchingRule) {
  RuleSet set({
      MakeRule("first", R"(service="checkout")"),
      MakeRule("stopper", R"(severity="critical")", /*continue_matching=*/false),
      MakeRule("after", R"(service="checkout")"),
  });
  EXPECT_THAT(MatchOf(set, LabelSet{{"service", "checkout"}, {"severity", "critical"}}),
              ElementsAre(0, 1));
  // A non-matching rule with continue: false does not stop anything.
  EXPECT_THAT(MatchOf(set, LabelSet{{"service", "checkout"}, {"severity", "warning"}}),
              ElementsAre(0, 2));
}

TEST(RuleSetTest, ContinueFalseOnFirstRuleTakesOnlyIt) {
  RuleSet set({
      MakeRule("stop", R"(alertname="A")", false),
      MakeRule("never", R"(alertname="A")"),
  });
  EXPECT_THAT(MatchOf(set, LabelSet{{"alertname", "A"}}), ElementsAre(0));
}

TEST(RuleSetTest, EqualityWithEmptyValueIsNotIndexed) {
  // team="" matches alerts without team; it must not be used as an index key.
  RuleSet set({MakeRule("no-team", R"(team="", service="api")")});
  EXPECT_THAT(MatchOf(set, LabelSet{{"service", "api"}}), ElementsAre(0));
  EXPECT_THAT(MatchOf(set, LabelSet{{"service", "api"}, {"team", "x"}}), IsEmpty());
}

TEST(RuleSetTest, IndexedLabelMustBeEqualNotJustPresent) {
  RuleSet set({MakeRule("r", R"(alertname="Disk", service=~"db.*")")});
  EXPECT_THAT(MatchOf(set, LabelSet{{"alertname", "Disk"}, {"service", "db-1"}}), ElementsAre(0));
  EXPECT_THAT(MatchOf(set, LabelSet{{"alertname", "Disk"}, {"service", "web"}}), IsEmpty());
  EXPECT_THAT(MatchOf(set, LabelSet{{"alertname", "Disks"}, {"service", "db-1"}}), IsEmpty());
}

TEST(RuleSetTest, MatchReplacesPreviousOutput) {
  RuleSet set({MakeRule("a", "x=1"), MakeRule("b", "x=2")});
  std::vector<size_t> out = {42, 43};
  set.Match(LabelSet{{"x", "2"}}, &out);
  EXPECT_THAT(out, ElementsAre(1));
  set.Match(LabelSet{{"x", "3"}}, &out);
  EXPECT_THAT(out, IsEmpty());
}

TEST(RuleSetTest, EmptySetMatchesNothing) {
  EXPECT_THAT(MatchOf(RuleSet(), LabelSet{{"a", "b"}}), IsEmpty());
  EXPECT_THAT(MatchOf(RuleSet(std::vector<Rule>{}), LabelSet{}), IsEmpty());
}

TEST(RuleSetTest, HeartbeatRulesTakeTheirAlertsWhateverTheOrder) {
  Rule catch_all = MakeRule("all", R"(alertname=~".+")", /*continue_matching=*/false);
  Rule heartbeat = MakeRule("watchdog", R"(alertname="Watchdog")");
  heartbeat.type = RuleType::kHeartbeat;
  RuleSet set({catch_all, MakeRule("later", R"(alertname="Watchdog")"), heartbeat});
  EXPECT_THAT(set.heartbeat_rules(), ElementsAre(2));
  EXPECT_THAT(MatchOf(set, LabelSet{{"alertname", "Watchdog"}}), ElementsAre(2));
  EXPECT_THAT(MatchOf(set, LabelSet{{"alertname", "DiskFull"}}), ElementsAre(0));
}

TEST(RuleTest, PriorityAppliesEachRaiseThatHoldsInOrder) {
  Rule r = MakeRule("r", "x=1");
  SeverityRaise count;
  count.min_alerts = 3;
  count.to = Severity::SEV2;
  SeverityRaise arr;
  arr.account_arr_over = 1000;
  arr.by = 2;
  r.severity.raise = {count, arr};
  AccountImpact none;
  AccountImpact big;
  big.largest_arr = 1001;
  const TimePoint now{};
  EXPECT_EQ(r.PriorityOf(Severity::SEV4, 2, none, now), Severity::SEV4);
  EXPECT_EQ(r.PriorityOf(Severity::SEV4, 3, none, now), Severity::SEV2);
  EXPECT_EQ(r.PriorityOf(Severity::SEV4, 2, big, now), Severity::SEV2);
  EXPECT_EQ(r.PriorityOf(Severity::SEV4, 3, big, now), Severity::SEV1);  // saturates at SEV1
  big.largest_arr = 1000;                                                // "over" is strict
  EXPECT_EQ(r.PriorityOf(Severity::SEV4, 2, big, now), Severity::SEV4);
}

TEST(AccountImpactTest, RenewalWithinIsAnInclusiveWindowFromNowThatCountsTheRenewalDay) {
  constexpr Duration kDay = std::chrono::hours(24);
  const TimePoint day0 = FromMillis(0);
  AccountImpact impact;
  impact.Add(Account{"a", 0, std::nullopt, day0 + 10 * kDay});
  impact.Add(Account{"b", 2, 5, day0 + kDay});
  EXPECT_EQ(impact.highest_tier, 2);
  EXPECT_EQ(impact.largest_arr, 5);
  EXPECT_TRUE(impact.RenewsWithin(day0, kDay));
  EXPECT_FALSE(impact.RenewsWithin(day0, kDay - Duration(1)));
  // The renewal day itself is within any window, all of it (renewals are dates, at midnight UTC).
  EXPECT_TRUE(impact.RenewsWithin(day0 + kDay + std::chrono::hours(12), Duration(0)));
  EXPECT_TRUE(impact.RenewsWithin(day0 + 2 * kDay - Duration(1), Duration(0)));
  // Once b's day is over only a's renewal is left.
  EXPECT_TRUE(impact.RenewsWithin(day0 + 2 * kDay, 8 * kDay));
  EXPECT_FALSE(impact.RenewsWithin(day0 + 2 * kDay, 8 * kDay - Duration(1)));
  EXPECT_TRUE(impact.RenewsWithin(day0 + 11 * kDay - Duration(1), Duration(0)));
  EXPECT_FALSE(impact.RenewsWithin(day0 + 11 * kDay, 100 * kDay));  // both passed
}

}  // namespace
}  // namespace ab
