// The jira receiver's reopen policies: what a recurrence does to an issue already closed, decided
// by the issue's resolution (issue 5 item 5).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "jira_fixture.h"

namespace ab {
namespace {

using ::testing::ElementsAre;
using testing::FakeJira;
using ::testing::HasSubstr;
using testing::IncidentScript;
using testing::JiraBasicAuth;
using testing::JiraConfig;
using testing::RefStore;
using Kind = SendResult::Kind;

// An incident whose issue OPS-1 was created, then closed the way `close_with` says.
struct ClosedIssue {
  explicit ClosedIssue(const std::function<void(JiraSettings&)>& edit,
                       const std::string& close_with = "")
      : jira(true, JiraBasicAuth()), n(testing::BuildNotifier(JiraConfig(jira, true, edit))) {
    EXPECT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
    if (close_with.empty()) {
      inc.state = "resolved";
      EXPECT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
    } else {
      jira.HumanTransition("OPS-1", close_with);
    }
  }
  SendResult Reopened() {
    inc.state = "declared";
    return store.Send(*n, inc.Event(EventType::kReopened));
  }
  // The group fires again after its dedup window: occurrence 2, a new incident and key.
  SendResult NextOccurrenceDeclared() {
    next.key = "ab-abcdefghijklmnop-2";
    return next_store.Send(*n, next.Event(EventType::kDeclared));
  }

