// The readiness probe: a real durable write (it reaches the WAL like a commit) that changes
// nothing a reader can see.
#include <sqlite3.h>

#include "store_fixture.h"

namespace ab::testing {
namespace {

int64_t DataVersion(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
  const int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

using ProbeTest = StoreTest;

TEST_F(ProbeTest, ProbeIsADurableWriteThatChangesNothing) {
  Incident inc = MakeIncident(1, "checkout", {{"service", "checkout"}});
  Changes c;
  c.incidents.push_back(inc);
  MustCommit(c);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &other, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  const int64_t before = DataVersion(other);
  const auto wal_before = std::filesystem::file_size(path_ + "-wal");

  Status s = store_->Probe();
  ASSERT_TRUE(s.ok()) << s.error().message;

  // Another connection sees a commit, and the WAL took a frame: it was written, not skipped.
  EXPECT_NE(DataVersion(other), before);
  EXPECT_GT(std::filesystem::file_size(path_ + "-wal"), wal_before);
  sqlite3_close_v2(other);
  Reopen();
  StoredState state = MustLoad();
  ASSERT_EQ(state.incidents.size(), 1u);
  EXPECT_EQ(state.incidents[0].key, inc.key);
}

}  // namespace
}  // namespace ab::testing
