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

TEST_F(EngineTest, DefaultTitleNamesTheRuleAndGroup) {
  SetRules({MakeRule("checkout", "service=\"checkout\"", {"service", "cluster"})});
  Changes c = Ingest({Firing({{"service", "checkout"}, {"cluster", "eu-1"}})}, kT0);
  EXPECT_EQ(c.events.at(0).snapshot.title, "checkout: cluster=eu-1, service=checkout");
}

}  // namespace
}  // namespace ab::testing
