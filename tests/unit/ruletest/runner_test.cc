// Running rule tests: the clock, what expectations see, the report and the exit codes.
#include "ruletest/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "../config/config_test_util.h"

namespace ab {
namespace {

using ::ab::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

Outcome RunFiles(const std::vector<std::string>& paths) {
  std::ostringstream out, err;
  Outcome r;
  r.code = RunRuleTestFiles(paths, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// One rule with a 1m hold, one test with the given expectations after an alert at 0s.
std::string HoldTest(const std::string& expect, const std::string& extra = "") {
  return "rules:\n"
         "  - name: db\n"
         "    match: ['service=\"db\"']\n"
         "    group_by: [service]\n"
         "    trigger: {for: 1m}\n"
         "    severity: {default: SEV2}\n"
         "    title: '{{group.service}} is down'\n" +
         extra +
         "tests:\n"
         "  - name: hold\n"
         "    input:\n"
         "      - at: 0s\n"
         "        alerts: [{labels: {alertname: Down, service: db}}]\n"
         "    expect:\n" +
         expect;
}

TEST(RuleTestRunnerTest, PassingFileExitsZero) {
  TempDir dir;
  std::string f =
      dir.Write("ok.yml", HoldTest("      - {at: 59s, incidents: [{state: pending}]}\n"
                                   "      - at: 1m\n"
                                   "        incidents:\n"
                                   "          - {rule: db, group: {service: db},\n"
                                   "             state: declared, severity: SEV2,\n"
                                   "             title: db is down, occurrence: 1}\n"
                                   "        events: [{type: declared, incident: 1}]\n"));
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsPassed) << r.out << r.err;
  EXPECT_EQ(r.out, "Unit Testing: " + f + "\n  SUCCESS (1 test)\n\n");
  EXPECT_EQ(r.err, "");
}

TEST(RuleTestRunnerTest, FailingExpectationShowsExpectedAndGotAndExitsOne) {
  TempDir dir;
  std::string f = dir.Write("bad.yml", HoldTest("      - at: 30s\n"
                                                "        incidents: [{state: declared}]\n"));
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsFailed);
  EXPECT_THAT(r.out, HasSubstr("  FAILED (1 of 1 test):\n"
                               "    test \"hold\" at 30s (" +
                               f +
                               ":14:9): incidents differ\n"
                               "      exp:\n"
                               "        - {state: declared}\n"
                               "      got:\n"
                               "        - {id: 1, key: \"ab-"));
  EXPECT_THAT(r.out, HasSubstr("rule: \"db\", group: {service: \"db\"}, occurrence: 1, "
                               "state: pending, base_severity: SEV2, priority: SEV2, "
                               "alerts_firing: 1, alerts_total: 1}\n"
                               "      no incident matches exp[0] (" +
                               f + ":15:21)\n"));
}

TEST(RuleTestRunnerTest, EventsAreThoseOfExactlyThatMoment) {
  TempDir dir;
  // The declaration happens at 1m: at 1m1s no event is new.
  std::string f = dir.Write("t.yml", HoldTest("      - {at: 1m1s, events: [{type: declared}]}\n"));
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsFailed);
  EXPECT_THAT(r.out, HasSubstr("events differ\n"
                               "      exp:\n"
                               "        - {type: declared}\n"
                               "      got: []\n"));
}

TEST(RuleTestRunnerTest, CountsMustMatchToo) {
  TempDir dir;
  std::string f = dir.Write("t.yml", HoldTest("      - {at: 1m, incidents: []}\n"));
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsFailed);
  EXPECT_THAT(r.out, HasSubstr("      exp: []\n      got:\n"));
  EXPECT_THAT(r.out, HasSubstr("      1 incident, expected 0\n"));
}

TEST(RuleTestRunnerTest, TheClockTicksAtEveryEvaluationInterval) {
  TempDir dir;
  // With 30s steps, a 1m hold that starts at 0s is seen at the 1m step; with 45s steps at 1m30s.
  std::string ok = dir.Write("a.yml", HoldTest("      - {at: 1m, events: [{type: declared}]}\n",
                                               "evaluation_interval: 30s\n"));
  EXPECT_EQ(RunFiles({ok}).code, kTestsPassed);
  std::string late =
      dir.Write("b.yml", HoldTest("      - {at: 1m, incidents: [{state: pending}]}\n"
                                  "      - {at: 1m30s, events: [{type: declared}]}\n",
                                  "evaluation_interval: 45s\n"));
  Outcome r = RunFiles({late});
  EXPECT_EQ(r.code, kTestsPassed) << r.out;
}

