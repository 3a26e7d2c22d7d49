// The engine's basic path: declare, join, resolve, reopen, restore.
#include "engine_fixture.h"

namespace ab::testing {
namespace {

TEST_F(EngineTest, DeclaresWhenMinAlertsFire) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.trigger.min_alerts = 2;
  SetRules({r});

  Changes c1 =
      Ingest({Firing({{"alertname", "A"}, {"service", "checkout"}, {"instance", "1"}})}, kT0);
  EXPECT_TRUE(c1.events.empty());
  ASSERT_EQ(c1.incidents.size(), 1u);
  EXPECT_EQ(c1.incidents[0].state, IncidentState::kPending);

  Changes c2 = Ingest({Firing({{"alertname", "A"}, {"service", "checkout"}, {"instance", "2"}})},
                      kT0 + seconds(5));
  ASSERT_EQ(EventNames(c2), std::vector<std::string>{"declared"});
  const Incident& inc = c2.events[0].snapshot;
  EXPECT_EQ(inc.state, IncidentState::kDeclared);
  EXPECT_EQ(inc.alerts_total, 2);
  EXPECT_TRUE(inc.alerts.empty()) << "snapshots do not carry the member list";
  EXPECT_EQ(inc.alerts_firing, 2);
  EXPECT_EQ(c2.joined.size(), 1u) << "the second alert is the new member";
  EXPECT_EQ(inc.declared_at, kT0 + seconds(5));
  EXPECT_EQ(inc.key, IncidentKey("", "checkout", LabelSet{{"service", "checkout"}}, 1));
  EXPECT_EQ(c2.events[0].notify, std::vector<std::string>{"console"});
}

TEST_F(EngineTest, IncidentKeyHasContractShape) {
  std::string key = IncidentKey("", "checkout", LabelSet{{"service", "checkout"}}, 3);
  ASSERT_EQ(key.size(), 3u + 16u + 2u);
  EXPECT_EQ(key.substr(0, 3), "ab-");
  EXPECT_EQ(key.substr(19), "-3");
  for (char c : key.substr(3, 16)) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'));
  EXPECT_NE(key, IncidentKey("", "checkout", LabelSet{{"service", "cart"}}, 3));
}

TEST_F(EngineTest, FurtherAlertsJoinTheOpenIncident) {
  SetRules({MakeRule("checkout", "service=\"checkout\"", {"service"})});
  Changes c1 = Ingest({Firing({{"service", "checkout"}, {"instance", "1"}})}, kT0);
  ASSERT_EQ(EventNames(c1), std::vector<std::string>{"declared"});
  Changes c2 = Ingest({Firing({{"service", "checkout"}, {"instance", "2"}})}, kT0 + seconds(1));
  ASSERT_EQ(EventNames(c2), std::vector<std::string>{"alert_added"});
  EXPECT_EQ(c2.events[0].snapshot.id, c1.events[0].snapshot.id);
  EXPECT_EQ(c2.events[0].snapshot.alerts_firing, 2);
  EXPECT_EQ(engine_->Stats().open_incidents, 1u);
}

TEST_F(EngineTest, SeparateGroupsDeclareSeparateIncidents) {
  SetRules({MakeRule("svc", "severity=\"critical\"", {"service"})});
  Changes c = Ingest({Firing({{"severity", "critical"}, {"service", "a"}}),
                      Firing({{"severity", "critical"}, {"service", "b"}})},
                     kT0);
  ASSERT_EQ(EventNames(c), (std::vector<std::string>{"declared", "declared"}));
  EXPECT_NE(c.events[0].snapshot.key, c.events[1].snapshot.key);
}

TEST_F(EngineTest, RepeatedNotificationsCreateNoEvents) {
  SetRules({MakeRule("checkout", "service=\"checkout\"", {"service"})});
  Alert a = Firing({{"service", "checkout"}});
  ASSERT_EQ(Ingest({a}, kT0).events.size(), 1u);
  for (int i = 1; i <= 5; ++i) {
    Changes c = Ingest({a}, kT0 + minutes(i));
    EXPECT_TRUE(c.events.empty()) << "repeat " << i;
    ASSERT_EQ(c.alerts.size(), 1u);  // the refresh time is still recorded
    EXPECT_EQ(c.alerts[0].last_received, kT0 + minutes(i));
    EXPECT_EQ(c.alerts[0].first_received, kT0);
  }
}

TEST_F(EngineTest, ResolvesWhenAllAlertsResolve) {
  SetRules({MakeRule("checkout", "service=\"checkout\"", {"service"})});
  LabelSet l1{{"service", "checkout"}, {"instance", "1"}};
  LabelSet l2{{"service", "checkout"}, {"instance", "2"}};
  Ingest({Firing(l1), Firing(l2)}, kT0);
  Changes c1 = Ingest({Resolved(l1)}, kT0 + minutes(1));
  ASSERT_EQ(EventNames(c1), std::vector<std::string>{"alert_resolved"});
  EXPECT_EQ(c1.incidents.at(0).state, IncidentState::kDeclared);
  Changes c2 = Ingest({Resolved(l2)}, kT0 + minutes(2));
  ASSERT_EQ(EventNames(c2), (std::vector<std::string>{"alert_resolved", "resolved"}));
  EXPECT_EQ(c2.events[1].snapshot.state, IncidentState::kResolved);
  EXPECT_EQ(c2.events[1].snapshot.resolved_at, kT0 + minutes(2));
  // Alertmanager keeps re-sending the resolved group: nothing more happens.
  EXPECT_TRUE(Ingest({Resolved(l2)}, kT0 + minutes(3)).events.empty());
}

TEST_F(EngineTest, QuietPeriodDelaysResolveUntilTick) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.resolve.after = minutes(10);
  SetRules({r});
  LabelSet l{{"service", "checkout"}};
  Ingest({Firing(l)}, kT0);
  EXPECT_EQ(EventNames(Ingest({Resolved(l)}, kT0 + minutes(1))),
            std::vector<std::string>{"alert_resolved"});
  EXPECT_TRUE(engine_->Tick(kT0 + minutes(10)).events.empty());
  Changes c = engine_->Tick(kT0 + minutes(11));
  ASSERT_EQ(EventNames(c), std::vector<std::string>{"resolved"});
}

