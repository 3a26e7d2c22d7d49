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
//   alert_count_plural                 true unless alert_count is 1:
//                                      "{{alert_count}}
//                                      alert{{#alert_count_plural}}s{{/alert_count_plural}}"
//   accounts (list of name, unknown, tier, arr, renewal; an account accounts.yml does not list
//   is `unknown` with the other fields empty), account_names ("a, b"), account_count,
//   account_count_plural
inline constexpr std::string_view kTemplateNames[] = {
    "labels", "annotations", "group",         "alert_count",   "alert_count_plural",
    "rule",   "accounts",    "account_names", "account_count", "account_count_plural"};

struct TemplateError {
  size_t offset = 0;  // byte offset in the template of the tag at fault
  std::string message;
};

std::optional<TemplateError> CheckTemplate(std::string_view text);

}  // namespace ab
