// Commit + Load + GetIncident: every field survives, a failed commit leaves nothing behind, and
// a new store instance on the same file sees the same state.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace ab::testing {
namespace {

using CommitLoadTest = StoreTest;

TrackedAlert ResolvedAlertWithAwkwardText() {
  TrackedAlert t;
  t.id = NextAlertId();
  t.alert.fingerprint = 0xfedcba9876543210ULL;  // high bit set: stored as a negative integer
  t.alert.labels = {{"alertname", "Quote\"Back\\slash"},
                    {"ctl", std::string_view("tab\tnl\ncr\r\x01\x1f", 12)},
                    {"utf8", "Zürich ✓ 🚒"},
                    {"bytes", "\xff\xfe not utf-8"}};
  t.alert.annotations = {};
  t.alert.status = AlertStatus::kResolved;
  t.alert.starts_at = At(-5);
  t.alert.ends_at = std::nullopt;
  t.alert.generator_url = "";
  t.alert.source = "grafana";
  t.first_received = At(7);
  t.last_received = At(8);
  t.resolved_at = std::nullopt;
  return t;
}

TEST_F(CommitLoadTest, RoundTripsEveryAlertField) {
  Changes c;
  c.alerts = {MakeAlert("DiskFull", "db-1"), ResolvedAlertWithAwkwardText()};
  MustCommit(c);

  StoredState state = MustLoad();
  ASSERT_EQ(state.alerts.size(), 2u);
  // Load returns alerts in storage order; match them by fingerprint.
  for (const TrackedAlert& want : c.alerts) {
    auto it = std::find_if(state.alerts.begin(), state.alerts.end(), [&](const TrackedAlert& a) {
      return a.alert.fingerprint == want.alert.fingerprint;
    });
    ASSERT_NE(it, state.alerts.end()) << FormatFingerprint(want.alert.fingerprint);
    ExpectSameAlert(want, *it);
  }
}

TEST_F(CommitLoadTest, RoundTripsEveryIncidentField) {
  Incident full = MakeIncident(7, "checkout-outage", {{"service", "checkout"}, {"cluster", "eu"}});
  full.external_refs = {{"jira-ops", "issue", "OPS-12", "https://acme.atlassian.net/OPS-12"}};
  Incident sparse = MakeIncident(3, "disk", {}, 4);
  sparse.state = IncidentState::kPending;
  sparse.receivers = {};
  sparse.alerts = {};
  sparse.declared_at = sparse.acknowledged_at = sparse.resolved_at = sparse.closed_at =
      std::nullopt;
  sparse.owner = {};
  sparse.last_seq = 0;
  Changes c;
  c.incidents = {full, sparse};
  AddMembers(c);
  MustCommit(c);

  StoredState state = MustLoad();
  ASSERT_EQ(state.incidents.size(), 2u);
  EXPECT_EQ(state.incidents[0], sparse);  // ordered by id
  EXPECT_EQ(state.incidents[1], full);
}

TEST_F(CommitLoadTest, GetIncidentReturnsMemberAlertsAndTimelineBySeq) {
  TrackedAlert a = MakeAlert("DiskFull", "db-1");
  TrackedAlert b = MakeAlert("DiskFull", "db-2");
  Incident inc = MakeIncident(1, "disk", {{"service", "checkout"}});
  inc.alerts = {a.alert.fingerprint, b.alert.fingerprint, 0x1111};  // 0x1111 was never stored
  std::sort(inc.alerts.begin(), inc.alerts.end());
  inc.last_seq = 3;
  Changes first;
  first.alerts = {a, b};
  first.incidents = {inc};
  AddMembers(first);
  first.incidents[0].alerts.clear();  // rows do not carry the list; joined does
  first.events = {MakeEvent(inc, 1, EventType::kDeclared),
                  MakeEvent(inc, 2, EventType::kAlertAdded)};
  MustCommit(first);
  Changes second;
  second.events = {MakeEvent(inc, 3, EventType::kAcknowledged)};
  second.events[0].event.actor = "user:alice";
  MustCommit(second);

  Result<std::optional<IncidentDetail>> got = store_->GetIncident(1);
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  const IncidentDetail& d = **got;
  Incident want = inc;
  want.alerts = {a.alert.fingerprint, b.alert.fingerprint};  // the members that have alert rows
  std::sort(want.alerts.begin(), want.alerts.end());
  EXPECT_EQ(d.incident, want);
  ASSERT_EQ(d.alerts.size(), 2u);
  for (const TrackedAlert& member : d.alerts) {
    ExpectSameAlert(member.alert.fingerprint == a.alert.fingerprint ? a : b, member);
  }
  ASSERT_EQ(d.timeline.size(), 3u);
  ExpectSameEvent(first.events[0].event, d.timeline[0]);
  ExpectSameEvent(first.events[1].event, d.timeline[1]);
  ExpectSameEvent(second.events[0].event, d.timeline[2]);
}

TEST_F(CommitLoadTest, GetIncidentOfUnknownIdIsEmpty) {
  Result<std::optional<IncidentDetail>> got = store_->GetIncident(42);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_FALSE(got->has_value());
}

TEST_F(CommitLoadTest, UpsertKeepsTheLaterRow) {
  Changes c;
  c.alerts = {MakeAlert("DiskFull", "db-1")};
  c.incidents = {MakeIncident(1, "disk", {{"service", "checkout"}})};
  AddMembers(c);
  MustCommit(c);
  c.alerts[0].alert.status = AlertStatus::kResolved;
  c.alerts[0].last_received = At(99);
  c.incidents[0].state = IncidentState::kResolved;
  c.incidents[0].alerts_firing = 0;
  c.incidents[0].last_seq = 9;
  MustCommit(c);

  StoredState state = MustLoad();
  ASSERT_EQ(state.alerts.size(), 1u);
  ExpectSameAlert(c.alerts[0], state.alerts[0]);
  ASSERT_EQ(state.incidents.size(), 1u);
  EXPECT_EQ(state.incidents[0], c.incidents[0]);
}

TEST_F(CommitLoadTest, FailedCommitWritesNothing) {
  LabelSet group{{"service", "checkout"}};
  Changes before;
  before.incidents = {MakeIncident(1, "checkout-outage", group)};
  AddMembers(before);
  MustCommit(before);

  // Incident 3 declares the same (rule, group, occurrence) as incident 1: the unique constraint
  // must reject the whole commit, including what came before it in the same transaction.
  Incident fresh = MakeIncident(2, "other-rule", group);
  Incident duplicate = MakeIncident(3, "checkout-outage", group);
  duplicate.key = "ab-duplicate-1";  // only the (rule, group, occurrence) triple clashes
  Changes bad;
  bad.alerts = {MakeAlert("DiskFull", "db-1")};
  bad.incidents = {fresh, duplicate};
  bad.events = {MakeEvent(fresh, 1, EventType::kDeclared)};
  Status s = store_->Commit(bad, {MakeOutbox(fresh, 1, "slack", At(0))});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("UNIQUE"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("incident 3"), std::string::npos) << s.error().message;

  StoredState state = MustLoad();
  EXPECT_TRUE(state.alerts.empty());
  ASSERT_EQ(state.incidents.size(), 1u);
  EXPECT_EQ(state.incidents[0], before.incidents[0]);
  Result<std::optional<IncidentDetail>> got = store_->GetIncident(2);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  Result<OutboxCounts> counts = store_->CountOutbox();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->pending, 0);

