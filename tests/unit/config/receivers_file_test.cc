#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "config/config.h"

namespace ab {
namespace {

using ::ab::testing::ErrorStrings;
using ::ab::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kTypes =
    "console, webhook, email, slack, teams, pagerduty, opsgenie, jira, github, servicenow";

TEST(ReceiversFileTest, ParsesConsoleAndWebhook) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: console
    type: console
  - name: ops-hook
    type: webhook
    url: env:OPS_HOOK_URL
    secret: file:/run/secrets/ops-hook
    headers: {X-Team: ops, Authorization: env-is-not-expanded-here}
    events: [declared, alert_added, resolved]
    retry: {max_attempts: 3, initial_backoff: 2s, max_backoff: 1m}
    timeout: 5s
)");
  LoadResult r = CheckPaths({file});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  ASSERT_EQ(r.config.receivers.size(), 2u);

  const ReceiverConfig& console = r.config.receivers[0];
  EXPECT_EQ(console.name, "console");
  EXPECT_EQ(console.type, "console");
  EXPECT_TRUE(console.url.empty());
  EXPECT_TRUE(console.events.empty());
  EXPECT_EQ(console.retry.max_attempts, 12);
  EXPECT_EQ(console.timeout, Duration(10'000));
  EXPECT_EQ(console.location.line, 2);
  EXPECT_EQ(console.location.col, 5);

  const ReceiverConfig& hook = r.config.receivers[1];
  EXPECT_EQ(hook.type, "webhook");
  EXPECT_EQ(hook.url.ref(), "env:OPS_HOOK_URL");
  ASSERT_NE(hook.settings, nullptr);  // the webhook type's own keys: tests/unit/notify
  EXPECT_THAT(hook.events,
              ElementsAre(EventType::kDeclared, EventType::kAlertAdded, EventType::kResolved));
  EXPECT_EQ(hook.retry.max_attempts, 3);
  EXPECT_EQ(hook.retry.initial_backoff, Duration(2000));
  EXPECT_EQ(hook.retry.max_backoff, Duration(60'000));
  EXPECT_EQ(hook.timeout, Duration(5000));
  EXPECT_EQ(r.config.FindReceiver("ops-hook"), &hook);
  EXPECT_EQ(r.config.FindReceiver("nope"), nullptr);
}

TEST(ReceiversFileTest, ReportsEveryErrorOfAFileAtOnce) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: slack-incidents
    type: slac
    url: env:SLACK_URL
  - name: weird
    type: carrier-pigeon
  - name: hook
    type: webhook
  - name: con
    type: console
    url: http://127.0.0.1:1/
    events: [declared, exploded]
    retry: {max_attempts: 0, initial_backoff: 1m, max_backoff: 1s}
    timeout: 0s
)");
  LoadResult r = CheckPaths({file});
  const std::string f = file + ":";
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          f + "3:11: type: unknown receiver type \"slac\" (valid: " + kTypes + ")",
          f + "6:11: type: unknown receiver type \"carrier-pigeon\" (valid: " + kTypes + ")",
          f + "7:5: missing required key \"url\"",
          f + "11:5: unknown key \"url\" (valid: name, type, events, retry, "
              "timeout, concurrency, rate_limit, circuit_breaker, templates, attach_review)",
          f + "12:24: events[1]: unknown event \"exploded\"",
          f + "13:27: retry.max_attempts: must be at least 1, got 0",
          f + "13:64: retry: max_backoff (1s) is shorter than initial_backoff "
              "(1m)",
          f + "14:14: timeout: must be greater than 0"));
}

TEST(ReceiversFileTest, AMissingTypeNamesTheValidOnes) {
  TempDir dir;
  std::string file = dir.Write("r.yml", "receivers:\n  - name: x\n    url: env:X\n");
  EXPECT_THAT(ErrorStrings(CheckPaths({file})),
              ElementsAre(file + ":2:5: missing required key \"type\" (valid: " + kTypes + ")"));
}

TEST(ReceiversFileTest, RejectsDuplicateNamesAcrossFiles) {
  TempDir dir;
  std::string a = dir.Write("a.yml", "receivers:\n  - {name: ops, type: console}\n");
  std::string b = dir.Write("b.yml", "receivers:\n  - {name: ops, type: console}\n");
  LoadResult r = CheckPaths({a, b});
  EXPECT_THAT(ErrorStrings(r), ElementsAre(b +
                                           ":2:12: duplicate receiver name \"ops\" (first "
                                           "defined at " +
                                           a + ":2:12)"));
  EXPECT_EQ(r.config.receivers.size(), 1u);
}

TEST(ReceiversFileTest, ValidatesNamesUrlsAndHeaders) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: has space
    type: console
  - name: hook
    type: webhook
    url: ftp://user:hunter2@example.com/
    headers: {"Bad Header": x, webhook-id: y}
)");
  LoadResult r = CheckPaths({file});
  const std::string f = file + ":";
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(f + "2:11: name: \"has space\" may only contain letters, digits, _, - "
                              "and .",
                          f + "6:10: url: expected an http:// or https:// URL, env:NAME or "
                              "file:/path",
                          f + "7:15: headers: \"Bad Header\" is not a valid header name",
                          f + "7:32: headers: \"webhook-id\" is set by alertbridge itself"));
  for (const ConfigError& e : r.errors) EXPECT_THAT(e.message, Not(HasSubstr("hunter2")));
}

TEST(ReceiversFileTest, DefaultEventsLeaveOutMemberChanges) {
  ReceiverConfig defaults;
  for (EventType t :
       {EventType::kDeclared, EventType::kSeverityChanged, EventType::kAcknowledged,
        EventType::kAssigned, EventType::kNoteAdded, EventType::kStatusUpdate,
        EventType::kSlaBreached, EventType::kEscalated, EventType::kMuted, EventType::kUnmuted,
        EventType::kResolved, EventType::kReopened, EventType::kClosed}) {
    EXPECT_TRUE(defaults.Wants(t)) << ToString(t);
  }
  for (EventType t : {EventType::kAlertAdded, EventType::kAlertResolved, EventType::kAlertStale}) {
    EXPECT_FALSE(defaults.Wants(t)) << ToString(t);
  }
}

TEST(ReceiversFileTest, ExplicitEventsAreExactlyWhatIsSent) {
  ReceiverConfig rc;
  rc.events = {EventType::kAlertAdded, EventType::kResolved};
  EXPECT_TRUE(rc.Wants(EventType::kAlertAdded));
  EXPECT_TRUE(rc.Wants(EventType::kResolved));
  EXPECT_FALSE(rc.Wants(EventType::kDeclared));
  EXPECT_FALSE(rc.Wants(EventType::kAlertStale));
}

}  // namespace
}  // namespace ab
