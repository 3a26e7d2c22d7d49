// Rules that are valid but likely wrong: `alertbridge check` prints these as warnings (exit 0).
#pragma once

#include <string>
#include <vector>

#include "rules/rule.h"

namespace ab {

// A template naming group.<label> where the rule does not guarantee that label: it is not in
// group_by, or no matcher requires it to be non-empty. Alerts that lack it join the group
// without it and the text renders it as nothing ("Errors on "). A use inside a section on the
// same name ({{#group.service}} on {{group.service}}{{/group.service}}) is guarded and fine.
std::vector<std::string> GroupLabelWarnings(const Rule& rule);

}  // namespace ab
