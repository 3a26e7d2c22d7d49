// Shared helpers of the engine tests: rules and alerts in a few words, times as offsets from kT0.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "rules/matcher.h"

namespace ab::testing {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

inline const TimePoint kT0 = FromMillis(1'790'000'000'000);

inline Rule MakeRule(std::string name, const std::string& match,
                     std::vector<std::string> group_by) {
  Rule r;
  r.name = std::move(name);
  auto m = ParseMatchers(match);
  EXPECT_TRUE(m.ok()) << m.error().message;
  if (m.ok()) r.match = *m;
  r.group_by = std::move(group_by);
  r.receivers = {"console"};
  return r;
}

inline Alert Firing(LabelSet labels, TimePoint starts_at = kT0) {
  Alert a;
  a.labels = std::move(labels);
  a.fingerprint = a.labels.Fingerprint();
  a.starts_at = starts_at;
  a.source = "alertmanager";
  return a;
}

inline Alert Resolved(LabelSet labels, TimePoint starts_at = kT0) {
  Alert a = Firing(std::move(labels), starts_at);
  a.status = AlertStatus::kResolved;
  a.ends_at = starts_at + minutes(1);
  return a;
}

inline std::vector<std::string> EventNames(const Changes& c) {
  std::vector<std::string> out;
  for (const auto& e : c.events) out.emplace_back(ToString(e.event.type));
  return out;
}

using Names = std::vector<std::string>;

// The incidents as the store gives them back after a restart: the rows of `c` (merged steps,
// later rows win) with the memberships it reported folded in, without the pending groups that
// vanished.
inline std::vector<Incident> Stored(const Changes& c) {
  std::map<int64_t, Incident> rows;
  for (const Incident& inc : c.incidents) {
    std::vector<uint64_t> members = rows.count(inc.id) ? rows[inc.id].alerts : inc.alerts;
    rows[inc.id] = inc;
    rows[inc.id].alerts = members;
  }
  for (int64_t id : c.removed_incidents) rows.erase(id);
  for (const Membership& joined : c.joined) {
    const uint64_t fp = joined.fingerprint;
    auto it = rows.find(joined.incident_id);
    if (it == rows.end()) continue;
    auto& m = it->second.alerts;
    if (std::find(m.begin(), m.end(), fp) == m.end())
      m.insert(std::upper_bound(m.begin(), m.end(), fp), fp);
  }
  std::vector<Incident> out;
  for (auto& [id, inc] : rows) out.push_back(std::move(inc));
  return out;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetRules(std::vector<Rule> rules, std::shared_ptr<const AccountTable> accounts = nullptr) {
    rules_ = std::make_shared<RuleSet>(std::move(rules), std::move(accounts));
    engine_ = std::make_unique<Engine>(rules_);
  }
  Changes Ingest(std::vector<Alert> batch, TimePoint at) { return engine_->Ingest(batch, at); }
  Changes Tick(TimePoint at) { return engine_->Tick(at); }
  // The incident row last written for `id` in these changes.
  static const Incident* Row(const Changes& c, int64_t id) {
    const Incident* out = nullptr;
    for (const Incident& inc : c.incidents) {
      if (inc.id == id) out = &inc;
    }
    return out;
  }

  std::shared_ptr<const RuleSet> rules_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace ab::testing