TEST(RuleTestRunnerTest, InputIsIngestedBeforeTheTickAndCheckedAfterIt) {
  TempDir dir;
  std::string f = dir.Write("t.yml",
                            "rules:\n"
                            "  - {name: r, match: ['a=\"b\"'], resolve: {after: 0s}}\n"
                            "tests:\n"
                            "  - name: t\n"
                            "    input:\n"
                            "      - {at: 0s, alerts: [{labels: {a: b}}]}\n"
                            "      - {at: 2m, alerts: [{labels: {a: b}, status: resolved}]}\n"
                            "    expect:\n"
                            "      - at: 0s\n"
                            "        incidents: [{state: declared}]\n"
                            "        events: [{type: declared}]\n"
                            "      - at: 2m\n"
                            "        incidents: [{state: resolved}]\n"
                            "        events: [{type: alert_resolved}, {type: resolved}]\n");
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsPassed) << r.out;
}

TEST(RuleTestRunnerTest, ALooseExpectationDoesNotStealTheRecordAStrictOneNeeds) {
  TempDir dir;
  std::string f = dir.Write("t.yml",
                            "rules:\n"
                            "  - {name: r, match: ['a=\"b\"'], group_by: [x]}\n"
                            "tests:\n"
                            "  - name: t\n"
                            "    input:\n"
                            "      - at: 0s\n"
                            "        alerts: [{labels: {a: b, x: '1'}}, {labels: {a: b, x: '2'}}]\n"
                            "    expect:\n"
                            "      - at: 0s\n"
                            "        incidents: [{rule: r}, {rule: r, group: {x: '1'}}]\n");
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsPassed) << r.out;
}

TEST(RuleTestRunnerTest, ConfigErrorsExitTwoButOtherFilesStillRun) {
  TempDir dir;
  std::string bad =
      dir.Write("bad.yml", HoldTest("      - {at: 1m, incidents: [], colour: red}\n"));
  std::string failing = dir.Write("fail.yml", HoldTest("      - {at: 1m, incidents: []}\n"));
  Outcome r = RunFiles({bad, failing});
  EXPECT_EQ(r.code, kTestsUnusable);
  EXPECT_THAT(r.err, HasSubstr(bad + ":14:33: unknown key \"expect[0].colour\""));
  EXPECT_THAT(r.out, HasSubstr("Unit Testing: " + bad +
                               "\n  FAILED: 1 error in the test file or the rules it names"));
  EXPECT_THAT(r.out, HasSubstr("Unit Testing: " + failing + "\n  FAILED (1 of 1 test):"));
}

TEST(RuleTestRunnerTest, NoFilesIsAUsageError) {
  Outcome r = RunFiles({});
  EXPECT_EQ(r.code, kTestsUnusable);
  EXPECT_THAT(r.err, HasSubstr("name at least one test file"));
  EXPECT_THAT(r.out, Not(HasSubstr("SUCCESS")));
}

TEST(RuleTestRunnerTest, AFileWithOnlyPassingTestsAmongFailingOnesCountsThem) {
  TempDir dir;
  std::string f = dir.Write("t.yml",
                            "rules:\n"
                            "  - {name: r, match: ['a=\"b\"']}\n"
                            "tests:\n"
                            "  - name: good\n"
                            "    input: [{at: 0s, alerts: [{labels: {a: b}}]}]\n"
                            "    expect: [{at: 0s, incidents: [{state: declared}]}]\n"
                            "  - name: bad\n"
                            "    input: [{at: 0s, alerts: [{labels: {a: b}}]}]\n"
                            "    expect: [{at: 0s, incidents: [{state: resolved}]}]\n");
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsFailed);
  EXPECT_THAT(r.out, HasSubstr("FAILED (1 of 2 tests):\n    test \"bad\" at 0s"));
  EXPECT_THAT(r.out, Not(HasSubstr("test \"good\"")));
}