TEST_F(EngineTest, FlapInsideQuietPeriodDoesNotResolve) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.resolve.after = minutes(10);
  SetRules({r});
  LabelSet l{{"service", "checkout"}};
  Ingest({Firing(l)}, kT0);
  Ingest({Resolved(l)}, kT0 + minutes(1));
  Alert again = Firing(l);
  again.starts_at = kT0 + minutes(3);
  EXPECT_EQ(EventNames(Ingest({again}, kT0 + minutes(3))), std::vector<std::string>{"alert_added"});
  EXPECT_TRUE(engine_->Tick(kT0 + minutes(20)).events.empty());
  EXPECT_EQ(engine_->Stats().open_incidents, 1u);
}

TEST_F(EngineTest, ReopensWithinDedupWindow) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.dedup_window = minutes(30);
  SetRules({r});
  LabelSet l{{"service", "checkout"}};
  std::string key = Ingest({Firing(l)}, kT0).events.at(0).snapshot.key;
  Ingest({Resolved(l)}, kT0 + minutes(1));
  Alert again = Firing(l);
  again.starts_at = kT0 + minutes(20);
  Changes c = Ingest({again}, kT0 + minutes(20));
  ASSERT_EQ(EventNames(c), (std::vector<std::string>{"reopened", "alert_added"}));
  EXPECT_EQ(c.events[0].snapshot.key, key);
  EXPECT_EQ(c.incidents.at(0).state, IncidentState::kDeclared);
}

TEST_F(EngineTest, DeclaresNewOccurrenceAfterDedupWindow) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.dedup_window = minutes(30);
  SetRules({r});
  LabelSet l{{"service", "checkout"}};
  Changes first = Ingest({Firing(l)}, kT0);
  Ingest({Resolved(l)}, kT0 + minutes(1));
  Alert again = Firing(l);
  again.starts_at = kT0 + minutes(40);
  Changes c = Ingest({again}, kT0 + minutes(40));
  ASSERT_EQ(EventNames(c), std::vector<std::string>{"declared"});
  EXPECT_NE(c.events[0].snapshot.id, first.events[0].snapshot.id);
  EXPECT_EQ(c.events[0].snapshot.occurrence, 2);
  EXPECT_EQ(c.events[0].snapshot.key.substr(c.events[0].snapshot.key.size() - 2), "-2");
}

TEST_F(EngineTest, HoldDeclaresOnlyAfterForElapses) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.trigger.hold = minutes(1);
  SetRules({r});
  EXPECT_TRUE(Ingest({Firing({{"service", "checkout"}})}, kT0).events.empty());
  EXPECT_TRUE(engine_->Tick(kT0 + seconds(59)).events.empty());
  EXPECT_EQ(engine_->Stats().pending_incidents, 1u);
  EXPECT_EQ(EventNames(engine_->Tick(kT0 + seconds(60))), std::vector<std::string>{"declared"});
}

