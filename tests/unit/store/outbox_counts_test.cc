// The outbox depth for /metrics (issue 13 item 7): kept by triggers as entries change state, so a
// scrape reads three numbers instead of counting the outbox. Checked against a real count after
// every kind of change.
#include <sqlite3.h>

#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store_fixture.h"

namespace ab::testing {
namespace {

class OutboxCountsTest : public StoreTest {
 protected:
  // What a COUNT says, the slow way the counts replace.
  OutboxCounts Counted() {
    OutboxCounts c;
    Result<std::vector<OutboxEntry>> all = store_->ListOutbox({std::nullopt, 1000});
    EXPECT_TRUE(all.ok());
    const std::vector<OutboxEntry> entries = all.ok() ? *all : std::vector<OutboxEntry>{};
    for (const OutboxEntry& e : entries) {
      if (e.state == OutboxState::kPending) ++c.pending;
      if (e.state == OutboxState::kHeld) ++c.held;
      if (e.state == OutboxState::kDead) ++c.dead;
    }
    return c;
  }
  void ExpectCounts(int64_t pending, int64_t held, int64_t dead) {
    Result<OutboxCounts> got = store_->CountOutbox();
    ASSERT_TRUE(got.ok()) << got.error().message;
    const OutboxCounts want = Counted();
    EXPECT_EQ(want.pending, pending);
    EXPECT_EQ(want.held, held);
    EXPECT_EQ(want.dead, dead);
    EXPECT_EQ(got->pending, want.pending);
    EXPECT_EQ(got->held, want.held);
    EXPECT_EQ(got->dead, want.dead);
  }
  std::vector<int64_t> Ids() {
    std::vector<int64_t> ids;
    Result<std::vector<OutboxEntry>> all = store_->ListOutbox({std::nullopt, 1000});
    EXPECT_TRUE(all.ok());
    const std::vector<OutboxEntry> entries = all.ok() ? *all : std::vector<OutboxEntry>{};
    for (const OutboxEntry& e : entries) ids.push_back(e.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
};

TEST_F(OutboxCountsTest, FollowEveryChangeOfState) {
  Incident inc = MakeIncident(1, "disk", {{"service", "db"}});
  Incident pending = MakeIncident(2, "cpu", {{"service", "api"}});
  Changes c;
  c.incidents = {inc, pending};
  MustCommit(c, {MakeOutbox(inc, 1, "jira", At(0)), MakeOutbox(inc, 2, "jira", At(0)),
                 MakeOutbox(inc, 3, "jira", At(0)), MakeOutbox(pending, 1, "slack", At(0))});
  ExpectCounts(4, 0, 0);
  const std::vector<int64_t> ids = Ids();

  ASSERT_TRUE(store_->MarkRetry(ids[0], 1, At(10), "503").ok());
  ExpectCounts(4, 0, 0);
  ASSERT_TRUE(store_->MarkDead(ids[0], 2, "404").ok());
  ExpectCounts(3, 0, 1);
  ASSERT_TRUE(store_->HoldBehindDead(inc.id, "jira").ok());
  ExpectCounts(1, 2, 1);
  ASSERT_TRUE(store_->RetryOutbox(ids[0], At(20)).ok());  // releases what it held
  ExpectCounts(4, 0, 0);
  ASSERT_TRUE(store_->MarkDelivered(ids[0], 3, At(30)).ok());
  ExpectCounts(3, 0, 0);
  ASSERT_TRUE(store_->MarkDead(ids[1], 1, "404").ok());
  ASSERT_TRUE(store_->DiscardOutbox(ids[1], At(40)).ok());
  ExpectCounts(2, 0, 0);
  // A pending incident that vanishes takes its entries along (ON DELETE CASCADE).
  Changes removed;
  removed.removed_incidents = {pending.id};
  MustCommit(removed);
  ExpectCounts(1, 0, 0);
  Reopen();
  ExpectCounts(1, 0, 0);
}

// A database from before the counts (schema 5) starts with the counts of its rows.
TEST_F(OutboxCountsTest, MigrationCountsTheRowsAlreadyThere) {
  store_.reset();
  std::filesystem::remove_all(dir_ / "data");
  std::filesystem::create_directories(dir_ / "data");
  {
    Result<sqlite::Db> db = sqlite::Db::Open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE(sqlite::MigrateTo(*db, 5).ok());
  }
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  ExpectCounts(0, 0, 0);
  store_.reset();
  std::filesystem::remove_all(dir_ / "data");
  std::filesystem::create_directories(dir_ / "data");
  {
    Result<sqlite::Db> db = sqlite::Db::Open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(sqlite::MigrateTo(*db, 5).ok());
    Status s = db->Exec(
        "INSERT INTO incidents (id, key, rule, group_labels, group_hash, occurrence, state, "
        "base_severity, priority, title, summary, owner_team, owner_commander, runbook, "
        "receivers, alerts_firing, created_at, last_seq) VALUES (1, 'k', 'r', '{}', 'h', 1, "
        "'declared', 'SEV3', 'SEV3', '', '', '', '', '', '[]', 0, 0, 3);"
        "INSERT INTO outbox (incident_id, event_seq, receiver, event_id, event_type, payload, "
        "state, attempts, created_at, next_attempt_at, last_error) VALUES "
        "(1, 1, 'a', 'k.1', 'declared', '{}', 'pending', 0, 0, 0, ''),"
        "(1, 2, 'a', 'k.2', 'declared', '{}', 'dead', 0, 0, 0, ''),"
        "(1, 3, 'a', 'k.3', 'declared', '{}', 'held', 0, 0, 0, ''),"
        "(1, 3, 'b', 'k.3', 'declared', '{}', 'delivered', 0, 0, 0, '');");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  ExpectCounts(1, 1, 1);
}

}  // namespace
}  // namespace ab::testing
