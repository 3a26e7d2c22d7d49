// The jira receiver on projects as people set them up (issue 16 item 2): screens without
// Priority or Linked Issues, simplified workflows without Reopen, Cloud's lagging search index,
// issues deleted by hand, and Jira's own way of counting lengths. Optional steps degrade; the
// lifecycle (declare -> priority -> resolve -> recurrence) always ends with the ticket closed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "jira_fixture.h"
#include "notify/text/truncate.h"

namespace ab {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using testing::FakeJira;
using ::testing::Field;
using ::testing::HasSubstr;
using testing::IncidentScript;
using ::testing::IsEmpty;
using testing::JiraBasicAuth;
using testing::JiraConfig;
using testing::RefStore;
using Kind = SendResult::Kind;

std::vector<std::string> Steps(const SendResult& r) {
  std::vector<std::string> out;
  for (const DegradedStep& d : r.degraded) out.push_back(d.step);
  return out;
}

TEST(JiraRealProjects, AScreenWithoutPriorityStillGetsATicketThatCloses) {
  FakeJira jira(true, JiraBasicAuth());
  jira.ScreenLacks({"priority", "issuelinks"});
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  RefStore store;

  SendResult declared = store.Send(*n, inc.Event(EventType::kDeclared));
  ASSERT_EQ(declared.kind, Kind::kOk) << declared.reason;
  EXPECT_THAT(Steps(declared), ElementsAre("priority"));
  EXPECT_THAT(declared.degraded[0].reason, HasSubstr("not on the create screen of OPS/Incident"));
  ASSERT_EQ(jira.Issues().size(), 1u);
  EXPECT_FALSE(jira.Get("OPS-1").fields.contains("priority"));

  // The priority rises: the edit screen lacks it too. Delivered, degraded, not dead.
  inc.priority = "SEV1";
  inc.details = {{"field", "priority"}, {"from", "SEV2"}, {"to", "SEV1"}};
  SendResult raised = store.Send(*n, inc.Event(EventType::kSeverityChanged));
  ASSERT_EQ(raised.kind, Kind::kOk) << raised.reason;
  EXPECT_THAT(Steps(raised), ElementsAre("priority"));
  EXPECT_THAT(jira.Get("OPS-1").comments.back(), HasSubstr("Priority raised from SEV2 to SEV1"));

  inc.state = "resolved";
  inc.details = {{"how", "alerts_recovered"}};
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  EXPECT_EQ(jira.Get("OPS-1").status, "Done");

  // Recurrence after the dedup window: a new issue, linked by issueLink, not in the create.
  IncidentScript next;
  next.key = "ab-abcdefghijklmnop-2";
  RefStore next_store;
  SendResult recurred = next_store.Send(*n, next.Event(EventType::kDeclared));
  ASSERT_EQ(recurred.kind, Kind::kOk) << recurred.reason;
  ASSERT_EQ(jira.Issues().size(), 2u);
  EXPECT_THAT(jira.Get("OPS-2").links, ElementsAre("OPS-1"));
  EXPECT_THAT(jira.Violations(), IsEmpty());
  // The create metadata was read once and cached.
  EXPECT_EQ(testing::Count(jira.Calls(), "GET /rest/api/2/issue/createmeta/OPS/issuetypes"), 1);
}

TEST(JiraRealProjects, AScreenThatChangesIsReadAgainOnA400NamingTheField) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript first;
  RefStore store;
  ASSERT_EQ(store.Send(*n, first.Event(EventType::kDeclared)).kind, Kind::kOk);
  EXPECT_TRUE(jira.Get("OPS-1").fields.contains("priority"));

  jira.ScreenLacks({"priority"});  // an admin edits the screen; our cached metadata is stale
  IncidentScript second;
  second.key = "ab-bbbbbbbbbbbbbbbb-1";
  RefStore other;
  SendResult r = other.Send(*n, second.Event(EventType::kDeclared));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_THAT(Steps(r), Contains("priority"));
  ASSERT_EQ(jira.Issues().size(), 2u);
  EXPECT_FALSE(jira.Get("OPS-2").fields.contains("priority"));
}