TEST_F(EngineTest, PendingGroupThatGoesQuietIsRemoved) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.trigger.min_alerts = 2;
  SetRules({r});
  LabelSet l{{"service", "checkout"}};
  Changes c1 = Ingest({Firing(l)}, kT0);
  int64_t pending_id = c1.incidents.at(0).id;
  Changes c2 = Ingest({Resolved(l)}, kT0 + seconds(10));
  EXPECT_TRUE(c2.events.empty());
  EXPECT_EQ(c2.removed_incidents, std::vector<int64_t>{pending_id});
  EXPECT_EQ(engine_->FindIncident(pending_id), nullptr);
}

TEST_F(EngineTest, LateFiringNoticeDoesNotResurrectAResolvedAlert) {
  SetRules({MakeRule("checkout", "service=\"checkout\"", {"service"})});
  LabelSet l{{"service", "checkout"}};
  Ingest({Firing(l)}, kT0);
  Ingest({Resolved(l)}, kT0 + minutes(1));
  Changes c = Ingest({Firing(l)}, kT0 + minutes(2));  // same startsAt: the old episode
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(engine_->Stats().firing_alerts, 0u);
}

TEST_F(EngineTest, AlertJoinsEveryMatchingRuleUnlessContinueFalse) {
  Rule a = MakeRule("all-critical", "severity=\"critical\"", {});
  Rule b = MakeRule("checkout", "service=\"checkout\"", {"service"});
  SetRules({a, b});
  Changes c = Ingest({Firing({{"service", "checkout"}, {"severity", "critical"}})}, kT0);
  EXPECT_EQ(EventNames(c), (std::vector<std::string>{"declared", "declared"}));

  a.continue_matching = false;
  SetRules({a, b});
  c = Ingest({Firing({{"service", "checkout"}, {"severity", "critical"}})}, kT0);
  ASSERT_EQ(EventNames(c), std::vector<std::string>{"declared"});
  EXPECT_EQ(c.events[0].snapshot.rule, "all-critical");
}

TEST_F(EngineTest, RulesApplyInFileOrderUntilContinueFalse) {
  Rule first = MakeRule("first", "service=\"checkout\"", {});
  Rule stop = MakeRule("stop", "severity=\"critical\"", {});
  stop.continue_matching = false;
  Rule after = MakeRule("after", "service=\"checkout\"", {});
  Rule unrelated = MakeRule("unrelated", "service=\"cart\"", {});
  SetRules({first, unrelated, stop, after});
  Changes c = Ingest({Firing({{"service", "checkout"}, {"severity", "critical"}})}, kT0);
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].snapshot.rule, "first");
  EXPECT_EQ(c.events[1].snapshot.rule, "stop");
  // An alert that the stopping rule does not take goes on to the later rules.
  c = Ingest({Firing({{"service", "checkout"}, {"severity", "warning"}})}, kT0);
  ASSERT_EQ(EventNames(c), (Names{"alert_added", "declared"}));
  EXPECT_EQ(c.events[0].snapshot.rule, "first");
  EXPECT_EQ(c.events[1].snapshot.rule, "after");
}

TEST_F(EngineTest, RestoredEngineContinuesTheSameIncidents) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  SetRules({r});
  LabelSet l1{{"service", "checkout"}, {"instance", "1"}};
  Changes c = Ingest({Firing(l1)}, kT0);
  Incident declared = c.incidents.at(0);

  // What the store gives back: incident rows plus their membership rows.
  std::vector<Incident> stored = c.incidents;
  for (const Membership& m : c.joined) {
    for (Incident& inc : stored) {
      if (inc.id == m.incident_id) inc.alerts.push_back(m.fingerprint);
    }
  }
  ASSERT_EQ(stored.at(0).alerts.size(), 1u);
  Engine restarted(std::make_shared<RuleSet>(std::vector<Rule>{r}));
  restarted.Restore(c.alerts, stored);
  // The same alert again is a repeat; a new one joins the restored incident.
  EXPECT_TRUE(restarted.Ingest({Firing(l1)}, kT0 + minutes(1)).events.empty());
  Changes c2 =
      restarted.Ingest({Firing({{"service", "checkout"}, {"instance", "2"}})}, kT0 + minutes(2));
  ASSERT_EQ(EventNames(c2), std::vector<std::string>{"alert_added"});
  EXPECT_EQ(c2.events[0].event.incident_id, declared.id);
  EXPECT_EQ(c2.events[0].event.seq, declared.last_seq + 1);
  // New incidents get fresh ids.
  Changes c3 = restarted.Ingest(
      {Resolved(l1), Resolved({{"service", "checkout"}, {"instance", "2"}})}, kT0 + minutes(3));
  EXPECT_EQ(EventNames(c3).back(), "resolved");
}

}  // namespace
}  // namespace ab::testing
