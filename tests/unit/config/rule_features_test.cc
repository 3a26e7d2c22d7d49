// Rule features beyond matching: severity raises, heartbeat rules and template checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "config/config.h"

namespace ab {
namespace {

using ::ab::testing::ErrorStrings;
using ::ab::testing::TempDir;
using ::testing::ElementsAre;

constexpr const char* kAccountsYaml = R"(key_label: customer
tiers: [free, pro, business, enterprise]
accounts:
  - {name: globex, tier: enterprise, arr: 1200000, renewal: 2027-01-15}
)";

TEST(RuleFeaturesTest, ParsesRaisesAndResolvesTiersFromTheAccountsFile) {
  TempDir dir;
  dir.Write("accounts.yml", kAccountsYaml);
  dir.Write("rules/r.yml", R"(rules:
  - name: api
    match: ['service="api"']
    severity:
      default: SEV3
      raise:
        - {when: {min_alerts: 10}, to: SEV1}
        - {when: {account_tier: business}, by: 1}
        - {when: {account_arr_over: 500000, renewal_within: 30d}, to: SEV2}
)");
  std::string main = dir.Write("alertbridge.yml", "accounts: accounts.yml\nreceivers: []\n");
  LoadResult r = LoadConfig(main);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  ASSERT_NE(r.config.accounts, nullptr);
  EXPECT_EQ(r.config.accounts_path, dir.Path("accounts.yml"));
  ASSERT_EQ(r.config.rules.size(), 1u);
  const std::vector<SeverityRaise>& raise = r.config.rules[0].severity.raise;
  ASSERT_EQ(raise.size(), 3u);
  EXPECT_EQ(raise[0].min_alerts, 10);
  EXPECT_EQ(raise[0].to, Severity::SEV1);
  EXPECT_EQ(raise[1].account_tier, "business");
  EXPECT_EQ(raise[1].account_tier_rank, 2);
  EXPECT_EQ(raise[1].by, 1);
  EXPECT_FALSE(raise[1].to.has_value());
  EXPECT_EQ(raise[2].account_arr_over, 500000);
  EXPECT_EQ(raise[2].renewal_within, std::chrono::hours(24 * 30));
}

TEST(RuleFeaturesTest, ReportsBadRaises) {
  TempDir dir;
  dir.Write("accounts.yml", kAccountsYaml);
  std::string rules = dir.Write("rules/r.yml", R"(rules:
  - name: api
    match: ['service="api"']
    severity:
      raise:
        - {when: {}, to: SEV1}
        - {when: {min_alerts: 2}}
        - {when: {min_alerts: 2}, to: SEV1, by: 1}
        - {when: {min_alerts: 2}, by: 9}
        - {when: {account_tier: platinum}, by: 1}
        - {when: {accounts: 3}, to: SEV1}
)");
  std::string main = dir.Write("alertbridge.yml", "accounts: accounts.yml\nreceivers: []\n");
  LoadResult r = LoadConfig(main);
  const std::string f = rules + ":";
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          f + "6:18: severity.raise[0].when: needs at least one condition (min_alerts, "
              "account_tier, account_arr_over, renewal_within)",
          f + "7:11: severity.raise[1]: a raise needs exactly one of to: (a severity) or by: "
              "(levels)",
          f + "8:11: severity.raise[2]: a raise needs exactly one of to: (a severity) or by: "
              "(levels)",
          f + "9:39: severity.raise[3].by: must be between 1 and 4, got 9",
          f + "10:33: account_tier: \"platinum\" is not a tier of " + dir.Path("accounts.yml"),
          f + "11:19: unknown key \"severity.raise[5].when.accounts\" (valid: min_alerts, "
              "account_tier, account_arr_over, renewal_within)"));
}

