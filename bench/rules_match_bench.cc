// RuleSet::Match throughput with 10, 1,000 and 10,000 rules shaped like real ones:
//   alertname="<name>", service="<svc>", severity=~"critical|warning"
// against alerts carrying the usual Prometheus labels. BM_LinearScan is the no-index baseline
// (every rule's matchers run for every alert), to show what the index buys.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "rules/rule.h"

namespace ab {
namespace {

int AlertNamesFor(int rules) { return rules / 4 > 0 ? rules / 4 : 1; }

std::vector<Rule> MakeRules(int n) {
  int names = AlertNamesFor(n);
  std::vector<Rule> rules;
  rules.reserve(n);
  for (int i = 0; i < n; ++i) {
    Rule r;
    r.name = "rule-" + std::to_string(i);
    // Each alertname is used by about four rules, one per service that owns it (svc0..svc4).
    std::string alertname = "Alert" + std::to_string(i % names);
    std::string service = "svc" + std::to_string(i / names);
    std::string text = "{alertname=\"" + alertname + "\", service=\"" + service +
                       "\", severity=~\"critical|warning\"}";
    r.match = *ParseMatchers(text);
    r.group_by = {"service", "cluster"};
    rules.push_back(std::move(r));
  }
  return rules;
}

// A quarter of the alerts carry an alertname no rule knows, and services spread over svc0..svc4,
// so some alerts match a rule and some do not.
std::vector<LabelSet> MakeAlerts(int rules, size_t count) {
  std::mt19937 rng(42);
  int names = AlertNamesFor(rules);
  const char* severities[] = {"critical", "warning", "info"};
  std::vector<LabelSet> alerts;
  alerts.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    int name = static_cast<int>(rng() % static_cast<unsigned>(names + names / 3 + 1));
    alerts.push_back(LabelSet{
        {"alertname", "Alert" + std::to_string(name)},
        {"service", "svc" + std::to_string(rng() % 5)},
        {"severity", severities[rng() % 3]},
        {"cluster", "eu-" + std::to_string(rng() % 4)},
        {"instance", "10.0." + std::to_string(rng() % 256) + ".1:9100"},
        {"job", "node"},
    });
  }
  return alerts;
}

void BM_RuleSetMatch(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  RuleSet set(MakeRules(n));
  std::vector<LabelSet> alerts = MakeAlerts(n, 4096);
  std::vector<size_t> out;
  size_t i = 0, matched = 0;
  for (auto _ : state) {
    set.Match(alerts[i++ & 4095], &out);
    matched += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["matches_per_alert"] =
      benchmark::Counter(static_cast<double>(matched) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_RuleSetMatch)->Arg(10)->Arg(1000)->Arg(10000);

void BM_LinearScan(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  std::vector<Rule> rules = MakeRules(n);
  std::vector<LabelSet> alerts = MakeAlerts(n, 4096);
  std::vector<size_t> out;
  size_t i = 0;
  for (auto _ : state) {
    const LabelSet& labels = alerts[i++ & 4095];
    out.clear();
    for (size_t r = 0; r < rules.size(); ++r) {
      if (MatchesAll(rules[r].match, labels)) out.push_back(r);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LinearScan)->Arg(10)->Arg(1000)->Arg(10000);

}  // namespace
}  // namespace ab

BENCHMARK_MAIN();
