// libFuzzer target: the matcher parser (rules' `match:`, Alertmanager's syntax). A parsed matcher
// prints as text that parses back to the same matcher.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rules/matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ab::ParseMatchers(text);
  if (!parsed.ok()) return 0;
  for (const ab::Matcher& m : *parsed) {
    auto again = ab::ParseMatchers(m.ToString());
    if (!again.ok() || again->size() != 1 || (*again)[0].name() != m.name() ||
        (*again)[0].op() != m.op() || (*again)[0].value() != m.value()) {
      std::abort();
    }
    m.Matches(ab::LabelSet{{m.name(), m.value()}});
  }
  return 0;
}
