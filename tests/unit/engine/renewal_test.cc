// Raises that come to hold as time passes: an open incident rises on Tick when an affected
// account's renewal comes within `renewal_within`, and never drops by itself.
#include "engine_fixture.h"

namespace ab::testing {
namespace {

constexpr auto kDay = hours(24);

// globex renews 10 days after kT0, initech 40 days after.
std::shared_ptr<const AccountTable> Accounts() {
  auto t = std::make_shared<AccountTable>("customer", std::vector<std::string>{"pro", "ent"});
  t->Add(Account{"globex", 1, std::nullopt, kT0 + 10 * kDay});
  t->Add(Account{"initech", 0, std::nullopt, kT0 + 40 * kDay});
  t->Add(Account{"hooli", 0, std::nullopt, std::nullopt});
  return t;
}

Rule RenewalRule(Duration within, int by = 1) {
  Rule r = MakeRule("api", "service=\"api\"", {"service"});
  r.severity.default_severity = Severity::SEV3;
  SeverityRaise raise;
  raise.renewal_within = within;
  raise.by = by;
  r.severity.raise = {raise};
  return r;
}

LabelSet Api(const std::string& customer, const std::string& instance = "1") {
  return LabelSet{{"service", "api"}, {"instance", instance}, {"customer", customer}};
}

const Incident* Only(const Changes& c) {
  return c.incidents.size() == 1 ? &c.incidents[0] : nullptr;
}

class RenewalTest : public EngineTest {
 protected:
  // Ticks every `step` from the clock's time until `until` (inclusive), merging what changed.
  Changes TickUntil(TimePoint until, Duration step) {
    Changes all;
    while (clock_.now() + step <= until) {
      clock_.advance(step);
      all.Merge(Tick(clock_.now()));
    }
    return all;
  }

