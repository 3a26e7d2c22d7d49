// Response commitments per severity (alertbridge.yml `severities:`, CONTRACTS.md "Config"): how
// soon an incident must be acknowledged and resolved, how often its receivers hear a status
// update, and whom to notify when nobody responds. The deadlines of one incident under them are
// computed here from its stored times, so the engine (timers.cc) and the API (SLA countdowns)
// agree on them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "model/incident.h"
#include "model/severity.h"
#include "rules/rule.h"

namespace ab {

// One escalation step: `after` the SLA clock started, while nobody has acknowledged, notify more
// receivers and optionally raise the priority.
struct EscalationStep {
  Duration after{0};
  std::vector<std::string> notify;
  std::optional<Severity> raise_to;
  SourceLocation location;
};

struct SeverityPolicy {
  std::optional<Duration> ack_within;
  std::optional<Duration> update_every;
  std::optional<Duration> resolve_within;
  std::vector<EscalationStep> escalation;  // in order of `after`
};

struct ResponsePolicy {
  std::map<Severity, SeverityPolicy> levels;
  // The policy of an incident of this priority, or null when its level has none.
  const SeverityPolicy* For(Severity s) const {
    auto it = levels.find(s);
    return it == levels.end() ? nullptr : &it->second;
  }
  bool empty() const { return levels.empty(); }
};

enum class DeadlineKind : uint8_t { kAck, kEscalation, kResolve, kStatusUpdate };

struct Deadline {
  DeadlineKind kind = DeadlineKind::kAck;
  std::string id;  // as kept in Incident::deadlines_fired; "" for status updates (they recur)
  TimePoint at{};
  size_t step = 0;  // kEscalation: index into SeverityPolicy::escalation
};

// The deadlines still ahead of (or overdue for) an open, unmuted incident under `policy`, earliest
// first (at one instant: the ack breach, escalation steps in order, the resolve breach, the status
// update). Each deadline is measured on the SLA clock: from `sla_started_at` (else the
// declaration) plus the time spent muted. Acknowledging ends the ack deadline and the escalation
// steps; once-deadlines that already fired are left out. None for other incidents.
std::vector<Deadline> PendingDeadlines(const Incident& inc, const SeverityPolicy& policy);

// "escalation:SEV1:2": the id of step `step` (0-based) of a policy for `level`.
std::string EscalationDeadlineId(Severity level, size_t step);

}  // namespace ab
