// `alertbridge explain k=v ...`: which rules would take an alert with these labels, and the
// severity each would give it — the question a rule owner asks before and after editing a rule.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/labels.h"
#include "model/severity.h"
#include "rules/rule.h"

namespace ab {

struct RuleExplanation {
  const Rule* rule = nullptr;
  Severity severity = Severity::SEV5;  // the alert's own severity under this rule
  LabelSet group;                      // the incident group it would join
};

// The rules that take `labels`, in file order, stopping after one with continue: false — the
// same RuleSet::Match the engine uses.
std::vector<RuleExplanation> ExplainAlert(const RuleSet& rules, const LabelSet& labels);

// "name=value" arguments (the value may be empty or hold '='); names must be label names and
// appear once.
Result<LabelSet> ParseLabelArgs(const std::vector<std::string>& args);

// Loads `config_file` like `serve` does (empty: ./rules and ./receivers), prints one line per
// rule that takes the alert to `out`, problems to `err`. Returns the exit code: 0 a rule takes
// it, 1 none does, 2 usage or config error.
int RunExplain(const std::string& config_file, const std::vector<std::string>& args,
               std::ostream& out, std::ostream& err);

}  // namespace ab
