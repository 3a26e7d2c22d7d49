// One writer per database: `serve` holds an exclusive flock(2) on a lock file next to the
// database (`<db>.lock`, holding the holder's pid) for as long as it runs. A second `serve` on the
// same file (an operator's mistake, a supervisor restarting too early) is refused instead of
// declaring incidents of its own under the first one's feet. The kernel drops the lock when the
// holder exits, however it exits (kill -9 included), so there is nothing stale to clean up.
//
// Readers do not take it: `alertbridge backup` and the tests' second connections read the
// database through SQLite's own WAL locking while `serve` runs.
#pragma once

#include <string>

#include "common/result.h"

namespace ab {

class StoreLock {
 public:
  // Creates the database's folder if needed, then takes the lock without waiting. Refused with
  // "database in use by pid N (...)" when another process holds it.
  static Result<StoreLock> Acquire(const std::string& db_path);

  StoreLock(StoreLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
    other.fd_ = -1;
  }
  StoreLock& operator=(StoreLock&&) = delete;
  StoreLock(const StoreLock&) = delete;
  ~StoreLock();

  const std::string& path() const { return path_; }

 private:
  StoreLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;  // the lock file
};

}  // namespace ab
