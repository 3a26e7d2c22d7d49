// Contract tests of the github receiver against the fake GitHub: the lifecycle, no duplicate
// issue or comment, rate limits, reopen policies, Markdown escaping and secrets.
#include "notify/github/github_notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "github_fixture.h"
#include "notify/receiver_types.h"

namespace ab {
namespace {

using testing::ApiAnswer;
using testing::Count;
using ::testing::ElementsAre;
using testing::FakeGitHub;
using testing::Fault;
using testing::GitHubConfig;
using ::testing::HasSubstr;
using testing::IncidentScript;
using testing::kGitHubToken;
using ::testing::Not;
using testing::RefStore;
using Kind = SendResult::Kind;

const char kListPath[] = "/repos/acme/ops/issues";

TEST(GitHubNotifier, LifecycleDeclareUpdateResolveReopen) {
  FakeGitHub gh(kGitHubToken);
  auto n = testing::BuildNotifier(GitHubConfig(gh));
  ASSERT_NE(n, nullptr);
  IncidentScript inc;
  RefStore store;
  SendResult r = store.Send(*n, inc.Event(EventType::kDeclared));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  ASSERT_TRUE(r.ref.has_value());
  EXPECT_EQ(r.ref->receiver, "github-ops");
  EXPECT_EQ(r.ref->type, "issue");
  EXPECT_EQ(r.ref->id, "1");
  EXPECT_EQ(r.ref->url, "https://github.example/acme/ops/issues/1");
  const auto requests = gh.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method + " " + requests[0].path, std::string("GET ") + kListPath);
  EXPECT_EQ(requests[0].Param("labels"), "ab-abcdefghijklmnop-1");
  EXPECT_EQ(requests[0].Param("state"), "all");  // closed issues count too
  EXPECT_EQ(requests[1].method + " " + requests[1].path, std::string("POST ") + kListPath);

  FakeGitHub::Issue issue = gh.Get(1);
  EXPECT_EQ(issue.title, "checkout degraded in eu-1");
  EXPECT_THAT(issue.labels, ElementsAre("ab-abcdefghijklmnop-1", "incident"));
  EXPECT_THAT(issue.body, HasSubstr("> Error rate above 5% for 10 minutes"));
  EXPECT_THAT(issue.body, HasSubstr("- **Priority:** SEV2"));
  EXPECT_THAT(issue.body, HasSubstr("- **Runbook:** [https://wiki.example/runbooks/checkout]("
                                    "https://wiki.example/runbooks/checkout)"));

  inc.state = "acknowledged";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kAcknowledged)).kind, Kind::kOk);
  issue = gh.Get(1);
  ASSERT_EQ(issue.comments.size(), 1u);
  EXPECT_THAT(issue.comments[0], HasSubstr("**Incident acknowledged \\(commander: alice\\)**"));
  EXPECT_THAT(issue.comments[0], HasSubstr("<!-- alertbridge event ab-abcdefghijklmnop-1.2 -->"));

  inc.state = "resolved";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  issue = gh.Get(1);
  EXPECT_EQ(issue.state, "closed");
  EXPECT_EQ(issue.state_reason, "completed");
  EXPECT_EQ(issue.comments.size(), 2u);

  inc.state = "declared";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kReopened)).kind, Kind::kOk);
  issue = gh.Get(1);
  EXPECT_EQ(issue.state, "open");
  EXPECT_EQ(issue.state_reason, "reopened");
  EXPECT_THAT(issue.comments.back(), HasSubstr("ticket reopened"));
  EXPECT_EQ(gh.Issues().size(), 1u);
  EXPECT_THAT(gh.Violations(), ElementsAre());
}

