// Contract tests of the jira receiver against the fake Jira: the full lifecycle on both flavours,
// no duplicate issue or comment after lost answers, and failures classified for the worker.
#include "notify/jira/jira_notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "jira_fixture.h"

namespace ab {
namespace {

using testing::Count;
using ::testing::ElementsAre;
using testing::FakeJira;
using testing::Fault;
using ::testing::HasSubstr;
using testing::IncidentScript;
using testing::JiraBasicAuth;
using testing::JiraConfig;
using testing::kJiraPat;
using ::testing::Not;
using testing::RefStore;
using Kind = SendResult::Kind;

TEST(JiraNotifier, CloudLifecycleDeclareUpdateResolveReopen) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  ASSERT_NE(n, nullptr);
  IncidentScript inc;
  RefStore store;

  SendResult r = store.Send(*n, inc.Event(EventType::kDeclared));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  ASSERT_TRUE(r.ref.has_value());
  EXPECT_EQ(r.ref->receiver, "jira-ops");
  EXPECT_EQ(r.ref->type, "issue");
  EXPECT_EQ(r.ref->id, "OPS-1");
  EXPECT_EQ(r.ref->url, jira.Url("/browse/OPS-1"));
  // Searched by label on the Cloud endpoint before creating; the create screen read once.
  EXPECT_THAT(jira.Calls(), ElementsAre("POST /rest/api/3/search/jql",
                                        "GET /rest/api/2/issue/createmeta/OPS/issuetypes",
                                        "GET /rest/api/2/issue/createmeta/OPS/issuetypes/10001",
                                        "POST /rest/api/2/issue"));
  const nlohmann::json search = jira.Requests()[0].json;
  EXPECT_EQ(search["jql"],
            "project = \"OPS\" AND labels = \"ab-abcdefghijklmnop-1\" ORDER BY created DESC");

  FakeJira::Issue issue = jira.Get("OPS-1");
  EXPECT_EQ(issue.fields["summary"], "checkout degraded in eu-1");
  EXPECT_EQ(issue.fields["labels"], nlohmann::json({"ab-abcdefghijklmnop-1", "alertbridge"}));
  EXPECT_EQ(issue.fields["priority"]["name"], "High");
  EXPECT_EQ(issue.fields["issuetype"]["name"], "Incident");
  EXPECT_EQ(issue.fields["customfield_10010"]["value"], "Production");
  const std::string description = issue.fields["description"];
  EXPECT_THAT(description, HasSubstr("bq. Error rate above 5% for 10 minutes"));
  EXPECT_THAT(description, HasSubstr("*Runbook:* [https://wiki.example/runbooks/checkout|"));
  EXPECT_THAT(description, HasSubstr("*Affected accounts:* globex"));

  // A person edits the description; updates never overwrite it.
  jira.HumanEditDescription("OPS-1", "edited by a human");
  inc.state = "acknowledged";
  r = store.Send(*n, inc.Event(EventType::kAcknowledged));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_FALSE(r.ref.has_value());  // already recorded
  inc.priority = "SEV1";
  r = store.Send(*n, inc.Event(EventType::kSeverityChanged));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  issue = jira.Get("OPS-1");
  EXPECT_EQ(issue.fields["description"], "edited by a human");
  EXPECT_EQ(issue.fields["priority"]["name"], "Highest");
  ASSERT_EQ(issue.comments.size(), 2u);
  EXPECT_THAT(issue.comments[0], HasSubstr("*Incident acknowledged (commander: alice)*"));
  EXPECT_THAT(issue.comments[0], HasSubstr("alertbridge event ab-abcdefghijklmnop-1.2"));
  EXPECT_THAT(issue.comments[1], HasSubstr("Priority is now SEV1"));

  inc.state = "resolved";
  r = store.Send(*n, inc.Event(EventType::kResolved));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  issue = jira.Get("OPS-1");
  EXPECT_EQ(issue.status, "Done");
  EXPECT_EQ(issue.resolution, "Done");
  EXPECT_THAT(issue.comments.back(), HasSubstr("Incident resolved"));

