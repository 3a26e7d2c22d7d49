// Receiver templates (`templates:` in receivers/*.yml, and each type's default wording): Mustache
// rendered by mstch over the event's view (config/receiver_templates.h), with every value from
// the event escaped for the target markup before it meets the template. {{x}}, {{{x}}} and {{&x}}
// all insert the escaped value: mstch's own HTML escaping is never applied on top, whatever
// mstch::config::escape is set to elsewhere in the process.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"
#include "notify/text/escape.h"
#include "notify/text/event_view.h"

namespace ab {

class Template {
 public:
  // Checks the template (CheckMustache with ReceiverTemplateNames()); the error names the
  // problem and where it is ("line 2, column 5: unknown name ...").
  static Result<Template> Compile(std::string_view text);

  // Thread-safe; the template text is what the user wrote, with `format` deciding the escaping.
  std::string Render(const EventView& event, TextFormat format) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_;      // as written
  std::string mstch_text_;  // with every {{x}} turned into {{&x}}
};

// The receiver's `templates:` entry `name` when it has one, else `default_text` (the type's own
// wording). Errors name the receiver and the template.
Result<Template> ReceiverTemplate(const ReceiverConfig& rc, std::string_view name,
                                  std::string_view default_text);

}  // namespace ab
