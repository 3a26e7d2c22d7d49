// Title and summary of an incident from its rule's Mustache templates.
#pragma once

#include <string>
#include <vector>

#include "model/alert.h"
#include "model/incident.h"
#include "rules/rule.h"

namespace ab {

struct TextContext {
  LabelSet common_labels;       // labels every firing member shares
  LabelSet common_annotations;  // annotations every firing member shares
  int alert_count = 0;
};

TextContext CommonContext(const std::vector<const TrackedAlert*>& members);

// Renders a rule template over {labels, annotations, group, alert_count, rule}. mstch's own
// HTML escaping is switched off: each receiver escapes for its own markup (CONTRACTS.md).
std::string RenderText(const std::string& tmpl, const Rule& rule, const LabelSet& group,
                       const TextContext& ctx);

// "<rule>: k=v, k=v" when the rule has no title template.
std::string DefaultTitle(const Rule& rule, const LabelSet& group);

}  // namespace ab
