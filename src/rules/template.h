// The Mustache templates of a rule (title, summary, runbook, owner.team, owner.commander). mstch
// renders a malformed template silently, so `alertbridge check` and config loading run this check
// instead: balanced sections, closed tags, and only names the engine provides.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ab {

// What a rule template sees (engine/incident_text.cc provides exactly these):
//   labels.<name>, annotations.<name>  labels and annotations all firing member alerts share
//   group.<name>                       the rule's group_by values
//   alert_count, rule                  firing member alerts, the rule name
//   accounts (list of name, tier, arr, renewal), account_names ("a, b"), account_count
inline constexpr std::string_view kTemplateNames[] = {"labels",        "annotations",  "group",
                                                      "alert_count",   "rule",         "accounts",
                                                      "account_names", "account_count"};

struct TemplateError {
  size_t offset = 0;  // byte offset in the template of the tag at fault
  std::string message;
};

std::optional<TemplateError> CheckTemplate(std::string_view text);

}  // namespace ab
