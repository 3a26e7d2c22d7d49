// libFuzzer target: the Mustache checker that `check` runs on every template. Offsets stay inside
// the text, and whatever it accepts tokenizes into tags that lie inside the text in order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "common/mustache.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ab::MustacheNames names{{"incident", "labels", "annotations", "alert_count", "runbook"},
                                {"alert_count", "runbook"}};
  auto error = ab::CheckMustache(text, names);
  if (error) {
    if (error->offset > text.size() || error->message.empty()) std::abort();
    ab::DescribeTemplateOffset(text, error->offset);
    return 0;
  }
  std::vector<ab::MustacheTag> tags;
  if (ab::TokenizeMustache(text, &tags)) std::abort();  // accepted, so it tokenizes
  size_t end = 0;
  for (const ab::MustacheTag& t : tags) {
    if (t.offset < end || t.offset + t.length > text.size()) std::abort();
    end = t.offset + t.length;
  }
  return 0;
}
