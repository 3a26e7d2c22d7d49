// `templates:` of a receiver: read and checked here so that a broken template fails `check`
// instead of a 3 a.m. notification.
#include "config/receiver_templates.h"

#include <algorithm>

#include "config/receiver_type.h"

namespace ab {

const MustacheNames& ReceiverTemplateNames() {
  static const MustacheNames kNames{
      {"event", "incident", "labels", "annotations", "group", "accounts", "account_names",
       "account_count", "title", "summary", "severity", "runbook", "key", "link", "owner"},
      {"account_names", "account_count", "title", "summary", "severity", "runbook", "key", "link"},
  };
  return kNames;
}

namespace config_internal {
namespace {

std::string Join(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// Reports a template error at the tag itself when the template is one line (a quoted scalar
// starts a column after its quote; escapes inside quotes can shift this a little), else at the
// value with the line and column inside the template.
void ReportTemplateError(const Value& v, const std::string& text, const MustacheError& err,
                         Diagnostics& diag) {
  YAML::Mark mark = v.mark;
  std::string message = v.path + ": " + err.message;
  // Block scalars (| and >) end in a line break; plain and quoted one-liners have none.
  if (text.find('\n') == std::string::npos) {
    const bool quoted = v.node.Tag() == "!";
    mark.column += static_cast<int>(err.offset) + (quoted ? 1 : 0);
  } else {
    message += " (template " + DescribeTemplateOffset(text, err.offset) + ")";
  }
  diag.Add(mark, std::move(message));
}

}  // namespace

void ReadReceiverTemplates(const Value& v, const ReceiverTypeSpec& type, Diagnostics& diag,
                           ReceiverConfig* rc) {
  if (type.templates.empty()) {
    diag.Add(v.mark, "templates: type " + std::string(type.name) + " takes no templates");
    return;
  }
  for (const MapEntry& e : MapEntries(v, diag)) {
    if (std::find(type.templates.begin(), type.templates.end(), e.key) == type.templates.end()) {
      diag.Add(e.key_node, v.path + ": unknown template \"" + e.key + "\" for type " +
                               std::string(type.name) + " (valid: " + Join(type.templates) + ")");
      continue;
    }
    std::string text;
    if (!ReadNonEmpty(e.value, diag, &text)) continue;
    if (auto err = CheckMustache(text, ReceiverTemplateNames())) {
      ReportTemplateError(e.value, text, *err, diag);
      continue;
    }
    rc->templates[e.key] = std::move(text);
  }
}

}  // namespace config_internal
}  // namespace ab
