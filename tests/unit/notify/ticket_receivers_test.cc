// receivers/*.yml entries of the ticket types: jira, github, servicenow.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "config/config.h"
#include "notify/github/github_settings.h"
#include "notify/jira/jira_settings.h"
#include "notify/servicenow/servicenow_settings.h"

namespace ab {
namespace {

using ::ab::testing::ErrorStrings;
using ::ab::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(TicketReceivers, ParsesJiraWithEveryKey) {
  TempDir dir;
  std::string file = dir.Write("r.yml", R"(receivers:
  - name: jira-ops
    type: jira
    url: https://acme.atlassian.net
    flavor: cloud
    auth: {basic: {user: env:JIRA_USER, password: env:JIRA_TOKEN}}
    project: OPS
    issue_type: Incident
    priority_map: {SEV1: Blocker, SEV5: ""}
    labels: [alertbridge, team-payments]
    custom_fields:
      customfield_10010: {value: Production}
      customfield_10011: 3
      customfield_10012: "3"
    transitions: {resolve: Resolve Issue, reopen: Reopen Issue}
    resolution: Fixed
    reopen: {reopened: comment, recurrence: reopen, keep_closed: [Duplicate]}
    templates: {title: "[{{severity}}] {{title}}"}
)");
  LoadResult r = CheckPaths({file});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  const JiraSettings* s = r.config.receivers[0].Settings<JiraSettings>();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(r.config.receivers[0].url.ref(), "https://acme.atlassian.net");
  EXPECT_EQ(s->flavor, JiraSettings::Flavor::kCloud);
  EXPECT_EQ(s->auth.kind, TicketAuth::Kind::kBasic);
  EXPECT_EQ(s->auth.user.ref(), "env:JIRA_USER");
  EXPECT_EQ(s->auth.password.ref(), "env:JIRA_TOKEN");
  EXPECT_EQ(s->project, "OPS");
  EXPECT_EQ(s->issue_type, "Incident");
  EXPECT_EQ(s->priorities.at(Severity::SEV1), "Blocker");
  EXPECT_EQ(s->priorities.at(Severity::SEV2), "High");  // default kept
  EXPECT_EQ(s->priorities.at(Severity::SEV5), "");      // no priority sent
  EXPECT_THAT(s->labels, ElementsAre("alertbridge", "team-payments"));
  EXPECT_EQ(s->custom_fields, nlohmann::json({{"customfield_10010", {{"value", "Production"}}},
                                              {"customfield_10011", 3},
                                              {"customfield_10012", "3"}}));
  EXPECT_EQ(s->resolve_transition, "Resolve Issue");
  EXPECT_EQ(s->reopen_transition, "Reopen Issue");
  EXPECT_EQ(s->resolution, "Fixed");
  EXPECT_EQ(s->reopen.reopened, ReopenAction::kComment);
  EXPECT_EQ(s->reopen.recurrence, ReopenAction::kReopen);
  EXPECT_THAT(s->reopen.keep_closed, ElementsAre("Duplicate"));
  EXPECT_EQ(r.config.receivers[0].templates.at("title"), "[{{severity}}] {{title}}");
}

TEST(TicketReceivers, JiraDefaults) {
  TempDir dir;
  std::string file = dir.Write("r.yml", R"(receivers:
  - {name: j, type: jira, url: env:JIRA_URL, auth: {bearer: file:/run/pat}, project: OPS,
     issue_type: Task, flavor: datacenter}
)");
  LoadResult r = CheckPaths({file});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  const JiraSettings* s = r.config.receivers[0].Settings<JiraSettings>();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->flavor, JiraSettings::Flavor::kDataCenter);
  EXPECT_EQ(s->auth.kind, TicketAuth::Kind::kBearer);
  EXPECT_EQ(s->auth.token.ref(), "file:/run/pat");
  EXPECT_EQ(s->priorities.at(Severity::SEV3), "Medium");
  EXPECT_EQ(s->resolve_transition, "Done");
  EXPECT_EQ(s->reopen_transition, "Reopen");
  EXPECT_EQ(s->reopen.reopened, ReopenAction::kReopen);
  EXPECT_EQ(s->reopen.recurrence, ReopenAction::kNew);
  EXPECT_THAT(s->reopen.keep_closed, ElementsAre("Won't Do", "Won't Fix", "Duplicate"));
}

TEST(TicketReceivers, ReportsEveryJiraProblemAtOnce) {
  TempDir dir;
  std::string file = dir.Write("r.yml", R"(receivers:
  - name: j
    type: jira
    url: ftp://jira
    flavor: server
    auth: {basic: {user: env:U}, bearer: env:T}
    project: "OPS TEAM"
    priority_map: {SEV9: High, SEV1: [High]}
    labels: [has space, ok]
    custom_fields: {summary: x}
    transitions: {resolve: "", close: Done}
    reopen: {reopened: maybe, keep_closed: nope}
    templates: {comment: "x"}
    colour: blue
)");
  const std::string f = file + ":";
  EXPECT_THAT(
      ErrorStrings(CheckPaths({file})),
      ElementsAre(
          f + "2:5: missing required key \"issue_type\"",
          f + "4:10: url: expected an http:// or https:// URL, env:NAME or file:/path",
          f + "5:13: flavor: expected one of cloud, datacenter, got \"server\"",
          f + "6:34: auth: basic and bearer are exclusive; choose one",
          f + "7:14: project: expected a project key (letters, digits, _), got \"OPS TEAM\"",
          f + "8:20: priority_map.SEV9: expected a severity SEV1..SEV5 as key",
          f + "8:38: priority_map.SEV1: expected a string, got a list",
          f + "9:14: labels[0]: \"has space\" must not contain spaces or commas (labels are "
              "single words)",
          f + "10:21: custom_fields.summary: expected a field id like customfield_10010",
          f + "11:28: transitions.resolve: must not be empty",
          f + "11:32: unknown key \"transitions.close\" (valid: resolve, reopen)",
          f + "12:24: reopen.reopened: expected one of reopen, new, comment, got \"maybe\"",
          f + "12:44: reopen.keep_closed: expected a list, got \"nope\"",
          f + "13:17: templates: unknown template \"comment\" for type jira (valid: title, "
              "body)",
          f + "14:5: unknown key \"colour\" (valid: name, type, events, retry, timeout, "
              "concurrency, rate_limit, circuit_breaker, "
              "templates, attach_review, url, flavor, auth, project, issue_type, priority_map, labels, "
              "custom_fields, transitions, resolution, reopen)"));
}

TEST(TicketReceivers, ParsesGitHubWithTheApiHostByDefault) {
  TempDir dir;
  std::string file = dir.Write("r.yml", R"(receivers:
  - name: gh
    type: github
    repository: acme/ops-incidents
    token: env:GITHUB_TOKEN
    labels: [incident]
    reopen: {keep_closed: [not_planned]}
  - name: ghe
    type: github
    base_url: https://ghe.example/api/v3
    repository: acme/ops
    token: file:/run/secrets/ghe
)");
  LoadResult r = CheckPaths({file});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  const GitHubSettings* s = r.config.receivers[0].Settings<GitHubSettings>();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(r.config.receivers[0].url.ref(), "https://api.github.com");
  EXPECT_EQ(s->owner, "acme");
  EXPECT_EQ(s->repo, "ops-incidents");
  EXPECT_EQ(s->token.ref(), "env:GITHUB_TOKEN");
  EXPECT_THAT(s->labels, ElementsAre("incident"));
  EXPECT_THAT(s->reopen.keep_closed, ElementsAre("not_planned"));
  // Creates are paced by the delivery rate limit: one request a second, one at a time.
  ASSERT_TRUE(r.config.receivers[0].delivery.rate_limit.has_value());
  EXPECT_DOUBLE_EQ(r.config.receivers[0].delivery.rate_limit->per_second, 1.0);
  EXPECT_EQ(r.config.receivers[0].delivery.concurrency, 1);
  EXPECT_EQ(r.config.receivers[1].url.ref(), "https://ghe.example/api/v3");
  EXPECT_THAT(r.config.receivers[1].Settings<GitHubSettings>()->reopen.keep_closed,
              ElementsAre("not_planned", "duplicate"));
}

TEST(TicketReceivers, ReportsGitHubProblemsWithoutEchoingSecrets) {
  TempDir dir;
  std::string file = dir.Write("r.yml", R"(receivers:
  - name: gh
    type: github
    repository: acme
    token: [ghp_not_a_string]
    labels: [a-label-that-is-far-longer-than-fifty-characters-which-github-refuses]
  - name: gh2
    type: github
    repository: acme/ops
)");
  const std::string f = file + ":";
  const std::vector<std::string> errors = ErrorStrings(CheckPaths({file}));
  EXPECT_THAT(errors,
              ElementsAre(f + "4:17: repository: expected owner/name, got \"acme\"",
                          f + "5:12: token: expected a string (env:NAME, file:/path or a value), "
                              "got a list",
                          f + "6:14: labels[0]: longer than 50 characters",
                          f + "7:5: missing required key \"token\""));
  for (const std::string& e : errors) EXPECT_THAT(e, Not(HasSubstr("ghp_")));
}

TEST(TicketReceivers, LiteralSecretsAreNeverEchoed) {
  TempDir dir;
  std::string file = dir.Write("r.yml", R"(receivers:
  - name: snow
    type: servicenow
    url: https://acme.service-now.com
    auth: {basic: {user: admin, password: "hunter2-literal"}, bearer: "tok-literal"}
  - name: j
    type: jira
    url: https://acme.atlassian.net
    auth: {basic: {user: admin, password: "pw-literal", extra: "x-literal"}}
    project: OPS
    issue_type: Task
)");
  const std::vector<std::string> errors = ErrorStrings(CheckPaths({file}));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors[0], HasSubstr("auth: basic and bearer are exclusive"));
  EXPECT_THAT(errors[1], HasSubstr("unknown key \"auth.basic.extra\""));
  for (const std::string& e : errors) {
    EXPECT_THAT(e, Not(HasSubstr("literal")));
  }
}

