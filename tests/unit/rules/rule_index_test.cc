// The equality index must be invisible: for random rule sets and alerts, RuleSet::Match returns
// exactly what a linear scan over the rules in file order returns.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "rules/rule.h"

namespace ab {
namespace {

// Small pools so that random rules and alerts collide often.
const char* const kNames[] = {"alertname", "service", "cluster", "severity", "team"};
const char* const kValues[] = {"a", "b", "c", "ab", ""};
const char* const kRegexes[] = {"a|b", ".*", ".+", "a.*", "", "b?", "c"};

std::vector<size_t> LinearMatch(const std::vector<Rule>& rules, const LabelSet& labels) {
  std::vector<size_t> out;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!MatchesAll(rules[i].match, labels)) continue;
    out.push_back(i);
    if (!rules[i].continue_matching) break;
  }
  return out;
}

Matcher RandomMatcher(std::mt19937& rng) {
  std::string name = kNames[rng() % std::size(kNames)];
  int kind = static_cast<int>(rng() % 10);
  // Mostly equality, as real rules are, so the index carries the load.
  MatchOp op = kind < 6   ? MatchOp::kEqual
               : kind < 7 ? MatchOp::kNotEqual
               : kind < 9 ? MatchOp::kRegexMatch
                          : MatchOp::kRegexNoMatch;
  bool regex = op == MatchOp::kRegexMatch || op == MatchOp::kRegexNoMatch;
  std::string value =
      regex ? kRegexes[rng() % std::size(kRegexes)] : kValues[rng() % std::size(kValues)];
  Result<Matcher> m = Matcher::Create(name, op, value);
  EXPECT_TRUE(m.ok()) << m.error().message;
  return std::move(m).value();
}

std::vector<Rule> RandomRules(std::mt19937& rng, size_t count) {
  std::vector<Rule> rules;
  for (size_t i = 0; i < count; ++i) {
    Rule r;
    r.name = "rule-" + std::to_string(i);
    int matchers = static_cast<int>(rng() % 4);  // 0..3; zero matchers takes every alert
    for (int k = 0; k < matchers; ++k) r.match.push_back(RandomMatcher(rng));
    r.continue_matching = rng() % 8 != 0;
    rules.push_back(std::move(r));
  }
  return rules;
}

LabelSet RandomLabels(std::mt19937& rng) {
  LabelSet labels;
  for (const char* name : kNames) {
    if (rng() % 3 == 0) continue;
    labels.Set(name, kValues[rng() % std::size(kValues)]);
  }
  return labels;
}

TEST(RuleIndexTest, MatchEqualsLinearScanOnRandomRuleSets) {
  std::mt19937 rng(0xab5eed);
  size_t nonempty = 0;
  for (int set_iter = 0; set_iter < 300; ++set_iter) {
    std::vector<Rule> rules = RandomRules(rng, 1 + rng() % 60);
    RuleSet set(rules);
    std::vector<size_t> got;
    for (int alert_iter = 0; alert_iter < 100; ++alert_iter) {
      LabelSet labels = RandomLabels(rng);
      set.Match(labels, &got);
      std::vector<size_t> want = LinearMatch(rules, labels);
      ASSERT_EQ(got, want) << "rule set " << set_iter << ", labels " << labels.ToString();
      nonempty += want.empty() ? 0 : 1;
    }
  }
  // Guard against a generator that never matches anything, which would make this test vacuous.
  EXPECT_GT(nonempty, 10000u);
}

TEST(RuleIndexTest, ManyRulesSharingOneIndexKeyKeepFileOrder) {
  std::vector<Rule> rules;
  for (int i = 0; i < 500; ++i) {
    Rule r;
    r.name = "r" + std::to_string(i);
    // Alternate between alertname-indexed, service-indexed and unindexed rules.
    const char* text = i % 3 == 0   ? R"(alertname="X")"
                       : i % 3 == 1 ? R"(service="s")"
                                    : R"(service=~"s|t")";
    r.match = *ParseMatchers(text);
    rules.push_back(std::move(r));
  }
  RuleSet set(rules);
  std::vector<size_t> got;
  LabelSet labels{{"alertname", "X"}, {"service", "s"}};
  set.Match(labels, &got);
  ASSERT_EQ(got.size(), 500u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], i);
}

}  // namespace
}  // namespace ab
