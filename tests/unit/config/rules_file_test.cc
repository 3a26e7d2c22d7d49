#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "config/config.h"
#include "rules/matcher.h"

namespace ab {
namespace {

using ::ab::testing::ErrorStrings;
using ::ab::testing::kReceiversYaml;
using ::ab::testing::TempDir;
using ::testing::ElementsAre;

std::string MatcherError(const std::string& text) {
  Result<std::vector<Matcher>> m = ParseMatchers(text);
  EXPECT_FALSE(m.ok()) << text << " should not parse";
  return m.ok() ? "" : m.error().message;
}

std::string DurationError(const std::string& text) {
  Result<Duration> d = ParseDuration(text);
  EXPECT_FALSE(d.ok()) << text << " should not parse";
  return d.ok() ? "" : d.error().message;
}

// Issue 13 item 8: a duration near INT64_MAX would overflow `now + duration` (undefined
// behaviour); config refuses anything over 10 years, naming where it was written.
TEST(RulesFileTest, RejectsDurationsOverTenYearsWithTheirPosition) {
  TempDir dir;
  std::string rules = dir.Write("rules.yml", R"(rules:
  - name: forever
    match: ['service="checkout"']
    dedup_window: 106751991167d
    trigger: {for: 11y}
)");
  std::string receivers = dir.Write("receivers.yml", kReceiversYaml);
  LoadResult r = CheckPaths({rules, receivers});
  std::vector<std::string> errors = ErrorStrings(r);
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], ::testing::StartsWith(rules + ":4:19: "));
  EXPECT_THAT(errors[0], ::testing::HasSubstr("at most 10y"));
  EXPECT_THAT(errors[1], ::testing::StartsWith(rules + ":5:20: "));
}