TEST(RuleTestRunnerTest, ActionsRunAfterTheInputsAlertsAndBeforeTheTick) {
  TempDir dir;
  std::string f = dir.Write("t.yml",
                            "rules:\n"
                            "  - {name: r, match: ['a=\"b\"'], resolve: {after: 1m}}\n"
                            "tests:\n"
                            "  - name: t\n"
                            "    input:\n"
                            "      - at: 0s\n"
                            "        alerts: [{labels: {a: b}}]\n"
                            "        actions: [{incident: 1, do: ack, actor: alice}]\n"
                            "      - {at: 1m, actions: [{incident: 1, do: resolve, actor: bob}]}\n"
                            "    expect:\n"
                            "      - at: 0s\n"
                            "        incidents: [{state: acknowledged}]\n"
                            "        events: [{type: declared, actor: 'rule:r'},\n"
                            "                 {type: acknowledged, actor: 'user:alice'}]\n"
                            "      - at: 1m\n"
                            "        incidents: [{state: resolved, alerts_firing: 1}]\n"
                            "        events: [{type: resolved, actor: 'user:bob'}]\n");
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsPassed) << r.out << r.err;
}

TEST(RuleTestRunnerTest, AnActionTheEngineRefusesFailsTheTest) {
  TempDir dir;
  std::string f = dir.Write(
      "t.yml",
      "rules:\n"
      "  - {name: r, match: ['a=\"b\"']}\n"
      "tests:\n"
      "  - name: t\n"
      "    input:\n"
      "      - at: 0s\n"
      "        alerts: [{labels: {a: b}, status: resolved}]\n"
      "      - at: 1m\n"
      "        alerts: [{labels: {a: b}}]\n"
      "        actions:\n"
      "          - {incident: 1, do: close, resolution: done, cause: c, runbook_updated: false}\n"
      "          - {incident: 1, do: resolve}\n"
      "          - {incident: 1, do: close, resolution: done, cause: c, runbook_updated: false}\n"
      "          - {incident: 1, do: ack}\n"
      "    expect: [{at: 1m, incidents: [{state: closed}]}]\n");
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsFailed) << r.out;
  EXPECT_THAT(
      r.out,
      HasSubstr("  FAILED (1 of 1 test):\n"
                "    test \"t\" at 1m (" +
                f +
                ":11:13): action close refused: cannot close incident 1: it is open; "
                "resolve it first\n"
                "    test \"t\" at 1m (" +
                f + ":14:13): action ack refused: cannot acknowledge incident 1: it is closed\n"));
  // The expectation itself held: resolve and the second close went through.
  EXPECT_THAT(r.out, Not(HasSubstr("incidents differ")));
}

TEST(RuleTestRunnerTest, ActsOnAnOlderOccurrenceOfTheGroup) {
  TempDir dir;
  std::string f =
      dir.Write("t.yml",
                "rules:\n"
                "  - {name: r, match: ['a=\"b\"']}\n"
                "tests:\n"
                "  - name: t\n"
                "    input:\n"
                "      - {at: 0s, alerts: [{labels: {a: b}}]}\n"
                "      - {at: 1m, alerts: [{labels: {a: b}, status: resolved}]}\n"
                "      - {at: 2m, alerts: [{labels: {a: b}}]}\n"
                "      - {at: 3m, actions: [{incident: 1, do: close, resolution: x, cause: c, "
                "runbook_updated: true}]}\n"
                "    expect:\n"
                "      - at: 3m\n"
                "        incidents: [{id: 1, state: closed}, {id: 2, state: declared}]\n"
                "        events: [{type: closed, incident: 1}]\n");
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsPassed) << r.out << r.err;
}

