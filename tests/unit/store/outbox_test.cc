// The outbox lifecycle as delivery workers and operators drive it.
#include <gtest/gtest.h>

#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store_fixture.h"

namespace ab::testing {
namespace {

class OutboxTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    inc_ = MakeIncident(1, "disk", {{"service", "db"}});
    Changes c;
    c.incidents = {inc_};
    MustCommit(c);
  }

  std::vector<OutboxEntry> Due(TimePoint now, int limit = 100) {
    Result<std::vector<OutboxEntry>> due = store_->DueOutbox(now, limit);
    EXPECT_TRUE(due.ok()) << due.error().message;
    return due.ok() ? *due : std::vector<OutboxEntry>{};
  }

  std::vector<int64_t> Ids(const std::vector<OutboxEntry>& entries) {
    std::vector<int64_t> ids;
    for (const auto& e : entries) ids.push_back(e.id);
    return ids;
  }

  Incident inc_;
};

TEST_F(OutboxTest, CommittedEntriesGetIncreasingIdsAndKeepEveryField) {
  OutboxEntry a = MakeOutbox(inc_, 1, "slack", At(0));
  OutboxEntry b = MakeOutbox(inc_, 1, "pagerduty", At(0));
  b.attempts = 2;
  b.last_error = "earlier";
  MustCommit(Changes{}, {a, b});

  std::vector<OutboxEntry> due = Due(At(0));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_GT(due[0].id, 0);
  EXPECT_LT(due[0].id, due[1].id);
  ExpectSameOutbox(a, due[0]);
  ExpectSameOutbox(b, due[1]);
}

TEST_F(OutboxTest, DueReturnsOnlyPendingEntriesWhoseTimeHasComeInIdOrder) {
  MustCommit(Changes{}, {MakeOutbox(inc_, 1, "late", At(100)), MakeOutbox(inc_, 1, "a", At(5)),
                         MakeOutbox(inc_, 2, "b", At(1)), MakeOutbox(inc_, 3, "c", At(10))});
  std::vector<OutboxEntry> due = Due(At(10));
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].receiver, "a");
  EXPECT_EQ(due[1].receiver, "b");
  EXPECT_EQ(due[2].receiver, "c");
  EXPECT_EQ(Due(At(10), 2).size(), 2u);
  EXPECT_TRUE(Due(At(0)).empty());
  EXPECT_TRUE(Due(At(10), 0).empty());
}

TEST_F(OutboxTest, NextDueIsTheEarliestPendingTime) {
  Result<std::optional<TimePoint>> next = store_->NextOutboxDue();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());

  MustCommit(Changes{}, {MakeOutbox(inc_, 1, "a", At(50)), MakeOutbox(inc_, 2, "b", At(20))});
  next = store_->NextOutboxDue();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, At(20));

  int64_t b = Due(At(20))[0].id;
  ASSERT_TRUE(store_->MarkDead(b, 1, "400 Bad Request").ok());
  next = store_->NextOutboxDue();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, At(50));  // dead entries are not waited for
}

TEST_F(OutboxTest, LifecyclePendingRetryDeliveredAndDead) {
  MustCommit(Changes{}, {MakeOutbox(inc_, 1, "slack", At(0)), MakeOutbox(inc_, 1, "jira", At(0))});
  std::vector<OutboxEntry> due = Due(At(0));
  ASSERT_EQ(due.size(), 2u);
  int64_t slack = due[0].id;
  int64_t jira = due[1].id;
  Result<OutboxCounts> counts = store_->CountOutbox();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->pending, 2);

  ASSERT_TRUE(store_->MarkRetry(slack, 1, At(30), "503 Service Unavailable").ok());
  due = Due(At(29));
  ASSERT_EQ(Ids(due), std::vector<int64_t>{jira});
  due = Due(At(30));
  ASSERT_EQ(Ids(due), (std::vector<int64_t>{slack, jira}));
  EXPECT_EQ(due[0].attempts, 1);
  EXPECT_EQ(due[0].last_error, "503 Service Unavailable");
  EXPECT_EQ(due[0].next_attempt_at, At(30));

  ASSERT_TRUE(store_->MarkDelivered(slack, 2, At(31)).ok());
  ASSERT_TRUE(store_->MarkDead(jira, 1, "404 Not Found").ok());
  EXPECT_TRUE(Due(At(1000)).empty());
  counts = store_->CountOutbox();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->pending, 0);

  Result<std::vector<OutboxEntry>> delivered = store_->ListOutbox({OutboxState::kDelivered, 10});
  ASSERT_TRUE(delivered.ok());
  ASSERT_EQ(delivered->size(), 1u);
  EXPECT_EQ((*delivered)[0].id, slack);
  EXPECT_EQ((*delivered)[0].attempts, 2);
  EXPECT_EQ((*delivered)[0].last_error, "");
  Result<std::vector<OutboxEntry>> dead = store_->ListOutbox({OutboxState::kDead, 10});
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].id, jira);
  EXPECT_EQ((*dead)[0].last_error, "404 Not Found");
}

TEST_F(OutboxTest, ListIsNewestFirstAndHonoursLimit) {
  MustCommit(Changes{}, {MakeOutbox(inc_, 1, "a", At(0)), MakeOutbox(inc_, 2, "b", At(0)),
                         MakeOutbox(inc_, 3, "c", At(0))});
  Result<std::vector<OutboxEntry>> all = store_->ListOutbox({std::nullopt, 2});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].receiver, "c");
  EXPECT_EQ((*all)[1].receiver, "b");
  EXPECT_FALSE(store_->ListOutbox({std::nullopt, 0}).ok());
}