TEST(GitHubNotifier, FindsItsIssueWhenTheRefWasNeverRecordedAndSkipsPullRequests) {
  FakeGitHub gh(kGitHubToken);
  gh.AddPullRequest("ab-abcdefghijklmnop-1");  // #1, same label: not a ticket
  auto n = testing::BuildNotifier(GitHubConfig(gh));
  IncidentScript inc;
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  RefStore store;
  SendResult first = store.Send(*n, declared);
  ASSERT_EQ(first.kind, Kind::kOk) << first.reason;
  EXPECT_EQ(first.ref->id, "2");
  SendResult again = n->Send(declared, {SystemClock().now(), {}});
  ASSERT_EQ(again.kind, Kind::kOk) << again.reason;
  EXPECT_EQ(*again.ref, *first.ref);
  EXPECT_EQ(gh.Issues().size(), 1u);
  EXPECT_EQ(Count(gh.Calls(), std::string("POST ") + kListPath), 1);
}

TEST(GitHubNotifier, LostAnswersGiveNoSecondIssueOrComment) {
  FakeGitHub gh(kGitHubToken);
  auto n = testing::BuildNotifier(GitHubConfig(gh));
  IncidentScript inc;
  RefStore store;
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  gh.FailNext(Fault::LoseAnswer(), 1, "POST", kListPath);
  EXPECT_EQ(store.Send(*n, declared).kind, Kind::kRetry);
  ASSERT_EQ(store.Send(*n, declared).kind, Kind::kOk);
  const OutboxEntry escalated = inc.Event(EventType::kEscalated);
  gh.FailNext(Fault::LoseAnswer(), 1, "POST", "/repos/acme/ops/issues/1/comments");
  EXPECT_EQ(store.Send(*n, escalated).kind, Kind::kRetry);
  ASSERT_EQ(store.Send(*n, escalated).kind, Kind::kOk);
  EXPECT_EQ(gh.Issues().size(), 1u);
  EXPECT_EQ(gh.Get(1).comments.size(), 1u);
  EXPECT_THAT(gh.Violations(), ElementsAre());
}

