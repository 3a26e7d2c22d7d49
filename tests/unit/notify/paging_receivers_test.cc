// Config of the paging and chat receiver types (slack, teams, pagerduty, opsgenie) and of the
// `templates:` key every type shares.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "config/config.h"
#include "notify/opsgenie/opsgenie_settings.h"
#include "notify/pagerduty/pagerduty_settings.h"

namespace ab {
namespace {

using ::ab::testing::ErrorStrings;
using ::ab::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(PagingReceivers, ParsesEachTypeWithItsSettings) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: slack-incidents
    type: slack
    url: env:SLACK_WEBHOOK_URL
    templates:
      title: "{{severity}} {{title}}"
      text: |
        *{{event.verb}}* {{#link}}<{{link}}|open>{{/link}}
  - name: teams-ops
    type: teams
    url: file:/run/secrets/teams-url
  - name: pd-payments
    type: pagerduty
    routing_key: env:PD_ROUTING_KEY
    severity_map: {SEV4: info, SEV1: critical}
    source: payments-prod
    templates: {summary: "{{title}}"}
  - name: pd-default
    type: pagerduty
    routing_key: env:PD_KEY2
  - name: jsm
    type: opsgenie
    api_key: env:JSM_KEY
    base_url: https://api.atlassian.com/jsm/ops/integration
    priority_map: {SEV2: P1}
    tags: [alertbridge, payments]
    responders: [{type: team, name: payments}, {type: user, name: alice@example.com}]
)");
  LoadResult r = CheckPaths({file});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  ASSERT_EQ(r.config.receivers.size(), 5u);

  const ReceiverConfig& slack = r.config.receivers[0];
  EXPECT_EQ(slack.url.ref(), "env:SLACK_WEBHOOK_URL");
  EXPECT_EQ(slack.templates.at("title"), "{{severity}} {{title}}");
  EXPECT_EQ(slack.templates.at("text"), "*{{event.verb}}* {{#link}}<{{link}}|open>{{/link}}\n");
  EXPECT_EQ(r.config.receivers[1].url.ref(), "file:/run/secrets/teams-url");

  const ReceiverConfig& pd = r.config.receivers[2];
  const auto* pds = pd.Settings<PagerDutySettings>();
  ASSERT_NE(pds, nullptr);
  EXPECT_EQ(pds->routing_key.ref(), "env:PD_ROUTING_KEY");
  EXPECT_EQ(pd.url.ref(), "https://events.pagerduty.com");
  EXPECT_EQ(pds->severity,
            (std::array<std::string, 5>{"critical", "error", "warning", "info", "info"}));
  EXPECT_EQ(pds->source, "payments-prod");
  EXPECT_EQ(pd.templates.at("summary"), "{{title}}");
  const auto* pd2 = r.config.receivers[3].Settings<PagerDutySettings>();
  ASSERT_NE(pd2, nullptr);
  EXPECT_EQ(pd2->severity,
            (std::array<std::string, 5>{"critical", "error", "warning", "warning", "info"}));
  EXPECT_EQ(pd2->source, "alertbridge");

  const ReceiverConfig& jsm = r.config.receivers[4];
  const auto* og = jsm.Settings<OpsgenieSettings>();
  ASSERT_NE(og, nullptr);
  EXPECT_EQ(jsm.url.ref(), "https://api.atlassian.com/jsm/ops/integration");
  EXPECT_EQ(og->api_key.ref(), "env:JSM_KEY");
  EXPECT_EQ(og->priority, (std::array<std::string, 5>{"P1", "P1", "P3", "P4", "P5"}));
  EXPECT_EQ(og->tags, (std::vector<std::string>{"alertbridge", "payments"}));
  ASSERT_EQ(og->responders.size(), 2u);
  EXPECT_EQ(og->responders[1].type, "user");
  EXPECT_EQ(og->responders[1].name, "alice@example.com");
}

TEST(PagingReceivers, ReportsEveryProblemWithItsPosition) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: pd
    type: pagerduty
    base_url: ftp://events.example
    severity_map: {SEV9: critical, SEV1: page-me}
  - name: og
    type: opsgenie
    priority_map: {SEV1: P0}
    responders: [{type: robot, name: x}]
    tags: [ok, this-tag-is-far-too-long-for-opsgenie-which-allows-fifty]
  - name: slack
    type: slack
    url: env:S
    routing_key: env:NOT_HERE
)");
  const std::string f = file + ":";
  EXPECT_THAT(
      ErrorStrings(CheckPaths({file})),
      ElementsAre(
          f + "2:5: missing required key \"routing_key\"",
          f + "4:15: base_url: expected an http:// or https:// URL, env:NAME or file:/path",
          f + "5:20: severity_map: \"SEV9\" is not a severity (SEV1..SEV5)",
          f + "5:42: severity_map.SEV1: unknown level \"page-me\" (valid: critical, error, "
              "warning, info)",
          f + "6:5: missing required key \"api_key\"",
          f + "8:26: priority_map.SEV1: unknown level \"P0\" (valid: P1, P2, P3, P4, P5)",
          f + "9:25: responders[0].type: expected one of team, user, escalation, schedule, got "
              "\"robot\"",
          f + "10:16: tags[1]: longer than 50 characters (Opsgenie's limit)",
          f + "14:5: unknown key \"routing_key\" (valid: name, type, events, retry, timeout, "
              "concurrency, rate_limit, circuit_breaker, "
              "templates, attach_review, url)"));
}

