// A person's action on an incident (DESIGN.md §5, §10): the same engine input whichever channel
// it came from (HTTP API today; web page, Slack, PagerDuty or Jira webhooks later).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/incident.h"
#include "model/severity.h"

namespace ab {

enum class ActionType : uint8_t { kAck, kResolve, kClose, kReopen, kNote, kAssign, kSeverity };

// "ack", "resolve", "close", "reopen", "note", "assign", "severity" (the API path segment).
std::string_view ToString(ActionType t);
std::optional<ActionType> ParseActionType(std::string_view text);

struct Action {
  int64_t incident_id = 0;
  ActionType type = ActionType::kAck;
  std::string actor = "user:api";   // timeline actor, "user:<name>"
  std::string text;                 // note: the note; close: the resolution
  std::optional<std::string> team;  // assign (any of the three roles)
  std::optional<std::string> commander;
  std::optional<std::string> communications;
  std::optional<Severity> priority;  // severity
  bool update = false;               // note: it is the status update (resets the cadence)
  std::string cause;                 // close
  std::optional<bool> runbook_updated;  // close
};

}  // namespace ab
