// Engine::Ingest cost per alert as an incident grows (bench/README.md: per-change work must not grow
// with incident size). One group receives new alerts one batch of 10 at a time; the benchmark
// first fills the group's incident to `members` alerts, then measures the next batches. Shapes:
//   declared  the incident is open: each alert joins it (alert_added)
//   pending   `min_alerts: 1, for: 24h`: the trigger is re-evaluated on every batch and never
//             holds long enough, so the incident stays pending
//   window    `min_alerts: 1000000, within: 1h`: a sliding-window trigger that never holds
//   resolving half of each batch are earlier members resolving or firing again
// Each reports `alerts/s`; the cost should stay flat from 1,000 to 100,000 members.
//   build/bench/engine_ingest_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "rules/matcher.h"

namespace ab {
namespace {

const TimePoint kStart = FromMillis(1'790'000'000'000);

Rule StormRule(int shape) {
  Rule r;
  r.name = "storm";
  r.match = *ParseMatchers("{alertname=\"Storm\"}");
  r.group_by = {"service"};
  r.receivers = {"console"};
  if (shape == 1) {
    r.trigger.hold = std::chrono::hours(24);
  } else if (shape == 2) {
    r.trigger.min_alerts = 1'000'000;
    r.trigger.within = std::chrono::hours(1);
  }
  return r;
}

Alert StormAlert(int64_t n, bool firing) {
  Alert a;
  a.labels = {{"alertname", "Storm"},
              {"service", "checkout"},
              {"instance", "10.0." + std::to_string(n / 250) + "." + std::to_string(n % 250)},
              {"severity", "warning"}};
  a.fingerprint = a.labels.Fingerprint();
  a.annotations = {{"summary", "storm"}};
  a.status = firing ? AlertStatus::kFiring : AlertStatus::kResolved;
  a.starts_at = kStart;
  a.source = "alertmanager";
  return a;
}

void BM_IngestIntoGrowingIncident(benchmark::State& state) {
  const int shape = static_cast<int>(state.range(0));
  const int64_t members = state.range(1);
  Engine engine(std::make_shared<RuleSet>(std::vector<Rule>{StormRule(shape)}));
  TimePoint now = kStart;
  int64_t next = 0;
  std::vector<Alert> batch;
  auto fill_batch = [&](bool resolve_some) {
    batch.clear();
    for (int i = 0; i < 10; ++i) {
      if (resolve_some && i % 2 == 1) {
        // An earlier member resolves, or fires again after resolving.
        int64_t old = (next * 7919) % std::max<int64_t>(1, next);
        batch.push_back(StormAlert(old, (next / 10) % 2 == 0));
      } else {
        batch.push_back(StormAlert(next++, true));
      }
    }
  };
  while (next < members) {
    fill_batch(false);
    engine.Ingest(batch, now);
    now += std::chrono::milliseconds(1);
  }
  for (auto _ : state) {
    fill_batch(shape == 3);
    Changes c = engine.Ingest(batch, now);
    benchmark::DoNotOptimize(c);
    now += std::chrono::milliseconds(1);
  }
  state.counters["alerts/s"] = benchmark::Counter(static_cast<double>(state.iterations() * 10),
                                                  benchmark::Counter::kIsRate);
  static const char* kShapes[] = {"declared", "pending", "window", "resolving"};
  state.SetLabel(kShapes[shape]);
}

BENCHMARK(BM_IngestIntoGrowingIncident)
    ->ArgsProduct({{0, 1, 2, 3}, {1'000, 10'000, 100'000}})
    ->Iterations(2'000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ab

BENCHMARK_MAIN();
