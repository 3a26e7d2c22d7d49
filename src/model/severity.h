#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ab {

// SEV1 is the most severe. Comparisons: a < b means a is MORE severe.
enum class Severity : uint8_t { SEV1 = 1, SEV2, SEV3, SEV4, SEV5 };

std::string_view ToString(Severity s);
std::optional<Severity> ParseSeverity(std::string_view text);  // "SEV1".."SEV5"
inline Severity Worst(Severity a, Severity b) { return a < b ? a : b; }
// Raise by n levels toward SEV1, saturating.
inline Severity RaiseBy(Severity s, int n) {
  int v = static_cast<int>(s) - n;
  return static_cast<Severity>(v < 1 ? 1 : (v > 5 ? 5 : v));
}

}  // namespace ab
