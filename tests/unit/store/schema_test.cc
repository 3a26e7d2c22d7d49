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

// "unable to open database file" alone leaves an operator guessing: the cause is named. (A
// read-only folder cannot be made here when the tests run as root; a directory where the file
// should be fails the same open.)
TEST_F(SchemaTest, AFileThatCannotBeOpenedIsReportedWithItsCause) {
  const std::string in_the_way = path_ + ".dir";
  std::filesystem::create_directories(in_the_way);
  Result<std::unique_ptr<IncidentStore>> s = OpenSqliteStore(in_the_way);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("unable to open database file: Is a directory"),
            std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("must exist and be writable by this user"), std::string::npos)
      << s.error().message;
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

// A database written by the first release (schema 1) opens with today's binary: its rows keep
// their values and the columns added since read as their defaults.
TEST_F(SchemaTest, MigratesAVersionOneDatabaseKeepingItsRows) {
  store_.reset();
  std::string old_path = (dir_ / "v1.db").string();
  {
    Result<sqlite::Db> db = sqlite::Db::Open(old_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.ok()) << db.error().message;
    Status s = sqlite::MigrateTo(*db, 1);
    ASSERT_TRUE(s.ok()) << s.error().message;
    s = db->Exec(
        "INSERT INTO alerts VALUES (42, '{\"alertname\":\"A\"}', '{}', 'firing', 1000, NULL, "
        "'', 'alertmanager', 2000, 3000, NULL);"
        "INSERT INTO incidents VALUES (7, 'ab-x-1', 'checkout', '{}', 'x', 1, 'declared', 'SEV2', "
        "'SEV1', 'title', '', 'payments', 'alice', '', '[\"console\"]', '000000000000002a', 1, "
        "1000, 2000, NULL, NULL, NULL, 1);");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  EXPECT_EQ(RawQuery(old_path, "PRAGMA user_version"), "1");
  Result<std::unique_ptr<IncidentStore>> s = OpenSqliteStore(old_path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(RawQuery(old_path, "PRAGMA user_version"), std::to_string(sqlite::SchemaVersion()));
  Result<StoredState> state = (*s)->Load();
  ASSERT_TRUE(state.ok()) << state.error().message;
  ASSERT_EQ(state->alerts.size(), 1u);
  EXPECT_EQ(state->alerts[0].alert.fingerprint, 42u);
  EXPECT_EQ(state->alerts[0].last_received, FromMillis(3000));
  EXPECT_EQ(state->alerts[0].alert.stale_at, FromMillis(3000 + 9 * 3'600'000));
  EXPECT_FALSE(state->alerts[0].stale);
  ASSERT_EQ(state->incidents.size(), 1u);
  const Incident& inc = state->incidents[0];
  EXPECT_EQ(inc.priority, Severity::SEV1);
  EXPECT_EQ(inc.owner.commander, "alice");
  EXPECT_EQ(inc.alerts, std::vector<uint64_t>{42});
  EXPECT_TRUE(inc.accounts.empty());
  EXPECT_FALSE(inc.trigger_since.has_value());
  EXPECT_EQ(inc.resolution, "");
  EXPECT_FALSE(inc.resolved_by_hand || inc.held_open || inc.priority_by_hand);
}

// Schema 5 keys alert rows by storage order: a version 4 database gets ids in the order its
// alerts were first received, and its memberships (also one whose alert row is gone) follow.
TEST_F(SchemaTest, MigratesAVersionFourDatabaseGivingAlertsIdsInArrivalOrder) {
  store_.reset();
  std::string old_path = (dir_ / "v4.db").string();
  {
    Result<sqlite::Db> db = sqlite::Db::Open(old_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.ok()) << db.error().message;
    Status s = sqlite::MigrateTo(*db, 4);
    ASSERT_TRUE(s.ok()) << s.error().message;
    s = db->Exec(
        "PRAGMA foreign_keys = ON;"
        "INSERT INTO alerts (fingerprint, labels, annotations, status, starts_at, generator_url, "
        "source, first_received, last_received) VALUES "
        "(5, '{\"alertname\":\"Late\"}', '{}', 'firing', 0, '', 'am', 2000, 2000), "
        "(-9, '{\"alertname\":\"Early\"}', '{}', 'firing', 0, '', 'am', 1000, 1000);"
        "INSERT INTO incidents (id, key, rule, group_labels, group_hash, occurrence, state, "
        "base_severity, priority, title, summary, owner_team, owner_commander, runbook, "
        "receivers, alerts_firing, created_at, last_seq, alerts_total) VALUES "
        "(7, 'ab-x-1', 'r', '{}', 'x', 1, 'declared', 'SEV3', 'SEV3', 't', '', '', '', '', '[]', "
        "2, 1000, 0, 3);"
        "INSERT INTO incident_alerts (incident_id, fingerprint) VALUES (7, 5), (7, -9), (7, 77);");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  Result<std::unique_ptr<IncidentStore>> s = OpenSqliteStore(old_path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  Result<StoredState> state = (*s)->Load();
  ASSERT_TRUE(state.ok()) << state.error().message;
  ASSERT_EQ(state->alerts.size(), 2u);
  EXPECT_EQ(state->alerts[0].id, 1);
  EXPECT_EQ(state->alerts[0].alert.labels.Get("alertname"), "Early");
  EXPECT_EQ(state->alerts[1].id, 2);
  EXPECT_EQ(state->alerts[1].alert.fingerprint, 5u);
  ASSERT_EQ(state->incidents.size(), 1u);
  EXPECT_EQ(state->incidents[0].alerts,
            (std::vector<uint64_t>{5, 77, static_cast<uint64_t>(int64_t{-9})}));
  Result<std::optional<IncidentDetail>> detail = (*s)->GetIncident(7);
  ASSERT_TRUE(detail.ok() && detail->has_value());
  EXPECT_EQ((*detail)->alerts.size(), 2u) << "the member without an alert row is left out";
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