  FakeClock clock_{kT0};
};

TEST_F(RenewalTest, PriorityRisesOnTickWhenTheRenewalEntersTheWindow) {
  SetRules({RenewalRule(7 * kDay)}, Accounts());
  Changes declared = Ingest({Firing(Api("globex"))}, clock_.now());
  ASSERT_EQ(EventNames(declared), Names{"declared"});
  EXPECT_EQ(declared.events[0].snapshot.priority, Severity::SEV3);  // 10 days away
  // Nothing until the window opens, 3 days in (ticks every minute, as a slow server would).
  Changes before = TickUntil(kT0 + 3 * kDay - minutes(1), minutes(1));
  EXPECT_TRUE(before.events.empty());
  EXPECT_TRUE(before.incidents.empty());
  clock_.advance(minutes(1));
  Changes at = Tick(clock_.now());
  ASSERT_EQ(EventNames(at), Names{"severity_changed"});
  EXPECT_EQ(at.events[0].event.details,
            (nlohmann::json{{"field", "priority"},
                            {"from", "SEV3"},
                            {"to", "SEV2"},
                            {"cause", "raise {when: {renewal_within: 1w}, by: 1}"}}));
  EXPECT_EQ(at.events[0].event.actor, "rule:api");
  EXPECT_EQ(at.events[0].event.at, kT0 + 3 * kDay);
  ASSERT_NE(Only(at), nullptr);
  EXPECT_EQ(Only(at)->priority, Severity::SEV2);
  EXPECT_EQ(Only(at)->base_severity, Severity::SEV3);
  // Past the renewal date the raise no longer holds; the priority stays, no event.
  Changes after = TickUntil(kT0 + 20 * kDay, hours(1));
  EXPECT_TRUE(after.events.empty());
  EXPECT_EQ(engine_->FindIncident(1)->priority, Severity::SEV2);
}

TEST_F(RenewalTest, ATickAfterTheWindowOpenedRaisesAtThatTick) {
  SetRules({RenewalRule(7 * kDay)}, Accounts());
  Ingest({Firing(Api("globex"))}, clock_.now());
  Tick(clock_.now());
  // The server was stopped over the moment the window opened (3 days in).
  clock_.advance(5 * kDay);
  Changes c = Tick(clock_.now());
  ASSERT_EQ(EventNames(c), Names{"severity_changed"});
  EXPECT_EQ(c.events[0].event.at, kT0 + 5 * kDay);
  // Renewal already passed when the server comes back: no raise.
  SetRules({RenewalRule(7 * kDay)}, Accounts());
  clock_.set(kT0);
  Ingest({Firing(Api("globex"))}, clock_.now());
  Tick(clock_.now());
  clock_.advance(11 * kDay);
  EXPECT_TRUE(Tick(clock_.now()).events.empty());
}

TEST_F(RenewalTest, TheNearestRenewalOfTheAffectedAccountsCounts) {
  SetRules({RenewalRule(7 * kDay)}, Accounts());
  Ingest({Firing(Api("initech", "1")), Firing(Api("hooli", "2"))}, clock_.now());
  Tick(clock_.now());
  clock_.advance(kDay);
  // globex joins: its renewal opens the window at 3 days, before initech's at 33.
  Changes joined = Ingest({Firing(Api("globex", "3"))}, clock_.now());
  EXPECT_EQ(EventNames(joined), Names{"alert_added"});
  EXPECT_TRUE(TickUntil(kT0 + 3 * kDay - seconds(1), hours(1) - seconds(1)).events.empty());
  clock_.set(kT0 + 3 * kDay);
  EXPECT_EQ(EventNames(Tick(clock_.now())), Names{"severity_changed"});
}

TEST_F(RenewalTest, RaisesOnlyOpenIncidentsAndNeverBelowAPersonsPriority) {
  Rule web = MakeRule("web", "service=\"web\"", {"service"});
  web.severity = RenewalRule(7 * kDay).severity;
  SetRules({RenewalRule(7 * kDay), web}, Accounts());
  Ingest({Firing(Api("globex")), Firing(LabelSet{{"service", "web"}, {"customer", "globex"}})},
         clock_.now());
  Tick(clock_.now());
  // A person sets the api incident's priority above what the raise gives; the web incident
  // resolves.
  Action set;
  set.incident_id = 1;
  set.type = ActionType::kSeverity;
  set.priority = Severity::SEV1;
  ASSERT_EQ(engine_->Act(set, clock_.now() + seconds(1)).code, ActionOutcome::Code::kOk);
  Alert web_ok = Resolved(LabelSet{{"service", "web"}, {"customer", "globex"}});
  Changes resolved = Ingest({web_ok}, clock_.now() + seconds(1));
  ASSERT_EQ(EventNames(resolved), (Names{"alert_resolved", "resolved"}));
  clock_.advance(3 * kDay);
  EXPECT_TRUE(Tick(clock_.now()).events.empty());
  EXPECT_EQ(engine_->FindIncident(1)->priority, Severity::SEV1);
  EXPECT_EQ(engine_->FindIncident(2)->priority, Severity::SEV3);
}

TEST_F(RenewalTest, ARestoredEngineStillRaisesWhenTheWindowOpens) {
  SetRules({RenewalRule(7 * kDay)}, Accounts());
  Changes all = Ingest({Firing(Api("globex"))}, clock_.now());
  all.Merge(Tick(clock_.now()));
  // Restart a day in: a new engine from what the store holds.
  clock_.advance(kDay);
  Engine restarted(rules_);
  restarted.Restore(all.alerts, Stored(all));
  EXPECT_TRUE(restarted.Tick(clock_.now()).events.empty());
  clock_.set(kT0 + 3 * kDay - seconds(1));
  EXPECT_TRUE(restarted.Tick(clock_.now()).events.empty());
  clock_.advance(seconds(1));
  Changes c = restarted.Tick(clock_.now());
  ASSERT_EQ(EventNames(c), Names{"severity_changed"});
  EXPECT_EQ(c.incidents.at(0).priority, Severity::SEV2);
}

}  // namespace
}  // namespace ab::testing
