// The outbox payload (CONTRACTS.md "Events out" envelope) read back into what a ticket needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "model/incident.h"
#include "notify/text/event_view.h"

namespace ab {

struct IncidentEvent {
  EventView view;  // the envelope itself, for receiver templates
  std::string id;  // "<key>_<seq>": the same on every attempt, so it marks our comments
  EventType type = EventType::kDeclared;
  TimePoint occurred_at{};
  std::string key;     // "ab-<hash>-<occurrence>"
  int occurrence = 1;  // from the key
  IncidentState state = IncidentState::kDeclared;
  Severity priority = Severity::SEV5;
  std::string title;
  std::string summary;
  std::string team;
  std::string commander;
  std::string runbook;
  std::vector<std::string> accounts;
  int alerts_firing = 0;
  int alerts_total = 0;
  std::string url;  // where a person looks at the incident (EventView::link())

  // The key of the previous occurrence of the same group ("" for the first occurrence).
  std::string PreviousKey() const;
};

// Errors name the field that is missing or malformed.
Result<IncidentEvent> ParseIncidentEvent(std::string_view payload);

}  // namespace ab
