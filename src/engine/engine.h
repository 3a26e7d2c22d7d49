// The incident state machine. Pure: no I/O, no clock reads, no threads. The caller passes `now`
// and commits the returned Changes; after a restart it restores state from the store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/time.h"
#include "model/alert.h"
#include "model/incident.h"
#include "rules/rule.h"

namespace ab {

// One new timeline event, the incident as it was right after it, and who should hear about it.
struct EventRecord {
  Event event;
  Incident snapshot;
  std::vector<std::string> notify;  // receiver names (before each receiver's `events` filter)
};

// Everything one ingest or tick changed; committed to the store in one transaction.
struct Changes {
  std::vector<TrackedAlert> alerts;        // upserted alert rows
  std::vector<Incident> incidents;         // upserted incident rows (state after the step)
  std::vector<int64_t> removed_incidents;  // pending groups that vanished before declaring
  std::vector<std::pair<int64_t, uint64_t>> joined;  // (incident id, fingerprint): new members
  std::vector<EventRecord> events;         // in order

  bool empty() const {
    return alerts.empty() && incidents.empty() && removed_incidents.empty() && events.empty() &&
           joined.empty();
  }
  // Appends a later step's changes; an incident or alert upserted twice keeps the later row.
  void Merge(Changes&& later);
};

struct EngineStats {
  size_t tracked_alerts = 0;
  size_t firing_alerts = 0;
  size_t open_incidents = 0;
  size_t pending_incidents = 0;
};

class Engine {
 public:
  explicit Engine(std::shared_ptr<const RuleSet> rules);

  // State from the store after a restart. Incidents of every state may be passed; closed ones and
  // resolved ones past their dedup window are only needed for occurrence numbering.
  void Restore(std::vector<TrackedAlert> alerts, std::vector<Incident> incidents);

  Changes Ingest(const std::vector<Alert>& batch, TimePoint now);
  Changes Tick(TimePoint now);

  // Swap the rule set (reload). Open incidents keep their rule name.
  void SetRules(std::shared_ptr<const RuleSet> rules);

  const Incident* FindIncident(int64_t id) const;
  EngineStats Stats() const;

 private:
  struct GroupKey {
    std::string rule;
    LabelSet group;
    bool operator==(const GroupKey&) const = default;
  };
  struct GroupKeyHash {
    size_t operator()(const GroupKey& k) const;
  };
  struct GroupState {
    int64_t current_incident = 0;  // latest occurrence's incident id, 0 = none
    int last_occurrence = 0;
  };

  class Step;  // one Ingest/Tick: accumulates Changes

  Incident& NewIncident(const Rule& rule, const LabelSet& group, GroupState& gs, TimePoint now,
                        Step& step);
  void Reevaluate(Incident& inc, const Rule* rule, TimePoint now, Step& step);
  void Emit(Incident& inc, EventType type, TimePoint now, nlohmann::json details, Step& step);
  Severity BaseSeverityOf(const Incident& inc, const Rule* rule) const;
  std::string TitleOf(const Incident& inc, const Rule& rule) const;
  int FiringCount(const Incident& inc) const;

  std::shared_ptr<const RuleSet> rules_;
  std::unordered_map<uint64_t, TrackedAlert> alerts_;
  std::map<int64_t, Incident> incidents_;  // by id
  std::unordered_map<GroupKey, GroupState, GroupKeyHash> groups_;
  // Which incidents each alert belongs to (an alert can join several rules' incidents).
  std::unordered_map<uint64_t, std::vector<int64_t>> memberships_;
  int64_t next_id_ = 1;
};

}  // namespace ab
