// Opening: folder creation, WAL, durable sync, schema versions and refusal of newer databases.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "store/sqlite/schema.h"
#include "store_fixture.h"

namespace ab::testing {
namespace {

using SchemaTest = StoreTest;

// Runs one statement on the file with a plain connection, outside the store; returns the first
// column of the first row as text ("" when none).
std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  std::string out;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  int rc = sqlite3_step(st);
  EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
  if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

TEST_F(SchemaTest, CreatesTheFolderAndMigratesToTheCurrentVersion) {
  EXPECT_TRUE(std::filesystem::exists(path_));  // SetUp opened <tmp>/data/alertbridge.db
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(sqlite::SchemaVersion()));
  EXPECT_EQ(RawQuery(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                            "('alerts', 'incidents', 'events', 'outbox', 'external_refs')"),
            "5");
}

TEST_F(SchemaTest, RefusesADatabaseFromANewerBinaryAndLeavesItAlone) {
  store_.reset();
  int newer = sqlite::SchemaVersion() + 5;
  RawQuery(path_, "PRAGMA user_version = " + std::to_string(newer));

  Result<std::unique_ptr<IncidentStore>> s = OpenSqliteStore(path_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "database schema version " + std::to_string(newer) +
                                   " is newer than this alertbridge (supports " +
                                   std::to_string(sqlite::SchemaVersion()) +
                                   "); upgrade alertbridge");
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(newer));
}

TEST_F(SchemaTest, ReopeningKeepsTheVersionAndData) {
  Changes c;
  c.alerts = {MakeAlert("A", "x")};
  MustCommit(c);
  Reopen();
  Reopen();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(sqlite::SchemaVersion()));
  EXPECT_EQ(MustLoad().alerts.size(), 1u);
}

TEST_F(SchemaTest, AFileThatIsNotADatabaseIsAnErrorThatNamesIt) {
  std::string junk = (dir_ / "junk.db").string();
  std::ofstream(junk) << "this is not an SQLite database, it is a text file that is long enough";
  Result<std::unique_ptr<IncidentStore>> s = OpenSqliteStore(junk);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(junk), std::string::npos) << s.error().message;
}

TEST_F(SchemaTest, AFolderThatCannotBeCreatedIsAnError) {
  std::string file = (dir_ / "plainfile").string();
  std::ofstream(file) << "x";
  Result<std::unique_ptr<IncidentStore>> s = OpenSqliteStore(file + "/sub/alertbridge.db");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("plainfile"), std::string::npos) << s.error().message;
}

TEST_F(SchemaTest, FlushEmptiesTheWriteAheadLog) {
  Changes c;
  c.alerts = {MakeAlert("A", "x"), MakeAlert("B", "y")};
  MustCommit(c);
  std::string wal = path_ + "-wal";
  ASSERT_TRUE(std::filesystem::exists(wal));
  EXPECT_GT(std::filesystem::file_size(wal), 0u);
  Status s = store_->Flush();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(std::filesystem::file_size(wal), 0u);
  EXPECT_EQ(MustLoad().alerts.size(), 2u);
}

}  // namespace
}  // namespace ab::testing
