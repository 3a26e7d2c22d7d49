#include "store/sqlite/db.h"

#include <cstring>
#include <filesystem>

namespace ab::sqlite {

Stmt::Stmt(Stmt&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_error_(other.bind_error_) {
  other.stmt_ = nullptr;
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) Reset();
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
}

namespace {
// Errors name the statement by its start: enough to find it, short enough to read.
std::string StatementName(sqlite3_stmt* stmt) {
  std::string_view sql = sqlite3_sql(stmt);
  constexpr size_t kMax = 60;
  if (sql.size() <= kMax) return std::string(sql);
  return std::string(sql.substr(0, kMax)) + "...";
}
}  // namespace

Stmt& Stmt::Bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Stmt& Stmt::Bind(int i, std::string_view v) {
  // A non-null pointer even for "" so that the column holds '' rather than NULL.
  int rc = sqlite3_bind_text64(stmt_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Stmt& Stmt::BindNull(int i) {
  int rc = sqlite3_bind_null(stmt_, i);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Stmt& Stmt::Bind(int i, const std::optional<TimePoint>& t) {
  return t ? Bind(i, ToMillis(*t)) : BindNull(i);
}

Result<bool> Stmt::Step() {
  if (bind_error_ != SQLITE_OK) {
    return MakeError("sqlite " + db_->path() + ": binding a parameter of \"" +
                     StatementName(stmt_) + "\": " + sqlite3_errstr(bind_error_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->LastError(StatementName(stmt_));
}

Status Stmt::Run() {
  Result<bool> row = Step();  // the error message is taken before Reset can touch it
  Reset();
  if (!row.ok()) return row.error();
  return Status::Ok();
}

std::string_view Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p),
          static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

std::optional<TimePoint> Stmt::OptTime(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Time(col);
}

Result<Db> Db::Open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw, path);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) {
    if (raw == nullptr) return MakeError("sqlite " + path + ": open: out of memory");
    // "unable to open database file" alone does not say why: add what the system said (a
    // read-only or missing folder, a permission, a directory in the way).
    if (int err = sqlite3_system_errno(raw); err != 0) {
      std::string folder = std::filesystem::path(path).parent_path().string();
      return MakeError("sqlite " + path + ": open: " + sqlite3_errmsg(raw) + ": " +
                       std::strerror(err) + " (the folder " + (folder.empty() ? "." : folder) +
                       " must exist and be writable by this user)");
    }
    return db.LastError("open");
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Status Db::Exec(const std::string& sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &msg);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string text = msg != nullptr ? msg : sqlite3_errstr(rc);
  sqlite3_free(msg);
  return MakeError("sqlite " + path_ + ": " + sql + ": " + text);
}

Result<Stmt> Db::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return LastError("prepare \"" + sql + "\"");
    }
    it = cache_.emplace(sql, std::unique_ptr<sqlite3_stmt, FinalizeStmt>(stmt)).first;
  }
  return Stmt(this, it->second.get());
}

Error Db::LastError(std::string_view what) const {
  return MakeError("sqlite " + path_ + ": " + std::string(what) + ": " +
                   sqlite3_errmsg(db_.get()));
}

namespace {
// BEGIN and COMMIT run on every request: prepared once like any other statement.
Status RunCached(Db& db, const std::string& sql) {
  Result<Stmt> st = db.Prepare(sql);
  if (!st.ok()) return st.error();
  return st->Run();
}
}  // namespace

Result<Transaction> Transaction::Begin(Db& db, Mode mode) {
  Status s = RunCached(db, mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!s.ok()) return s.error();
  return Transaction(&db);
}

Status Transaction::Commit() {
  Status s = RunCached(*db_, "COMMIT");
  if (s.ok()) db_ = nullptr;  // else the destructor rolls back what is still open
  return s;
}

Transaction::~Transaction() {
  // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL or an I/O error);
  // a second ROLLBACK would only fail.
  if (db_ != nullptr && db_->InTransaction()) (void)db_->Exec("ROLLBACK");
}

}  // namespace ab::sqlite
