// `alertbridge backup FILE`: SQLite's online backup API, from a read-only connection of this
// process, in one step (one read transaction, so one consistent snapshot). In WAL mode a reader
// never blocks the writer: `serve` keeps committing while the copy is taken; the WAL only cannot
// be checkpointed past the snapshot until the copy is done.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "store/sqlite/db.h"
#include "store/store.h"

namespace ab {
namespace {

Status SyncFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError("opening " + path + " to sync it failed");
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : MakeError("syncing " + path + " failed");
}

}  // namespace

Status BackupSqliteStore(const std::string& path, const std::string& dest) {
  namespace fs = std::filesystem;
  if (!fs::exists(path)) return MakeError("no database at " + path);
  Result<sqlite::Db> src = sqlite::Db::Open(path, SQLITE_OPEN_READONLY);
  if (!src.ok()) return src.error();
  sqlite3_busy_timeout(src->raw(), 5000);
  const std::string tmp = dest + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(tmp, ec);
  Status status = [&]() -> Status {
    Result<sqlite::Db> out = sqlite::Db::Open(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!out.ok()) return out.error();
    sqlite3_backup* backup = sqlite3_backup_init(out->raw(), "main", src->raw(), "main");
    if (backup == nullptr) return out->LastError("starting the backup");
    int rc = sqlite3_backup_step(backup, -1);  // everything, in one read transaction
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) return out->LastError("copying " + path);
    // A backup is one self-contained file: no WAL beside it.
    Status s = out->Exec("PRAGMA journal_mode = DELETE");
    if (!s.ok()) return s;
    Result<sqlite::Stmt> check = out->Prepare("PRAGMA quick_check");
    if (!check.ok()) return check.error();
    Result<bool> row = check->Step();
    if (!row.ok()) return row.error();
    if (!*row || check->Text(0) != "ok") {
      return MakeError("the copy of " + path +
                       " fails its check: " + std::string(*row ? check->Text(0) : "no answer"));
    }
    return Status::Ok();
  }();
  if (status.ok()) status = SyncFile(tmp);
  if (status.ok()) {
    fs::rename(tmp, dest, ec);
    if (ec) status = MakeError("renaming " + tmp + " to " + dest + ": " + ec.message());
  }
  if (status.ok()) {
    fs::path dir = fs::absolute(dest).parent_path();
    status = SyncFile(dir.string());  // the rename itself survives a power loss
  }
  if (!status.ok()) fs::remove(tmp, ec);
  return status;
}

}  // namespace ab