  // The failed transaction is gone: the next commit goes through.
  bad.incidents = {fresh};
  MustCommit(bad, {MakeOutbox(fresh, 1, "slack", At(0))});
  EXPECT_EQ(MustLoad().incidents.size(), 2u);
}

TEST_F(CommitLoadTest, FailedCommitOnLastStatementRollsBackEarlierOnes) {
  Incident inc = MakeIncident(1, "disk", {{"service", "db"}});
  Changes c;
  c.alerts = {MakeAlert("DiskFull", "db-1")};
  c.incidents = {inc};
  c.events = {MakeEvent(inc, 1, EventType::kDeclared)};
  OutboxEntry orphan = MakeOutbox(inc, 1, "slack", At(0));
  orphan.incident_id = 999;  // no such incident
  Status s = store_->Commit(c, {MakeOutbox(inc, 1, "pagerduty", At(0)), orphan});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("FOREIGN KEY"), std::string::npos) << s.error().message;

  StoredState state = MustLoad();
  EXPECT_TRUE(state.alerts.empty());
  EXPECT_TRUE(state.incidents.empty());
  Result<std::vector<OutboxEntry>> all = store_->ListOutbox({});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(CommitLoadTest, DuplicateEventSeqIsRejected) {
  Incident inc = MakeIncident(1, "disk", {{"service", "db"}});
  Changes c;
  c.incidents = {inc};
  c.events = {MakeEvent(inc, 1, EventType::kDeclared)};
  MustCommit(c);
  Status s = store_->Commit(c, {});
  EXPECT_FALSE(s.ok());
}

