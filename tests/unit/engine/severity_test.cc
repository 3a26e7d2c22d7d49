// Severity and priority: worst member wins, raises by count and customer impact, never a drop.
#include "engine_fixture.h"

namespace ab::testing {
namespace {

std::shared_ptr<const AccountTable> Accounts() {
  auto t = std::make_shared<AccountTable>(
      "customer", std::vector<std::string>{"free", "pro", "business", "enterprise"});
  t->Add(Account{"globex", 3, 1'200'000, kT0 + hours(24 * 20)});
  t->Add(Account{"initech", 0, 5'000, kT0 + hours(24 * 40)});
  t->Add(Account{"hooli", 1, 90'000, kT0 - hours(24)});  // renewal already passed
  return t;
}

SeverityRaise Raise() {
  SeverityRaise r;
  r.by = 1;
  return r;
}

Rule ApiRule(std::vector<SeverityRaise> raises) {
  Rule r = MakeRule("api", "service=\"api\"", {"service"});
  r.severity.default_severity = Severity::SEV3;
  r.severity.raise = std::move(raises);
  return r;
}

LabelSet Api(std::string customer, std::string instance = "1") {
  LabelSet l{{"service", "api"}, {"instance", instance}};
  if (!customer.empty()) l.Set("customer", customer);
  return l;
}

TEST_F(EngineTest, WorstMemberSeverityWinsAndOnlyRises) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.severity.default_severity = Severity::SEV4;
  r.severity.from_label =
      SeverityFromLabel{"severity", {{"critical", Severity::SEV1}, {"warning", Severity::SEV3}}};
  SetRules({r});
  Changes c1 = Ingest({Firing({{"service", "checkout"}, {"severity", "warning"}})}, kT0);
  EXPECT_EQ(c1.events.at(0).snapshot.base_severity, Severity::SEV3);
  Changes c2 =
      Ingest({Firing({{"service", "checkout"}, {"severity", "critical"}})}, kT0 + seconds(1));
  ASSERT_EQ(EventNames(c2), (Names{"alert_added", "severity_changed", "severity_changed"}));
  EXPECT_EQ(c2.events[1].event.details["field"], "base_severity");
  EXPECT_EQ(c2.events[1].event.details["from"], "SEV3");
  EXPECT_EQ(c2.events[1].event.details["to"], "SEV1");
  EXPECT_EQ(c2.events[2].event.details["field"], "priority");
  EXPECT_EQ(c2.incidents.at(0).priority, Severity::SEV1);
  // The critical alert resolving does not silently lower an open incident.
  Changes c3 =
      Ingest({Resolved({{"service", "checkout"}, {"severity", "critical"}})}, kT0 + seconds(2));
  EXPECT_EQ(c3.incidents.at(0).base_severity, Severity::SEV1);
  EXPECT_EQ(c3.incidents.at(0).priority, Severity::SEV1);
}

TEST_F(EngineTest, RaiseByAlertCountRaisesPriorityNotBase) {
  SeverityRaise many;
  many.min_alerts = 3;
  many.to = Severity::SEV1;
  SetRules({ApiRule({many})});
  Ingest({Firing(Api("", "1")), Firing(Api("", "2"))}, kT0);
  Changes c = Ingest({Firing(Api("", "3"))}, kT0 + seconds(1));
  ASSERT_EQ(EventNames(c), (Names{"alert_added", "severity_changed"}));
  EXPECT_EQ(c.events[1].event.details,
            (nlohmann::json{{"field", "priority"},
                            {"from", "SEV3"},
                            {"to", "SEV1"},
                            {"cause", "raise {when: {min_alerts: 3}, to: SEV1}"}}));
  EXPECT_EQ(c.incidents.at(0).base_severity, Severity::SEV3);
  // Fewer alerts again: the priority stays while open.
  Changes fewer = Ingest({Resolved(Api("", "3"))}, kT0 + seconds(2));
  EXPECT_EQ(EventNames(fewer), Names{"alert_resolved"});
  EXPECT_EQ(fewer.incidents.at(0).priority, Severity::SEV1);
}

TEST_F(EngineTest, RaiseByAccountTierAppliesToTheHighestAffectedTier) {
  SeverityRaise tier = Raise();
  tier.account_tier = "business";
  tier.account_tier_rank = 2;
  SetRules({ApiRule({tier})}, Accounts());
  Changes c1 = Ingest({Firing(Api("initech", "1"))}, kT0);
  EXPECT_EQ(c1.events.at(0).snapshot.priority, Severity::SEV3);
  EXPECT_EQ(c1.events.at(0).snapshot.accounts, std::vector<std::string>{"initech"});
  Changes c2 = Ingest({Firing(Api("globex", "2"))}, kT0 + seconds(1));
  ASSERT_EQ(EventNames(c2), (Names{"alert_added", "severity_changed"}));
  EXPECT_EQ(c2.incidents.at(0).priority, Severity::SEV2);
  EXPECT_EQ(c2.incidents.at(0).accounts, (std::vector<std::string>{"globex", "initech"}));
}

TEST_F(EngineTest, RaiseByArrAtDeclaration) {
  SeverityRaise arr;
  arr.account_arr_over = 500'000;
  arr.to = Severity::SEV1;
  SetRules({ApiRule({arr})}, Accounts());
  EXPECT_EQ(Ingest({Firing(Api("initech"))}, kT0).events.at(0).snapshot.priority, Severity::SEV3);
  SetRules({ApiRule({arr})}, Accounts());
  Changes c = Ingest({Firing(Api("globex"))}, kT0);
  ASSERT_EQ(EventNames(c), Names{"declared"});
  EXPECT_EQ(c.events[0].snapshot.base_severity, Severity::SEV3);
  EXPECT_EQ(c.events[0].snapshot.priority, Severity::SEV1);
}

TEST_F(EngineTest, RaiseByRenewalWithin) {
  SeverityRaise renewal = Raise();
  renewal.renewal_within = hours(24 * 30);
  for (auto [customer, want] : {std::pair{"globex", Severity::SEV2},  // renews in 20 days
                                {"initech", Severity::SEV3},          // in 40 days
                                {"hooli", Severity::SEV3}}) {         // renewed yesterday
    SetRules({ApiRule({renewal})}, Accounts());
    EXPECT_EQ(Ingest({Firing(Api(customer))}, kT0).events.at(0).snapshot.priority, want)
        << customer;
  }
}

TEST_F(EngineTest, RaisesApplyInOrderEachOnTheResultBefore) {
  SeverityRaise enterprise = Raise();
  enterprise.account_tier = "enterprise";
  enterprise.account_tier_rank = 3;
  SeverityRaise any;
  any.min_alerts = 1;
  any.to = Severity::SEV2;
  SetRules({ApiRule({any, enterprise})}, Accounts());  // SEV3 -> SEV2 -> SEV1
  EXPECT_EQ(Ingest({Firing(Api("globex"))}, kT0).events.at(0).snapshot.priority, Severity::SEV1);
  SetRules({ApiRule({enterprise, any})}, Accounts());  // SEV3 -> SEV2 -> SEV2
  EXPECT_EQ(Ingest({Firing(Api("globex"))}, kT0).events.at(0).snapshot.priority, Severity::SEV2);
}

TEST_F(EngineTest, UnknownAccountsAreListedButRaiseNothing) {
  SeverityRaise tier = Raise();
  tier.account_tier = "free";
  tier.account_tier_rank = 0;
  SetRules({ApiRule({tier})}, Accounts());
  Changes c = Ingest({Firing(Api("umbrella", "1")), Firing(Api("", "2"))}, kT0);
  ASSERT_EQ(EventNames(c), Names{"declared"});
  EXPECT_EQ(c.events[0].snapshot.accounts, std::vector<std::string>{"umbrella"});
  EXPECT_EQ(c.events[0].snapshot.priority, Severity::SEV3);
}

TEST_F(EngineTest, WithoutAccountsTableNoAccountsAreRecorded) {
  SetRules({ApiRule({})});
  EXPECT_TRUE(Ingest({Firing(Api("globex"))}, kT0).events.at(0).snapshot.accounts.empty());
}

}  // namespace
}  // namespace ab::testing
