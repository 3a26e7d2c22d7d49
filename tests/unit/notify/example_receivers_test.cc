// The receivers in examples/receivers/ build into notifiers (secrets resolved, templates compiled,
// the webhook body template giving JSON), so the examples stay usable as written.
#include <gtest/gtest.h>

#include "config/config.h"
#include "notify/notifier.h"
#include "notify/receiver_types.h"
#include "vendors/harness.h"

namespace ab {
namespace {

using testing::ScopedEnv;

TEST(ExampleReceivers, BuildIntoNotifiers) {
  ScopedEnv slack("SLACK_WEBHOOK_URL", "https://hooks.slack.example/services/T0/B0/x");
  ScopedEnv teams("TEAMS_WORKFLOW_URL", "https://teams.example/workflows/1?sig=x");
  ScopedEnv pd("PD_PAYMENTS_ROUTING_KEY", testing::kPagerDutyKey);
  ScopedEnv og("OPSGENIE_API_KEY", testing::kGenieKey);
  ScopedEnv jsm("JSM_OPS_API_KEY", testing::kGenieKey);
  ScopedEnv hook("CHATOPS_WEBHOOK_URL", "https://chatops.example/hook");
  ScopedEnv secret("CHATOPS_WEBHOOK_SECRET", "whsec_ZXhhbXBsZS1zaWduaW5nLWtleQ==");
  ScopedEnv jira_user("JIRA_USER", "bot@example.com");
  ScopedEnv jira_token("JIRA_API_TOKEN", "example-jira-token");
  ScopedEnv gh("GITHUB_TOKEN", "example-github-token");
  ScopedEnv snow_user("SNOW_USER", "alertbridge.bot");
  ScopedEnv snow_password("SNOW_PASSWORD", "example-snow-password");
  LoadResult loaded = CheckPaths({std::string(ALERTBRIDGE_SOURCE_DIR) + "/examples/receivers"});
  ASSERT_TRUE(loaded.ok()) << loaded.errors.at(0).ToString();
  auto built = BuildNotifiers(loaded.config.receivers);
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_EQ(built->size(), loaded.config.receivers.size());
}

}  // namespace
}  // namespace ab
