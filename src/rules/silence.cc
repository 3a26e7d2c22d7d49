#include "rules/silence.h"

#include <cstdio>

namespace ab {

std::string_view ToString(SilenceState s) {
  switch (s) {
    case SilenceState::kPending:
      return "pending";
    case SilenceState::kActive:
      return "active";
    case SilenceState::kExpired:
      return "expired";
  }
  return "expired";
}

std::string Silence::MatchersText() const {
  std::string out = "{";
  for (const Matcher& m : matchers) {
    if (out.size() > 1) out += ", ";
    out += m.ToString();
  }
  return out + "}";
}

std::string ConfigSilenceId(const std::vector<Matcher>& matchers, TimePoint starts_at,
                            TimePoint ends_at) {
  // FNV-1a 64 over the matchers as text and both times: stable across runs and builds.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  for (const Matcher& m : matchers) mix(m.ToString());
  mix(std::to_string(ToMillis(starts_at)));
  mix(std::to_string(ToMillis(ends_at)));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("config-") + hex;
}

}  // namespace ab
