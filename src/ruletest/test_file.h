// Rule unit test files (`alertbridge test FILE...`): what the rules under test are, which alerts
// arrive when on a fake clock, and what incidents and events must exist at given times. The format
// is documented in README.md ("Rule unit tests") and schemas/rule-test.schema.json.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "engine/action.h"
#include "model/alert.h"
#include "model/labels.h"

namespace ab {

// A point on a test's fake clock, as an offset from the test's start.
using TestOffset = Duration;

struct TestAlert {
  LabelSet labels;
  LabelSet annotations;
  AlertStatus status = AlertStatus::kFiring;
  std::optional<TestOffset> starts_at;  // default: the input's `at`
  std::optional<TestOffset> ends_at;    // default: none when firing, the input's `at` when resolved
  std::string generator_url;
  std::string source = "alertmanager";
  SourceLocation source_location;  // of `source:`, to report a source the config lacks
};

// A person's action (`actions:` of an input), as the API would pass it to the engine.
struct TestAction {
  Action action;
  SourceLocation location;  // of the list item, to report an action the engine refused
};

// One request's worth of alerts, ingested as one batch, then people's actions in order.
struct TestInput {
  TestOffset at{0};
  std::vector<TestAlert> alerts;
  std::vector<TestAction> actions;
  // `restart: true`: the engine is rebuilt from what the store would hold (incidents, alerts,
  // memberships) before this input's alerts and actions, as after a restart of the server.
  bool restart = false;
};

// One field of an incident or event in canonical text form (see expectations.h), so comparing
// is string equality and printing shows exactly what was compared.
struct RecordField {
  std::string name;  // "state", "group", "owner.team", "details.to"
  std::string value;
};

// An expected incident or event (the fields written, where) or one that happened (every field).
struct Record {
  std::vector<RecordField> fields;
  SourceLocation location;
};

struct TestExpectation {
  TestOffset at{0};
  SourceLocation location;
  // Every incident that exists at `at` (pending ones included), in any order; absent = unchecked.
  std::optional<std::vector<Record>> incidents;
  // Every event emitted at exactly `at`, in any order; absent = unchecked.
  std::optional<std::vector<Record>> events;
};

struct RuleTestCase {
  std::string name;
  SourceLocation location;
  TimePoint start{};
  std::vector<TestInput> input;
  std::vector<TestExpectation> expect;  // sorted by `at`, stable
  TestOffset end{0};                    // the last `at` of input and expect
};

struct RuleTestFile {
  std::string path;
  Config config;                       // rules, receivers, sources and accounts under test
  Duration evaluation_interval{1000};  // the engine ticks at every multiple of it
  std::vector<RuleTestCase> tests;
};

// Reads and validates `path` and everything it names. Every problem is appended to *errors with
// file:line:col; the result is usable only when none was added.
RuleTestFile LoadRuleTestFile(const std::string& path, std::vector<ConfigError>* errors);

// Each test steps the clock at most this many times (its span divided by evaluation_interval).
inline constexpr int64_t kMaxEvaluationSteps = 1'000'000;

}  // namespace ab
