// Retention: what each period lets go of, what it never touches, and that it goes in bounded
// batches on its own connection while commits carry on.
#include "store/retention.h"

#include <sqlite3.h>

#include <thread>

#include "store/sqlite/db.h"
#include "store_fixture.h"

namespace ab::testing {
namespace {

constexpr Duration kDay{24LL * 3'600'000};

class RetentionTest : public StoreTest {
 protected:
  // Rows of `table` matching `where`, read on a connection of the test's own.
  int64_t Count(const std::string& table, const std::string& where = "1") {
    Result<sqlite::Db> db = sqlite::Db::Open(path_, SQLITE_OPEN_READONLY);
    EXPECT_TRUE(db.ok());
    Result<sqlite::Stmt> st = db->Prepare("SELECT count(*) FROM " + table + " WHERE " + where);
    EXPECT_TRUE(st.ok()) << st.error().message;
    Result<bool> row = st->Step();
    EXPECT_TRUE(row.ok() && *row);
    return st->Int(0);
  }

  PruneCounts MustPrune(const RetentionPolicy& policy, TimePoint now, int max_rows = 500) {
    Result<PruneCounts> n = store_->PruneBatch(policy, now, max_rows);
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : PruneCounts{};
  }

  // An incident with `n` outbox entries for receiver "r", due at At(0); returns their ids.
  std::vector<int64_t> IncidentWithOutbox(int64_t id, int n) {
    Changes c;
    Incident inc = MakeIncident(id, "rule", {{"service", "s" + std::to_string(id)}});
    inc.alerts.clear();
    c.incidents.push_back(inc);
    std::vector<OutboxEntry> outbox;
    for (int i = 1; i <= n; ++i) outbox.push_back(MakeOutbox(inc, i, "r", At(0)));
    MustCommit(c, outbox);
    OutboxQuery all;
    all.limit = 100000;
    Result<std::vector<OutboxEntry>> listed = store_->ListOutbox(all);
    EXPECT_TRUE(listed.ok());
    std::vector<int64_t> ids;
    for (const OutboxEntry& e : *listed) {
      if (e.incident_id == id) ids.push_back(e.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }
};

TEST_F(RetentionTest, DeliveredAndDiscardedEntriesGoAfterTheirPeriodWaitingOnesStay) {
  std::vector<int64_t> ids = IncidentWithOutbox(1, 5);
  ASSERT_EQ(ids.size(), 5u);
  ASSERT_TRUE(store_->MarkDelivered(ids[0], 1, At(100)).ok());
  ASSERT_TRUE(store_->MarkDelivered(ids[1], 1, At(100) + 2 * kDay).ok());
  ASSERT_TRUE(store_->MarkDead(ids[2], 3, "gone").ok());
  ASSERT_TRUE(store_->DiscardOutbox(ids[2], At(100)).ok());
  ASSERT_TRUE(store_->MarkDead(ids[3], 3, "gone").ok());  // dead: an operator has to look
  // ids[4] stays pending.

  RetentionPolicy policy;                                      // defaults: delivered outbox 7 days
  EXPECT_EQ(MustPrune(policy, At(100) + 7 * kDay).outbox, 0);  // the boundary itself is kept
  EXPECT_EQ(MustPrune(policy, At(101) + 7 * kDay).outbox, 2);  // delivered and discarded
  EXPECT_EQ(Count("outbox"), 3);
  EXPECT_EQ(Count("outbox", "state = 'delivered'"), 1);
  EXPECT_EQ(Count("outbox", "state IN ('dead', 'pending')"), 2);
  EXPECT_EQ(MustPrune(policy, At(101) + 9 * kDay).outbox, 1);
  EXPECT_EQ(Count("outbox"), 2);
  EXPECT_EQ(Count("events") + Count("incidents"), 1);  // incidents and timelines are kept

  policy.delivered_outbox.reset();  // keep
  ASSERT_TRUE(store_->MarkDelivered(ids[4], 1, At(100)).ok());
  EXPECT_EQ(MustPrune(policy, At(100) + 365 * kDay).outbox, 0);
}

TEST_F(RetentionTest, ResolvedAlertsGoUnlessAnIncidentTheEngineHoldsHasThem) {
  Changes c;
  TrackedAlert old_loose = MakeAlert("Loose", "a");    // resolved at At(3), in no incident
  TrackedAlert old_member = MakeAlert("Member", "b");  // resolved at At(3), held incident's
  TrackedAlert firing = MakeAlert("Firing", "c");
  firing.alert.status = AlertStatus::kFiring;
  firing.resolved_at.reset();
  firing.stale = false;
  for (TrackedAlert* a : {&old_loose, &old_member}) a->alert.status = AlertStatus::kResolved;
  c.alerts = {old_loose, old_member, firing};
  Incident inc = MakeIncident(7, "rule", {{"service", "x"}});
  inc.alerts = {old_member.alert.fingerprint, firing.alert.fingerprint};
  c.incidents.push_back(inc);
  AddMembers(c);
  MustCommit(c);

  RetentionPolicy policy;  // resolved alerts: 30 days
  EXPECT_EQ(MustPrune(policy, At(3) + 29 * kDay).alerts, 0);
  EXPECT_EQ(MustPrune(policy, At(4) + 30 * kDay).alerts, 1);
  EXPECT_EQ(Count("alerts"), 2);
  EXPECT_EQ(Count("alerts", "id = " + std::to_string(old_loose.id)), 0);

  // Once the engine lets go of the incident, its resolved alerts are history too.
  Changes let_go;
  let_go.holdings.push_back({inc.id, false});
  MustCommit(let_go);
  EXPECT_EQ(MustPrune(policy, At(4) + 30 * kDay).alerts, 1);
  EXPECT_EQ(Count("alerts"), 1);           // the firing one, whatever its age
  EXPECT_EQ(Count("incident_alerts"), 2);  // the incident's record of who was in it stays
}

TEST_F(RetentionTest, ClosedIncidentsAreKeptUnlessAskedAndTheirOccurrenceNumberStays) {
  Incident inc = MakeIncident(3, "rule", {{"service", "x"}}, /*occurrence=*/4);
  inc.alerts.clear();
  inc.state = IncidentState::kClosed;  // closed_at At(50)
  Changes c;
  c.incidents.push_back(inc);
  c.events.push_back(MakeEvent(inc, 1, EventType::kDeclared));
  MustCommit(c, {MakeOutbox(inc, 1, "r", At(0))});
  RetentionPolicy policy;
  policy.closed_incidents = 90 * kDay;
  const TimePoint late = At(51) + 90 * kDay;

  EXPECT_EQ(MustPrune(policy, late).incidents, 0);  // the engine still holds it
  Changes let_go;
  let_go.holdings.push_back({inc.id, false});
  MustCommit(let_go);
  EXPECT_EQ(MustPrune(policy, late).incidents, 0);  // its outbox entry was never delivered
  Result<std::vector<OutboxEntry>> entries = store_->ListOutbox({});
  ASSERT_TRUE(entries.ok() && entries->size() == 1u);
  ASSERT_TRUE(store_->MarkDelivered(entries->front().id, 1, At(60)).ok());

  RetentionPolicy defaults;  // closed incidents: keep
  EXPECT_EQ(MustPrune(defaults, late).incidents, 0);
  EXPECT_EQ(MustPrune(policy, At(49) + 90 * kDay).incidents, 0);
  EXPECT_EQ(MustPrune(policy, late).incidents, 1);
  EXPECT_EQ(Count("incidents") + Count("events") + Count("outbox"), 0);
  EXPECT_EQ(Count("incident_groups", "rule = 'rule' AND last_occurrence = 4"), 1);
}

TEST_F(RetentionTest, APassGoesInBatchesUntilNothingIsDue) {
  std::vector<int64_t> ids = IncidentWithOutbox(1, 1200);
  for (int64_t id : ids) ASSERT_TRUE(store_->MarkDelivered(id, 1, At(0)).ok());
  RetentionPolicy policy;
  policy.batch_rows = 500;
  EXPECT_EQ(MustPrune(policy, At(1) + 7 * kDay, 500).outbox, 500);
  EXPECT_EQ(Count("outbox"), 700);

  FakeClock clock(At(1) + 7 * kDay);
  RetentionPruner pruner(*store_, policy, clock);
  Result<PruneCounts> pass = pruner.RunOnce(clock.now());
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->outbox, 700);
  EXPECT_EQ(Count("outbox"), 0);
}

// The pruner has a connection of its own and takes turns with the writer: commits made while it
// deletes all succeed (no "database is locked"), and it deletes everything due.
TEST_F(RetentionTest, PruningAndCommitsTakeTurnsWithoutFailing) {
  std::vector<int64_t> ids = IncidentWithOutbox(1, 3000);
  for (int64_t id : ids) ASSERT_TRUE(store_->MarkDelivered(id, 1, At(0)).ok());
  RetentionPolicy policy;
  policy.batch_rows = 100;
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      Changes c;
      TrackedAlert a = MakeAlert("Concurrent", std::to_string(i));
      c.alerts.push_back(a);
      Status s = store_->Commit(c, {});
      ASSERT_TRUE(s.ok()) << s.error().message;
    }
  });
  FakeClock clock(At(1) + 7 * kDay);
  RetentionPruner pruner(*store_, policy, clock);
  Result<PruneCounts> pass = pruner.RunOnce(clock.now());
  writer.join();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->outbox, 3000);
  EXPECT_EQ(Count("alerts"), 200);
}

}  // namespace
}  // namespace ab::testing
