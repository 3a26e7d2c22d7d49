// `alertbridge explain`: which rules take a label set, in order, at what severity.
#include "ruletest/explain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "../config/config_test_util.h"

namespace ab {
namespace {

using ::ab::testing::TempDir;
using ::testing::HasSubstr;

constexpr const char* kRules =
    "rules:\n"
    "  - name: checkout\n"
    "    match: ['service=\"checkout\"']\n"
    "    group_by: [service, cluster]\n"
    "    severity: {default: SEV3, from_label: {label: severity, map: {critical: SEV1}}}\n"
    "  - name: anything-critical\n"
    "    match: ['severity=\"critical\"']\n"
    "    continue: false\n"
    "  - name: catch-all\n"
    "    match: ['alertname=~\".+\"']\n"
    "    severity: {default: SEV5}\n";

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

// 2026-12-03T00:00:00Z: when account renewals are weighed.
const TimePoint kNow = FromMillis(1'796'256'000'000);

Outcome Explain(const std::string& config, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Outcome r;
  r.code = RunExplain(config, args, out, err, kNow);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string WriteConfig(const TempDir& dir, const std::string& rules) {
  dir.Write("rules/rules.yml", rules);
  return dir.Write("alertbridge.yml", "rules: [rules/]\nreceivers: []\n");
}

TEST(ExplainTest, ListsEveryRuleThatTakesTheAlertInOrderWithItsSeverity) {
  TempDir dir;
  std::string config = WriteConfig(dir, kRules);
  Outcome r = Explain(config, {"alertname=Errors", "service=checkout", "cluster=eu"});
  EXPECT_EQ(r.code, 0) << r.err;
  std::string file = dir.Path("rules/rules.yml");
  EXPECT_EQ(r.out, "checkout: priority SEV3, group {cluster=\"eu\", service=\"checkout\"} (" +
                       file +
                       ":2:5); this alert alone declares an incident; next rules evaluated too "
                       "(continue: true, the default)\n"
                       "catch-all: priority SEV5, group {} (" +
                       file +
                       ":9:5); this alert alone declares an incident; next rules evaluated too "
                       "(continue: true, the default)\n");
}

TEST(ExplainTest, StopsAtARuleWithContinueFalse) {
  TempDir dir;
  std::string config = WriteConfig(dir, kRules);
  Outcome r = Explain(config, {"alertname=Errors", "service=checkout", "severity=critical"});
  EXPECT_EQ(r.code, 0);
  std::string file = dir.Path("rules/rules.yml");
  EXPECT_EQ(r.out, "checkout: priority SEV1, group {service=\"checkout\"} (" + file +
                       ":2:5); this alert alone declares an incident; next rules evaluated too "
                       "(continue: true, the default)\n"
                       "anything-critical: priority SEV3, group {} (" +
                       file +
                       ":6:5); this alert alone declares an incident; continue: false, later "
                       "rules are not tried\n");
}

// What serve declares: the priority after the raises that hold for this alert and its account,
// each raise named; a trigger that needs more says the alert is pending.
TEST(ExplainTest, PrintsThePriorityWithTheRaisesThatProduceIt) {
  TempDir dir;
  dir.Write("accounts.yml",
            "key_label: customer\n"
            "tiers: [free, pro, enterprise]\n"
            "accounts:\n"
            "  - {name: globex, tier: enterprise, arr: 1200000, renewal: 2026-12-20}\n"
            "  - {name: hooli, tier: pro}\n");
  dir.Write("rules/rules.yml",
            "rules:\n"
            "  - name: api-errors\n"
            "    match: ['service=\"api\"']\n"
            "    group_by: [service]\n"
            "    trigger: {min_alerts: 2, within: 10m, for: 1m}\n"
            "    severity:\n"
            "      default: SEV4\n"
            "      raise:\n"
            "        - {when: {min_alerts: 10}, to: SEV1}\n"
            "        - {when: {account_tier: enterprise}, by: 1}\n"
            "        - {when: {renewal_within: 30d}, by: 1}\n"
            "    continue: false\n");
  std::string config =
      dir.Write("alertbridge.yml", "rules: [rules/]\nreceivers: []\naccounts: accounts.yml\n");
  const std::string at = " (" + dir.Path("rules/rules.yml") + ":2:5); ";
  Outcome big = Explain(config, {"service=api", "customer=globex"});
  EXPECT_EQ(big.code, 0) << big.err;
  EXPECT_EQ(big.out,
            "api-errors: priority SEV2 (severity SEV4, raise {when: {account_tier: enterprise}, "
            "by: 1} -> SEV3, raise {when: {renewal_within: 4w2d}, by: 1} -> SEV2), group "
            "{service=\"api\"}" +
                at +
                "pending until 2 alerts fire within 10m for 1m, then declared; continue: false, "
                "later rules are not tried\n");
  // The renewal weighs only when it is near.
  std::ostringstream later, err;
  ASSERT_EQ(RunExplain(config, {"service=api", "customer=globex"}, later, err,
                       kNow + std::chrono::hours(24 * 40)),
            0);
  EXPECT_THAT(later.str(), HasSubstr("priority SEV3 (severity SEV4, raise {when: {account_tier: "
                                     "enterprise}, by: 1} -> SEV3), group"));
  EXPECT_THAT(Explain(config, {"service=api", "customer=hooli"}).out,
              HasSubstr("api-errors: priority SEV4, group"));
  EXPECT_THAT(Explain(config, {"service=api", "customer=umbrella"}).out,
              HasSubstr("then declared; account \"umbrella\" is not in accounts.yml; continue"));
}

TEST(ExplainTest, AHeartbeatSaysABeatDeclaresNothingAndWhatItsAbsenceDeclares) {
  TempDir dir;
  std::string config = WriteConfig(dir,
                                   "rules:\n"
                                   "  - name: pipeline\n"
                                   "    type: heartbeat\n"
                                   "    match: ['alertname=\"Watchdog\"']\n"
                                   "    group_by: [cluster]\n"
                                   "    interval: 5m\n"
                                   "    severity: {default: SEV1}\n");
  Outcome r = Explain(config, {"alertname=Watchdog", "cluster=eu"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "pipeline: heartbeat, group {cluster=\"eu\"} (" + dir.Path("rules/rules.yml") +
                       ":2:5); this beat declares nothing; when no beat comes for 5m, declares "
                       "SEV1 \"Monitoring pipeline down: no pipeline heartbeat (cluster=eu)\", "
                       "resolved when the beat returns; next rules evaluated too (continue: true, "
                       "the default)\n");
}

TEST(ExplainTest, NoRuleExitsOne) {
  TempDir dir;
  std::string config = WriteConfig(dir, kRules);
  Outcome r = Explain(config, {"job=node", "alertname="});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "no rule takes {job=\"node\"} (3 rules checked)\n");
}

TEST(ExplainTest, ConfigErrorsExitTwo) {
  TempDir dir;
  std::string config = WriteConfig(dir, "rules:\n  - {name: x, match: ['a=~\"(\"']}\n");
  Outcome r = Explain(config, {"a=b"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("rules.yml:2:23: match[0]: invalid regular expression"));
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Explain(dir.Path("missing.yml"), {"a=b"}).code, 2);
}

TEST(ExplainTest, BadArgumentsAreUsageErrors) {
  TempDir dir;
  std::string config = WriteConfig(dir, kRules);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {}, {"service"}, {"9x=a"}, {"a-b=c"}, {"a=1", "a=2"}, {"=x"}}) {
    Outcome r = Explain(config, args);
    EXPECT_EQ(r.code, 2) << ::testing::PrintToString(args);
    EXPECT_THAT(r.err, HasSubstr("alertbridge explain: "));
  }
}

TEST(ExplainTest, ParsesLabelArguments) {
  Result<LabelSet> l = ParseLabelArgs({"a=b=c", "empty=", "u=zürich"});
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(*l, (LabelSet{{"a", "b=c"}, {"u", "zürich"}}));
  EXPECT_EQ(ParseLabelArgs({"a=1", "a=2"}).error().message, "label \"a\" is given twice");
}

TEST(ExplainTest, UsesTheSameMatchAsTheEngine) {
  TempDir dir;
  std::string config = WriteConfig(dir, kRules);
  LoadResult loaded = LoadConfig(config);
  ASSERT_TRUE(loaded.ok());
  RuleSet rules(loaded.config.rules);
  LabelSet labels{{"alertname", "X"}, {"service", "checkout"}, {"severity", "critical"}};
  std::vector<size_t> matched;
  rules.Match(labels, &matched);
  std::vector<RuleExplanation> e = ExplainAlert(rules, labels, kNow);
  ASSERT_EQ(e.size(), matched.size());
  for (size_t i = 0; i < e.size(); ++i) EXPECT_EQ(e[i].rule, &rules.rules()[matched[i]]);
}

}  // namespace
}  // namespace ab
