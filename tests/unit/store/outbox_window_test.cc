// What the delivery worker needs from the store since issue 13: pending entries read in id order
// whatever their retry time (one index range), bulk dead-lettering, marks that apply to pending
// entries only and may be repeated, and per-receiver counts kept on each write that always agree
// with a real count of the table.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>

#include "store/sqlite/sqlite_store.h"
#include "store_fixture.h"

namespace ab::testing {
namespace {

class OutboxWindowTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    inc_ = MakeIncident(1, "disk", {{"service", "db"}});
    other_ = MakeIncident(2, "cpu", {{"service", "api"}});
    Changes c;
    c.incidents = {inc_, other_};
    MustCommit(c);
  }

  std::vector<int64_t> Ids(const std::string& receiver, int64_t after, int limit) {
    Result<std::vector<OutboxEntry>> got = store_->PendingOutbox(receiver, after, limit);
    EXPECT_TRUE(got.ok()) << got.error().message;
    std::vector<int64_t> ids;
    if (got.ok()) {
      for (const OutboxEntry& e : *got) ids.push_back(e.id);
    }
    return ids;
  }

  // The counts as a query of the table sees them, for comparison with CountOutbox.
  std::map<std::string, OutboxDepth> Counted() {
    std::map<std::string, OutboxDepth> out;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT receiver, state, count(*) FROM outbox GROUP BY 1, 2",
                                 -1, &st, nullptr),
              SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
      const std::string receiver = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      const std::string state = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
      OutboxDepth& d = out[receiver];
      const int64_t n = sqlite3_column_int64(st, 2);
      if (state == "pending") d.pending = n;
      if (state == "held") d.held = n;
      if (state == "dead") d.dead = n;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  void ExpectCountsAgree(const std::string& when) {
    Result<OutboxCounts> counts = store_->CountOutbox();
    ASSERT_TRUE(counts.ok());
    std::map<std::string, OutboxDepth> want = Counted();
    OutboxDepth total;
    for (const auto& [receiver, d] : want) {
      total.pending += d.pending;
      total.held += d.held;
      total.dead += d.dead;
      const OutboxDepth got = counts->by_receiver[receiver];
      EXPECT_EQ(got.pending, d.pending) << receiver << " " << when;
      EXPECT_EQ(got.held, d.held) << receiver << " " << when;
      EXPECT_EQ(got.dead, d.dead) << receiver << " " << when;
    }
    EXPECT_EQ(counts->pending, total.pending) << when;
    EXPECT_EQ(counts->held, total.held) << when;
    EXPECT_EQ(counts->dead, total.dead) << when;
  }

  Incident inc_;
  Incident other_;
};

TEST_F(OutboxWindowTest, PendingEntriesComeInIdOrderWhateverTheirRetryTime) {
  MustCommit(Changes{},
             {MakeOutbox(inc_, 1, "slack", At(500)), MakeOutbox(inc_, 1, "jira", At(0)),
              MakeOutbox(inc_, 2, "slack", At(0)), MakeOutbox(other_, 1, "slack", At(9))});
  const std::vector<int64_t> all = Ids("", 0, 100);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(Ids("slack", 0, 100), (std::vector<int64_t>{all[0], all[2], all[3]}));
  EXPECT_EQ(Ids("slack", all[0], 1), std::vector<int64_t>{all[2]});
  EXPECT_EQ(Ids("", all[3], 100), std::vector<int64_t>{});

  ASSERT_TRUE(store_->MarkDelivered(all[2], 1, At(1)).ok());
  ASSERT_TRUE(store_->MarkDead(all[1], 1, "HTTP 400").ok());
  EXPECT_EQ(Ids("", 0, 100), (std::vector<int64_t>{all[0], all[3]}));
}

TEST_F(OutboxWindowTest, TheReadIsOneRangeOfThePendingIndex) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  for (bool one_receiver : {false, true}) {
    const std::string sql =
        "EXPLAIN QUERY PLAN " + sqlite::SqliteStore::PendingOutboxQuery(one_receiver);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    std::string plan;
    while (sqlite3_step(st) == SQLITE_ROW) {
      plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
      plan += "\n";
    }
    sqlite3_finalize(st);
    EXPECT_NE(plan.find("outbox_pending"), std::string::npos) << sql << "\n" << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << plan;
  }
  sqlite3_close(db);
}

