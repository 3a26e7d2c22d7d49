// `alertbridge explain k=v ...`: which rules would take an alert with these labels, and the
// severity each would give it — the question a rule owner asks before and after editing a rule.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "model/labels.h"
#include "model/severity.h"
#include "rules/rule.h"

namespace ab {

struct RuleExplanation {
  const Rule* rule = nullptr;
  Severity severity = Severity::SEV5;  // the alert's own severity under this rule (the base)
  // The priority an incident of this alert alone gets, as `serve` computes it: the base after the
  // rule's raises that hold for one firing alert and its account (the accounts.yml key label) at
  // `now`; `raises` are those that held, each with the priority after it.
  Severity priority = Severity::SEV5;
  std::vector<PriorityStep> raises;
  std::string account;           // the alert's account, when it names one
  bool account_unknown = false;  // ... that accounts.yml does not list
  LabelSet group;                // the incident group it would join
};

// The rules that take `labels`, in file order, stopping after one with continue: false — the
// same RuleSet::Match the engine uses.
std::vector<RuleExplanation> ExplainAlert(const RuleSet& rules, const LabelSet& labels,
                                          TimePoint now);

// One line for a rule that takes the alert: what `serve` does with it there.
std::string DescribeExplanation(const RuleExplanation& e);

// "name=value" arguments (the value may be empty or hold '='); names must be label names and
// appear once.
Result<LabelSet> ParseLabelArgs(const std::vector<std::string>& args);

// Loads `config_file` like `serve` does (empty: ./rules and ./receivers), prints one line per
// rule that takes the alert to `out`, problems to `err`. Returns the exit code: 0 a rule takes
// it, 1 none does, 2 usage or config error.
// `now` is when account renewals are weighed (`renewal_within` raises).
int RunExplain(const std::string& config_file, const std::vector<std::string>& args,
               std::ostream& out, std::ostream& err, TimePoint now);

}  // namespace ab
