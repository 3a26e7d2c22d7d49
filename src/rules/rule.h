// A compiled incident rule (rules/*.yml) and the ordered, indexed rule set the engine matches
// alerts against.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/time.h"
#include "model/incident.h"
#include "model/labels.h"
#include "model/severity.h"
#include "rules/matcher.h"

namespace ab {

// Where a config item was written, for errors and `explain` output.
struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based
  int col = 0;   // 1-based
};

struct Trigger {
  int min_alerts = 1;    // distinct firing alerts needed
  Duration within{0};    // sliding window for min_alerts; 0 = no window
  Duration hold{0};      // `for:` the condition must hold this long before declaring
};

struct SeverityFromLabel {
  std::string label;
  std::map<std::string, Severity> map;  // label value -> severity
};

struct SeveritySpec {
  Severity default_severity = Severity::SEV3;
  std::optional<SeverityFromLabel> from_label;
};

struct ResolvePolicy {
  bool when_alerts_resolved = true;
  Duration after{0};  // quiet period
};

struct Rule {
  std::string name;
  std::vector<Matcher> match;
  std::vector<std::string> group_by;
  Trigger trigger;
  Duration dedup_window{0};
  SeveritySpec severity;
  Owner owner;
  std::string title;    // Mustache template; empty = "<rule>: <group labels>"
  std::string summary;  // Mustache template
  std::string runbook;
  std::vector<std::string> receivers;
  ResolvePolicy resolve;
  bool continue_matching = true;  // `continue:`
  SourceLocation location;

  // The severity one alert gets from this rule (from_label map, else default).
  Severity SeverityOf(const LabelSet& labels) const;
  // The rule's group_by values for these labels (missing labels are left out).
  LabelSet GroupOf(const LabelSet& labels) const;
};

// Rules in file order. Matching uses an index on equality matchers so that the cost of matching
// one alert does not grow linearly with the number of rules.
class RuleSet {
 public:
  RuleSet() = default;
  explicit RuleSet(std::vector<Rule> rules);

  const std::vector<Rule>& rules() const { return rules_; }
  const Rule* Find(std::string_view name) const;

  // Indexes (into rules()) of the rules that take an alert with these labels, in file order,
  // stopping after the first matching rule with continue: false. Replaces the contents of *out.
  void Match(const LabelSet& labels, std::vector<size_t>* out) const;

 private:
  struct PairHash {
    size_t operator()(const std::pair<std::string, std::string>& p) const;
  };
  std::vector<Rule> rules_;
  std::unordered_map<std::string, size_t> by_name_;
  // (label name, value) of one equality matcher per rule -> rule indexes.
  std::unordered_map<std::pair<std::string, std::string>, std::vector<size_t>, PairHash> index_;
  std::vector<size_t> unindexed_;  // rules without a usable equality matcher
  std::vector<std::string> index_names_;  // distinct label names used as index keys
};

}  // namespace ab