TEST(TicketReceivers, TheExampleFileChecksClean) {
  LoadResult r =
      CheckPaths({std::string(ALERTBRIDGE_SOURCE_DIR) + "/examples/receivers/tickets.yml"});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  ASSERT_EQ(r.config.receivers.size(), 3u);
  EXPECT_EQ(r.config.receivers[0].type, "jira");
  EXPECT_EQ(r.config.receivers[1].type, "github");
  EXPECT_EQ(r.config.receivers[2].type, "servicenow");
}

TEST(TicketReceivers, ParsesServiceNow) {
  TempDir dir;
  std::string file = dir.Write("r.yml", R"(receivers:
  - name: snow
    type: servicenow
    url: https://acme.service-now.com
    auth: {basic: {user: env:SNOW_USER, password: env:SNOW_PASSWORD}}
    priority_map: {SEV3: {urgency: 1, impact: 3}}
    assignment_group: Network
    caller_id: alertbridge.bot
    category: network
    close_code: Solved (Permanently)
    reopen: {recurrence: comment}
)");
  LoadResult r = CheckPaths({file});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  const ServiceNowSettings* s = r.config.receivers[0].Settings<ServiceNowSettings>();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->auth.kind, TicketAuth::Kind::kBasic);
  EXPECT_EQ(s->levels.at(Severity::SEV3), (ServiceNowSettings::Levels{1, 3}));
  EXPECT_EQ(s->levels.at(Severity::SEV1), (ServiceNowSettings::Levels{1, 1}));
  EXPECT_EQ(s->levels.at(Severity::SEV5), (ServiceNowSettings::Levels{3, 3}));
  EXPECT_EQ(s->assignment_group, "Network");
  EXPECT_EQ(s->caller_id, "alertbridge.bot");
  EXPECT_EQ(s->category, "network");
  EXPECT_EQ(s->close_code, "Solved (Permanently)");
  EXPECT_EQ(s->reopen.recurrence, ReopenAction::kComment);
  EXPECT_THAT(s->reopen.keep_closed, ElementsAre("Duplicate", "Canceled"));
}

TEST(TicketReceivers, ReportsServiceNowProblems) {
  TempDir dir;
  std::string file = dir.Write("r.yml", R"(receivers:
  - name: snow
    type: servicenow
    url: https://acme.service-now.com
    auth: {}
    priority_map: {SEV1: {urgency: 0, impact: 4}, SEV2: {urgency: 1}}
    close_code: ""
)");
  const std::string f = file + ":";
  EXPECT_THAT(ErrorStrings(CheckPaths({file})),
              ElementsAre(f + "5:11: auth: expected basic: {user, password} or bearer: <token>",
                          f + "6:36: priority_map.SEV1.urgency: must be between 1 and 3, got 0",
                          f + "6:47: priority_map.SEV1.impact: must be between 1 and 3, got 4",
                          f + "6:57: missing required key \"priority_map.SEV2.impact\"",
                          f + "7:17: close_code: must not be empty"));
}

}  // namespace
}  // namespace ab
