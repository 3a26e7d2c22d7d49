// Severity and priority: the worst member severity is the base; `raise` rules (alert count,
// customer impact from accounts.yml) give the priority. While an incident is open neither ever
// drops by itself, and each rise is a `severity_changed` event. Raises on time (an account's
// renewal coming within `renewal_within`) are looked at again on Tick, when they come due.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_step.h"

namespace ab {

namespace {

bool UsesAccounts(const Rule& rule) {
  return std::any_of(rule.severity.raise.begin(), rule.severity.raise.end(),
                     [](const SeverityRaise& r) { return r.UsesAccounts(); });
}

// Whether some raise of the rule can come to hold by time passing alone.
bool HasTimedRaise(const Rule& rule) {
  return std::any_of(rule.severity.raise.begin(), rule.severity.raise.end(),
                     [](const SeverityRaise& r) { return r.renewal_within.has_value(); });
}

const AccountImpact kNoImpact;

}  // namespace

// The account named by the alert's key label joins the incident's affected accounts.
void Engine::AddAccount(Incident& inc, const LabelSet& labels) {
  const AccountTable* table = rules_->accounts();
  if (table == nullptr) return;
  std::string_view name = labels.Get(table->key_label());
  if (name.empty()) return;
  auto it = std::lower_bound(inc.accounts.begin(), inc.accounts.end(), name);
  if (it != inc.accounts.end() && *it == name) return;
  inc.accounts.insert(it, std::string(name));
  if (IsOpen(inc.state)) text_dirty_.insert(inc.id);
  auto cached = impact_.find(inc.id);
  if (cached == impact_.end()) return;
  if (const Account* a = table->Find(name)) cached->second.Add(*a);
}

const AccountImpact& Engine::ImpactOf(const Incident& inc, const Rule& rule) {
  const AccountTable* table = rules_->accounts();
  if (table == nullptr || !UsesAccounts(rule)) return kNoImpact;
  auto it = impact_.find(inc.id);
  if (it == impact_.end()) it = impact_.emplace(inc.id, table->ImpactOf(inc.accounts)).first;
  return it->second;
}

Severity Engine::BaseSeverityOf(const Incident& inc, const Rule& rule) const {
  std::optional<Severity> worst;
  for (uint64_t fp : inc.alerts) {
    const TrackedAlert& a = alerts_.at(fp);
    if (!a.alert.firing()) continue;
    Severity s = rule.SeverityOf(a.alert.labels);
    worst = worst ? Worst(*worst, s) : s;
  }
  return worst.value_or(rule.severity.default_severity);
}

Severity Engine::RulePriority(const Incident& inc, const Rule* rule, TimePoint now) {
  if (rule == nullptr || rule->severity.raise.empty()) return inc.base_severity;
  return rule->PriorityOf(inc.base_severity, inc.alerts_firing, ImpactOf(inc, *rule), now);
}

void Engine::RaiseBase(Incident& inc, Severity candidate, TimePoint now, Step& step) {
  if (!(candidate < inc.base_severity)) return;
  Severity from = inc.base_severity;
  inc.base_severity = candidate;
  text_dirty_.insert(inc.id);
  Emit(inc, EventType::kSeverityChanged, now,
       {{"field", "base_severity"}, {"from", ToString(from)}, {"to", ToString(candidate)}}, step);
}

// The priority follows the base severity and the rule's raises, upwards only. A priority a person
// set holds against the rules until the rules ask for more than it: when their priority rises (an
// alert, an account, a renewal) above the person's, it follows them again, and the event names the
// cause. A new occurrence starts from the rules.
void Engine::RaisePriority(Incident& inc, const Rule* rule, Severity before, TimePoint now,
                           Step& step) {
  const Severity p = RulePriority(inc, rule, now);
  if (!(p < inc.priority)) return;
  if (inc.priority_by_hand && !(p < before)) return;  // the rules did not rise: theirs stands
  const Severity from = inc.priority;
  inc.priority = p;
  inc.priority_by_hand = false;
  text_dirty_.insert(inc.id);
  std::string cause = "base severity " + std::string(ToString(inc.base_severity));
  if (rule != nullptr) {
    cause = rule->PriorityCause(inc.base_severity, inc.alerts_firing, ImpactOf(inc, *rule), now);
  }
  Emit(inc, EventType::kSeverityChanged, now,
       {{"field", "priority"}, {"from", ToString(from)}, {"to", ToString(p)}, {"cause", cause}},
       step);
}

// Keeps an open incident whose priority may rise as time passes on the list Tick looks at; any
// other drops off it. Called for every incident a step touched, so its next due time is worked
// out afresh (its accounts or state may have changed).
void Engine::WatchRaises(int64_t id) {
  if (auto due = raise_due_.find(id); due != raise_due_.end()) {
    raise_at_.erase({due->second, id});
    raise_due_.erase(due);
  }
  auto it = incidents_.find(id);
  bool watch = false;
  if (it != incidents_.end() && rules_->accounts() != nullptr) {
    const Incident& inc = it->second;
    const Rule* rule = rules_->Find(inc.rule);
    watch = IsOpen(inc.state) && !inc.accounts.empty() && rule != nullptr && HasTimedRaise(*rule);
  }
  if (watch) {
    raise_unscheduled_.insert(id);
  } else {
    raise_unscheduled_.erase(id);
  }
}

// The next time after `now` at which an affected account's renewal enters a `renewal_within`
// window of the rule, if any.
void Engine::ScheduleRaise(const Incident& inc, const Rule& rule, TimePoint now) {
  const AccountImpact& impact = ImpactOf(inc, rule);
  std::optional<TimePoint> next;
  for (const SeverityRaise& r : rule.severity.raise) {
    if (!r.renewal_within) continue;
    // Renewals are sorted: the first whose window opens after now is the earliest.
    auto it =
        std::upper_bound(impact.renewals.begin(), impact.renewals.end(), now + *r.renewal_within);
    if (it != impact.renewals.end()) {
      TimePoint opens = *it - *r.renewal_within;
      next = next ? std::min(*next, opens) : opens;
    }
  }
  if (!next) return;
  raise_at_.insert({*next, inc.id});
  raise_due_[inc.id] = *next;
}

// Evaluates the raises of the incidents that came due (or newly need watching) and schedules
// each one's next look.
void Engine::RaiseDue(TimePoint now, Step& step) {
  std::vector<int64_t> due(raise_unscheduled_.begin(), raise_unscheduled_.end());
  raise_unscheduled_.clear();
  while (!raise_at_.empty() && raise_at_.begin()->first <= now) {
    int64_t id = raise_at_.begin()->second;
    raise_at_.erase(raise_at_.begin());
    raise_due_.erase(id);
    due.push_back(id);
  }
  for (int64_t id : due) {
    auto it = incidents_.find(id);
    if (it == incidents_.end() || !IsOpen(it->second.state)) continue;
    const Rule* rule = rules_->Find(it->second.rule);
    if (rule == nullptr) continue;
    // Raises on time come to hold at the instant they are scheduled for: the rules' priority
    // just before it is what a person's choice is weighed against.
    const Severity before = RulePriority(it->second, rule, now - std::chrono::milliseconds(1));
    RaisePriority(it->second, rule, before, now, step);
    ScheduleRaise(it->second, *rule, now);
  }
}

}  // namespace ab
