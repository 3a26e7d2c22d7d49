// `alertbridge test FILE...`: runs rule unit tests against the real engine on a fake clock and
// reports in the style of `promtool test rules`.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "ruletest/test_file.h"

namespace ab {

// Exit codes (CONTRACTS.md "CLI").
inline constexpr int kTestsPassed = 0;
inline constexpr int kTestsFailed = 1;
inline constexpr int kTestsUnusable = 2;  // usage or config error

// Runs one test: a fresh engine over the file's rule set (the RuleSet `serve` builds), alerts
// ingested at their `at`, Engine::Tick at every multiple of evaluation_interval (ingest first,
// then tick, as the server's pipeline does), each expectation checked once everything at its
// `at` happened. Returns one message per failed expectation; empty = passed.
std::vector<std::string> RunRuleTest(const RuleTestFile& file, const RuleTestCase& test);

// Loads and runs every file; results go to `out`, config errors (file:line:col) to `err`.
// Returns kTestsPassed, kTestsFailed, or kTestsUnusable when any file could not be loaded (the
// others still run).
int RunRuleTestFiles(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err);

// For `alertbridge check`: reads and checks one rule test file (its rules, inputs and
// expectations) without running it.
RuleTestCheck CheckRuleTestFile(const std::string& path);

}  // namespace ab
