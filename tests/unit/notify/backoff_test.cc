#include <gtest/gtest.h>

#include "notify/outbox_worker.h"

namespace ab {
namespace {

RetryPolicy Policy(int64_t initial_ms, int64_t max_ms) {
  RetryPolicy p;
  p.initial_backoff = Duration(initial_ms);
  p.max_backoff = Duration(max_ms);
  return p;
}

TEST(Backoff, DoublesPerAttemptWithJitterInUpperHalf) {
  const RetryPolicy p = Policy(1000, 300'000);
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const int64_t d = 1000LL << (attempt - 1);
    EXPECT_EQ(Backoff(p, attempt, 0.0), Duration(d / 2)) << attempt;
    EXPECT_EQ(Backoff(p, attempt, 0.5), Duration(d / 2 + d / 4)) << attempt;
    const Duration high = Backoff(p, attempt, 0.999999);
    EXPECT_LE(high, Duration(d)) << attempt;
    EXPECT_GE(high, Duration(d - 1)) << attempt;
  }
}

TEST(Backoff, StaysWithinBoundsForAnyRandom) {
  const RetryPolicy p = Policy(250, 10'000);
  for (int attempt = 1; attempt <= 10; ++attempt) {
    const int64_t d = std::min<int64_t>(250LL << (attempt - 1), 10'000);
    for (double u = 0.0; u < 1.0; u += 0.0625) {
      const Duration b = Backoff(p, attempt, u);
      EXPECT_GE(b, Duration(d / 2)) << attempt << " " << u;
      EXPECT_LE(b, Duration(d)) << attempt << " " << u;
    }
  }
}

TEST(Backoff, IsCappedAtMaxBackoffEvenForHugeAttemptNumbers) {
  const RetryPolicy p = Policy(1000, 300'000);
  EXPECT_EQ(Backoff(p, 9, 0.0), Duration(128'000));  // 256s, not capped yet
  EXPECT_EQ(Backoff(p, 10, 0.0), Duration(150'000));  // 512s -> capped at 300s
  for (int attempt : {20, 63, 64, 1000, 1'000'000}) {
    const Duration b = Backoff(p, attempt, 0.999);
    EXPECT_LE(b, Duration(300'000)) << attempt;
    EXPECT_GE(b, Duration(150'000)) << attempt;
  }
}

TEST(Backoff, TreatsAttemptBelowOneAsFirst) {
  const RetryPolicy p = Policy(1000, 300'000);
  EXPECT_EQ(Backoff(p, 0, 0.0), Duration(500));
  EXPECT_EQ(Backoff(p, -3, 0.0), Duration(500));
}

}  // namespace
}  // namespace ab
