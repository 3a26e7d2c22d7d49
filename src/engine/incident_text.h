// An incident's text from its rule's Mustache templates: title, summary, runbook and owner.
// The names a template may use are listed (and checked at config load) in rules/template.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/alert.h"
#include "model/incident.h"
#include "rules/rule.h"

namespace ab {

struct TextContext {
  LabelSet common_labels;             // labels every firing member shares
  LabelSet common_annotations;        // annotations every firing member shares
  int alert_count = 0;                // firing members
  std::vector<std::string> accounts;  // affected accounts
  const AccountTable* account_table = nullptr;
};

// Labels and annotations common to these alerts, and their count.
TextContext CommonContext(const std::vector<const TrackedAlert*>& members);
// The pairs of `a` that `b` has too.
LabelSet CommonLabels(const LabelSet& a, const LabelSet& b);

struct IncidentText {
  std::string title;
  std::string summary;
  std::string runbook;
  Owner owner;
};

// Renders the rule's templates. mstch's own HTML escaping is switched off: each receiver escapes
// for its own markup (CONTRACTS.md). An empty title template gives "<rule>: k=v, k=v".
IncidentText RenderIncidentText(const Rule& rule, const LabelSet& group, const TextContext& ctx);

// The same for a heartbeat rule whose beat is missing; its default title says that the
// monitoring pipeline is down.
IncidentText RenderHeartbeatText(const Rule& rule, const LabelSet& group,
                                 std::optional<TimePoint> last_seen, const TextContext& ctx);

}  // namespace ab