TEST(JiraRealProjects, SimplifiedWorkflowReopensByStatusCategory) {
  FakeJira jira(true, JiraBasicAuth());
  jira.UseSimplifiedWorkflow();
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  inc.state = "resolved";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  EXPECT_EQ(jira.Get("OPS-1").status, "Done");

  inc.state = "declared";
  inc.actor = "user:carol";
  SendResult r = store.Send(*n, inc.Event(EventType::kReopened));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_THAT(r.degraded, IsEmpty());
  EXPECT_EQ(jira.Get("OPS-1").status, "To Do");  // no "Reopen": the To Do category's transition
  EXPECT_THAT(jira.Get("OPS-1").comments.back(), HasSubstr("Incident reopened by carol"));
  EXPECT_THAT(jira.Violations(), IsEmpty());
}

TEST(JiraRealProjects, NoWayBackToOpenIsACommentNotADeadEntry) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true, [](JiraSettings& s) {
    s.reopen_transition = "Resurrect";  // not in this workflow
  }));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  jira.HumanTransition("OPS-1", "Done");
  // The standard workflow's only way out of Done is "Reopen" (to To Do): taken by category.
  inc.state = "declared";
  SendResult r = store.Send(*n, inc.Event(EventType::kReopened));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_EQ(jira.Get("OPS-1").status, "To Do");

  FakeJira simple(true, JiraBasicAuth());
  simple.UseSimplifiedWorkflow();
  auto m = testing::BuildNotifier(JiraConfig(simple, true));
  IncidentScript other;
  RefStore other_store;
  ASSERT_EQ(other_store.Send(*m, other.Event(EventType::kDeclared)).kind, Kind::kOk);
  simple.HumanDelete("OPS-1");
  // A deleted ticket: the update is counted and the ref shown as gone, nothing recreated.
  other.state = "acknowledged";
  SendResult gone = other_store.Send(*m, other.Event(EventType::kAcknowledged));
  ASSERT_EQ(gone.kind, Kind::kOk) << gone.reason;
  EXPECT_THAT(Steps(gone), ElementsAre("ticket_gone"));
  ASSERT_TRUE(gone.ref.has_value());
  EXPECT_EQ(gone.ref->type, "issue-gone");
  EXPECT_EQ(gone.ref->id, "OPS-1");
  EXPECT_THAT(simple.Issues(), IsEmpty());
}

TEST(JiraRealProjects, ExactlyOneIssueAfterATimedOutCreateWhileTheIndexLags) {
  FakeJira jira(true, JiraBasicAuth());
  jira.SetSearchLag(std::chrono::milliseconds(800));
  auto n = testing::BuildNotifier(
      JiraConfig(jira, true, [](JiraSettings& s) { s.search_lag = Duration(1500); }));
  IncidentScript inc;
  RefStore store;
  // The create takes effect but its answer is lost (a timeout, a cut connection).
  jira.FailNext(testing::Fault::LoseAnswer(), 1, "POST", "/rest/api/2/issue");
  const OutboxEntry first = inc.Event(EventType::kDeclared);
  EXPECT_EQ(store.Send(*n, first).kind, Kind::kRetry);
  ASSERT_EQ(jira.Issues().size(), 1u);

  // The retry comes while the search index does not show the issue yet: it waits rather than
  // create a second one, for as long as the index may lag.
  OutboxEntry retry = first;
  retry.attempts = 1;
  SendResult waiting = store.Send(*n, retry);
  EXPECT_EQ(waiting.kind, Kind::kRetry);
  ASSERT_TRUE(waiting.retry_after.has_value());
  EXPECT_LE(*waiting.retry_after, Duration(1500));
  EXPECT_EQ(jira.Issues().size(), 1u);

  // Once the index caught up, the retry finds and adopts it.
  jira.SetSearchLag(std::chrono::milliseconds(0));
  SendResult adopted = store.Send(*n, retry);
  ASSERT_EQ(adopted.kind, Kind::kOk) << adopted.reason;
  ASSERT_TRUE(adopted.ref.has_value());
  EXPECT_EQ(adopted.ref->id, "OPS-1");
  EXPECT_EQ(jira.Issues().size(), 1u);
}

