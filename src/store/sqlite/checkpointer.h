// Copies the write-ahead log back into the database file on a thread of its own.
//
// SQLite's default is to checkpoint inside the COMMIT that takes the WAL past 1000 pages: that
// commit (and every request waiting on it) then also reads and writes ~1000 pages and syncs the
// database file, which shows up as the p99 of ingestion. Here the writer only notes the WAL size
// after each commit (sqlite3_wal_hook); this thread runs a PASSIVE checkpoint on its own
// connection, concurrently with later commits. Durability is unchanged: a commit is durable once
// its WAL frames are synced, and the checkpoint connection syncs with synchronous=FULL too, so
// the database file is on disk before the WAL is reused.
//
// Should the checkpoints fall behind (a reader pinning an old snapshot, a slow disk), the writer
// checkpoints inline once the WAL passes `inline_frames`, as SQLite would, so it cannot grow
// without bound.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite/db.h"

namespace ab::sqlite {

struct CheckpointOptions {
  int background_frames = 1000;  // wake the checkpointer once the WAL holds this many pages
  int inline_frames = 20000;     // the writer checkpoints itself beyond this (~80 MB of WAL)
};

class WalCheckpointer {
 public:
  // Takes over checkpoints for `writer`: switches its automatic checkpoints off and installs the
  // WAL hook. `db` is the checkpointer's own connection to the same file.
  WalCheckpointer(Db& writer, Db db, CheckpointOptions options);
  ~WalCheckpointer();  // stops the thread (an unfinished checkpoint is simply resumed later)

  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints completed by the thread so far (for tests).
  int completed() const;

  // Keeps the thread from checkpointing while held: SQLite answers a second checkpointer with
  // SQLITE_BUSY at once (no busy handler), so a TRUNCATE checkpoint at shutdown takes this first.
  std::unique_lock<std::mutex> Hold() { return std::unique_lock(run_mu_); }

 private:
  static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
  void Run();

  Db db_;
  const CheckpointOptions options_;
  sqlite3* writer_;
  std::mutex run_mu_;  // held while the thread checkpoints
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  int completed_ = 0;
  std::thread thread_;  // last: started when everything above is ready
};

}  // namespace ab::sqlite
