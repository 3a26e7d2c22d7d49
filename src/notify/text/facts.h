// The facts every human-facing notification shows next to its text (Slack fields, a Teams
// FactSet, a ticket's description table): severity, state, owner, runbook, affected accounts,
// alerts firing. Values are raw: each notifier escapes them for its markup.
#pragma once

#include <string>
#include <vector>

#include "notify/text/event_view.h"

namespace ab {

struct IncidentFact {
  std::string label;    // "Severity", "Owner", ...
  std::string value;    // raw, unescaped
  bool is_url = false;  // an http(s) URL a notifier may turn into a link
};

// In display order; facts the incident does not have (no runbook, no accounts) are left out.
std::vector<IncidentFact> IncidentFacts(const EventView& event);

// Whether `s` is an absolute http(s) URL without whitespace, safe to put in a link target.
bool IsLinkableUrl(std::string_view s);

}  // namespace ab
