// The jira receiver as the contract tests configure it against the fake Jira.
#pragma once

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "common/crypto.h"
#include "notify/jira/jira_settings.h"
#include "ticket_test_util.h"
#include "vendors/fake_jira.h"

namespace ab::testing {

constexpr char kJiraUser[] = "bot@example.com";
constexpr char kJiraToken[] = "jira-s3cret-token-value";
constexpr char kJiraPat[] = "jira-dc-personal-access-token";

inline std::string JiraBasicAuth() {
  return "Basic " + Base64Encode(std::string(kJiraUser) + ":" + kJiraToken);
}

inline ReceiverConfig JiraConfig(const FakeJira& fake, bool cloud,
                                 const std::function<void(JiraSettings&)>& edit = nullptr) {
  ::setenv("AB_TEST_JIRA_USER", kJiraUser, 1);
  ::setenv("AB_TEST_JIRA_TOKEN", kJiraToken, 1);
  ::setenv("AB_TEST_JIRA_PAT", kJiraPat, 1);
  ReceiverConfig c;
  c.name = "jira-ops";
  c.type = "jira";
  c.url = Secret(fake.Url());
  c.timeout = Duration(2000);
  auto s = std::make_shared<JiraSettings>();
  s->flavor = cloud ? JiraSettings::Flavor::kCloud : JiraSettings::Flavor::kDataCenter;
  if (cloud) {
    s->auth.kind = TicketAuth::Kind::kBasic;
    s->auth.user = Secret("env:AB_TEST_JIRA_USER");
    s->auth.password = Secret("env:AB_TEST_JIRA_TOKEN");
  } else {
    s->auth.kind = TicketAuth::Kind::kBearer;
    s->auth.token = Secret("env:AB_TEST_JIRA_PAT");
  }
  s->project = "OPS";
  s->issue_type = "Incident";
  s->labels = {"alertbridge"};
  s->custom_fields = {{"customfield_10010", {{"value", "Production"}}}};
  if (edit) edit(*s);
  c.settings = s;
  return c;
}

}  // namespace ab::testing
