// A few threads for the API's blocking work (store reads, an operator's outbox retry or discard),
// so that the two HTTP threads never wait for SQLite: one slow query or a busy write lock then
// delays only the requests queued behind it here, never ingestion or /-/ready.
//
// The queue is bounded: when it is full, Post refuses and the caller answers 503 at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ab {

class BlockingPool {
 public:
  BlockingPool(int threads, size_t max_queued);
  ~BlockingPool();  // Stop()
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs `work` on one of the threads. False (and `work` dropped) when the queue is full or the
  // pool has stopped. An exception `work` throws is logged and swallowed.
  bool Post(std::function<void()> work);
  // Runs what is queued, then joins the threads.
  void Stop();

 private:
  void Run();

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ab
