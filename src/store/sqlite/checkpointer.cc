#include "store/sqlite/checkpointer.h"

namespace ab::sqlite {

WalCheckpointer::WalCheckpointer(Db& writer, Db db, CheckpointOptions options)
    : db_(std::move(db)), options_(options), writer_(writer.raw()) {
  sqlite3_wal_autocheckpoint(writer_, 0);
  sqlite3_wal_hook(writer_, &WalCheckpointer::OnCommit, this);
  thread_ = std::thread([this] { Run(); });
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int WalCheckpointer::completed() const {
  std::lock_guard lock(mu_);
  return completed_;
}

// On the writer's thread, right after each commit, with the number of pages now in the WAL.
int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char* schema, int frames) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (frames >= c->options_.inline_frames) {
    // The background checkpoints fell behind: do what SQLite's own hook does. Its result is not
    // the commit's (that has happened); a failure here is retried after the next commit.
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (frames >= c->options_.background_frames) {
    {
      std::lock_guard lock(c->mu_);
      c->due_ = true;
    }
    c->wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return due_ || stopping_; });
    if (stopping_) return;
    due_ = false;
    lock.unlock();
    int rc;
    {
      // PASSIVE: copies what no reader still needs, without waiting for readers or the writer.
      // A failure (busy, I/O) leaves the WAL as it was; the next commit past the mark asks again.
      std::lock_guard running(run_mu_);
      rc = sqlite3_wal_checkpoint_v2(db_.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                     nullptr);
    }
    lock.lock();
    if (rc == SQLITE_OK) ++completed_;
  }
}

}  // namespace ab::sqlite
