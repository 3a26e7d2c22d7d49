// Reload (Engine::SetRules): incidents survive a rule swap; those whose rule vanished are flagged
// `orphaned` and resolve by their alerts; a changed rule keeps its incidents.
#include "engine_fixture.h"
#include "rules/silence.h"

namespace ab::testing {
namespace {

LabelSet Checkout(std::string instance) {
  return LabelSet{{"service", "checkout"}, {"instance", std::move(instance)}};
}

LabelSet Db(std::string instance) {
  return LabelSet{{"service", "db"}, {"instance", std::move(instance)}};
}

Rule CheckoutRule() { return MakeRule("checkout", "service=\"checkout\"", {"service"}); }
Rule DbRule() { return MakeRule("db", "service=\"db\"", {"service"}); }

class ReloadTest : public EngineTest {
 protected:
  void Reload(std::vector<Rule> rules) {
    reload_changes_ = engine_->SetRules(std::make_shared<RuleSet>(std::move(rules)));
  }
  int64_t Declare(LabelSet labels, TimePoint at) {
    Changes c = Ingest({Firing(std::move(labels))}, at);
    EXPECT_EQ(EventNames(c), Names{"declared"});
    return c.incidents.empty() ? 0 : c.incidents.back().id;
  }
  Changes reload_changes_;
};

TEST_F(ReloadTest, AnIncidentWhoseRuleVanishedStaysOpenFlaggedOrphaned) {
  SetRules({CheckoutRule(), DbRule()});
  const int64_t checkout = Declare(Checkout("1"), kT0);
  const int64_t db = Declare(Db("1"), kT0);

  Reload({DbRule()});

  ASSERT_EQ(reload_changes_.incidents.size(), 1u);  // only the flag change is written
  EXPECT_EQ(reload_changes_.incidents[0].id, checkout);
  EXPECT_TRUE(reload_changes_.incidents[0].orphaned);
  EXPECT_EQ(reload_changes_.incidents[0].state, IncidentState::kDeclared);
  EXPECT_TRUE(reload_changes_.events.empty());
  EXPECT_TRUE(engine_->FindIncident(checkout)->orphaned);
  EXPECT_FALSE(engine_->FindIncident(db)->orphaned);
  EXPECT_EQ(engine_->Stats().open_incidents, 2u);
}

TEST_F(ReloadTest, AnOrphanedIncidentResolvesByItsAlerts) {
  SetRules({CheckoutRule()});
  const int64_t id = Declare(Checkout("1"), kT0);
  Reload({DbRule()});

  Changes c = Ingest({Resolved(Checkout("1"))}, kT0 + minutes(1));
  EXPECT_EQ(EventNames(c), (Names{"alert_resolved", "resolved"}));
  const Incident* row = Row(c, id);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->state, IncidentState::kResolved);
  EXPECT_TRUE(row->orphaned);  // the flag stays: its rule is still gone
}

TEST_F(ReloadTest, NewAlertsOfAVanishedRuleOpenNothing) {
  SetRules({CheckoutRule()});
  Declare(Checkout("1"), kT0);
  Reload({DbRule()});
  Changes c = Ingest({Firing(Checkout("2"))}, kT0 + minutes(1));
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(engine_->Stats().open_incidents, 1u);
}

TEST_F(ReloadTest, AChangedRuleKeepsItsIncidentAndARuleBroughtBackClearsTheFlag) {
  SetRules({CheckoutRule()});
  const int64_t id = Declare(Checkout("1"), kT0);

  Rule changed = CheckoutRule();
  changed.receivers = {"slack"};
  Reload({changed});
  EXPECT_TRUE(reload_changes_.empty());
  EXPECT_FALSE(engine_->FindIncident(id)->orphaned);
  // A second alert of the same group joins the same incident.
  Changes joined = Ingest({Firing(Checkout("2"))}, kT0 + minutes(1));
  EXPECT_EQ(EventNames(joined), Names{"alert_added"});

  Reload({DbRule()});
  EXPECT_TRUE(engine_->FindIncident(id)->orphaned);
  Reload({CheckoutRule()});
  ASSERT_EQ(reload_changes_.incidents.size(), 1u);
  EXPECT_FALSE(reload_changes_.incidents[0].orphaned);
  EXPECT_FALSE(engine_->FindIncident(id)->orphaned);
}

TEST_F(ReloadTest, TheFlagSurvivesARestartFromTheStore) {
  SetRules({CheckoutRule()});
  Changes all = Ingest({Firing(Checkout("1"))}, kT0);
  const int64_t id = all.incidents.back().id;
  Reload({DbRule()});
  all.Merge(std::move(reload_changes_));

  // A restart with the rule still gone: the stored flag is what the API shows.
  Engine restarted(std::make_shared<RuleSet>(std::vector<Rule>{DbRule()}));
  std::vector<Incident> rows = Stored(all);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].orphaned);
  restarted.Restore(all.alerts, rows);
  EXPECT_TRUE(restarted.FindIncident(id)->orphaned);
}

TEST_F(ReloadTest, ARuleRemovedWhileStoppedIsFlaggedAfterTheRestore) {
  SetRules({CheckoutRule()});
  Changes all = Ingest({Firing(Checkout("1"))}, kT0);
  const int64_t id = all.incidents.back().id;

  Engine restarted(std::make_shared<RuleSet>(std::vector<Rule>{DbRule()}));
  restarted.Restore(all.alerts, Stored(all));
  EXPECT_FALSE(restarted.FindIncident(id)->orphaned);  // as stored
  Changes flags = restarted.FlagOrphans();
  ASSERT_EQ(flags.incidents.size(), 1u);
  EXPECT_TRUE(flags.incidents[0].orphaned);
  EXPECT_TRUE(restarted.FlagOrphans().empty());  // once
}

// A reload replaces the maintenance windows of alertbridge.yml and keeps those made through the
// API: a window dropped from the file no longer mutes, an API silence still does.
TEST_F(ReloadTest, AReloadReplacesTheFileSilencesAndKeepsTheApiOnes) {
  SetRules({CheckoutRule(), DbRule()});
  auto window = [](std::string id, std::string matcher, SilenceOrigin origin) {
    Silence s;
    s.id = std::move(id);
    s.matchers = *ParseMatchers(matcher);
    s.starts_at = kT0 - minutes(1);
    s.ends_at = kT0 + hours(24);
    s.origin = origin;
    return s;
  };
  engine_->SetSilences({window("file-1", R"(service="checkout")", SilenceOrigin::kConfig),
                        window("api-1", R"(service="db")", SilenceOrigin::kApi)});
  EXPECT_EQ(EventNames(Ingest({Firing(Checkout("1")), Firing(Db("1"))}, kT0)), Names{});

  engine_->ReplaceConfigSilences({});  // the file's window is gone; the API silence stays
  EXPECT_NE(engine_->FindSilence("api-1"), nullptr);
  EXPECT_EQ(engine_->FindSilence("file-1"), nullptr);
  Changes c = Ingest({Firing(Checkout("2")), Firing(Db("2"))}, kT0 + minutes(1));
  ASSERT_EQ(EventNames(c), Names{"declared"});
  EXPECT_EQ(c.events[0].snapshot.rule, "checkout");
}

}  // namespace
}  // namespace ab::testing