TEST(GitHubNotifier, RateLimitsAreRetriesAtTheTimeGitHubNames) {
  FakeGitHub gh(kGitHubToken);
  auto n = testing::BuildNotifier(GitHubConfig(gh));
  IncidentScript inc;
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  const TimePoint now = SystemClock().now();
  const int64_t reset = ToMillis(now) / 1000 + 30;
  gh.FailNext(Fault::Status(
      {403,
       {{"message", "API rate limit exceeded"}},
       {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", std::to_string(reset)}}}));
  SendResult r = n->Send(declared, {now, {}});
  EXPECT_EQ(r.kind, Kind::kRetry);
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_GT(*r.retry_after, Duration(28'000));
  EXPECT_LE(*r.retry_after, Duration(30'000));
  EXPECT_THAT(r.reason, HasSubstr("rate limit exhausted"));

  gh.FailNext(Fault::TooManyRequests("5"));
  r = n->Send(declared, {now, {}});
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_EQ(r.retry_after, Duration(5000));

  gh.FailNext(Fault::Status({403, {{"message", "You have exceeded a secondary rate limit"}}, {}}));
  r = n->Send(declared, {now, {}});
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_EQ(r.retry_after, Duration(60'000));

  gh.FailNext(Fault::Status({403, {{"message", "Resource not accessible by integration"}}, {}}));
  r = n->Send(declared, {now, {}});
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_THAT(r.reason, HasSubstr("Resource not accessible by integration"));
  EXPECT_TRUE(gh.Issues().empty());
}

TEST(GitHubNotifier, ServerErrorsTimeoutsAndClosedConnectionsAreRetries) {
  FakeGitHub gh(kGitHubToken);
  ReceiverConfig c = GitHubConfig(gh);
  c.timeout = Duration(300);
  auto n = testing::BuildNotifier(c);
  IncidentScript inc;
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  for (Fault f : {Fault::ServerError(), Fault::Close(), Fault::Hang()}) {
    gh.FailNext(f);
    EXPECT_EQ(n->Send(declared, {SystemClock().now(), {}}).kind, Kind::kRetry);
  }
  gh.ReleaseHangs();
  EXPECT_TRUE(gh.Issues().empty());
}

TEST(GitHubNotifier, NotPlannedIssueStaysClosedWhenTheIncidentReopens) {
  FakeGitHub gh(kGitHubToken);
  auto n = testing::BuildNotifier(GitHubConfig(gh));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  gh.HumanClose(1, "not_planned");
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kReopened)).kind, Kind::kOk);
  const FakeGitHub::Issue issue = gh.Get(1);
  EXPECT_EQ(issue.state, "closed");
  EXPECT_EQ(issue.state_reason, "not_planned");
  EXPECT_THAT(issue.comments.back(), HasSubstr("stays closed \\(resolution: not\\_planned\\)"));
}

// Creates are paced by the receiver's delivery rate limit (1/s by default, concurrency 1), not by
// a sleep inside Send: see ReceiverDeliveryTest.
TEST(GitHubNotifier, PolicyNewOpensAnIssueThatFollowsTheOldOne) {
  FakeGitHub gh(kGitHubToken);
  auto n = testing::BuildNotifier(
      GitHubConfig(gh, [](GitHubSettings& s) { s.reopen.reopened = ReopenAction::kNew; }));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  inc.state = "resolved";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  inc.state = "declared";
  SendResult r = store.Send(*n, inc.Event(EventType::kReopened));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_EQ(r.ref->id, "2");
  // The link to the old issue makes GitHub list the new one on it ("mentioned this issue").
  EXPECT_THAT(gh.Get(2).body, HasSubstr("- **Follows:** [#\u200b1](https://github.example/acme/"
                                        "ops/issues/1)"));
  EXPECT_EQ(gh.Get(1).state, "closed");
}

TEST(GitHubNotifier, MentionsAndReferencesInAlertTextDoNotFire) {
  FakeGitHub gh(kGitHubToken);
  auto n = testing::BuildNotifier(GitHubConfig(gh));
  IncidentScript inc;
  inc.title = "@octocat look at #12 " + std::string(300, 'x');
  inc.summary = "cc @acme/oncall, see acme/ops#7 <img src=x onerror=alert(1)>\n# not a heading";
  ASSERT_EQ(n->Send(inc.Event(EventType::kDeclared), {SystemClock().now(), {}}).kind, Kind::kOk);
  const FakeGitHub::Issue issue = gh.Get(1);
  EXPECT_EQ(testing::Chars(issue.title), 256u);
  const std::string zwsp = "\u200b";
  EXPECT_THAT(issue.body, HasSubstr("cc @" + zwsp + "acme/oncall"));
  EXPECT_THAT(issue.body, HasSubstr("acme/ops#" + zwsp + "7"));
  EXPECT_THAT(issue.body, HasSubstr("&lt;img src=x onerror=alert\\(1\\)&gt;"));
  EXPECT_THAT(issue.body, HasSubstr("> \\# not a heading"));
  EXPECT_THAT(issue.body, Not(HasSubstr("<img")));
}

TEST(GitHubNotifier, TheTokenNeverAppearsInResultsOrErrors) {
  FakeGitHub gh("some-other-token");
  auto n = testing::BuildNotifier(GitHubConfig(gh));
  IncidentScript inc;
  SendResult r = n->Send(inc.Event(EventType::kDeclared), {SystemClock().now(), {}});
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_THAT(r.reason, HasSubstr("HTTP 401: bad credentials"));
  EXPECT_THAT(r.reason, Not(HasSubstr(kGitHubToken)));
  // A proxy that echoes the request in its error page does not leak the token either.
  gh.FailNext(Fault::Status(
      {502,
       {{"message", std::string("upstream said: Authorization: Bearer ") + kGitHubToken}},
       {}}));
  r = n->Send(inc.Event(EventType::kDeclared), {SystemClock().now(), {}});
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_THAT(r.reason, HasSubstr("Authorization: Bearer [redacted]"));
  EXPECT_THAT(r.reason, Not(HasSubstr(kGitHubToken)));

  ReceiverConfig c = GitHubConfig(
      gh, [](GitHubSettings& s) { s.token = Secret("file:/nonexistent/alertbridge-test/token"); });
  auto bad = MakeNotifier(c);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message,
              HasSubstr("receiver \"github-ops\": cannot resolve token "
                        "file:/nonexistent/alertbridge-test/token: cannot read secret file"));
}

}  // namespace
}  // namespace ab
