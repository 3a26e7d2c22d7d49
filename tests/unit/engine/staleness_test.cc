// Alerts that go silent: stale at their deadline, counted as resolved, with an alert_stale event.
#include "engine_fixture.h"

namespace ab::testing {
namespace {

Alert WithDeadline(LabelSet labels, TimePoint stale_at, TimePoint starts_at = kT0) {
  Alert a = Firing(std::move(labels), starts_at);
  a.stale_at = stale_at;
  return a;
}

const LabelSet kCheckout{{"service", "checkout"}};

class StalenessTest : public EngineTest {
 protected:
  void SetUp() override { SetRules({MakeRule("checkout", "service=\"checkout\"", {"service"})}); }
};

TEST_F(StalenessTest, AnAlertNotRefreshedGoesStaleAndResolvesItsIncident) {
  Ingest({WithDeadline(kCheckout, kT0 + minutes(10))}, kT0);
  EXPECT_TRUE(Tick(kT0 + minutes(10) - milliseconds(1)).events.empty());
  Changes c = Tick(kT0 + minutes(10));
  ASSERT_EQ(EventNames(c), (Names{"alert_stale", "resolved"}));
  EXPECT_EQ(c.events[0].event.details["fingerprint"], FormatFingerprint(kCheckout.Fingerprint()));
  EXPECT_EQ(c.events[0].event.details["stale_at"], FormatRfc3339(kT0 + minutes(10)));
  EXPECT_EQ(c.events[0].event.actor, "rule:checkout");
  ASSERT_EQ(c.alerts.size(), 1u);
  EXPECT_TRUE(c.alerts[0].stale);
  EXPECT_EQ(c.alerts[0].alert.status, AlertStatus::kResolved);
  EXPECT_EQ(c.alerts[0].resolved_at, kT0 + minutes(10));
  EXPECT_EQ(engine_->Stats().firing_alerts, 0u);
  EXPECT_TRUE(Tick(kT0 + hours(1)).events.empty());  // once
}

TEST_F(StalenessTest, EachRefreshMovesTheDeadline) {
  Ingest({WithDeadline(kCheckout, kT0 + minutes(10))}, kT0);
  Ingest({WithDeadline(kCheckout, kT0 + minutes(15))}, kT0 + minutes(5));
  EXPECT_TRUE(Tick(kT0 + minutes(12)).events.empty());
  EXPECT_EQ(EventNames(Tick(kT0 + minutes(15))), (Names{"alert_stale", "resolved"}));
}

TEST_F(StalenessTest, AlertsWithoutADeadlineNeverGoStale) {
  Ingest({Firing(kCheckout)}, kT0);
  EXPECT_TRUE(Tick(kT0 + hours(24 * 365)).events.empty());
  EXPECT_EQ(engine_->Stats().open_incidents, 1u);
}

TEST_F(StalenessTest, TheQuietPeriodStillApplies) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.resolve.after = minutes(5);
  SetRules({r});
  Ingest({WithDeadline(kCheckout, kT0 + minutes(10))}, kT0);
  EXPECT_EQ(EventNames(Tick(kT0 + minutes(10))), Names{"alert_stale"});
  EXPECT_TRUE(Tick(kT0 + minutes(14)).events.empty());
  EXPECT_EQ(EventNames(Tick(kT0 + minutes(15))), Names{"resolved"});
}

TEST_F(StalenessTest, AStaleAlertHeardAgainFiresAgain) {
  // Same startsAt: a silence expired or the sender came back; unlike after a real resolve, it is
  // still the same firing episode and it is news.
  Ingest({WithDeadline(kCheckout, kT0 + minutes(10))}, kT0);
  Tick(kT0 + minutes(10));
  Changes c = Ingest({WithDeadline(kCheckout, kT0 + minutes(30))}, kT0 + minutes(20));
  ASSERT_EQ(EventNames(c), Names{"declared"});
  EXPECT_FALSE(c.alerts.at(0).stale);
  EXPECT_EQ(c.events[0].snapshot.occurrence, 2);
}

TEST_F(StalenessTest, AResolveAfterStaleChangesNothingButTheFlag) {
  Ingest({WithDeadline(kCheckout, kT0 + minutes(10))}, kT0);
  Tick(kT0 + minutes(10));
  Changes c = Ingest({Resolved(kCheckout)}, kT0 + minutes(11));
  EXPECT_TRUE(c.events.empty());
  ASSERT_EQ(c.alerts.size(), 1u);
  EXPECT_FALSE(c.alerts[0].stale);
  EXPECT_EQ(c.alerts[0].resolved_at, kT0 + minutes(10));
}

TEST_F(StalenessTest, OnlyTheStaleMemberCountsAsResolved) {
  LabelSet other{{"service", "checkout"}, {"instance", "2"}};
  Ingest({WithDeadline(kCheckout, kT0 + minutes(10)), Firing(other)}, kT0);
  Changes c = Tick(kT0 + minutes(10));
  ASSERT_EQ(EventNames(c), Names{"alert_stale"});
  EXPECT_EQ(c.incidents.at(0).state, IncidentState::kDeclared);
  EXPECT_EQ(c.incidents.at(0).alerts_firing, 1);
}

TEST_F(StalenessTest, DeadlinesSurviveARecoveryWithoutARestart) {
  Changes c = Ingest({WithDeadline(kCheckout, kT0 + minutes(10))}, kT0);
  Engine recovered(rules_);
  recovered.Restore(c.alerts, Stored(c), /*running_since=*/kT0);
  EXPECT_TRUE(recovered.Tick(kT0 + minutes(9)).events.empty());
  EXPECT_EQ(EventNames(recovered.Tick(kT0 + minutes(10))), (Names{"alert_stale", "resolved"}));
}

// Downtime is not silence: alertbridge was down for longer than the alert's staleness period, and
// its sender could not have refreshed it meanwhile. After the restart it gets the whole period
// again, counted from the first time the restarted engine sees the clock.
TEST_F(StalenessTest, ARestartGivesEveryFiringAlertItsWholePeriodAgain) {
  // A webhook alert received at 0 with stale_after 10m, and an API v2 alert whose endsAt gave it
  // 4m.
  const LabelSet v2{{"service", "checkout"}, {"instance", "v2"}};
  Changes c =
      Ingest({WithDeadline(kCheckout, kT0 + minutes(10)), WithDeadline(v2, kT0 + minutes(4))}, kT0);
  Engine restarted(rules_);
  restarted.Restore(c.alerts, Stored(c));
  const TimePoint start = kT0 + minutes(30);  // down for 30 minutes
  EXPECT_TRUE(restarted.Tick(start).events.empty());
  EXPECT_TRUE(restarted.Tick(start + minutes(4) - milliseconds(1)).events.empty());
  Changes v2_stale = restarted.Tick(start + minutes(4));
  ASSERT_EQ(EventNames(v2_stale), Names{"alert_stale"});
  EXPECT_EQ(v2_stale.events[0].event.details["fingerprint"], FormatFingerprint(v2.Fingerprint()));
  // The webhook alert is refreshed within its period: its usual deadline from then on.
  const Changes refreshed =
      restarted.Ingest({WithDeadline(kCheckout, start + minutes(19))}, start + minutes(9));
  EXPECT_TRUE(refreshed.events.empty());
  EXPECT_TRUE(restarted.Tick(start + minutes(19) - milliseconds(1)).events.empty());
  EXPECT_EQ(EventNames(restarted.Tick(start + minutes(19))), (Names{"alert_stale", "resolved"}));
}

TEST_F(StalenessTest, ARestartNeverShortensADeadline) {
  Changes c = Ingest({WithDeadline(kCheckout, kT0 + minutes(10))}, kT0);
  Engine restarted(rules_);
  restarted.Restore(c.alerts, Stored(c));
  // Back after a minute: a full period from the start, 11m, is later than the stored 10m.
  EXPECT_TRUE(restarted.Tick(kT0 + minutes(1)).events.empty());
  EXPECT_TRUE(restarted.Tick(kT0 + minutes(11) - milliseconds(1)).events.empty());
  EXPECT_EQ(EventNames(restarted.Tick(kT0 + minutes(11))), (Names{"alert_stale", "resolved"}));
}

TEST_F(StalenessTest, AnAlertThatWentStaleBeforeTheRestartStaysStale) {
  Changes all = Ingest({WithDeadline(kCheckout, kT0 + minutes(10))}, kT0);
  Changes stale = Tick(kT0 + minutes(10));
  ASSERT_EQ(EventNames(stale), (Names{"alert_stale", "resolved"}));
  std::vector<TrackedAlert> rows = stale.alerts;  // the alert's latest row
  all.Merge(std::move(stale));
  Engine restarted(rules_);
  restarted.Restore(rows, Stored(all));
  EXPECT_TRUE(restarted.Tick(kT0 + hours(2)).events.empty());
  EXPECT_EQ(restarted.Stats().firing_alerts, 0u);
}

}  // namespace
}  // namespace ab::testing
