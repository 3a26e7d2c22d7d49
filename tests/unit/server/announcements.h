// A condition variable the threads under test announce on; tests wait for a predicate with a
// deadline, re-checked at each announcement, never on a timer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace ab::testing {

// What the threads under test announce (a store call returned, the engine loop turned, health
// changed, the outbox worker wrote). WaitUntil re-checks its predicate at each announcement.
class Announcements {
 public:
  void Announce() {
    {
      std::lock_guard lock(mu_);
      ++generation_;
    }
    cv_.notify_all();
  }
  // Waits for `pred` (evaluated under no lock) until the deadline; false when it never held.
  bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    std::unique_lock lock(mu_);
    for (;;) {
      const uint64_t seen = generation_;
      lock.unlock();
      const bool held = pred();
      lock.lock();
      if (held) return true;
      if (!cv_.wait_until(lock, until, [&] { return generation_ != seen; })) return false;
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;
};

}  // namespace ab::testing
