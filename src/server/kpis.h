// KPIs from the timeline (DESIGN.md §6, issue "Incident operations" item 5): per severity, team or
// rule over a time range — incident count, MTTA, MTTR, SLA compliance, escalation rate, reopen
// rate and time to the first status update. Pure: computed from stored incidents and events.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rules/response_policy.h"
#include "store/store.h"

namespace ab {

enum class KpiGrouping : uint8_t { kSeverity, kTeam, kRule };

// {"by": ..., "groups": [{<by>: key, count, acknowledged, mtta_seconds, resolved, mttr_seconds,
// sla_met, sla_breached, sla_compliance, escalated, escalation_rate, reopened, reopen_rate,
// updated, time_to_first_update_seconds}], "total": {...}}; means and rates are null where nothing
// was measured. `incidents` are those declared in the range, with their timelines.
//
// - MTTA: declaration to the first acknowledgement, over the acknowledged ones.
// - MTTR: declaration to resolution, over the resolved (or closed) ones.
// - SLA compliance: of the incidents whose priority has an ack_within, those acknowledged (or
//   resolved) without an ack_within breach, over those plus the breached ones; an incident still
//   inside its deadline counts in neither.
// - Escalation rate / reopen rate: incidents with at least one escalated / reopened event.
// - Time to first status update: declaration to the first status_update or update note.
nlohmann::json ComputeKpis(const std::vector<IncidentDetail>& incidents,
                           const ResponsePolicy& policy, KpiGrouping by);

}  // namespace ab
