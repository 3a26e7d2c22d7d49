// The in-memory engine state store (for tests and benchmarks) must load back exactly what the
// SQLite store loads after the same commits, or an engine restored from it would decide
// differently from one restored from the database.
#include "store/memory/memory_state_store.h"

#include "store_fixture.h"

namespace ab::testing {
namespace {

class MemoryStateStoreTest : public StoreTest {
 protected:
  void CommitBoth(const Changes& c, const std::vector<OutboxEntry>& outbox = {}) {
    MustCommit(c, outbox);
    Status s = memory_.Commit(c, outbox);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  void ExpectSameLoad() {
    StoredState want = MustLoad();
    Result<StoredState> got = memory_.Load();
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_EQ(want.alerts.size(), got->alerts.size());
    for (size_t i = 0; i < want.alerts.size(); ++i) ExpectSameAlert(want.alerts[i], got->alerts[i]);
    ASSERT_EQ(want.incidents.size(), got->incidents.size());
    for (size_t i = 0; i < want.incidents.size(); ++i) {
      EXPECT_EQ(want.incidents[i], got->incidents[i]) << "incident " << want.incidents[i].id;
    }
  }

  MemoryStateStore memory_;
};

TEST_F(MemoryStateStoreTest, LoadsWhatSqliteLoadsAfterTheSameCommits) {
  TrackedAlert a = MakeAlert("Mem", "a");
  TrackedAlert b = MakeAlert("Mem", "b");
  a.alert.status = AlertStatus::kFiring;
  a.resolved_at.reset();
  b.alert.status = AlertStatus::kResolved;
  Incident one = MakeIncident(1, "rule", {{"service", "one"}});
  one.alerts = {a.alert.fingerprint, b.alert.fingerprint};
  Incident pending = MakeIncident(2, "rule", {{"service", "two"}});
  pending.state = IncidentState::kPending;
  pending.alerts = {b.alert.fingerprint};

  Changes first;
  first.alerts = {a, b};
  first.incidents = {one, pending};
  AddMembers(first);
  first.events.push_back(MakeEvent(one, 1, EventType::kDeclared));
  CommitBoth(first, {MakeOutbox(one, 1, "r", At(0))});
  ExpectSameLoad();

  // The alert resolves, the pending group vanishes, the engine lets go of the incident: a store
  // without `live` support in Load still loads it (as SQLite does today).
  Changes second;
  a.alert.status = AlertStatus::kResolved;
  a.resolved_at = At(100);
  second.alerts = {a};
  one.state = IncidentState::kResolved;
  one.last_seq = 2;
  Incident row = one;
  row.alerts.clear();  // the engine's upserts carry no member list
  second.incidents = {row};
  second.removed_incidents = {pending.id};
  second.holdings.push_back({one.id, false});
  CommitBoth(second);
  ExpectSameLoad();
  EXPECT_EQ(memory_.events(), 1u);
  EXPECT_EQ(memory_.outbox_entries(), 1u);
}

}  // namespace
}  // namespace ab::testing
