// Reading rule test files: the model they produce, and every problem reported with file:line:col.
#include "ruletest/test_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"

namespace ab {
namespace {

using ::ab::testing::TempDir;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kRules =
    "rules:\n"
    "  - name: db\n"
    "    match: ['service=\"db\"']\n";

struct Loaded {
  RuleTestFile file;
  std::vector<std::string> errors;
};

Loaded Load(const TempDir& dir, const std::string& text, const std::string& name = "t.yml") {
  std::string path = dir.Write(name, text);
  std::vector<ConfigError> errors;
  Loaded out{LoadRuleTestFile(path, &errors), {}};
  for (const ConfigError& e : errors) {
    std::string s = e.ToString();
    out.errors.push_back(s.substr(s.find('/', dir.path().size()) + 1));  // "t.yml:3:5: ..."
  }
  return out;
}

TEST(RuleTestFileTest, ReadsInputsAndExpectationsInTimeOrder) {
  TempDir dir;
  Loaded l = Load(dir, std::string(kRules) +
                           "evaluation_interval: 10s\n"
                           "tests:\n"
                           "  - name: t\n"
                           "    start: 2030-05-01T12:00:00Z\n"
                           "    input:\n"
                           "      - at: 6m\n"
                           "        alerts:\n"
                           "          - labels: {service: db, empty: ''}\n"
                           "            annotations: {summary: x}\n"
                           "            status: resolved\n"
                           "            starts_at: -5m\n"
                           "            ends_at: 6m\n"
                           "            generator_url: http://prom/graph\n"
                           "      - at: 0s\n"
                           "        alerts: [{labels: {service: db}}]\n"
                           "    expect:\n"
                           "      - {at: 10m, events: []}\n"
                           "      - at: 1m\n"
                           "        incidents: [{rule: db, severity: SEV2, owner: {team: t}}]\n");
  ASSERT_THAT(l.errors, ElementsAre());
  EXPECT_EQ(l.file.evaluation_interval, seconds(10));
  ASSERT_EQ(l.file.config.rules.size(), 1u);
  ASSERT_EQ(l.file.tests.size(), 1u);
  const RuleTestCase& t = l.file.tests[0];
  EXPECT_EQ(t.start, *ParseRfc3339("2030-05-01T12:00:00Z"));
  EXPECT_EQ(t.end, minutes(10));
  ASSERT_EQ(t.input.size(), 2u);
  EXPECT_EQ(t.input[0].at, minutes(0));
  const TestAlert& a = t.input[1].alerts[0];
  EXPECT_EQ(a.labels, (LabelSet{{"service", "db"}}));  // the empty value is dropped
  EXPECT_EQ(a.annotations.Get("summary"), "x");
  EXPECT_EQ(a.status, AlertStatus::kResolved);
  EXPECT_EQ(a.starts_at, minutes(-5));
  EXPECT_EQ(a.ends_at, minutes(6));
  EXPECT_EQ(a.generator_url, "http://prom/graph");
  EXPECT_EQ(a.source, "alertmanager");
  ASSERT_EQ(t.expect.size(), 2u);
  EXPECT_EQ(t.expect[0].at, minutes(1));
  ASSERT_TRUE(t.expect[0].incidents.has_value());
  EXPECT_FALSE(t.expect[0].events.has_value());
  const Record& inc = (*t.expect[0].incidents)[0];
  ASSERT_EQ(inc.fields.size(), 3u);
  EXPECT_EQ(inc.fields[1].name, "base_severity");  // `severity` is its short name
  EXPECT_EQ(inc.fields[2].name, "owner.team");
  EXPECT_EQ(inc.location.line, 22);
  EXPECT_TRUE(t.expect[1].events.has_value() && t.expect[1].events->empty());
}

TEST(RuleTestFileTest, UnknownKeysAnywhereAreErrorsWithTheirPosition) {
  TempDir dir;
  Loaded l = Load(dir, std::string(kRules) +
                           "tset: 1\n"
                           "tests:\n"
                           "  - name: t\n"
                           "    imput: []\n"
                           "    input:\n"
                           "      - at: 0s\n"
                           "        alerts: [{labels: {a: b}, lables: {}}]\n"
                           "    expect:\n"
                           "      - {at: 1m, incidents: [{rule: db, sate: declared}]}\n"
                           "      - {at: 1m, events: [{type: declared, incidnet: 1}]}\n");
  EXPECT_THAT(
      l.errors,
      ElementsAre(HasSubstr("t.yml:4:1: unknown key \"tset\""),
                  HasSubstr("t.yml:7:5: unknown key \"imput\" (valid: name, start, input, expect)"),
                  HasSubstr("t.yml:10:35: unknown key \"input[0].alerts[0].lables\""),
                  HasSubstr("t.yml:12:41: unknown key \"expect[0].incidents[0].sate\""),
                  HasSubstr("t.yml:13:44: unknown key \"expect[1].events[0].incidnet\"")));
}

TEST(RuleTestFileTest, ReportsBadValues) {
  TempDir dir;
  Loaded l = Load(dir, std::string(kRules) +
                           "tests:\n"
                           "  - name: t\n"
                           "    start: yesterday\n"
                           "    input:\n"
                           "      - at: -1m\n"
                           "        alerts: [{labels: {}, status: pending, starts_at: 5}]\n"
                           "      - at: 1m\n"
                           "        alerts: []\n"
                           "    expect:\n"
                           "      - at: 1m\n"
                           "        incidents:\n"
                           "          - {state: open, severity: SEV1, base_severity: SEV1}\n"
                           "          - {priority: P1, group: {9x: a}, id: 0}\n"
                           "        events: [{incident: 1}, {type: opened}]\n"
                           "      - at: 2m\n");
  EXPECT_THAT(
      l.errors,
      ElementsAre(
          HasSubstr("t.yml:6:12: start: expected an RFC 3339 time"),
          HasSubstr("t.yml:8:13: input[0].at: invalid duration \"-1m\""),
          HasSubstr("t.yml:9:27: input[0].alerts[0].labels: an alert needs at least one label with "
                    "a value"),
          HasSubstr("t.yml:9:39: input[0].alerts[0].status: expected one of firing, resolved"),
          HasSubstr("t.yml:9:59: input[0].alerts[0].starts_at: invalid duration \"5\""),
          HasSubstr("t.yml:11:17: input[1].alerts: list at least one alert"),
          HasSubstr("t.yml:15:21: expect[0].incidents[0].state: unknown incident state \"open\" "
                    "(valid: pending, "
                    "declared, acknowledged, resolved, closed)"),
          HasSubstr("t.yml:15:43: severity and base_severity name the same field"),
          HasSubstr("t.yml:16:24: expect[0].incidents[1].priority: expected a severity SEV1..SEV5"),
          HasSubstr("t.yml:16:36: expect[0].incidents[1].group: \"9x\" is not a valid label name"),
          HasSubstr("t.yml:16:48: expect[0].incidents[1].id: must be at least 1"),
          HasSubstr("t.yml:17:18: missing required key \"expect[0].events[0].type\""),
          HasSubstr("t.yml:17:40: expect[0].events[1].type: unknown event type \"opened\""),
          HasSubstr("t.yml:18:9: an expectation checks incidents:, events: or both")));
}

TEST(RuleTestFileTest, ReportsProblemsOfTheRulesUnderTestAtTheirPositions) {
  TempDir dir;
  dir.Write("rules/bad.yml", "rules:\n  - {name: x, match: ['a=~\"(\"']}\n");
  Loaded l = Load(dir,
                  "rule_files: [rules/bad.yml, rules/missing.yml]\n"
                  "rules:\n"
                  "  - name: x\n"
                  "    match: ['a=\"b\"']\n"
                  "    receivers: [pager]\n"
                  "tests:\n"
                  "  - name: t\n"
                  "    expect: [{at: 0s, incidents: []}]\n");
  EXPECT_THAT(l.errors,
              ElementsAre(HasSubstr("rules/bad.yml:2:23: match[0]: invalid regular expression"),
                          HasSubstr("t.yml:1:29: no such file or folder: "),
                          HasSubstr("t.yml:3:11: duplicate rule name \"x\" (first defined at ")));
}

TEST(RuleTestFileTest, ChecksReceiverNamesOnlyWhenReceiversAreLoaded) {
  TempDir dir;
  std::string rules =
      "rules:\n"
      "  - {name: x, match: ['a=\"b\"'], receivers: [pager]}\n"
      "tests:\n"
      "  - {name: t, expect: [{at: 0s, incidents: []}]}\n";
  EXPECT_THAT(Load(dir, rules).errors, ElementsAre());
  Loaded l = Load(dir, rules + "receivers:\n  - {name: console, type: console}\n");
  EXPECT_THAT(l.errors, ElementsAre(HasSubstr("t.yml:2:45: unknown receiver \"pager\"")));
}

TEST(RuleTestFileTest, AlertsComeThroughConfiguredSources) {
  TempDir dir;
  Loaded l = Load(dir, std::string(kRules) +
                           "sources:\n"
                           "  - {name: grafana, type: webhook, mapping: {labels: {a: /a}}}\n"
                           "tests:\n"
                           "  - name: t\n"
                           "    input:\n"
                           "      - at: 0s\n"
                           "        alerts:\n"
                           "          - {labels: {a: b}, source: grafana}\n"
                           "          - {labels: {a: b}, source: nagios}\n"
                           "    expect: [{at: 0s, incidents: []}]\n");
  EXPECT_THAT(l.errors, ElementsAre(HasSubstr("t.yml:12:38: source: no source named \"nagios\"")));
  ASSERT_EQ(l.file.tests.size(), 1u);
  EXPECT_EQ(l.file.tests[0].input[0].alerts[0].source, "grafana");
}

TEST(RuleTestFileTest, NeedsRulesAndTests) {
  TempDir dir;
  EXPECT_THAT(Load(dir, "tests: []\n").errors,
              ElementsAre(HasSubstr("t.yml:1:1: a test file names its rules"),
                          HasSubstr("t.yml:1:8: tests: list at least one test")));
  EXPECT_THAT(Load(dir, "").errors, ElementsAre(HasSubstr("t.yml:0:0: empty test file")));
  EXPECT_THAT(Load(dir, "rules: [\n").errors, ElementsAre(HasSubstr("invalid YAML")));
  EXPECT_THAT(Load(dir, std::string(kRules) + "tests:\n  - {name: t, expect: []}\n").errors,
              ElementsAre(HasSubstr("t.yml:5:23: expect: a test needs at least one expectation")));
  std::vector<ConfigError> errors;
  LoadRuleTestFile(dir.Path("nope.yml"), &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].ToString(), HasSubstr("nope.yml:0:0: no such file"));
}

TEST(RuleTestFileTest, TestNamesAreUnique) {
  TempDir dir;
  Loaded l = Load(dir, std::string(kRules) +
                           "tests:\n"
                           "  - {name: same, expect: [{at: 0s, incidents: []}]}\n"
                           "  - {name: same, expect: [{at: 0s, incidents: []}]}\n");
  EXPECT_THAT(l.errors, ElementsAre(HasSubstr("t.yml:6:12: name: a second test named \"same\"")));
}

constexpr const char* kRaiseRules =
    "rules:\n"
    "  - name: db\n"
    "    match: ['service=\"db\"']\n"
    "    severity: {raise: [{when: {account_tier: gold}, by: 1}]}\n";

constexpr const char* kOneTest =
    "tests:\n"
    "  - {name: t, expect: [{at: 0s, incidents: []}]}\n";

TEST(RuleTestFileTest, ReadsAnAccountsTableAsAccountsYmlHoldsIt) {
  TempDir dir;
  Loaded l = Load(dir, std::string(kRaiseRules) +
                           "accounts:\n"
                           "  key_label: customer\n"
                           "  tiers: [silver, gold]\n"
                           "  accounts:\n"
                           "    - {name: globex, tier: gold, arr: 1200000, renewal: 2027-01-15}\n"
                           "    - {name: hooli, tier: silver}\n" +
                           kOneTest);
  ASSERT_THAT(l.errors, ElementsAre());
  const AccountTable* accounts = l.file.config.accounts.get();
  ASSERT_NE(accounts, nullptr);
  EXPECT_EQ(accounts->key_label(), "customer");
  EXPECT_EQ(accounts->size(), 2u);
  ASSERT_NE(accounts->Find("globex"), nullptr);
  EXPECT_EQ(accounts->Find("globex")->tier, 1);
  EXPECT_EQ(accounts->Find("globex")->arr, 1'200'000);
  EXPECT_EQ(accounts->Find("globex")->renewal, *ParseRfc3339("2027-01-15T00:00:00Z"));
  // The rules under test see its tiers.
  ASSERT_EQ(l.file.config.rules.size(), 1u);
  EXPECT_EQ(l.file.config.rules[0].severity.raise.at(0).account_tier_rank, 1);
}

TEST(RuleTestFileTest, ReportsProblemsOfTheAccountsTable) {
  TempDir dir;
  EXPECT_THAT(Load(dir, std::string(kRaiseRules) +
                            "accounts:\n"
                            "  key_label: customer\n"
                            "  tiers: [silver]\n"
                            "  accounts: [{name: globex, tier: platinum, renewal: soon}]\n" +
                            kOneTest)
                  .errors,
              ElementsAre(HasSubstr("t.yml:4:46: account_tier: \"gold\" is not a tier of "),
                          HasSubstr("t.yml:8:35: tier: \"platinum\" is not one of tiers"),
                          HasSubstr("t.yml:8:54: renewal: expected a date YYYY-MM-DD")));
  EXPECT_THAT(Load(dir, std::string(kRaiseRules) + "accounts: accounts.yml\n" + kOneTest).errors,
              ElementsAre(HasSubstr("t.yml:4:46: severity.raise: account conditions need an "
                                    "accounts: table in the test file"),
                          HasSubstr("t.yml:5:11: accounts: expected the accounts table itself "
                                    "(key_label:, tiers:, accounts:, as in accounts.yml), got "
                                    "\"accounts.yml\"")));
  EXPECT_THAT(
      Load(dir, std::string(kRules) + "accounts: {key_label: customer, colour: red}\n" + kOneTest)
          .errors,
      ElementsAre(HasSubstr("t.yml:4:11: missing required key \"tiers\""),
                  HasSubstr("t.yml:4:33: unknown key \"colour\" (valid: key_label, tiers, accounts)")));
}

TEST(RuleTestFileTest, ReadsPeoplesActionsAsTimedInputs) {
  TempDir dir;
  Loaded l = Load(dir, std::string(kRules) +
                           "tests:\n"
                           "  - name: t\n"
                           "    input:\n"
                           "      - at: 1m\n"
                           "        actions:\n"
                           "          - {incident: 1, do: ack, actor: alice}\n"
                           "          - {incident: 1, do: assign, team: dba}\n"
                           "          - {incident: 1, do: note, text: hi}\n"
                           "          - {incident: 1, do: severity, priority: SEV1}\n"
                           "          - {incident: 1, do: resolve}\n"
                           "          - {incident: 1, do: close, resolution: fixed, cause: bad "
                           "deploy, runbook_updated: true}\n"
                           "          - {incident: 2, do: reopen}\n"
                           "      - at: 0s\n"
                           "        alerts: [{labels: {service: db}}]\n"
                           "        actions: [{incident: 3, do: assign, commander: carol}]\n"
                           "    expect: [{at: 2m, incidents: []}]\n");
  ASSERT_THAT(l.errors, ElementsAre());
  const RuleTestCase& t = l.file.tests.at(0);
  ASSERT_EQ(t.input.size(), 2u);
  ASSERT_EQ(t.input[0].actions.size(), 1u);  // 0s first: alerts, then its action
  EXPECT_EQ(t.input[0].alerts.size(), 1u);
  const Action& assign = t.input[0].actions[0].action;
  EXPECT_EQ(assign.incident_id, 3);
  EXPECT_EQ(assign.type, ActionType::kAssign);
  EXPECT_EQ(assign.commander, "carol");
  EXPECT_EQ(assign.team, std::nullopt);
  EXPECT_EQ(t.input[0].actions[0].location.line, 18);
  const std::vector<TestAction>& a = t.input[1].actions;
  ASSERT_EQ(a.size(), 7u);
  EXPECT_TRUE(t.input[1].alerts.empty());
  EXPECT_EQ(a[0].action.type, ActionType::kAck);
  EXPECT_EQ(a[0].action.actor, "user:alice");
  EXPECT_EQ(a[1].action.team, "dba");
  EXPECT_EQ(a[1].action.actor, "user:api");  // as the API without an actor
  EXPECT_EQ(a[2].action.type, ActionType::kNote);
  EXPECT_EQ(a[2].action.text, "hi");
  EXPECT_EQ(a[3].action.priority, Severity::SEV1);
  EXPECT_EQ(a[4].action.type, ActionType::kResolve);
  EXPECT_EQ(a[5].action.text, "fixed");
  EXPECT_EQ(a[6].action.type, ActionType::kReopen);
  EXPECT_EQ(a[6].action.incident_id, 2);
}

TEST(RuleTestFileTest, ReportsActionsThatCannotBeDone) {
  TempDir dir;
  Loaded l = Load(dir, std::string(kRules) +
                           "tests:\n"
                           "  - name: t\n"
                           "    input:\n"
                           "      - at: 1m\n"
                           "        actions:\n"
                           "          - {incident: 0, do: ack}\n"
                           "          - {incident: 1, do: escalate}\n"
                           "          - {incident: 1, do: close}\n"
                           "          - {incident: 1, do: ack, text: hi, actor: ''}\n"
                           "          - {incident: 1, do: assign}\n"
                           "          - {incident: 1, do: severity, priority: P1}\n"
                           "          - {do: note, text: ''}\n"
                           "      - at: 2m\n"
                           "      - {at: 3m, actions: []}\n"
                           "    expect: [{at: 2m, incidents: []}]\n");
  EXPECT_THAT(
      l.errors,
      ElementsAre(
          HasSubstr("t.yml:9:24: input[0].actions[0].incident: must be at least 1"),
          HasSubstr("t.yml:10:31: input[0].actions[1].do: expected one of ack, resolve, close, "
                    "reopen, note, assign, severity, got \"escalate\""),
          HasSubstr("t.yml:11:13: missing required key \"input[0].actions[2].resolution\""),
          HasSubstr("t.yml:11:13: missing required key \"input[0].actions[2].cause\""),
          HasSubstr("t.yml:11:13: missing required key \"input[0].actions[2].runbook_updated\""),
          HasSubstr("t.yml:12:36: text: ack does not take it (it takes actor)"),
          HasSubstr("t.yml:12:53: actor: must not be empty"),
          HasSubstr("t.yml:13:13: assign needs team:, commander:, communications: or some of them"),
          HasSubstr("t.yml:14:51: input[0].actions[5].priority: expected a severity SEV1..SEV5"),
          HasSubstr("t.yml:15:13: missing required key \"input[0].actions[6].incident\""),
          HasSubstr("t.yml:15:30: input[0].actions[6].text: must not be empty"),
          HasSubstr("t.yml:16:9: an input needs alerts:, actions:, restart: true or some of them"),
          HasSubstr("t.yml:17:27: input[2].actions: list at least one action")));
  EXPECT_TRUE(l.file.tests.at(0).input.at(0).actions.empty());
}

TEST(RuleTestFileTest, BoundsTheNumberOfEvaluationSteps) {
  TempDir dir;
  std::string tests =
      "tests:\n"
      "  - {name: long, expect: [{at: 30d, incidents: []}]}\n";
  EXPECT_THAT(Load(dir, std::string(kRules) + tests).errors,
              ElementsAre(HasSubstr("t.yml:5:5: test spans 4w2d, more than 1000000 steps of "
                                    "evaluation_interval 1s; raise evaluation_interval")));
  EXPECT_THAT(Load(dir, std::string(kRules) + "evaluation_interval: 1m\n" + tests).errors,
              ElementsAre());
}

}  // namespace
}  // namespace ab
