// Incident text from the rule's Mustache templates.
#include "engine_fixture.h"

namespace ab::testing {
namespace {

TEST_F(EngineTest, TitleTemplateRendersCommonLabelsWithoutHtmlEscaping) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.title = "{{labels.service}} down in {{labels.cluster}} ({{alert_count}} alerts) <&>";
  SetRules({r});
  Changes c = Ingest({Firing({{"service", "checkout"}, {"cluster", "eu&1"}})}, kT0);
  EXPECT_EQ(c.events.at(0).snapshot.title, "checkout down in eu&1 (1 alerts) <&>");
}

TEST_F(EngineTest, OwnerRunbookAndSummaryAreTemplatesToo) {
  auto accounts = std::make_shared<AccountTable>("customer", std::vector<std::string>{"pro"});
  accounts->Add(Account{"globex", 0, 1000, std::nullopt});
  Rule r = MakeRule("api", "service=\"api\"", {"service"});
  r.owner = {"{{labels.team}}", "{{annotations.oncall}}"};
  r.runbook = "https://wiki/{{group.service}}";
  r.title = "{{rule}}: {{account_count}} customers ({{account_names}})";
  r.summary = "{{#accounts}}{{name}}/{{tier}}/{{arr}};{{/accounts}}";
  SetRules({r}, accounts);
  Alert a1 = Firing({{"service", "api"}, {"team", "core"}, {"customer", "globex"}, {"i", "1"}});
  a1.annotations = {{"oncall", "alice"}};
  Alert a2 = Firing({{"service", "api"}, {"team", "core"}, {"customer", "acme"}, {"i", "2"}});
  a2.annotations = {{"oncall", "alice"}};
  Changes c = Ingest({a1, a2}, kT0);
  ASSERT_EQ(EventNames(c), Names{"declared"});
  const Incident& inc = c.events[0].snapshot;
  EXPECT_EQ(inc.owner, (Owner{"core", "alice"}));
  EXPECT_EQ(inc.runbook, "https://wiki/api");
  EXPECT_EQ(inc.title, "api: 2 customers (acme, globex)");
  EXPECT_EQ(inc.summary, "acme//;globex/pro/1000;");
}

TEST_F(EngineTest, UnknownAccountsAreShownMarkedWithTheirEmptyFieldsRenderingNothing) {
  auto accounts = std::make_shared<AccountTable>("customer", std::vector<std::string>{"pro"});
  accounts->Add(Account{"globex", 0, 1000, std::nullopt});
  Rule r = MakeRule("api", "service=\"api\"", {"service"});
  r.summary =
      "{{#accounts}}{{name}}{{#unknown}} (unknown){{/unknown}}{{#tier}} {{tier}}{{/tier}}"
      "{{#arr}} ARR {{arr}}{{/arr}}{{#renewal}} renews {{renewal}}{{/renewal}}; {{/accounts}}"
      "{{account_count}} account{{#account_count_plural}}s{{/account_count_plural}}";
  SetRules({r}, accounts);
  Changes c = Ingest({Firing({{"service", "api"}, {"customer", "umbrella"}, {"i", "1"}}),
                      Firing({{"service", "api"}, {"customer", "globex"}, {"i", "2"}})},
                     kT0);
  EXPECT_EQ(c.events.at(0).snapshot.summary, "globex pro ARR 1000; umbrella (unknown); 2 accounts");
}

// Text follows the incident: rendered again when what its templates see changes, carried by the
// next event people receive; annotations.* are those all firing alerts share.
TEST_F(EngineTest, TextIsRenderedAgainAsAlertsJoinAndResolve) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.title = "{{labels.alertname}} on {{group.service}}";
  r.summary =
      "{{annotations.summary}} ({{alert_count}} "
      "alert{{#alert_count_plural}}s{{/alert_count_plural}})";
  SetRules({r});
  Alert a = Firing({{"alertname", "Errors"}, {"service", "checkout"}, {"i", "1"}});
  a.annotations = {{"summary", "5xx above 5%"}};
  Alert b = Firing({{"alertname", "Latency"}, {"service", "checkout"}, {"i", "2"}});
  b.annotations = {{"summary", "p99 above 1s"}};
  Changes declared = Ingest({a}, kT0);
  EXPECT_EQ(declared.events.at(0).snapshot.title, "Errors on checkout");
  EXPECT_EQ(declared.events.at(0).snapshot.summary, "5xx above 5% (1 alert)");
  Changes joined = Ingest({b}, kT0 + minutes(1));
  ASSERT_EQ(EventNames(joined), Names{"alert_added"});
  // The row written at the end of the step has the new text: nothing shared but the service.
  EXPECT_EQ(joined.incidents.at(0).title, " on checkout");
  EXPECT_EQ(joined.incidents.at(0).summary, " (2 alerts)");
  // The next event people get carries it.
  Action ack;
  ack.incident_id = 1;
  ack.type = ActionType::kAck;
  ActionOutcome acked = engine_->Act(ack, kT0 + minutes(2));
  EXPECT_EQ(acked.changes.events.at(0).snapshot.summary, " (2 alerts)");
  // b resolves: a's text again.
  Changes resolved = Ingest({Resolved(b.labels)}, kT0 + minutes(3));
  EXPECT_EQ(resolved.incidents.at(0).title, "Errors on checkout");
  EXPECT_EQ(resolved.incidents.at(0).summary, "5xx above 5% (1 alert)");
}

TEST_F(EngineTest, AnOwnerAPersonAssignedIsNotRenderedOver) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.owner = {"{{labels.team}}", ""};
  SetRules({r});
  Ingest({Firing({{"service", "checkout"}, {"team", "web"}, {"i", "1"}})}, kT0);
  Action assign;
  assign.incident_id = 1;
  assign.type = ActionType::kAssign;
  assign.team = "dba";
  ASSERT_TRUE(engine_->Act(assign, kT0 + minutes(1)).changed);
  Changes c =
      Ingest({Firing({{"service", "checkout"}, {"team", "web"}, {"i", "2"}})}, kT0 + minutes(2));
  EXPECT_EQ(c.incidents.at(0).owner.team, "dba");
}

TEST_F(EngineTest, DefaultTitleNamesTheRuleAndGroup) {
  SetRules({MakeRule("checkout", "service=\"checkout\"", {"service", "cluster"})});
  Changes c = Ingest({Firing({{"service", "checkout"}, {"cluster", "eu-1"}})}, kT0);
  EXPECT_EQ(c.events.at(0).snapshot.title, "checkout: cluster=eu-1, service=checkout");
}

}  // namespace
}  // namespace ab::testing
