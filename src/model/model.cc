#include "model/alert.h"
#include "model/incident.h"
#include "model/severity.h"

namespace ab {

std::string_view ToString(Severity s) {
  switch (s) {
    case Severity::SEV1:
      return "SEV1";
    case Severity::SEV2:
      return "SEV2";
    case Severity::SEV3:
      return "SEV3";
    case Severity::SEV4:
      return "SEV4";
    case Severity::SEV5:
      return "SEV5";
  }
  return "SEV5";
}

std::optional<Severity> ParseSeverity(std::string_view t) {
  if (t.size() == 4 && (t.substr(0, 3) == "SEV" || t.substr(0, 3) == "sev") && t[3] >= '1' &&
      t[3] <= '5') {
    return static_cast<Severity>(t[3] - '0');
  }
  return std::nullopt;
}

std::string_view ToString(AlertStatus s) {
  return s == AlertStatus::kFiring ? "firing" : "resolved";
}

std::string_view ToString(IncidentState s) {
  switch (s) {
    case IncidentState::kPending:
      return "pending";
    case IncidentState::kDeclared:
      return "declared";
    case IncidentState::kAcknowledged:
      return "acknowledged";
    case IncidentState::kResolved:
      return "resolved";
    case IncidentState::kClosed:
      return "closed";
  }
  return "pending";
}

std::optional<IncidentState> ParseIncidentState(std::string_view t) {
  for (auto s : {IncidentState::kPending, IncidentState::kDeclared, IncidentState::kAcknowledged,
                 IncidentState::kResolved, IncidentState::kClosed}) {
    if (ToString(s) == t) return s;
  }
  return std::nullopt;
}

namespace {
constexpr std::string_view kEventNames[] = {
    "declared", "alert_added", "alert_resolved", "alert_stale",  "severity_changed", "acknowledged",
    "assigned", "note_added",  "status_update",  "sla_breached", "escalated",        "muted",
    "unmuted",  "resolved",    "reopened",       "closed"};
static_assert(std::size(kEventNames) == static_cast<size_t>(EventType::kClosed) + 1);
}  // namespace

std::string_view ToString(EventType t) { return kEventNames[static_cast<size_t>(t)]; }

std::optional<EventType> ParseEventType(std::string_view t) {
  for (size_t i = 0; i < std::size(kEventNames); ++i) {
    if (kEventNames[i] == t) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

}  // namespace ab
