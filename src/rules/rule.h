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
#include "rules/accounts.h"
#include "rules/matcher.h"

namespace ab {

// Where a config item was written, for errors and `explain` output.
struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based
  int col = 0;   // 1-based
};

struct Trigger {
  int min_alerts = 1;  // distinct firing alerts needed
  Duration within{0};  // sliding window for min_alerts; 0 = no window
  Duration hold{0};    // `for:` the condition must hold this long before declaring
};

// `severity.raise[]`: when every condition in `when` holds, raise the priority `to` a level or
// `by` some levels. Conditions on accounts see the incident's affected accounts (the highest tier,
// the largest ARR, the nearest renewal).
struct SeverityRaise {
  std::optional<int> min_alerts;            // firing member alerts
  std::string account_tier;                 // at least this tier (tiers are ordered)
  int account_tier_rank = -1;               // its index in accounts.yml `tiers`, set by the loader
  std::optional<int64_t> account_arr_over;  // some affected account's ARR is above
  std::optional<Duration> renewal_within;   // some affected account renews within
  std::optional<Severity> to;
  int by = 0;
  SourceLocation location;

  bool UsesAccounts() const {
    return !account_tier.empty() || account_arr_over.has_value() || renewal_within.has_value();
  }
  // Whether `when` holds for an incident with these firing alerts and affected accounts.
  bool Holds(int alerts_firing, const AccountImpact& impact, TimePoint now) const;
  // `severity` after this raise.
  Severity Apply(Severity severity) const;
  // As written: "{when: {min_alerts: 10, account_tier: enterprise}, to: SEV1}".
  std::string Describe() const;
};

// One raise that held while computing a priority, and the priority after it.
struct PriorityStep {
  const SeverityRaise* raise = nullptr;
  Severity after = Severity::SEV5;
};

struct SeverityFromLabel {
  std::string label;
  std::map<std::string, Severity> map;  // label value -> severity
};

struct SeveritySpec {
  Severity default_severity = Severity::SEV3;
  std::optional<SeverityFromLabel> from_label;
  std::vector<SeverityRaise> raise;  // applied in order, each on the result of the ones before
};

struct ResolvePolicy {
  bool when_alerts_resolved = true;
  Duration after{0};  // quiet period
};

// `type: incident` (the default) groups alerts into incidents; `type: heartbeat` expects an alert
// matching it at least every `interval` and declares "monitoring pipeline down" when none came.
enum class RuleType : uint8_t { kIncident, kHeartbeat };

struct Rule {
  std::string name;
  RuleType type = RuleType::kIncident;
  Duration interval{0};  // heartbeat rules only
  std::vector<Matcher> match;
  std::vector<std::string> group_by;
  Trigger trigger;
  Duration dedup_window{0};
  SeveritySpec severity;
  Owner owner;          // team and commander are Mustache templates
  std::string title;    // Mustache template; empty = "<rule>: <group labels>"
  std::string summary;  // Mustache template
  std::string runbook;  // Mustache template
  std::vector<std::string> receivers;
  ResolvePolicy resolve;
  bool continue_matching = true;  // `continue:`
  SourceLocation location;

  bool heartbeat() const { return type == RuleType::kHeartbeat; }
  // The severity one alert gets from this rule (from_label map, else default).
  Severity SeverityOf(const LabelSet& labels) const;
  // The priority of an incident of this rule: `base` after every `raise` whose condition holds.
  Severity PriorityOf(Severity base, int alerts_firing, const AccountImpact& impact,
                      TimePoint now) const;
  // The raises that hold, in order, each with the priority after it (what PriorityOf applied).
  std::vector<PriorityStep> PriorityTrace(Severity base, int alerts_firing,
                                          const AccountImpact& impact, TimePoint now) const;
  // Why an incident has this priority, for events and `explain`: the last raise that changed
  // it, else "base severity SEVn".
  std::string PriorityCause(Severity base, int alerts_firing, const AccountImpact& impact,
                            TimePoint now) const;
  // The rule's group_by values for these labels (missing labels are left out).
  LabelSet GroupOf(const LabelSet& labels) const;
};

// Which events each receiver takes (its `events:` list), so that the engine's output names the
// receivers of each event (the outbox plan). A receiver without an entry takes the default set.
class ReceiverRoutes {
 public:
  // `events` empty = the default set (InDefaultEvents).
  void Set(const std::string& receiver, const std::vector<EventType>& events);
  // A receiver not Set gets the default set, unless OnlyConfigured() was called: then nothing
  // (serve: a receiver removed at a reload gets no new entries; its open incidents still name it).
  bool Wants(std::string_view receiver, EventType t) const;
  void OnlyConfigured() { only_configured_ = true; }

 private:
  std::unordered_map<std::string, uint32_t> masks_;  // bit i = EventType i
  bool only_configured_ = false;
};

// Rules in file order. Matching uses an index on equality matchers so that the cost of matching
// one alert does not grow linearly with the number of rules.
class RuleSet {
 public:
  RuleSet() = default;
  // `accounts` (accounts.yml) may be null: no affected accounts, account raises never hold.
  explicit RuleSet(std::vector<Rule> rules, std::shared_ptr<const AccountTable> accounts = nullptr,
                   ReceiverRoutes routes = {});

  const std::vector<Rule>& rules() const { return rules_; }
  const AccountTable* accounts() const { return accounts_.get(); }
  const ReceiverRoutes& routes() const { return routes_; }
  // Indexes of the heartbeat rules, in file order.
  const std::vector<size_t>& heartbeat_rules() const { return heartbeat_rules_; }
  const Rule* Find(std::string_view name) const;

  // Indexes (into rules()) of the rules that take an alert with these labels, in file order,
  // stopping after the first matching rule with continue: false. Replaces the contents of *out.
  // When a heartbeat rule matches (whatever its place in the file), *out holds only the matching
  // heartbeat rules: a heartbeat alert is the monitoring pipeline's pulse, never an incident.
  void Match(const LabelSet& labels, std::vector<size_t>* out) const;

 private:
  struct PairHash {
    size_t operator()(const std::pair<std::string, std::string>& p) const;
  };
  std::vector<Rule> rules_;
  std::shared_ptr<const AccountTable> accounts_;
  ReceiverRoutes routes_;
  std::vector<size_t> heartbeat_rules_;
  std::unordered_map<std::string, size_t> by_name_;
  // (label name, value) of one equality matcher per rule -> rule indexes.
  std::unordered_map<std::pair<std::string, std::string>, std::vector<size_t>, PairHash> index_;
  std::vector<size_t> unindexed_;         // rules without a usable equality matcher
  std::vector<std::string> index_names_;  // distinct label names used as index keys
};

}  // namespace ab