TEST(RulesFileTest, ParsesEveryField) {
  TempDir dir;
  std::string rules = dir.Write("rules.yml", R"(rules:
  - name: checkout-outage
    match: ['service="checkout"', 'severity!=info']
    group_by: [service, cluster]
    trigger: {min_alerts: 2, within: 5m, for: 1m}
    dedup_window: 30m
    severity:
      default: SEV4
      from_label: {label: severity, map: {critical: SEV1, warning: SEV3}}
    owner: {team: payments, commander: alice}
    title: "{{labels.service}} degraded"
    summary: "{{alert_count}} alerts firing"
    runbook: https://wiki.internal/runbooks/checkout
    receivers: [console, hook]
    resolve: {when_alerts_resolved: false, after: 10m}
    continue: false
  - name: minimal
    match: ['alertname="Watchdog"']
)");
  std::string receivers = dir.Write("receivers.yml", kReceiversYaml);
  LoadResult r = CheckPaths({rules, receivers});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  ASSERT_EQ(r.config.rules.size(), 2u);

  const Rule& rule = r.config.rules[0];
  EXPECT_EQ(rule.name, "checkout-outage");
  ASSERT_EQ(rule.match.size(), 2u);
  EXPECT_EQ(rule.match[0].name(), "service");
  EXPECT_EQ(rule.match[0].op(), MatchOp::kEqual);
  EXPECT_EQ(rule.match[0].value(), "checkout");
  EXPECT_EQ(rule.match[1].name(), "severity");
  EXPECT_EQ(rule.match[1].op(), MatchOp::kNotEqual);
  EXPECT_EQ(rule.match[1].value(), "info");
  EXPECT_THAT(rule.group_by, ElementsAre("service", "cluster"));
  EXPECT_EQ(rule.trigger.min_alerts, 2);
  EXPECT_EQ(rule.trigger.within, Duration(5 * 60'000));
  EXPECT_EQ(rule.trigger.hold, Duration(60'000));
  EXPECT_EQ(rule.dedup_window, Duration(30 * 60'000));
  EXPECT_EQ(rule.severity.default_severity, Severity::SEV4);
  ASSERT_TRUE(rule.severity.from_label.has_value());
  EXPECT_EQ(rule.severity.from_label->label, "severity");
  EXPECT_EQ(
      rule.severity.from_label->map,
      (std::map<std::string, Severity>{{"critical", Severity::SEV1}, {"warning", Severity::SEV3}}));
  EXPECT_EQ(rule.owner, (Owner{"payments", "alice"}));
  EXPECT_EQ(rule.title, "{{labels.service}} degraded");
  EXPECT_EQ(rule.summary, "{{alert_count}} alerts firing");
  EXPECT_EQ(rule.runbook, "https://wiki.internal/runbooks/checkout");
  EXPECT_THAT(rule.receivers, ElementsAre("console", "hook"));
  EXPECT_FALSE(rule.resolve.when_alerts_resolved);
  EXPECT_EQ(rule.resolve.after, Duration(10 * 60'000));
  EXPECT_FALSE(rule.continue_matching);
  EXPECT_EQ(rule.location.file, rules);
  EXPECT_EQ(rule.location.line, 2);
  EXPECT_EQ(rule.location.col, 5);

  const Rule& minimal = r.config.rules[1];
  EXPECT_EQ(minimal.name, "minimal");
  EXPECT_TRUE(minimal.group_by.empty());
  EXPECT_EQ(minimal.trigger.min_alerts, 1);
  EXPECT_EQ(minimal.trigger.within, Duration(0));
  EXPECT_EQ(minimal.severity.default_severity, Severity::SEV3);
  EXPECT_FALSE(minimal.severity.from_label.has_value());
  EXPECT_TRUE(minimal.resolve.when_alerts_resolved);
  EXPECT_TRUE(minimal.continue_matching);
  EXPECT_TRUE(minimal.receivers.empty());
  EXPECT_EQ(minimal.location.line, 17);
}

TEST(RulesFileTest, ReportsEveryErrorOfAFileAtOnce) {
  TempDir dir;
  std::string rules = dir.Write("rules.yml", R"(rules:
  - name: r1
    match: ['service="a"', 'sev~"x"']
    group_by: [service, 1bad]
    trigger: {min_alerts: 0, within: 5x}
    severity: {default: SEV9}
    receivers: [nope]
    frobnicate: true
)");
  std::string receivers = dir.Write("receivers.yml", kReceiversYaml);
  LoadResult r = CheckPaths({rules, receivers});
  const std::string f = rules + ":";
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(f + "3:28: match[1]: " + MatcherError("sev~\"x\""),
                          f + "4:25: group_by[1]: \"1bad\" is not a valid label name",
                          f + "5:27: trigger.min_alerts: must be at least 1, got 0",
                          f + "5:38: trigger.within: " + DurationError("5x"),
                          f + "6:25: severity.default: expected a severity SEV1..SEV5, got "
                              "\"SEV9\"",
                          f + "7:17: unknown receiver \"nope\"",
                          f + "8:5: unknown key \"frobnicate\" (valid: name, type, match, "
                              "group_by, trigger, dedup_window, severity, owner, title, summary, "
                              "runbook, receivers, resolve, continue, interval)"));
}

TEST(RulesFileTest, ReportsWrongTypes) {
  TempDir dir;
  std::string rules = dir.Write("rules.yml", R"(rules:
  - name: r1
    match: {service: checkout}
    trigger: {min_alerts: abc}
    continue: maybe
    group_by: service
    owner: [payments]
    title: {text: x}
)");
  LoadResult r = CheckPaths({rules});
  const std::string f = rules + ":";
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(f + "3:12: match: expected a list, got a map",
                          f + "4:27: trigger.min_alerts: expected an integer, got \"abc\"",
                          f + "5:15: continue: expected true or false, got \"maybe\"",
                          f + "6:15: group_by: expected a list, got \"service\"",
                          f + "7:12: owner: expected a map, got a list",
                          f + "8:12: title: expected a string, got a map"));
}

TEST(RulesFileTest, RequiresNameAndMatchers) {
  TempDir dir;
  std::string rules = dir.Write("rules.yml", R"(rules:
  - match: ['a="b"']
  - name: no-match
  - name: empty-match
    match: []
  - name: ""
    match: ['a="b"']
)");
  LoadResult r = CheckPaths({rules});
  const std::string f = rules + ":";
  EXPECT_THAT(ErrorStrings(r), ElementsAre(f + "2:5: missing required key \"name\"",
                                           f + "3:5: missing required key \"match\"",
                                           f + "5:12: match: a rule needs at least one matcher",
                                           f + "6:11: name: must not be empty"));
}

TEST(RulesFileTest, ValidatesSeverityFromLabel) {
  TempDir dir;
  std::string rules = dir.Write("rules.yml", R"(rules:
  - name: r1
    match: ['a="b"']
    severity:
      from_label: {label: "not a label", map: {critical: SEV0, warning: SEV3}}
  - name: r2
    match: ['a="b"']
    severity:
      from_label: {label: severity}
)");
  LoadResult r = CheckPaths({rules});
  const std::string f = rules + ":";
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(f + "5:27: severity.from_label.label: \"not a label\" is not a valid "
                              "label name",
                          f + "5:58: severity.from_label.map.critical: expected a severity "
                              "SEV1..SEV5, got \"SEV0\"",
                          f + "9:19: missing required key \"severity.from_label.map\""));
}

TEST(RulesFileTest, ReportsMatcherErrorAtTheMatcherString) {
  TempDir dir;
  std::string rules = dir.Write("rules.yml", R"(rules:
  - name: r1
    match:
      - 'service="checkout"'
      - 'severity=~"("'
)");
  LoadResult r = CheckPaths({rules});
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(rules + ":5:9: match[1]: " + MatcherError("severity=~\"(\"")));
}

TEST(RulesFileTest, RejectsDuplicateRuleNamesAcrossFiles) {
  TempDir dir;
  std::string a = dir.Write("rules/a.yml", "rules:\n  - name: dup\n    match: ['a=\"1\"']\n");
  std::string b = dir.Write("rules/b.yml", "rules:\n  - name: dup\n    match: ['a=\"2\"']\n");
  LoadResult r = CheckPaths({dir.Path("rules")});
  EXPECT_THAT(ErrorStrings(r), ElementsAre(b +
                                           ":2:11: duplicate rule name \"dup\" (first defined "
                                           "at " +
                                           a + ":2:11)"));
  ASSERT_EQ(r.config.rules.size(), 1u);
  EXPECT_EQ(r.config.rules[0].match[0].value(), "1");
}

TEST(RulesFileTest, RejectsDuplicateGroupByAndReceivers) {
  TempDir dir;
  std::string rules = dir.Write("rules.yml", R"(rules:
  - name: r1
    match: ['a="b"']
    group_by: [service, service]
    receivers: [console, console]
)");
  std::string receivers = dir.Write("receivers.yml", kReceiversYaml);
  LoadResult r = CheckPaths({rules, receivers});
  const std::string f = rules + ":";
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(f + "4:25: group_by[1]: label \"service\" is listed twice",
                          f + "5:26: receivers[1]: receiver \"console\" is listed twice"));
}

TEST(RulesFileTest, ReportsNullValuesAndStrayEntries) {
  TempDir dir;
  std::string rules = dir.Write("rules.yml", R"(rules:
  - name:
    match:
  -
  - name: ok
    match: ['a="b"']
)");
  LoadResult r = CheckPaths({rules});
  const std::string f = rules + ":";
  // yaml-cpp marks an empty entry with the position of the token after it (the next "-").
  EXPECT_THAT(ErrorStrings(r), ElementsAre(f + "2:5: name: expected a string, got nothing",
                                           f + "3:5: match: a rule needs at least one matcher",
                                           f + "5:3: rules[1]: expected a map, got nothing"));
  ASSERT_EQ(r.config.rules.size(), 1u);
  EXPECT_EQ(r.config.rules[0].name, "ok");
}

TEST(RulesFileTest, AcceptsEmptyRulesFile) {
  TempDir dir;
  std::string empty = dir.Write("empty.yml", "");
  std::string commented = dir.Write("commented.yml", "# all rules commented out\nrules:\n");
  LoadResult r = CheckPaths({empty, commented});
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_TRUE(r.config.rules.empty());
}

}  // namespace
}  // namespace ab