TEST(RuleTestRunnerTest, AlertsGoStaleByTheirSource) {
  TempDir dir;
  std::string f = dir.Write("t.yml",
                            "rules:\n"
                            "  - {name: r, match: ['a=\"b\"']}\n"
                            "sources:\n"
                            "  - {name: hook, type: webhook, mapping: {labels: {a: /a}},\n"
                            "     stale_after: 2m}\n"
                            "tests:\n"
                            "  - name: t\n"
                            "    input:\n"
                            "      - at: 0s\n"
                            "        alerts:\n"
                            "          - {labels: {a: b, n: '1'}, source: hook}\n"
                            "          - {labels: {a: b, n: '2'}, ends_at: 3m}\n"
                            "          - {labels: {a: b, n: '3'}}\n"
                            "    expect:\n"
                            "      - {at: 1m59s, incidents: [{alerts_firing: 3}], events: []}\n"
                            "      - {at: 2m, incidents: [{alerts_firing: 2}],\n"
                            "         events: [{type: alert_stale}]}\n"
                            "      - {at: 3m, incidents: [{alerts_firing: 1}],\n"
                            "         events: [{type: alert_stale}]}\n"
                            "      - {at: 8h59m59s, incidents: [{state: declared}]}\n"
                            "      - {at: 9h, incidents: [{state: resolved}],\n"
                            "         events: [{type: alert_stale}, {type: resolved}]}\n");
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsPassed) << r.out << r.err;
}

// A generic webhook alert goes stale by its source's stale_after even when its mapping gives an
// ends_at, exactly as `serve` decides it (one decision, in ingest): only API v2 alerts go stale at
// their endsAt.
TEST(RuleTestRunnerTest, AGenericWebhookAlertWithAnEndsAtGoesStaleByStaleAfterAsInServe) {
  TempDir dir;
  std::string f = dir.Write("t.yml",
                            "rules:\n"
                            "  - {name: r, match: ['a=\"b\"']}\n"
                            "sources:\n"
                            "  - {name: hook, type: webhook, mapping: {labels: {a: /a}},\n"
                            "     stale_after: 10m}\n"
                            "tests:\n"
                            "  - name: t\n"
                            "    input:\n"
                            "      - at: 0s\n"
                            "        alerts:\n"
                            "          - {labels: {a: b}, source: hook, ends_at: 1m}\n"
                            "    expect:\n"
                            "      - {at: 9m59s, incidents: [{alerts_firing: 1}], events: []}\n"
                            "      - {at: 10m, incidents: [{alerts_firing: 0}],\n"
                            "         events: [{type: alert_stale}, {type: resolved}]}\n");
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsPassed) << r.out << r.err;
}

TEST(RuleTestRunnerTest, RulesSeeTheTestsAccounts) {
  TempDir dir;
  std::string f = dir.Write("t.yml",
                            "rules:\n"
                            "  - name: r\n"
                            "    match: ['a=\"b\"']\n"
                            "    severity: {raise: [{when: {account_arr_over: 100}, to: SEV1}]}\n"
                            "accounts:\n"
                            "  key_label: customer\n"
                            "  tiers: [any]\n"
                            "  accounts: [{name: big, tier: any, arr: 101},\n"
                            "             {name: small, tier: any, arr: 100}]\n"
                            "tests:\n"
                            "  - name: t\n"
                            "    input:\n"
                            "      - {at: 0s, alerts: [{labels: {a: b, customer: small}}]}\n"
                            "      - {at: 1m, alerts: [{labels: {a: b, customer: big}}]}\n"
                            "    expect:\n"
                            "      - {at: 0s, incidents: [{severity: SEV3, priority: SEV3}]}\n"
                            "      - at: 1m\n"
                            "        incidents: [{severity: SEV3, priority: SEV1}]\n"
                            "        events: [{type: alert_added},\n"
                            "                 {type: severity_changed, details: {to: SEV1}}]\n");
  Outcome r = RunFiles({f});
  EXPECT_EQ(r.code, kTestsPassed) << r.out << r.err;
}

TEST(RuleTestRunnerTest, CheckReadsATestFileWithoutRunningIt) {
  TempDir dir;
  // Its expectation is wrong, which only running finds.
  RuleTestCheck ok =
      CheckRuleTestFile(dir.Write("ok.yml", HoldTest("      - {at: 1m, incidents: []}\n")));
  EXPECT_THAT(ok.errors, ::testing::IsEmpty());
  EXPECT_EQ(ok.tests, 1u);
  std::string bad =
      dir.Write("bad.yml", HoldTest("      - {at: 1m, incidents: [], colour: red}\n"));
  RuleTestCheck checked = CheckRuleTestFile(bad);
  ASSERT_EQ(checked.errors.size(), 1u);
  EXPECT_EQ(checked.errors[0].ToString(),
            bad + ":14:33: unknown key \"expect[0].colour\" (valid: at, incidents, events)");
}

}  // namespace
}  // namespace ab
