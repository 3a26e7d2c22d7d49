// Severity and priority: the worst member severity is the base; `raise` rules (alert count,
// customer impact from accounts.yml) give the priority. While an incident is open neither ever
// drops by itself, and each rise is a `severity_changed` event.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_step.h"

namespace ab {

namespace {

bool UsesAccounts(const Rule& rule) {
  return std::any_of(rule.severity.raise.begin(), rule.severity.raise.end(),
                     [](const SeverityRaise& r) { return r.UsesAccounts(); });
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

void Engine::RaiseBase(Incident& inc, Severity candidate, TimePoint now, Step& step) {
  if (!(candidate < inc.base_severity)) return;
  Severity from = inc.base_severity;
  inc.base_severity = candidate;
  Emit(inc, EventType::kSeverityChanged, now,
       {{"field", "base_severity"}, {"from", ToString(from)}, {"to", ToString(candidate)}}, step);
}

// The priority follows the base severity and the rule's raises, upwards only; once a person set
// it, it is theirs.
void Engine::RaisePriority(Incident& inc, const Rule* rule, TimePoint now, Step& step) {
  if (inc.priority_by_hand) return;
  Severity p = inc.base_severity;
  if (rule != nullptr && !rule->severity.raise.empty()) {
    p = rule->PriorityOf(inc.base_severity, inc.alerts_firing, ImpactOf(inc, *rule), now);
  }
  if (!(p < inc.priority)) return;
  Severity from = inc.priority;
  inc.priority = p;
  Emit(inc, EventType::kSeverityChanged, now,
       {{"field", "priority"}, {"from", ToString(from)}, {"to", ToString(p)}}, step);
}

}  // namespace ab