TEST(JiraRealProjects, ARetriedCreateWaitsForTheIndexOnlyAsLongAsItMayLag) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(
      JiraConfig(jira, true, [](JiraSettings& s) { s.search_lag = Duration(1500); }));
  IncidentScript inc;
  inc.attempts = 1;  // an earlier attempt failed before it reached Jira
  inc.created_at = SystemClock().now() - Duration(2000);
  RefStore store;
  SendResult r = store.Send(*n, inc.Event(EventType::kDeclared));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_EQ(jira.Issues().size(), 1u);
  // Data Center searches at once: no waiting there at all.
  FakeJira dc(false, "Bearer " + std::string(testing::kJiraPat));
  auto m = testing::BuildNotifier(JiraConfig(dc, false));
  IncidentScript dc_inc;
  dc_inc.attempts = 3;
  RefStore dc_store;
  ASSERT_EQ(dc_store.Send(*m, dc_inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  EXPECT_EQ(dc.Issues().size(), 1u);
}

TEST(JiraRealProjects, LengthsAreCountedInUtf16UnitsAsJiraCountsThem) {
  EXPECT_EQ(TextLength("a\xF0\x9F\x94\xA5", LengthUnit::kUtf16), 3u);  // "a🔥": 1 + 2
  EXPECT_EQ(TextLength("a\xF0\x9F\x94\xA5", LengthUnit::kChars), 2u);
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  inc.title.clear();
  for (int i = 0; i < 200; ++i) inc.title += "\xF0\x9F\x94\xA5";  // 200 emoji = 400 UTF-16 units
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  const std::string summary = jira.Get("OPS-1").fields["summary"];
  EXPECT_LE(TextLength(summary, LengthUnit::kUtf16), 255u);
  EXPECT_GT(TextLength(summary, LengthUnit::kUtf16), 240u);
}

TEST(JiraRealProjects, ADeclareThatFindsAClosedTicketAppliesTheReopenPolicy) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  // Last month's ticket carries the key (a database started afresh, before instance ids).
  IncidentScript old;
  RefStore old_store;
  ASSERT_EQ(old_store.Send(*n, old.Event(EventType::kDeclared)).kind, Kind::kOk);
  jira.HumanTransition("OPS-1", "Done");

  IncidentScript fresh;  // same key, no refs
  RefStore fresh_store;
  SendResult r = fresh_store.Send(*n, fresh.Event(EventType::kDeclared));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  // Default recurrence policy `new`: a fresh ticket that follows the closed one, never silence.
  ASSERT_EQ(jira.Issues().size(), 2u);
  EXPECT_EQ(r.ref->id, "OPS-2");
  EXPECT_EQ(jira.Get("OPS-1").status, "Done");
}

TEST(JiraRealProjects, PeoplesWordsReachTheTicket) {
  FakeJira jira(true, JiraBasicAuth());
  auto n = testing::BuildNotifier(JiraConfig(jira, true));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  inc.actor = "user:dave";
  inc.details = {{"text", "rolled back to 1.2.2"}};
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kNoteAdded)).kind, Kind::kOk);
  EXPECT_THAT(jira.Get("OPS-1").comments.back(), HasSubstr("Note by dave: rolled back to 1.2.2"));
  // Base severity alone: nothing downstream (the priority event that follows is the one).
  inc.details = {{"field", "base_severity"}, {"from", "SEV3"}, {"to", "SEV2"}};
  const size_t calls = jira.Calls().size();
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kSeverityChanged)).kind, Kind::kOk);
  EXPECT_EQ(jira.Calls().size(), calls);
  // Resolved because monitoring went silent: the ticket says so.
  inc.state = "resolved";
  inc.details = {{"how", "alerts_stale"}, {"alerts_stale", 3}};
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  EXPECT_THAT(jira.Get("OPS-1").comments.back(), HasSubstr("its alerts went stale"));
}

}  // namespace
}  // namespace ab
