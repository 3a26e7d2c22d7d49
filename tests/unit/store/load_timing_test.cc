// A measurement, not a test: how long a restart's Load() takes for many alerts. Disabled so it
// never runs (or times anything) in the suite; run it by hand with
//   store_test --gtest_also_run_disabled_tests --gtest_filter='*LoadTiming*'
// and set AB_LOAD_ALERTS to change the count (default 100000).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "store_fixture.h"

namespace ab::testing {
namespace {

using LoadTiming = StoreTest;

TEST_F(LoadTiming, DISABLED_ReportsLoadTimeForManyAlerts) {
  const char* env = std::getenv("AB_LOAD_ALERTS");
  const int count = env != nullptr ? std::atoi(env) : 100'000;
  constexpr int kBatch = 10'000;
  for (int start = 0; start < count; start += kBatch) {
    Changes c;
    for (int i = start; i < std::min(count, start + kBatch); ++i) {
      TrackedAlert a;
      a.id = i + 1;
      a.alert.labels = {{"alertname", "HighLatency"},
                        {"instance", "web-" + std::to_string(i) + ":9100"},
                        {"job", "node"},
                        {"service", "checkout"},
                        {"cluster", "eu-west-1"},
                        {"severity", "warning"}};
      a.alert.fingerprint = a.alert.labels.Fingerprint();
      a.alert.annotations = {{"summary", "p99 latency above 500ms on web-" + std::to_string(i)},
                             {"description", "Latency has been high for 10 minutes."}};
      a.alert.starts_at = At(i);
      a.alert.generator_url = "http://prometheus:9090/graph?g0.expr=latency";
      a.alert.source = "alertmanager";
      a.first_received = a.last_received = At(i);
      c.alerts.push_back(std::move(a));
    }
    MustCommit(c);
  }
  Reopen();  // a cold store instance, as after a restart

  auto t0 = std::chrono::steady_clock::now();
  StoredState state = MustLoad();
  auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(state.alerts.size(), static_cast<size_t>(count));
  std::printf("Load() of %d alerts: %.0f ms (file %.1f MB)\n", count,
              std::chrono::duration<double, std::milli>(elapsed).count(),
              static_cast<double>(std::filesystem::file_size(path_)) / 1e6);
}

}  // namespace
}  // namespace ab::testing
