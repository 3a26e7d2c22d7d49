// RuleSet::Match throughput with 10, 1,000 and 10,000 rules shaped like real ones:
//   alertname="<name>", service="<svc>", severity=~"critical|warning"
// against alerts carrying the usual Prometheus labels. Each benchmark reports `alerts/s`.
// BM_RuleSetMatch is the engine's path (RuleSet::Match, equality index); BM_LinearScan is the same
// decision without the index (every rule's matchers run for every alert), checked at setup to
// give the same answer, to show what the index buys.
//   build/bench/rules_match_bench --benchmark_counters_tabular=true
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

void ReportAlertsPerSecond(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations());
  state.counters["alerts/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Every rule's matchers against the labels, in file order (the rules have continue: true).
void MatchWithoutIndex(const std::vector<Rule>& rules, const LabelSet& labels,
                       std::vector<size_t>* out) {
  out->clear();
  for (size_t r = 0; r < rules.size(); ++r) {
    if (MatchesAll(rules[r].match, labels)) out->push_back(r);
  }
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
  ReportAlertsPerSecond(state);
  state.counters["matches_per_alert"] =
      benchmark::Counter(static_cast<double>(matched) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_RuleSetMatch)->Arg(10)->Arg(1000)->Arg(10000);

void BM_LinearScan(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  std::vector<Rule> rules = MakeRules(n);
  std::vector<LabelSet> alerts = MakeAlerts(n, 4096);
  std::vector<size_t> out, indexed;
  RuleSet set(rules);
  for (const LabelSet& labels : alerts) {  // a baseline that decides differently proves nothing
    MatchWithoutIndex(rules, labels, &out);
    set.Match(labels, &indexed);
    if (out != indexed) {
      state.SkipWithError("the index and the linear scan disagree");
      return;
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    MatchWithoutIndex(rules, alerts[i++ & 4095], &out);
    benchmark::DoNotOptimize(out.data());
  }
  ReportAlertsPerSecond(state);
}
BENCHMARK(BM_LinearScan)->Arg(10)->Arg(1000)->Arg(10000);

}  // namespace
}  // namespace ab

BENCHMARK_MAIN();
