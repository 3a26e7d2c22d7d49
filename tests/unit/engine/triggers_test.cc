// Triggers (min_alerts, within, for), their edges, repeats and the dedup window boundary.
#include "engine_fixture.h"

namespace ab::testing {
namespace {

LabelSet Checkout(std::string instance) {
  return LabelSet{{"service", "checkout"}, {"instance", instance}};
}

Rule CheckoutRule(int min_alerts, Duration within = Duration(0), Duration hold = Duration(0)) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.trigger.min_alerts = min_alerts;
  r.trigger.within = within;
  r.trigger.hold = hold;
  return r;
}

TEST_F(EngineTest, MinAlertsCountsAlertsFiringTogether) {
  SetRules({CheckoutRule(2)});
  Changes c1 = Ingest({Firing(Checkout("1"))}, kT0);
  EXPECT_TRUE(c1.events.empty());
  EXPECT_EQ(engine_->Stats().pending_incidents, 1u);
  EXPECT_EQ(EventNames(Ingest({Firing(Checkout("2"))}, kT0 + minutes(30))), Names{"declared"});
}

TEST_F(EngineTest, WithoutWindowAResolvedAlertNoLongerCounts) {
  SetRules({CheckoutRule(2)});
  int64_t first = Ingest({Firing(Checkout("1"))}, kT0).incidents.at(0).id;
  Changes gone = Ingest({Resolved(Checkout("1"))}, kT0 + minutes(1));
  EXPECT_EQ(gone.removed_incidents, std::vector<int64_t>{first});
  Changes c = Ingest({Firing(Checkout("2"))}, kT0 + minutes(2));
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(c.incidents.at(0).state, IncidentState::kPending);
}

// `within`: an alert counts while it fires and until `within` after it resolved. Here the first
// alert resolved at 1m, so it counts until 6m inclusive.
class WindowBoundaryTest : public EngineTest {
 protected:
  void SetUp() override {
    SetRules({CheckoutRule(2, minutes(5))});
    Ingest({Firing(Checkout("1"))}, kT0);
    Ingest({Resolved(Checkout("1"))}, kT0 + minutes(1));
  }
};

TEST_F(WindowBoundaryTest, CountsAnAlertThatResolvedExactlyAWindowAgo) {
  EXPECT_EQ(EventNames(Ingest({Firing(Checkout("2"))}, kT0 + minutes(6))), Names{"declared"});
}

TEST_F(WindowBoundaryTest, DropsAnAlertOneMillisecondPastTheBoundary) {
  Changes c = Ingest({Firing(Checkout("2"))}, kT0 + minutes(6) + milliseconds(1));
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(c.incidents.at(0).state, IncidentState::kPending);
  EXPECT_EQ(c.incidents.at(0).alerts_firing, 1);
}

TEST_F(EngineTest, WindowKeepsStillFiringAlertsCounting) {
  SetRules({CheckoutRule(3, minutes(5))});
  Ingest({Firing(Checkout("1"))}, kT0);
  Ingest({Firing(Checkout("2"))}, kT0 + minutes(4));
  // The first alert began 8 minutes ago but still fires: three alerts fire within the window.
  EXPECT_EQ(EventNames(Ingest({Firing(Checkout("3"))}, kT0 + minutes(8))), Names{"declared"});
}

TEST_F(EngineTest, PendingGroupLeavesWhenItsWindowEmpties) {
  SetRules({CheckoutRule(2, minutes(5))});
  int64_t id = Ingest({Firing(Checkout("1"))}, kT0).incidents.at(0).id;
  Ingest({Resolved(Checkout("1"))}, kT0 + minutes(1));
  EXPECT_TRUE(Tick(kT0 + minutes(6)).removed_incidents.empty());
  EXPECT_EQ(Tick(kT0 + minutes(6) + milliseconds(1)).removed_incidents, std::vector<int64_t>{id});
  EXPECT_EQ(engine_->FindIncident(id), nullptr);
  EXPECT_EQ(engine_->Stats().pending_incidents, 0u);
}

TEST_F(EngineTest, NothingIsDeclaredWhileNoMemberFires) {
  SetRules({CheckoutRule(2, minutes(5), seconds(30))});
  Ingest({Firing(Checkout("1")), Firing(Checkout("2"))}, kT0);
  Ingest({Resolved(Checkout("1")), Resolved(Checkout("2"))}, kT0 + seconds(10));
  // Both still count (within the window) and have held 60s, but both are over.
  EXPECT_TRUE(Tick(kT0 + minutes(1)).events.empty());
  EXPECT_EQ(engine_->Stats().pending_incidents, 1u);
  // One of them firing again: a new firing episode, so its hold starts again (conservative:
  // never early).
  EXPECT_TRUE(Ingest({Firing(Checkout("1"), kT0 + minutes(2))}, kT0 + minutes(2)).events.empty());
  EXPECT_EQ(EventNames(Tick(kT0 + minutes(2) + seconds(30))), Names{"declared"});
}

TEST_F(EngineTest, HoldRestartsWhenTheConditionBreaks) {
  SetRules({CheckoutRule(2, Duration(0), minutes(1))});
  Ingest({Firing(Checkout("1"))}, kT0);
  Ingest({Firing(Checkout("2"))}, kT0 + seconds(10));
  Ingest({Resolved(Checkout("2"))}, kT0 + seconds(30));  // one alert: the condition breaks
  Ingest({Firing(Checkout("3"))}, kT0 + seconds(40));
  EXPECT_TRUE(Tick(kT0 + seconds(70)).events.empty());
  EXPECT_TRUE(Tick(kT0 + seconds(99)).events.empty());
  EXPECT_EQ(EventNames(Tick(kT0 + seconds(100))), Names{"declared"});
}

TEST_F(EngineTest, HoldContinuesWhileEnoughAlertsFireEvenIfTheyChange) {
  SetRules({CheckoutRule(2, Duration(0), minutes(1))});
  Ingest({Firing(Checkout("1"))}, kT0);
  Ingest({Firing(Checkout("2"))}, kT0 + seconds(10));  // two fire: held since 10s
  Ingest({Firing(Checkout("3"))}, kT0 + seconds(20));
  Ingest({Resolved(Checkout("2"))}, kT0 + seconds(30));  // still two
  EXPECT_TRUE(Tick(kT0 + seconds(69)).events.empty());
  EXPECT_EQ(EventNames(Tick(kT0 + seconds(70))), Names{"declared"});
}

TEST_F(EngineTest, WindowAndHoldTogether) {
  SetRules({CheckoutRule(2, minutes(5), minutes(1))});
  Ingest({Firing(Checkout("1"))}, kT0);
  Ingest({Resolved(Checkout("1"))}, kT0 + seconds(10));             // counts until 5m10s
  Ingest({Firing(Checkout("2"))}, kT0 + minutes(4) + seconds(30));  // two count from 4m30s
  // At 5m10s the first slides out after holding only 40s.
  EXPECT_TRUE(Tick(kT0 + minutes(5) + seconds(30)).events.empty());
  Changes c = Ingest({Firing(Checkout("3"))}, kT0 + minutes(5) + seconds(40));
  EXPECT_EQ(c.incidents.at(0).trigger_since, kT0 + minutes(5) + seconds(40));
  EXPECT_TRUE(Tick(kT0 + minutes(6) + seconds(39)).events.empty());
  EXPECT_EQ(EventNames(Tick(kT0 + minutes(6) + seconds(40))), Names{"declared"});
}

TEST_F(EngineTest, ABreakBetweenTicksIsNoticed) {
  SetRules({CheckoutRule(2, minutes(5), minutes(1))});
  Ingest({Firing(Checkout("1"))}, kT0);
  Ingest({Resolved(Checkout("1"))}, kT0 + seconds(10));
  Ingest({Firing(Checkout("2"))}, kT0 + minutes(4) + seconds(30));
  // No tick ran while the first slid out at 5m10s; the arrival at 5m40s must not inherit 4m30s.
  Changes c = Ingest({Firing(Checkout("3"))}, kT0 + minutes(5) + seconds(40));
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(c.incidents.at(0).trigger_since, kT0 + minutes(5) + seconds(40));
  EXPECT_TRUE(Tick(kT0 + minutes(6) + seconds(39)).events.empty());
  EXPECT_EQ(EventNames(Tick(kT0 + minutes(6) + seconds(40))), Names{"declared"});
}

TEST_F(EngineTest, StartsAtNeverMovesTheTrigger) {
  SetRules({CheckoutRule(1, Duration(0), minutes(5))});
  // Out of order and skewed: one started an hour ago, one claims to start in an hour.
  Ingest({Firing(Checkout("1"), kT0 - hours(1)), Firing(Checkout("2"), kT0 + hours(1))}, kT0);
  EXPECT_TRUE(Tick(kT0 + minutes(5) - milliseconds(1)).events.empty());
  EXPECT_EQ(EventNames(Tick(kT0 + minutes(5))), Names{"declared"});
}

TEST_F(EngineTest, ResolvedNoticeBeforeItsFiringOneKeepsThatEpisodeOver) {
  SetRules({CheckoutRule(1)});
  EXPECT_TRUE(Ingest({Resolved(Checkout("1"))}, kT0).events.empty());
  EXPECT_TRUE(Ingest({Firing(Checkout("1"))}, kT0 + seconds(1)).events.empty());
  EXPECT_EQ(engine_->Stats().firing_alerts, 0u);
  // A later episode (a new startsAt) of the same alert is news.
  EXPECT_EQ(EventNames(Ingest({Firing(Checkout("1"), kT0 + minutes(5))}, kT0 + minutes(5))),
            Names{"declared"});
}

// Alertmanager re-sends the whole group every repeat_interval and on every group change.
TEST_F(EngineTest, RepeatedGroupNotificationsChangeNoIncident) {
  SetRules({CheckoutRule(1)});
  std::vector<Alert> group = {Firing(Checkout("1")), Firing(Checkout("2"))};
  ASSERT_EQ(EventNames(Ingest(group, kT0)), Names{"declared"});
  group[1] = Resolved(Checkout("2"));
  ASSERT_EQ(EventNames(Ingest(group, kT0 + minutes(1))), Names{"alert_resolved"});
  for (int i = 2; i <= 6; ++i) {
    Changes c = Ingest(group, kT0 + minutes(i * 60));
    EXPECT_TRUE(c.events.empty()) << "repeat " << i;
    EXPECT_TRUE(c.incidents.empty()) << "repeat " << i;
    EXPECT_EQ(c.alerts.size(), 2u);  // refresh times are still recorded
  }
}

TEST_F(EngineTest, RepeatsOfAPendingGroupWriteNothingButTheAlert) {
  SetRules({CheckoutRule(2)});
  Ingest({Firing(Checkout("1"))}, kT0);
  Changes c = Ingest({Firing(Checkout("1"))}, kT0 + minutes(1));
  EXPECT_TRUE(c.events.empty());
  EXPECT_TRUE(c.incidents.empty());
}

class DedupBoundaryTest : public EngineTest {
 protected:
  void SetUp() override {
    Rule r = CheckoutRule(1);
    r.dedup_window = minutes(30);
    SetRules({r});
    first_ = Ingest({Firing(Checkout("1"))}, kT0).events.at(0).snapshot;
    Ingest({Resolved(Checkout("1"))}, kT0 + minutes(1));  // resolved at 1m: window ends at 31m
  }
  Incident first_;
};

TEST_F(DedupBoundaryTest, FiringExactlyAtTheWindowEndReopens) {
  Changes c = Ingest({Firing(Checkout("1"), kT0 + minutes(31))}, kT0 + minutes(31));
  ASSERT_EQ(EventNames(c), (Names{"reopened", "alert_added"}));
  EXPECT_EQ(c.events[0].snapshot.key, first_.key);
  EXPECT_EQ(c.events[0].snapshot.id, first_.id);
}

TEST_F(DedupBoundaryTest, FiringJustAfterTheWindowIsANewOccurrence) {
  TimePoint at = kT0 + minutes(31) + milliseconds(1);
  Changes c = Ingest({Firing(Checkout("1"), at)}, at);
  ASSERT_EQ(EventNames(c), Names{"declared"});
  EXPECT_NE(c.events[0].snapshot.id, first_.id);
  EXPECT_EQ(c.events[0].snapshot.occurrence, 2);
  EXPECT_EQ(c.events[0].snapshot.key, IncidentKey("", "checkout", first_.group, 2));
}

}  // namespace
}  // namespace ab::testing