  FakeJira jira;
  std::unique_ptr<Notifier> n;
  IncidentScript inc;
  RefStore store;
  IncidentScript next;
  RefStore next_store;
};

TEST(JiraReopen, DefaultReopensAnIssueClosedAsDone) {
  ClosedIssue c(nullptr);
  ASSERT_EQ(c.Reopened().kind, Kind::kOk);
  EXPECT_EQ(c.jira.Get("OPS-1").status, "To Do");
  EXPECT_EQ(c.jira.Issues().size(), 1u);
}

TEST(JiraReopen, WontDoIssueStaysClosedAndGetsAComment) {
  ClosedIssue c(nullptr, "Won't Do");
  ASSERT_EQ(c.Reopened().kind, Kind::kOk);
  const FakeJira::Issue issue = c.jira.Get("OPS-1");
  EXPECT_EQ(issue.status, "Done");
  EXPECT_EQ(issue.resolution, "Won't Do");
  ASSERT_EQ(issue.comments.size(), 1u);
  EXPECT_THAT(issue.comments[0], HasSubstr("stays closed (resolution: Won't Do)"));
  EXPECT_EQ(c.jira.Issues().size(), 1u);
  EXPECT_THAT(c.jira.Violations(), ElementsAre());
}

TEST(JiraReopen, KeepClosedListIsConfigurable) {
  ClosedIssue c([](JiraSettings& s) { s.reopen.keep_closed = {}; }, "Won't Do");
  ASSERT_EQ(c.Reopened().kind, Kind::kOk);
  EXPECT_EQ(c.jira.Get("OPS-1").status, "To Do");
}

TEST(JiraReopen, PolicyCommentLeavesTheIssueClosed) {
  ClosedIssue c([](JiraSettings& s) { s.reopen.reopened = ReopenAction::kComment; });
  ASSERT_EQ(c.Reopened().kind, Kind::kOk);
  const FakeJira::Issue issue = c.jira.Get("OPS-1");
  EXPECT_EQ(issue.status, "Done");
  EXPECT_THAT(issue.comments.back(), HasSubstr("stays closed"));
}

TEST(JiraReopen, PolicyNewOpensALinkedIssueOnceEvenWhenItsRefIsLost) {
  ClosedIssue c([](JiraSettings& s) { s.reopen.reopened = ReopenAction::kNew; });
  const OutboxEntry reopened = [&] {
    c.inc.state = "declared";
    return c.inc.Event(EventType::kReopened);
  }();
  // First attempt: the new issue is created but the worker never records its ref.
  SendResult lost = c.n->Send(reopened, {SystemClock().now(), c.store.refs});
  ASSERT_EQ(lost.kind, Kind::kOk) << lost.reason;
  EXPECT_EQ(lost.ref->id, "OPS-2");
  SendResult again = c.store.Send(*c.n, reopened);
  ASSERT_EQ(again.kind, Kind::kOk) << again.reason;
  EXPECT_EQ(again.ref->id, "OPS-2");
  ASSERT_EQ(c.jira.Issues().size(), 2u);
  const FakeJira::Issue fresh = c.jira.Get("OPS-2");
  EXPECT_THAT(fresh.links, ElementsAre("OPS-1"));
  EXPECT_THAT(fresh.fields["description"].get<std::string>(), HasSubstr("*Follows:* [OPS\\-1|"));
  EXPECT_EQ(c.jira.Get("OPS-1").status, "Done");
  // Later events go to the new issue.
  ASSERT_EQ(c.store.Send(*c.n, c.inc.Event(EventType::kEscalated)).kind, Kind::kOk);
  EXPECT_EQ(c.jira.Get("OPS-2").comments.size(), 1u);
  EXPECT_THAT(c.jira.Violations(), ElementsAre());
}

TEST(JiraReopen, NewOccurrenceOpensALinkedIssueByDefault) {
  ClosedIssue c(nullptr);
  SendResult r = c.NextOccurrenceDeclared();
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_EQ(r.ref->id, "OPS-2");
  EXPECT_THAT(c.jira.Get("OPS-2").links, ElementsAre("OPS-1"));
  EXPECT_EQ(c.jira.Get("OPS-1").status, "Done");
}

TEST(JiraReopen, NewOccurrenceCanReopenThePreviousIssue) {
  ClosedIssue c([](JiraSettings& s) { s.reopen.recurrence = ReopenAction::kReopen; });
  SendResult r = c.NextOccurrenceDeclared();
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_EQ(r.ref->id, "OPS-1");
  FakeJira::Issue issue = c.jira.Get("OPS-1");
  EXPECT_EQ(issue.status, "To Do");
  EXPECT_EQ(issue.fields["labels"],
            nlohmann::json({"ab-abcdefghijklmnop-1", "alertbridge", "ab-abcdefghijklmnop-2"}));
  EXPECT_THAT(issue.comments.back(),
              HasSubstr("recurred as incident ab\\-abcdefghijklmnop\\-2; ticket reopened"));
  // Sent again without the ref (crash before it was recorded): found by the new key, no change.
  const size_t comments = issue.comments.size();
  SendResult again = c.n->Send(c.next.Event(EventType::kDeclared), {SystemClock().now(), {}});
  ASSERT_EQ(again.kind, Kind::kOk) << again.reason;
  EXPECT_EQ(again.ref->id, "OPS-1");
  EXPECT_EQ(c.jira.Get("OPS-1").comments.size(), comments);
  EXPECT_EQ(c.jira.Issues().size(), 1u);
  EXPECT_THAT(c.jira.Violations(), ElementsAre());
}

TEST(JiraReopen, NewOccurrenceOfAWontDoIssueOnlyComments) {
  ClosedIssue c([](JiraSettings& s) { s.reopen.recurrence = ReopenAction::kReopen; }, "Won't Do");
  SendResult r = c.NextOccurrenceDeclared();
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_EQ(r.ref->id, "OPS-1");
  EXPECT_EQ(c.jira.Get("OPS-1").status, "Done");
  EXPECT_EQ(c.jira.Issues().size(), 1u);
  // Updates of the new occurrence are comments on the closed issue; its resolve changes nothing.
  c.next.state = "resolved";
  ASSERT_EQ(c.next_store.Send(*c.n, c.next.Event(EventType::kResolved)).kind, Kind::kOk);
  EXPECT_EQ(c.jira.Get("OPS-1").resolution, "Won't Do");
}

TEST(JiraReopen, ReopenedWhileTheIssueIsOpenOnlyComments) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kReopened)).kind, Kind::kOk);
  EXPECT_EQ(jira.Get("OPS-1").status, "To Do");
  EXPECT_THAT(jira.Get("OPS-1").comments.back(), HasSubstr("Incident reopened"));
  EXPECT_EQ(jira.Issues().size(), 1u);
}

}  // namespace
}  // namespace ab
