// RAII over the SQLite C API: one connection with its cache of prepared statements, a statement
// in use, and a transaction that rolls back unless committed. Not thread-safe by itself: the
// store guards each connection with its own mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "common/time.h"

namespace ab::sqlite {

class Db;

// A cached prepared statement, borrowed for one use. It is reset (bindings cleared, any open
// read cursor closed) when the handle goes away, so a forgotten Step loop can never pin a WAL
// snapshot or hold a read transaction open.
class Stmt {
 public:
  Stmt(Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based, as in SQL. A failed bind is reported by the next Step/Run.
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, std::string_view v);  // copied: temporaries are safe
  Stmt& BindNull(int i);
  Stmt& Bind(int i, TimePoint t) { return Bind(i, ToMillis(t)); }
  Stmt& Bind(int i, const std::optional<TimePoint>& t);

  // True when a row is ready, false when done.
  Result<bool> Step();
  // Executes a statement that returns no rows, then resets it for the next use.
  Status Run();
  // Makes the statement ready to bind and step again (e.g. one lookup per loop iteration).
  void Reset();

  // Columns are 0-based, as in the C API. Text is valid until the next Step.
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string_view Text(int col) const;
  TimePoint Time(int col) const { return FromMillis(Int(col)); }
  std::optional<TimePoint> OptTime(int col) const;

 private:
  Db* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = SQLITE_OK;
};

class Db {
 public:
  // flags: SQLITE_OPEN_* (the connection is always opened without SQLite's own mutex).
  static Result<Db> Open(const std::string& path, int flags);

  Db(Db&&) noexcept = default;
  Db& operator=(Db&&) noexcept = default;

  // One or more statements, no results (pragmas, schema).
  Status Exec(const std::string& sql);
  // Prepared once per connection, then reused.
  Result<Stmt> Prepare(const std::string& sql);

  int64_t ChangedRows() const { return sqlite3_changes64(db_.get()); }
  bool InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }
  sqlite3* raw() const { return db_.get(); }
  const std::string& path() const { return path_; }

  // "sqlite <path>: <what>: <SQLite's message>".
  Error LastError(std::string_view what) const;

 private:
  struct CloseDb {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  struct FinalizeStmt {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };

  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  // Declared before the cache so that statements are finalized before the connection closes.
  std::unique_ptr<sqlite3, CloseDb> db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, FinalizeStmt>> cache_;
};

// BEGIN ... COMMIT; rolls back in the destructor unless Commit succeeded.
class Transaction {
 public:
  enum class Mode { kRead, kWrite };  // kWrite takes the write lock at BEGIN (IMMEDIATE)
  static Result<Transaction> Begin(Db& db, Mode mode);

  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;  // null once committed or rolled back
};

}  // namespace ab::sqlite
