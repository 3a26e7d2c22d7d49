#include "server/kpis.h"

#include <map>
#include <optional>

namespace ab {
namespace {

struct Tally {
  int count = 0;
  int acknowledged = 0;
  double ack_seconds = 0;
  int resolved = 0;
  double resolve_seconds = 0;
  int sla_met = 0;
  int sla_breached = 0;
  int escalated = 0;
  int reopened = 0;
  int updated = 0;
  double update_seconds = 0;

  void Add(const IncidentDetail& d, const ResponsePolicy& policy) {
    const Incident& inc = d.incident;
    if (!inc.declared_at) return;
    const TimePoint declared = *inc.declared_at;
    auto seconds = [&](TimePoint t) { return std::chrono::duration<double>(t - declared).count(); };
    ++count;
    if (inc.acknowledged_at) {
      ++acknowledged;
      ack_seconds += seconds(*inc.acknowledged_at);
    }
    bool ack_breach = false, escalation = false, reopen = false;
    std::optional<TimePoint> first_update, first_resolve;
    for (const Event& e : d.timeline) {
      switch (e.type) {
        case EventType::kSlaBreached:
          if (e.details.is_object() && e.details.value("deadline", "") == "ack_within") {
            ack_breach = true;
          }
          break;
        case EventType::kEscalated:
          escalation = true;
          break;
        case EventType::kReopened:
          reopen = true;
          break;
        case EventType::kStatusUpdate:
          if (!first_update) first_update = e.at;
          break;
        case EventType::kNoteAdded:
          if (!first_update && e.details.is_object() && e.details.value("update", false)) {
            first_update = e.at;
          }
          break;
        case EventType::kResolved:
          if (!first_resolve) first_resolve = e.at;
          break;
        default:
          break;
      }
    }
    const std::optional<TimePoint> resolved_at = inc.resolved_at ? inc.resolved_at : first_resolve;
    const bool done = inc.state == IncidentState::kResolved || inc.state == IncidentState::kClosed;
    if (done && resolved_at) {
      ++resolved;
      resolve_seconds += seconds(*resolved_at);
    }
    const SeverityPolicy* level = policy.For(inc.priority);
    if (ack_breach) {
      ++sla_breached;
    } else if (level != nullptr && level->ack_within && (inc.acknowledged_at || done)) {
      ++sla_met;
    }
    escalated += escalation ? 1 : 0;
    reopened += reopen ? 1 : 0;
    if (first_update) {
      ++updated;
      update_seconds += seconds(*first_update);
    }
  }

  nlohmann::json Json() const {
    auto mean = [](double sum, int n) {
      return n == 0 ? nlohmann::json() : nlohmann::json(sum / n);
    };
    auto rate = [](int k, int n) {
      return n == 0 ? nlohmann::json() : nlohmann::json(static_cast<double>(k) / n);
    };
    return {{"count", count},
            {"acknowledged", acknowledged},
            {"mtta_seconds", mean(ack_seconds, acknowledged)},
            {"resolved", resolved},
            {"mttr_seconds", mean(resolve_seconds, resolved)},
            {"sla_met", sla_met},
            {"sla_breached", sla_breached},
            {"sla_compliance", rate(sla_met, sla_met + sla_breached)},
            {"escalated", escalated},
            {"escalation_rate", rate(escalated, count)},
            {"reopened", reopened},
            {"reopen_rate", rate(reopened, count)},
            {"updated", updated},
            {"time_to_first_update_seconds", mean(update_seconds, updated)}};
  }
};

const char* GroupingName(KpiGrouping by) {
  switch (by) {
    case KpiGrouping::kSeverity:
      return "severity";
    case KpiGrouping::kTeam:
      return "team";
    case KpiGrouping::kRule:
      return "rule";
  }
  return "severity";
}

std::string GroupKey(const Incident& inc, KpiGrouping by) {
  switch (by) {
    case KpiGrouping::kSeverity:
      return std::string(ToString(inc.priority));
    case KpiGrouping::kTeam:
      return inc.owner.team;
    case KpiGrouping::kRule:
      return inc.rule;
  }
  return "";
}

}  // namespace

nlohmann::json ComputeKpis(const std::vector<IncidentDetail>& incidents,
                           const ResponsePolicy& policy, KpiGrouping by) {
  std::map<std::string, Tally> groups;
  Tally total;
  for (const IncidentDetail& d : incidents) {
    groups[GroupKey(d.incident, by)].Add(d, policy);
    total.Add(d, policy);
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, tally] : groups) {
    nlohmann::json g = tally.Json();
    g[GroupingName(by)] = key;
    list.push_back(std::move(g));
  }
  return {{"by", GroupingName(by)}, {"groups", std::move(list)}, {"total", total.Json()}};
}

}  // namespace ab