TEST_F(OutboxWindowTest, MarksApplyToPendingEntriesAndMayBeRepeated) {
  MustCommit(Changes{}, {MakeOutbox(inc_, 1, "hook", At(0)), MakeOutbox(inc_, 2, "hook", At(0))});
  const std::vector<int64_t> ids = Ids("", 0, 10);
  ASSERT_TRUE(store_->MarkDelivered(ids[0], 1, At(1)).ok());
  // A record retried after a commit that did land: done already, so fine.
  EXPECT_TRUE(store_->MarkDelivered(ids[0], 1, At(2)).ok());
  // Anything else on an entry that is not pending is refused, naming its state.
  Status s = store_->MarkRetry(ids[0], 2, At(3), "HTTP 503");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("delivered, not pending"), std::string::npos)
      << s.error().message;
  EXPECT_FALSE(store_->MarkDead(ids[0], 2, "x").ok());
  ASSERT_TRUE(store_->MarkDead(ids[1], 1, "HTTP 400").ok());
  EXPECT_TRUE(store_->MarkDead(ids[1], 1, "HTTP 400").ok());
  EXPECT_FALSE(store_->MarkDelivered(ids[1], 2, At(4)).ok());
  ExpectCountsAgree("after the marks");
}

TEST_F(OutboxWindowTest, MarkDeadManyDeadLettersPendingEntriesInOneWrite) {
  MustCommit(Changes{}, {MakeOutbox(inc_, 1, "gone", At(0)), MakeOutbox(inc_, 2, "gone", At(50)),
                         MakeOutbox(inc_, 3, "gone", At(0))});
  const std::vector<int64_t> ids = Ids("", 0, 10);
  ASSERT_TRUE(store_->MarkDelivered(ids[2], 1, At(1)).ok());
  ASSERT_TRUE(store_->MarkDeadMany(ids, "receiver \"gone\" is not configured").ok());
  Result<std::vector<OutboxEntry>> dead = store_->ListOutbox({OutboxState::kDead, 10});
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 2u);  // the delivered one is left alone
  EXPECT_EQ((*dead)[0].last_error, "receiver \"gone\" is not configured");
  ExpectCountsAgree("after the bulk dead letter");
}

// Every way an entry changes state, in a random order, keeps the kept counts equal to a count of
// the table; and a restart reads them afresh.
TEST_F(OutboxWindowTest, KeptCountsAgreeWithTheTableThroughEveryTransition) {
  std::mt19937 rng(7);
  const std::vector<std::string> receivers = {"jira", "slack", "pd"};
  for (int round = 0; round < 30; ++round) {
    std::vector<OutboxEntry> batch;
    for (int i = 0; i < 4; ++i) {
      batch.push_back(MakeOutbox(rng() % 2 ? inc_ : other_, round * 4 + i + 1,
                                 receivers[rng() % receivers.size()], At(0)));
    }
    MustCommit(Changes{}, batch);
    Result<std::vector<OutboxEntry>> pending = store_->PendingOutbox("", 0, 1000);
    ASSERT_TRUE(pending.ok());
    for (const OutboxEntry& e : *pending) {
      // A hold below may have taken later entries of its key out of pending since the read.
      if (Ids(e.receiver, e.id - 1, 1) != std::vector<int64_t>{e.id}) continue;
      switch (rng() % 6) {
        case 0:
          ASSERT_TRUE(store_->MarkDelivered(e.id, 1, At(1)).ok());
          break;
        case 1:
          ASSERT_TRUE(store_->MarkRetry(e.id, 1, At(5), "HTTP 503").ok());
          break;
        case 2:
          ASSERT_TRUE(store_->MarkDead(e.id, 1, "HTTP 400").ok());
          ASSERT_TRUE(store_->HoldBehindDead(e.incident_id, e.receiver).ok());
          break;
        default:
          break;
      }
    }
    Result<std::vector<OutboxEntry>> dead = store_->ListOutbox({OutboxState::kDead, 1000});
    ASSERT_TRUE(dead.ok());
    for (const OutboxEntry& e : *dead) {
      const unsigned pick = rng() % 3;
      if (pick == 0) {
        ASSERT_TRUE(store_->RetryOutbox(e.id, At(9)).ok());
      } else if (pick == 1) {
        ASSERT_TRUE(store_->DiscardOutbox(e.id, At(9)).ok());
      }
    }
    ExpectCountsAgree("round " + std::to_string(round));
  }
  Reopen();
  ExpectCountsAgree("after a restart");
}

TEST_F(OutboxWindowTest, OperatorActionsAreCountedForTheWorkerToReadAgain) {
  MustCommit(Changes{}, {MakeOutbox(inc_, 1, "jira", At(0)), MakeOutbox(inc_, 2, "jira", At(0))});
  const std::vector<int64_t> ids = Ids("", 0, 10);
  const uint64_t before = store_->OutboxRequeues();
  ASSERT_TRUE(store_->MarkDead(ids[0], 1, "HTTP 400").ok());
  ASSERT_TRUE(store_->RetryOutbox(ids[1], At(1)).ok());  // not dead: nothing changes
  EXPECT_EQ(store_->OutboxRequeues(), before);
  ASSERT_TRUE(store_->RetryOutbox(ids[0], At(1)).ok());
  EXPECT_EQ(store_->OutboxRequeues(), before + 1);
}

}  // namespace
}  // namespace ab::testing