TEST(PagingReceivers, ChecksTemplatesAtLoadTime) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: slack
    type: slack
    url: env:S
    templates:
      title: "[{{severty}}] {{title}}"
      text: |
        line one
        {{#link}}open{{/lnk}}
      body: "{{title}}"
  - name: con
    type: console
    templates: {title: x}
  - name: pd
    type: pagerduty
    routing_key: env:K
    templates: {summary: {{title}}, text: "{{>partial}}"}
)");
  const std::string f = file + ":";
  EXPECT_THAT(
      ErrorStrings(CheckPaths({file})),
      ElementsAre(
          f + "6:16: templates.title: unknown name \"severty\" (known: event, incident, labels, "
              "annotations, group, accounts, account_names, account_count, title, summary, "
              "severity, runbook, key, link, owner)",
          f + "7:13: templates.text: closing \"lnk\" but section \"link\" is open (template "
              "line 2, column 14)",
          f + "10:7: templates: unknown template \"body\" for type slack (valid: title, text)",
          f + "13:16: templates: type console takes no templates",
          f + "17:26: templates.summary: expected a string, got a map",
          f + "17:37: templates: unknown template \"text\" for type pagerduty (valid: summary)"));
}

TEST(PagingReceivers, NeverEchoesSecretValues) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: pd
    type: pagerduty
    routing_key: [R0utingKeyS3cret0123456789abcdef]
  - name: og
    type: opsgenie
    api_key: 4f1e-hunter2
    base_url: "hunter3://api.opsgenie.com"
  - name: slack
    type: slack
    url: "https://hooks.slack.example/services/T0/B0/hunter4 x"
)");
  LoadResult r = CheckPaths({file});
  ASSERT_FALSE(r.ok());
  for (const std::string& e : ErrorStrings(r)) {
    EXPECT_THAT(e, Not(HasSubstr("R0utingKey")));
    EXPECT_THAT(e, Not(HasSubstr("hunter")));
  }
}

TEST(PagingReceivers, TheExampleFileChecksClean) {
  LoadResult r =
      CheckPaths({std::string(ALERTBRIDGE_SOURCE_DIR) + "/examples/receivers/paging.yml"});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_EQ(r.config.receivers.size(), 6u);
}

}  // namespace
}  // namespace ab
