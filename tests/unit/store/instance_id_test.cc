// The instance id a database keeps (CONTRACTS.md "Keys"): generated once when the database is
// created, or when an existing one is migrated; the keys of stored incidents stay as they were.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/sqlite/schema.h"
#include "store_fixture.h"

namespace ab::testing {
namespace {

using InstanceIdTest = StoreTest;

bool IsHex32(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST_F(InstanceIdTest, AFreshDatabaseGetsOneThatStaysAcrossRestarts) {
  const std::string id = MustLoad().instance_id;
  EXPECT_TRUE(IsHex32(id)) << id;
  Reopen();
  EXPECT_EQ(MustLoad().instance_id, id);
}

TEST_F(InstanceIdTest, TwoFreshDatabasesGetDifferentOnes) {
  Result<std::unique_ptr<IncidentStore>> other =
      OpenSqliteStore((dir_ / "other" / "alertbridge.db").string());
  ASSERT_TRUE(other.ok()) << other.error().message;
  Result<StoredState> theirs = (*other)->Load();
  ASSERT_TRUE(theirs.ok()) << theirs.error().message;
  EXPECT_TRUE(IsHex32(theirs->instance_id));
  EXPECT_NE(MustLoad().instance_id, theirs->instance_id);
}

TEST_F(InstanceIdTest, AnExistingDatabaseGetsOneWhenMigratedAndKeepsItsKeys) {
  store_.reset();
  const std::string old_path = (dir_ / "old.db").string();
  {
    Result<sqlite::Db> db = sqlite::Db::Open(old_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.ok()) << db.error().message;
    Status s = sqlite::MigrateTo(*db, 4);  // a database from before the instance id
    ASSERT_TRUE(s.ok()) << s.error().message;
    s = db->Exec(
        "INSERT INTO incidents (id, key, rule, group_labels, group_hash, occurrence, state, "
        "base_severity, priority, title, summary, owner_team, owner_commander, runbook, "
        "receivers, alerts_firing, created_at, last_seq, alerts_total) VALUES "
        "(7, 'ab-aaaaaaaaaaaaaaaa-1', 'r', '{}', 'x', 1, 'declared', 'SEV3', 'SEV3', 't', '', '', "
        "'', '', '[]', 0, 1000, 0, 0);");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  Result<std::unique_ptr<IncidentStore>> s = OpenSqliteStore(old_path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  Result<StoredState> state = (*s)->Load();
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_TRUE(IsHex32(state->instance_id)) << state->instance_id;
  ASSERT_EQ(state->incidents.size(), 1u);
  EXPECT_EQ(state->incidents[0].key, "ab-aaaaaaaaaaaaaaaa-1") << "stored keys are never recomputed";
}

}  // namespace
}  // namespace ab::testing
