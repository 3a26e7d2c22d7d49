// Heartbeats: a missing beat declares "monitoring pipeline down", its return resolves it.
#include "engine_fixture.h"

namespace ab::testing {
namespace {

const LabelSet kWatchdog{{"alertname", "Watchdog"}, {"severity", "none"}};

Rule HeartbeatRule(std::vector<std::string> group_by = {}) {
  Rule r = MakeRule("watchdog", "alertname=\"Watchdog\"", std::move(group_by));
  r.type = RuleType::kHeartbeat;
  r.interval = minutes(5);
  r.severity.default_severity = Severity::SEV1;
  r.receivers = {"pagerduty"};
  return r;
}

TEST_F(EngineTest, BeatsArrivingInTimeDeclareNothing) {
  SetRules({HeartbeatRule()});
  for (int m = 0; m <= 30; ++m) {
    if (m % 4 == 0) {
      Changes c = Ingest({Firing(kWatchdog)}, kT0 + minutes(m));
      EXPECT_TRUE(c.events.empty());
      EXPECT_TRUE(c.incidents.empty());  // the beat is no incident of its own
    }
    EXPECT_TRUE(Tick(kT0 + minutes(m) + seconds(30)).events.empty()) << m;
  }
}

TEST_F(EngineTest, AMissingBeatDeclaresPipelineDownAndItsReturnResolves) {
  SetRules({HeartbeatRule()});
  Ingest({Firing(kWatchdog)}, kT0);
  EXPECT_TRUE(Tick(kT0 + minutes(5)).events.empty());  // exactly one interval: still in time
  Changes c = Tick(kT0 + minutes(5) + milliseconds(1));
  ASSERT_EQ(EventNames(c), Names{"declared"});
  const Incident& inc = c.events[0].snapshot;
  EXPECT_EQ(inc.title, "Monitoring pipeline down: no watchdog heartbeat");
  EXPECT_EQ(inc.priority, Severity::SEV1);
  EXPECT_EQ(inc.state, IncidentState::kDeclared);
  EXPECT_EQ(c.events[0].notify, std::vector<std::string>{"pagerduty"});
  EXPECT_EQ(c.events[0].event.details["last_seen"], FormatRfc3339(kT0));
  EXPECT_EQ(c.events[0].event.details["interval"], "5m");
  EXPECT_NE(inc.summary.find("last seen " + FormatRfc3339(kT0)), std::string::npos) << inc.summary;
  EXPECT_TRUE(Tick(kT0 + minutes(20)).events.empty());  // declared once

  Changes back = Ingest({Firing(kWatchdog)}, kT0 + minutes(21));
  ASSERT_EQ(EventNames(back), Names{"resolved"});
  EXPECT_EQ(back.events[0].event.details["heartbeat"], FormatFingerprint(kWatchdog.Fingerprint()));
  EXPECT_TRUE(Tick(kT0 + minutes(26)).events.empty());
  Changes again = Tick(kT0 + minutes(26) + milliseconds(1));
  ASSERT_EQ(EventNames(again), Names{"declared"});
  EXPECT_EQ(again.events[0].snapshot.occurrence, 2);
}

TEST_F(EngineTest, AHeartbeatAlertJoinsNoIncidentRule) {
  Rule catch_all = MakeRule("everything", "alertname=~\".+\"", {"alertname"});
  catch_all.continue_matching = false;
  SetRules({catch_all, HeartbeatRule()});
  Changes c = Ingest({Firing(kWatchdog)}, kT0);
  EXPECT_TRUE(c.events.empty());
  EXPECT_TRUE(c.incidents.empty());
  EXPECT_EQ(EventNames(Ingest({Firing({{"alertname", "DiskFull"}})}, kT0)), Names{"declared"});
}

TEST_F(EngineTest, NeverHeardSinceStartCountsFromStart) {
  SetRules({HeartbeatRule()});
  EXPECT_TRUE(Tick(kT0).events.empty());
  EXPECT_TRUE(Tick(kT0 + minutes(5)).events.empty());
  Changes c = Tick(kT0 + minutes(5) + seconds(1));
  ASSERT_EQ(EventNames(c), Names{"declared"});
  EXPECT_TRUE(c.events[0].event.details["last_seen"].is_null());
}

TEST_F(EngineTest, ARestartWaitsOneIntervalBeforeDeclaring) {
  SetRules({HeartbeatRule()});
  Changes seen = Ingest({Firing(kWatchdog)}, kT0);
  // Restarted an hour later: the beat was last heard long ago, but give it one interval.
  Engine restarted(rules_);
  restarted.Restore(seen.alerts, Stored(seen));
  EXPECT_TRUE(restarted.Tick(kT0 + hours(1)).events.empty());
  EXPECT_TRUE(restarted.Tick(kT0 + hours(1) + minutes(5)).events.empty());
  EXPECT_EQ(EventNames(restarted.Tick(kT0 + hours(1) + minutes(5) + seconds(1))),
            Names{"declared"});
}

TEST_F(EngineTest, ARestartRemembersARecentBeat) {
  SetRules({HeartbeatRule()});
  Changes seen = Ingest({Firing(kWatchdog)}, kT0 + minutes(2));
  Engine restarted(rules_);
  restarted.Restore(seen.alerts, Stored(seen));
  EXPECT_TRUE(restarted.Tick(kT0 + minutes(3)).events.empty());
  // Counted from the start (3m), not from the beat (2m).
  EXPECT_TRUE(restarted.Tick(kT0 + minutes(8)).events.empty());
  EXPECT_EQ(EventNames(restarted.Tick(kT0 + minutes(8) + seconds(1))), Names{"declared"});
}

TEST_F(EngineTest, GroupedHeartbeatsAreWatchedPerGroup) {
  SetRules({HeartbeatRule({"cluster"})});
  LabelSet a{{"alertname", "Watchdog"}, {"cluster", "a"}};
  LabelSet b{{"alertname", "Watchdog"}, {"cluster", "b"}};
  Ingest({Firing(a), Firing(b)}, kT0);
  Ingest({Firing(a)}, kT0 + minutes(4));
  Changes c = Tick(kT0 + minutes(6));
  ASSERT_EQ(EventNames(c), Names{"declared"});
  EXPECT_EQ(c.events[0].snapshot.group, (LabelSet{{"cluster", "b"}}));
  EXPECT_EQ(c.events[0].snapshot.title,
            "Monitoring pipeline down: no watchdog heartbeat (cluster=b)");
}

TEST_F(EngineTest, AHeartbeatIncidentResolvedByHandWaitsForTheBeat) {
  SetRules({HeartbeatRule()});
  Ingest({Firing(kWatchdog)}, kT0);
  int64_t id = Tick(kT0 + minutes(6)).events.at(0).snapshot.id;
  Action resolve;
  resolve.incident_id = id;
  resolve.type = ActionType::kResolve;
  ASSERT_TRUE(engine_->Act(resolve, kT0 + minutes(7)).changed);
  EXPECT_TRUE(Tick(kT0 + minutes(30)).events.empty());  // they know; no new page every tick
  EXPECT_TRUE(Ingest({Firing(kWatchdog)}, kT0 + minutes(31)).events.empty());
  EXPECT_EQ(EventNames(Tick(kT0 + minutes(36) + seconds(1))), Names{"declared"});
}

}  // namespace
}  // namespace ab::testing
