// The jira receiver when things go wrong: vendor failures classified for the outbox worker, a
// workflow without the configured transition, hostile or huge text, and secrets kept out of
// every message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "jira_fixture.h"
#include "notify/receiver_types.h"

namespace ab {
namespace {

using ::testing::ElementsAre;
using testing::FakeJira;
using testing::Fault;
using ::testing::HasSubstr;
using testing::IncidentScript;
using testing::JiraBasicAuth;
using testing::JiraConfig;
using testing::kJiraToken;
using testing::kJiraUser;
using ::testing::Not;
using testing::RefStore;
using Kind = SendResult::Kind;

TEST(JiraFailures, TooManyRequestsIsARetryAfterTheVendorsDelay) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  RefStore store;
  jira.FailNext(Fault::TooManyRequests("7"));
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  SendResult r = store.Send(*n, declared);
  EXPECT_EQ(r.kind, Kind::kRetry);
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(*r.retry_after, Duration(7000));
  EXPECT_THAT(r.reason, HasSubstr("HTTP 429"));
  EXPECT_EQ(store.Send(*n, declared).kind, Kind::kOk);
  EXPECT_EQ(jira.Issues().size(), 1u);
}

TEST(JiraFailures, ServerErrorTimeoutAndClosedConnectionAreRetries) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true, nullptr));
  IncidentScript inc;
  RefStore store;
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  jira.FailNext(Fault::ServerError());
  SendResult r = store.Send(*n, declared);
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_THAT(r.reason, HasSubstr("HTTP 500: boom"));
  jira.FailNext(Fault::Close());
  r = store.Send(*n, declared);
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_THAT(r.reason, HasSubstr("no response"));
  EXPECT_TRUE(jira.Issues().empty());
  ASSERT_EQ(store.Send(*n, declared).kind, Kind::kOk);
  EXPECT_EQ(jira.Issues().size(), 1u);
}

TEST(JiraFailures, HangingJiraIsARetryAfterTheReceiverTimeout) {
  FakeJira jira(true, JiraBasicAuth());
  ReceiverConfig c = JiraConfig(jira, true);
  c.timeout = Duration(300);
  auto n = testing::BuildNotifier(c);
  IncidentScript inc;
  jira.FailNext(Fault::Hang());
  const auto start = std::chrono::steady_clock::now();
  SendResult r = n->Send(inc.Event(EventType::kDeclared), {SystemClock().now(), {}});
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_THAT(r.reason, HasSubstr("no response"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  jira.ReleaseHangs();
}

TEST(JiraFailures, RejectedCreateIsPermanentWithJirasMessage) {
  FakeJira jira(true, JiraBasicAuth());
  auto n =
      testing::BuildNotifier(JiraConfig(jira, true, [](JiraSettings& s) { s.issue_type = "Bug"; }));
  IncidentScript inc;
  SendResult r = n->Send(inc.Event(EventType::kDeclared), {SystemClock().now(), {}});
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_THAT(r.reason, HasSubstr("HTTP 400: issuetype: valid issue type is required"));
}

TEST(JiraFailures, MissingTransitionIsPermanentAndListsTheAvailableOnes) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(
      JiraConfig(jira, true, [](JiraSettings& s) { s.resolve_transition = "Resolve Issue"; }));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  inc.state = "resolved";
  SendResult r = store.Send(*n, inc.Event(EventType::kResolved));
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_THAT(r.reason, HasSubstr("transition \"Resolve Issue\" is not available for OPS-1 "
                                  "(available: Start Progress, Done, Won't Do)"));
}

TEST(JiraFailures, TransitionsAreMatchedByNameOrTargetStatusAndCanSetAResolution) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true, [](JiraSettings& s) {
    s.resolve_transition = "done";  // case-insensitive
    s.resolution = "Duplicate";
    s.reopen_transition = "To Do";  // the target status of "Reopen"
  }));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  inc.state = "resolved";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  EXPECT_EQ(jira.Get("OPS-1").resolution, "Duplicate");
  // "Duplicate" is in the default keep_closed list: the reopen only comments.
  inc.state = "declared";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kReopened)).kind, Kind::kOk);
  EXPECT_EQ(jira.Get("OPS-1").status, "Done");
  EXPECT_THAT(jira.Violations(), ElementsAre());
}

TEST(JiraFailures, UntrustedTextIsEscapedAndCutToJirasLimits) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  inc.title = "[~admin] {code}x{code} " + std::string(400, 't') + "\nsecond line";
  std::string huge;
  for (int i = 0; i < 2000; ++i) huge += "line " + std::to_string(i) + " *bold* [link|x] ü\n";
  inc.summary = "h1. Heading\n!image.png!\n" + huge;
  ASSERT_EQ(n->Send(inc.Event(EventType::kDeclared), {SystemClock().now(), {}}).kind, Kind::kOk);
  const FakeJira::Issue issue = jira.Get("OPS-1");
  const std::string summary = issue.fields["summary"];
  EXPECT_EQ(testing::Chars(summary), 255u);
  EXPECT_EQ(summary.find('\n'), std::string::npos);
  const std::string d = issue.fields["description"];
  EXPECT_LE(testing::Chars(d), 32'767u);
  EXPECT_THAT(d, HasSubstr("bq. h1. Heading"));  // quoted: not at the start of a line
  EXPECT_THAT(d, HasSubstr("bq. \\!image.png\\!"));
  EXPECT_THAT(d, HasSubstr("bq. line 0 \\*bold\\* \\[link\\|x\\] ü"));
  EXPECT_THAT(d, HasSubstr("(cut to the ticket system's size limit)"));
  EXPECT_THAT(d, Not(HasSubstr("\nh1.")));
  EXPECT_THAT(jira.Violations(), ElementsAre());
}

TEST(JiraFailures, SecretsNeverAppearInResultsOrFactoryErrors) {
  FakeJira jira(true, "Basic something-else");  // rejects our credentials
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  SendResult r = n->Send(inc.Event(EventType::kDeclared), {SystemClock().now(), {}});
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_THAT(r.reason, HasSubstr("HTTP 401"));
  EXPECT_THAT(r.reason, Not(HasSubstr(kJiraToken)));
  EXPECT_THAT(r.reason, Not(HasSubstr(JiraBasicAuth().substr(6))));
  jira.FailNext(Fault::Status({500, {{"errorMessages", {"echo: " + JiraBasicAuth()}}}, {}}));
  r = n->Send(inc.Event(EventType::kDeclared), {SystemClock().now(), {}});
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_THAT(r.reason, HasSubstr("echo: Basic [redacted]"));

  ReceiverConfig c = JiraConfig(jira, true, [](JiraSettings& s) {
    s.auth.password = Secret("env:AB_TEST_JIRA_TOKEN_UNSET");
  });
  ::unsetenv("AB_TEST_JIRA_TOKEN_UNSET");
  auto missing = MakeNotifier(c);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message,
            "receiver \"jira-ops\": cannot resolve auth.basic.password "
            "env:AB_TEST_JIRA_TOKEN_UNSET: environment variable AB_TEST_JIRA_TOKEN_UNSET is not "
            "set");

  // A literal secret in the config is never echoed either.
  ReceiverConfig literal = JiraConfig(jira, true, [](JiraSettings& s) {
    s.auth.user = Secret("user:with-colon-" + std::string(kJiraToken));
  });
  auto bad = MakeNotifier(literal);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("(inline value) contains ':'"));
  EXPECT_THAT(bad.error().message, Not(HasSubstr(kJiraToken)));
  EXPECT_THAT(bad.error().message, Not(HasSubstr(kJiraUser)));
}

}  // namespace
}  // namespace ab