  inc.state = "declared";
  r = store.Send(*n, inc.Event(EventType::kReopened));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  issue = jira.Get("OPS-1");
  EXPECT_EQ(issue.status, "To Do");
  EXPECT_EQ(issue.resolution, "");
  EXPECT_THAT(issue.comments.back(), HasSubstr("ticket reopened"));
  EXPECT_EQ(jira.Issues().size(), 1u);
  EXPECT_EQ(store.refs.size(), 1u);
  EXPECT_THAT(jira.Violations(), ElementsAre());
}

TEST(JiraNotifier, DataCenterSearchesWithGetAndAuthenticatesWithABearerToken) {
  FakeJira jira(false, std::string("Bearer ") + kJiraPat);
  auto n = testing::BuildNotifier(JiraConfig(jira, false));
  ASSERT_NE(n, nullptr);
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kEscalated)).kind, Kind::kOk);
  inc.state = "resolved";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  const auto requests = jira.Requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/rest/api/2/search");
  EXPECT_EQ(requests[0].Param("jql"),
            "project = \"OPS\" AND labels = \"ab-abcdefghijklmnop-1\" ORDER BY created DESC");
  EXPECT_EQ(jira.Get("OPS-1").status, "Done");
  EXPECT_EQ(jira.Get("OPS-1").comments.size(), 2u);
  EXPECT_THAT(jira.Violations(), ElementsAre());
}

TEST(JiraNotifier, FindsTheIssueItCreatedWhenTheRefWasNeverRecorded) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  RefStore store;
  SendResult first = store.Send(*n, declared);
  ASSERT_EQ(first.kind, Kind::kOk) << first.reason;
  // The bridge died before committing the ref: the entry is sent again with no refs.
  SendResult again = n->Send(declared, {SystemClock().now(), {}});
  ASSERT_EQ(again.kind, Kind::kOk) << again.reason;
  ASSERT_TRUE(again.ref.has_value());
  EXPECT_EQ(*again.ref, *first.ref);
  EXPECT_EQ(jira.Issues().size(), 1u);
  EXPECT_EQ(Count(jira.Calls(), "POST /rest/api/2/issue"), 1);
  EXPECT_THAT(jira.Violations(), ElementsAre());
}

TEST(JiraNotifier, LostCreateAnswerIsRetriedWithoutASecondIssue) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  RefStore store;
  jira.FailNext(Fault::LoseAnswer(), 1, "POST", "/rest/api/2/issue");
  SendResult first = store.Send(*n, declared);
  EXPECT_EQ(first.kind, Kind::kRetry);
  EXPECT_THAT(first.reason, HasSubstr("receiver \"jira-ops\": POST /rest/api/2/issue"));
  EXPECT_EQ(jira.Issues().size(), 1u);  // created nonetheless
  SendResult again = store.Send(*n, declared);
  ASSERT_EQ(again.kind, Kind::kOk) << again.reason;
  EXPECT_EQ(again.ref->id, "OPS-1");
  EXPECT_EQ(jira.Issues().size(), 1u);
  EXPECT_EQ(Count(jira.Calls(), "POST /rest/api/2/issue"), 1);
}

TEST(JiraNotifier, LostCommentAnswerIsRetriedWithoutASecondComment) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  const OutboxEntry ack = inc.Event(EventType::kAcknowledged);
  jira.FailNext(Fault::LoseAnswer(), 1, "POST", "/rest/api/2/issue/OPS-1/comment");
  EXPECT_EQ(store.Send(*n, ack).kind, Kind::kRetry);
  ASSERT_EQ(store.Send(*n, ack).kind, Kind::kOk);
  EXPECT_EQ(jira.Get("OPS-1").comments.size(), 1u);
  // A comment of the next event is not mistaken for this one.
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kEscalated)).kind, Kind::kOk);
  EXPECT_EQ(jira.Get("OPS-1").comments.size(), 2u);
}

TEST(JiraNotifier, LostTransitionAnswerLeavesOneResolveComment) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  inc.state = "resolved";
  const OutboxEntry resolved = inc.Event(EventType::kResolved);
  jira.FailNext(Fault::LoseAnswer(), 1, "POST", "/rest/api/2/issue/OPS-1/transitions");
  EXPECT_EQ(store.Send(*n, resolved).kind, Kind::kRetry);
  ASSERT_EQ(store.Send(*n, resolved).kind, Kind::kOk);
  const FakeJira::Issue issue = jira.Get("OPS-1");
  EXPECT_EQ(issue.status, "Done");
  EXPECT_EQ(issue.comments.size(), 1u);
  EXPECT_EQ(Count(jira.Calls(), "POST /rest/api/2/issue/OPS-1/transitions"), 1);
}

}  // namespace
}  // namespace ab