TEST_F(CommitLoadTest, RemovedPendingIncidentIsDeleted) {
  Incident keep = MakeIncident(1, "disk", {{"service", "db"}});
  Incident pending = MakeIncident(2, "disk", {{"service", "web"}});
  pending.state = IncidentState::kPending;
  Changes c;
  c.incidents = {keep, pending};
  MustCommit(c);
  Changes removal;
  removal.removed_incidents = {2};
  MustCommit(removal);

  StoredState state = MustLoad();
  ASSERT_EQ(state.incidents.size(), 1u);
  EXPECT_EQ(state.incidents[0].id, 1);
  Result<std::optional<IncidentDetail>> got = store_->GetIncident(2);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(CommitLoadTest, NewStoreOnTheSameFileSeesTheSameState) {
  TrackedAlert a = MakeAlert("DiskFull", "db-1");
  Incident inc = MakeIncident(1, "disk", {{"service", "db"}});
  inc.alerts = {a.alert.fingerprint};
  Changes c;
  c.alerts = {a};
  c.incidents = {inc};
  c.events = {MakeEvent(inc, 1, EventType::kDeclared)};
  MustCommit(c, {MakeOutbox(inc, 1, "slack", At(0))});
  ASSERT_TRUE(store_->AddExternalRef(1, {"jira-ops", "issue", "OPS-1", "https://j/OPS-1"}).ok());
  StoredState before = MustLoad();

  Reopen();

  StoredState after = MustLoad();
  ASSERT_EQ(after.alerts.size(), 1u);
  ExpectSameAlert(a, after.alerts[0]);
  ASSERT_EQ(after.incidents.size(), 1u);
  EXPECT_EQ(after.incidents[0], before.incidents[0]);
  EXPECT_EQ(after.incidents[0].external_refs.size(), 1u);
  Result<std::optional<IncidentDetail>> got = store_->GetIncident(1);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->timeline.size(), 1u);
  Result<std::vector<OutboxEntry>> due = store_->DueOutbox(At(0), 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].receiver, "slack");
}

TEST_F(CommitLoadTest, EmptyCommitSucceedsAndWritesNothing) {
  MustCommit(Changes{});
  StoredState state = MustLoad();
  EXPECT_TRUE(state.alerts.empty());
  EXPECT_TRUE(state.incidents.empty());
}

TEST_F(CommitLoadTest, MembershipsAccumulateAsRowsAndGoWithTheirIncident) {
  Incident inc = MakeIncident(1, "disk", {{"service", "db"}});
  inc.alerts.clear();
  Changes first;
  first.incidents = {inc};
  first.joined = {MemberRow(first, 1, 0x0aULL)};
  MustCommit(first);
  // A later upsert of the row carries only the new member, never the whole list.
  Changes second;
  second.incidents = {inc};
  second.joined = {MemberRow(second, 1, 0xf0000000000000bbULL),
                   MemberRow(second, 1, 0x0aULL)};  // a repeat is harmless
  MustCommit(second);
  StoredState state = MustLoad();
  ASSERT_EQ(state.incidents.size(), 1u);
  EXPECT_EQ(state.incidents[0].alerts, (std::vector<uint64_t>{0x0aULL, 0xf0000000000000bbULL}))
      << "unsigned order, like the engine";

  // A pending group that vanished takes its memberships with it.
  Changes removed;
  removed.removed_incidents = {1};
  MustCommit(removed);
  Changes again;
  again.incidents = {inc};
  MustCommit(again);
  state = MustLoad();
  ASSERT_EQ(state.incidents.size(), 1u);
  EXPECT_TRUE(state.incidents[0].alerts.empty());
}

}  // namespace
}  // namespace ab::testing
