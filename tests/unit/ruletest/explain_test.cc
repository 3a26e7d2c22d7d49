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

Outcome Explain(const std::string& config, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Outcome r;
  r.code = RunExplain(config, args, out, err);
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
  EXPECT_EQ(r.out, "checkout: SEV3, group {cluster=\"eu\", service=\"checkout\"} (" + file +
                       ":2:5)\n"
                       "catch-all: SEV5, group {} (" +
                       file + ":9:5)\n");
}

TEST(ExplainTest, StopsAtARuleWithContinueFalse) {
  TempDir dir;
  std::string config = WriteConfig(dir, kRules);
  Outcome r = Explain(config, {"alertname=Errors", "service=checkout", "severity=critical"});
  EXPECT_EQ(r.code, 0);
  std::string file = dir.Path("rules/rules.yml");
  EXPECT_EQ(r.out, "checkout: SEV1, group {service=\"checkout\"} (" + file +
                       ":2:5)\n"
                       "anything-critical: SEV3, group {} (" +
                       file + ":6:5); continue: false, later rules are not tried\n");
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
  std::vector<RuleExplanation> e = ExplainAlert(rules, labels);
  ASSERT_EQ(e.size(), matched.size());
  for (size_t i = 0; i < e.size(); ++i) EXPECT_EQ(e[i].rule, &rules.rules()[matched[i]]);
}

}  // namespace
}  // namespace ab
