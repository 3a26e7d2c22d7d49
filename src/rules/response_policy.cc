#include "rules/response_policy.h"

#include <algorithm>

namespace ab {

std::string EscalationDeadlineId(Severity level, size_t step) {
  return "escalation:" + std::string(ToString(level)) + ":" + std::to_string(step + 1);
}

std::vector<Deadline> PendingDeadlines(const Incident& inc, const SeverityPolicy& policy) {
  std::vector<Deadline> out;
  if (!IsOpen(inc.state) || inc.muted || !inc.declared_at) return out;
  const TimePoint start = inc.sla_started_at.value_or(*inc.declared_at) + inc.paused;
  auto fired = [&](const std::string& id) {
    return std::find(inc.deadlines_fired.begin(), inc.deadlines_fired.end(), id) !=
           inc.deadlines_fired.end();
  };
  const bool unacknowledged = inc.state == IncidentState::kDeclared;
  if (unacknowledged && policy.ack_within && !fired("ack")) {
    out.push_back({DeadlineKind::kAck, "ack", start + *policy.ack_within, 0});
  }
  for (size_t i = 0; unacknowledged && i < policy.escalation.size(); ++i) {
    std::string id = EscalationDeadlineId(inc.priority, i);
    if (!fired(id)) {
      out.push_back(
          {DeadlineKind::kEscalation, std::move(id), start + policy.escalation[i].after, i});
    }
  }
  if (policy.resolve_within && !fired("resolve")) {
    out.push_back({DeadlineKind::kResolve, "resolve", start + *policy.resolve_within, 0});
  }
  if (policy.update_every) {
    // Unmuting moves last_update_at on by the muted time; before the first update the cadence
    // runs from the start of the SLA clock.
    const TimePoint from = inc.last_update_at.value_or(start);
    out.push_back({DeadlineKind::kStatusUpdate, "", from + *policy.update_every, 0});
  }
  std::stable_sort(out.begin(), out.end(), [](const Deadline& a, const Deadline& b) {
    return a.at != b.at ? a.at < b.at : a.kind < b.kind;
  });
  return out;
}

}  // namespace ab
