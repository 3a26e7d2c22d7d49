#include "store/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace ab {
namespace {

std::string Errno() { return std::strerror(errno); }

// The pid the holder wrote, or "" when it has not written it yet (it writes right after locking).
std::string HolderPid(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  std::string pid;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) pid += buf[i];
  return pid;
}

}  // namespace

Result<StoreLock> StoreLock::Acquire(const std::string& db_path) {
  std::filesystem::path parent = std::filesystem::path(db_path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return MakeError("creating the folder " + parent.string() +
                       " for the database: " + ec.message());
    }
  }
  std::string path = db_path + ".lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return MakeError("opening the lock file " + path + ": " + Errno());
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string pid = err == EWOULDBLOCK ? HolderPid(fd) : "";
    close(fd);
    if (err != EWOULDBLOCK) {
      errno = err;
      return MakeError("locking " + path + ": " + Errno());
    }
    return MakeError("database in use by " + (pid.empty() ? "another process" : "pid " + pid) +
                     " (" + db_path + ", lock file " + path +
                     "); only one alertbridge serve may use a database");
  }
  // Ours now: record who holds it, for the message a second process shows.
  const std::string text = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 ||
      pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    std::string why = Errno();
    close(fd);
    return MakeError("writing the lock file " + path + ": " + why);
  }
  return StoreLock(fd, std::move(path));
}

StoreLock::~StoreLock() {
  // Closing releases the lock. The file stays: removing it would race with the next holder.
  if (fd_ >= 0) close(fd_);
}

}  // namespace ab
