// fault_fs: an LD_PRELOAD shim that makes chosen files behave as on a full (or failing) disk, on
// demand, for the store fault tests (tests/e2e/test_store_faults.py). Mounting a small tmpfs
// needs privileges a test sandbox may not have; this needs none.
//
//   AB_FAULT_FS_FILES    colon-separated absolute paths the faults apply to (the database and
//                        its -wal file; the lock file and everything else are left alone)
//   AB_FAULT_FS_TRIGGER  a path: while a file exists there, write(), pwrite() and their 64-bit
//                        and vector forms on those files fail with ENOSPC, and fsync() and
//                        fdatasync() with EIO. Remove it and the disk has space again.
//
// Which descriptors are those files is learnt from open() / openat() (by the path as opened),
// and forgotten at close(). Reads are never touched.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr int kMaxFd = 65536;
std::atomic<bool> g_watched[kMaxFd];

template <typename F>
F Next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

bool IsFaultyPath(const char* path) {
  const char* files = getenv("AB_FAULT_FS_FILES");
  if (files == nullptr || path == nullptr) return false;
  const size_t n = strlen(path);
  for (const char* p = files; *p != '\0';) {
    const char* end = strchr(p, ':');
    const size_t len = end ? static_cast<size_t>(end - p) : strlen(p);
    if (len == n && strncmp(p, path, n) == 0) return true;
    if (end == nullptr) break;
    p = end + 1;
  }
  return false;
}

void Watch(int fd, const char* path) {
  if (fd >= 0 && fd < kMaxFd) g_watched[fd] = IsFaultyPath(path);
}

// True when a write to `fd` must fail now.
bool Failing(int fd) {
  if (fd < 0 || fd >= kMaxFd || !g_watched[fd]) return false;
  const char* trigger = getenv("AB_FAULT_FS_TRIGGER");
  struct stat st;
  return trigger != nullptr && stat(trigger, &st) == 0;
}

mode_t ModeArg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? static_cast<mode_t>(va_arg(ap, int)) : 0;
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  int fd = Next<int (*)(const char*, int, ...)>("open")(path, flags, mode);
  Watch(fd, path);
  return fd;
}

int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  int fd = Next<int (*)(const char*, int, ...)>("open64")(path, flags, mode);
  Watch(fd, path);
  return fd;
}

int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  int fd = Next<int (*)(int, const char*, int, ...)>("openat")(dirfd, path, flags, mode);
  Watch(fd, path);
  return fd;
}

int close(int fd) {
  if (fd >= 0 && fd < kMaxFd) g_watched[fd] = false;
  return Next<int (*)(int)>("close")(fd);
}

ssize_t write(int fd, const void* buf, size_t n) {
  if (Failing(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return Next<ssize_t (*)(int, const void*, size_t)>("write")(fd, buf, n);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  if (Failing(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return Next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite")(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  if (Failing(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return Next<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64")(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  if (Failing(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return Next<ssize_t (*)(int, const struct iovec*, int)>("writev")(fd, iov, count);
}

int fsync(int fd) {
  if (Failing(fd)) {
    errno = EIO;
    return -1;
  }
  return Next<int (*)(int)>("fsync")(fd);
}

int fdatasync(int fd) {
  if (Failing(fd)) {
    errno = EIO;
    return -1;
  }
  return Next<int (*)(int)>("fdatasync")(fd);
}

int ftruncate(int fd, off_t len) {
  if (Failing(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return Next<int (*)(int, off_t)>("ftruncate")(fd, len);
}

int ftruncate64(int fd, off64_t len) {
  if (Failing(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return Next<int (*)(int, off64_t)>("ftruncate64")(fd, len);
}

}  // extern "C"