TEST_F(OutboxTest, RetryMovesOnlyDeadEntriesBackToDueNow) {
  MustCommit(Changes{}, {MakeOutbox(inc_, 1, "a", At(0)), MakeOutbox(inc_, 2, "b", At(0))});
  std::vector<OutboxEntry> due = Due(At(0));
  int64_t a = due[0].id;
  int64_t b = due[1].id;
  ASSERT_TRUE(store_->MarkDead(a, 5, "401 Unauthorized").ok());

  Result<std::optional<OutboxState>> retried = store_->RetryOutbox(b, At(60));
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(*retried, OutboxState::kPending);  // left alone
  retried = store_->RetryOutbox(12345, At(60));
  ASSERT_TRUE(retried.ok());
  EXPECT_FALSE(retried->has_value());

  retried = store_->RetryOutbox(a, At(60));
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(*retried, OutboxState::kDead);
  due = Due(At(60));
  ASSERT_EQ(Ids(due), (std::vector<int64_t>{a, b}));
  EXPECT_EQ(due[0].state, OutboxState::kPending);
  EXPECT_EQ(due[0].next_attempt_at, At(60));
  EXPECT_EQ(due[0].attempts, 0);
  EXPECT_EQ(Ids(Due(At(59))), std::vector<int64_t>{b});  // b was due at 0; a is due at 60
}

TEST_F(OutboxTest, MarkingAnUnknownEntryIsAnError) {
  Status s = store_->MarkDelivered(777, 1, At(0));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("777"), std::string::npos) << s.error().message;
  EXPECT_FALSE(store_->MarkRetry(777, 1, At(1), "x").ok());
  EXPECT_FALSE(store_->MarkDead(777, 1, "x").ok());
}

TEST_F(OutboxTest, ExternalRefsShowUpOnTheIncidentEverywhere) {
  ExternalRef jira{"jira-ops", "issue", "OPS-7", "https://acme.atlassian.net/browse/OPS-7"};
  ExternalRef gh{"github", "issue", "42", "https://github.com/acme/ops/issues/42"};
  ASSERT_TRUE(store_->AddExternalRef(1, jira).ok());
  ASSERT_TRUE(store_->AddExternalRef(1, gh).ok());
  jira.url = "https://acme.atlassian.net/browse/OPS-7?moved";
  ASSERT_TRUE(store_->AddExternalRef(1, jira).ok());  // same ref again: url updated, no copy
  std::vector<ExternalRef> want = {jira, gh};

  StoredState state = MustLoad();
  ASSERT_EQ(state.incidents.size(), 1u);
  EXPECT_EQ(state.incidents[0].external_refs, want);
  Result<IncidentPage> page = store_->ListIncidents({});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 1u);
  EXPECT_EQ(page->incidents[0].external_refs, want);
  Result<std::optional<IncidentDetail>> got = store_->GetIncident(1);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->incident.external_refs, want);

  // The delivery path reads one receiver's refs, oldest first.
  Result<std::vector<ExternalRef>> mine = store_->ExternalRefs(1, "jira-ops");
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  EXPECT_EQ(*mine, std::vector<ExternalRef>{jira});
  Result<std::vector<ExternalRef>> none = store_->ExternalRefs(2, "jira-ops");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  // A later upsert of the incident from the engine (which does not know the refs) keeps them.
  Changes c;
  c.incidents = {inc_};
  MustCommit(c);
  EXPECT_EQ(MustLoad().incidents[0].external_refs, want);
}

TEST_F(OutboxTest, ExternalRefForUnknownIncidentIsAnError) {
  Status s = store_->AddExternalRef(99, {"jira-ops", "issue", "OPS-1", ""});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("incident 99"), std::string::npos) << s.error().message;
}

// Issue 13 item 2: an older binary stored next_attempt_at = INT64_MAX ("never") for entries behind
// a half-open probe; they were never delivered, not even after a restart. Opening the database
// with this binary heals them: due at once.
TEST_F(OutboxTest, EntriesStoredForNeverByAnOlderBinaryAreDueAfterTheUpgrade) {
  store_.reset();
  const std::string old_path = (dir_ / "v5.db").string();
  {
    Result<sqlite::Db> db = sqlite::Db::Open(old_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.ok()) << db.error().message;
    Status s = sqlite::MigrateTo(*db, 5);
    ASSERT_TRUE(s.ok()) << s.error().message;
    s = db->Exec(
        "INSERT INTO incidents (id, key, rule, group_labels, group_hash, occurrence, state, "
        "base_severity, priority, title, summary, owner_team, owner_commander, runbook, "
        "receivers, alerts_firing, created_at, last_seq) VALUES "
        "(7, 'ab-x-1', 'r', '{}', 'x', 1, 'declared', 'SEV3', 'SEV3', 't', '', '', '', '', '[]', "
        "0, 1000, 2);"
        "INSERT INTO outbox (incident_id, event_seq, receiver, event_id, event_type, payload, "
        "state, attempts, created_at, next_attempt_at, last_error) VALUES "
        "(7, 1, 'pd', 'ab-x-1.1', 'declared', '{}', 'pending', 0, 1000, 1000, ''), "
        "(7, 2, 'pd', 'ab-x-1.2', 'resolved', '{}', 'pending', 0, 1000, 9223372036854775807, "
        "'waiting for outbox entry 1 (same incident and receiver)');");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  Result<std::unique_ptr<IncidentStore>> reopened = OpenSqliteStore(old_path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  Result<std::vector<OutboxEntry>> due = (*reopened)->DueOutbox(FromMillis(1000), 10);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[1].event_id, "ab-x-1.2");
  EXPECT_EQ((*due)[1].next_attempt_at, FromMillis(1000));
}

}  // namespace
}  // namespace ab::testing
