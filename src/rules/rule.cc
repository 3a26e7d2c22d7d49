#include "rules/rule.h"

#include <algorithm>
#include <functional>

namespace ab {

Severity Rule::SeverityOf(const LabelSet& labels) const {
  if (severity.from_label) {
    std::string_view v = labels.Get(severity.from_label->label);
    if (!v.empty()) {
      auto it = severity.from_label->map.find(std::string(v));
      if (it != severity.from_label->map.end()) return it->second;
    }
  }
  return severity.default_severity;
}

bool SeverityRaise::Holds(int alerts_firing, const AccountImpact& impact, TimePoint now) const {
  if (min_alerts && alerts_firing < *min_alerts) return false;
  if (!account_tier.empty() && (account_tier_rank < 0 || impact.highest_tier < account_tier_rank)) {
    return false;
  }
  if (account_arr_over && !(impact.largest_arr && *impact.largest_arr > *account_arr_over)) {
    return false;
  }
  if (renewal_within && !impact.RenewsWithin(now, *renewal_within)) return false;
  return true;
}

Severity SeverityRaise::Apply(Severity severity) const {
  if (to) return Worst(severity, *to);
  return RaiseBy(severity, by);
}

std::string SeverityRaise::Describe() const {
  std::string when;
  auto add = [&when](const std::string& cond) { when += (when.empty() ? "" : ", ") + cond; };
  if (min_alerts) add("min_alerts: " + std::to_string(*min_alerts));
  if (!account_tier.empty()) add("account_tier: " + account_tier);
  if (account_arr_over) add("account_arr_over: " + std::to_string(*account_arr_over));
  if (renewal_within) add("renewal_within: " + FormatDuration(*renewal_within));
  std::string effect = to ? "to: " + std::string(ToString(*to)) : "by: " + std::to_string(by);
  return "{when: {" + when + "}, " + effect + "}";
}

Severity Rule::PriorityOf(Severity base, int alerts_firing, const AccountImpact& impact,
                          TimePoint now) const {
  Severity p = base;
  for (const SeverityRaise& r : severity.raise) {
    if (r.Holds(alerts_firing, impact, now)) p = r.Apply(p);
  }
  return p;
}

std::vector<PriorityStep> Rule::PriorityTrace(Severity base, int alerts_firing,
                                              const AccountImpact& impact, TimePoint now) const {
  std::vector<PriorityStep> out;
  Severity p = base;
  for (const SeverityRaise& r : severity.raise) {
    if (!r.Holds(alerts_firing, impact, now)) continue;
    p = r.Apply(p);
    out.push_back({&r, p});
  }
  return out;
}

std::string Rule::PriorityCause(Severity base, int alerts_firing, const AccountImpact& impact,
                                TimePoint now) const {
  Severity p = base;
  const SeverityRaise* last = nullptr;
  for (const PriorityStep& step : PriorityTrace(base, alerts_firing, impact, now)) {
    if (step.after != p) last = step.raise;
    p = step.after;
  }
  if (last == nullptr) return "base severity " + std::string(ToString(base));
  return "raise " + last->Describe();
}

LabelSet Rule::GroupOf(const LabelSet& labels) const {
  LabelSet group;
  for (const std::string& name : group_by) {
    std::string_view v = labels.Get(name);
    if (!v.empty()) group.Set(name, v);
  }
  return group;
}

size_t RuleSet::PairHash::operator()(const std::pair<std::string, std::string>& p) const {
  size_t h = std::hash<std::string>{}(p.first);
  // boost::hash_combine's mixing, so (a, bc) and (ab, c) land apart.
  return h ^ (std::hash<std::string>{}(p.second) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

namespace {

// The equality matcher a rule is indexed under: alertname="x" when the rule has one (it is the
// most selective label in practice), else the first name="x". An empty value cannot be indexed:
// foo="" matches alerts that lack foo.
const Matcher* IndexMatcher(const Rule& rule) {
  const Matcher* first = nullptr;
  for (const Matcher& m : rule.match) {
    if (m.op() != MatchOp::kEqual || m.value().empty()) continue;
    if (m.name() == "alertname") return &m;
    if (first == nullptr) first = &m;
  }
  return first;
}

}  // namespace

void ReceiverRoutes::Set(const std::string& receiver, const std::vector<EventType>& events) {
  uint32_t mask = 0;
  for (size_t i = 0; i <= static_cast<size_t>(EventType::kClosed); ++i) {
    const auto t = static_cast<EventType>(i);
    bool wanted = events.empty() ? InDefaultEvents(t)
                                 : std::find(events.begin(), events.end(), t) != events.end();
    if (wanted) mask |= 1u << i;
  }
  masks_[receiver] = mask;
}

bool ReceiverRoutes::Wants(std::string_view receiver, EventType t) const {
  auto it = masks_.find(std::string(receiver));
  if (it == masks_.end()) return !only_configured_ && InDefaultEvents(t);
  return (it->second >> static_cast<size_t>(t) & 1u) != 0;
}

RuleSet::RuleSet(std::vector<Rule> rules, std::shared_ptr<const AccountTable> accounts,
                 ReceiverRoutes routes)
    : rules_(std::move(rules)), accounts_(std::move(accounts)), routes_(std::move(routes)) {
  for (size_t i = 0; i < rules_.size(); ++i) {
    by_name_.emplace(rules_[i].name, i);  // names are unique after config checks; first wins
    if (rules_[i].heartbeat()) heartbeat_rules_.push_back(i);
    const Matcher* m = IndexMatcher(rules_[i]);
    if (m == nullptr) {
      unindexed_.push_back(i);
      continue;
    }
    index_[{m->name(), m->value()}].push_back(i);
    if (std::find(index_names_.begin(), index_names_.end(), m->name()) == index_names_.end()) {
      index_names_.push_back(m->name());
    }
  }
}

const Rule* RuleSet::Find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &rules_[it->second];
}

void RuleSet::Match(const LabelSet& labels, std::vector<size_t>* out) const {
  out->clear();
  // Reused per thread so that the hot path does not allocate once warmed up. Each rule sits in
  // exactly one bucket and an alert has one value per label, so candidates hold no duplicates.
  thread_local std::pair<std::string, std::string> key;
  thread_local std::vector<size_t> candidates;
  candidates.clear();
  for (const std::string& name : index_names_) {
    std::string_view value = labels.Get(name);
    if (value.empty()) continue;
    key.first.assign(name);
    key.second.assign(value);
    auto it = index_.find(key);
    if (it != index_.end()) {
      candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    }
  }
  candidates.insert(candidates.end(), unindexed_.begin(), unindexed_.end());
  std::sort(candidates.begin(), candidates.end());  // file order decides, and `continue`

  // Heartbeat rules take their alerts whatever the order and `continue` of the other rules.
  thread_local std::vector<size_t> heartbeats;
  heartbeats.clear();
  bool stopped = false;
  for (size_t i : candidates) {
    if (stopped && heartbeat_rules_.empty()) break;
    const Rule& rule = rules_[i];
    if ((stopped && !rule.heartbeat()) || !MatchesAll(rule.match, labels)) continue;
    if (rule.heartbeat()) {
      heartbeats.push_back(i);
      continue;
    }
    out->push_back(i);
    stopped = !rule.continue_matching;
  }
  if (!heartbeats.empty()) out->assign(heartbeats.begin(), heartbeats.end());
}

}  // namespace ab