TEST(RuleFeaturesTest, AccountConditionsNeedAnAccountsFile) {
  TempDir dir;
  std::string rules = dir.Write("rules/r.yml", R"(rules:
  - name: api
    match: ['service="api"']
    severity: {raise: [{when: {account_tier: enterprise}, by: 1}]}
)");
  std::string main = dir.Write("alertbridge.yml", "receivers: []\n");
  EXPECT_THAT(ErrorStrings(LoadConfig(main)),
              ElementsAre(rules + ":4:46: severity.raise: account conditions need an accounts "
                                  "file (accounts: in alertbridge.yml)"));
  // `check rules/` alone cannot know the tiers, so it does not fault them; with the accounts
  // file beside it, it checks them.
  EXPECT_TRUE(CheckPaths({rules}).ok());
  dir.Write("rules/accounts.yml", kAccountsYaml);
  LoadResult both = CheckPaths({dir.Path("rules")});
  EXPECT_TRUE(both.ok()) << ::testing::PrintToString(ErrorStrings(both));
  EXPECT_EQ(both.config.rules.at(0).severity.raise.at(0).account_tier_rank, 3);
}

TEST(RuleFeaturesTest, ParsesAHeartbeatRule) {
  TempDir dir;
  std::string rules = dir.Write("r.yml", R"(rules:
  - name: watchdog
    type: heartbeat
    match: ['alertname="Watchdog"']
    group_by: [cluster]
    interval: 5m
    severity: {default: SEV1}
    title: "Monitoring down in {{group.cluster}}"
)");
  LoadResult r = CheckPaths({rules});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  const Rule& rule = r.config.rules.at(0);
  EXPECT_TRUE(rule.heartbeat());
  EXPECT_EQ(rule.interval, std::chrono::minutes(5));
  EXPECT_EQ(rule.severity.default_severity, Severity::SEV1);
}

TEST(RuleFeaturesTest, ReportsWhatAHeartbeatRuleCannotHave) {
  TempDir dir;
  std::string rules = dir.Write("r.yml", R"(rules:
  - name: watchdog
    type: heartbeat
    match: ['alertname="Watchdog"']
    trigger: {min_alerts: 2}
    continue: false
    severity: {from_label: {label: severity, map: {critical: SEV1}}}
  - name: plain
    match: ['a="b"']
    interval: 5m
  - name: odd
    type: deadman
    match: ['a="b"']
)");
  const std::string f = rules + ":";
  EXPECT_THAT(ErrorStrings(CheckPaths({rules})),
              ElementsAre(f + "2:5: missing required key \"interval\"",
                          f + "5:5: trigger: not used by a heartbeat rule (type: heartbeat)",
                          f + "6:5: continue: not used by a heartbeat rule (type: heartbeat)",
                          f + "7:16: severity.from_label: a heartbeat rule has no alerts to "
                              "grade; use severity.default",
                          f + "10:5: interval: only heartbeat rules (type: heartbeat) have an "
                              "interval",
                          f + "12:11: type: expected one of incident, heartbeat, got \"deadman\""));
}

TEST(RuleFeaturesTest, TemplateErrorsPointAtTheTag) {
  TempDir dir;
  std::string rules = dir.Write("r.yml", R"(rules:
  - name: api
    match: ['service="api"']
    title: "{{labels.service}} {{#labels}}down"
    summary: "{{{annotations.summary}}"
    runbook: https://wiki/{{labells.service}}
    owner: {team: "{{/team}}", commander: "x }} y"}
  - name: block
    match: ['service="b"']
    summary: |
      first line
      second {{alert_cnt}}
)");
  const std::string f = rules + ":";
  EXPECT_THAT(
      ErrorStrings(CheckPaths({rules})),
      ElementsAre(
          f + "4:32: title: section \"labels\" is never closed (add {{/labels}})",
          f + "5:15: summary: unclosed tag: \"{{{\" without a matching \"}}}\"",
          f + "6:27: runbook: unknown name \"labells.service\" (known: labels, annotations, "
              "group, alert_count, rule, accounts, account_names, account_count)",
          f + "7:20: owner.team: closing \"team\" but no section is open",
          f + "7:46: owner.commander: stray \"}}\" without an opening \"{{\"",
          f + "10:14: summary: unknown name \"alert_cnt\" (known: labels, annotations, group, "
              "alert_count, rule, accounts, account_names, account_count) (template line 2, "
              "column 8)"));
}

}  // namespace
}  // namespace ab
