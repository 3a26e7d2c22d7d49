// Silences and maintenance windows (CONTRACTS.md "HTTP API shapes"): alerts matching every
// matcher between `starts_at` and `ends_at` are recorded but declare nothing and notify nobody.
// Planned ones are kept in git (alertbridge.yml `silences:`); ad hoc ones come through the API in
// Alertmanager's v2 silence shape and are stored.
#pragma once

#include <string>
#include <vector>

#include "common/time.h"
#include "model/labels.h"
#include "rules/matcher.h"
#include "rules/rule.h"

namespace ab {

enum class SilenceOrigin : uint8_t { kConfig, kApi };
enum class SilenceState : uint8_t { kPending, kActive, kExpired };
std::string_view ToString(SilenceState s);  // pending | active | expired (Alertmanager's names)

struct Silence {
  std::string id;
  std::vector<Matcher> matchers;
  TimePoint starts_at{};
  TimePoint ends_at{};
  std::string created_by;
  std::string comment;
  TimePoint updated_at{};
  SilenceOrigin origin = SilenceOrigin::kApi;
  SourceLocation location;  // config silences: where it was written

  SilenceState StateAt(TimePoint now) const {
    if (now >= ends_at) return SilenceState::kExpired;
    return now < starts_at ? SilenceState::kPending : SilenceState::kActive;
  }
  bool ActiveAt(TimePoint now) const { return StateAt(now) == SilenceState::kActive; }
  bool Matches(const LabelSet& labels) const { return MatchesAll(matchers, labels); }
  // "{service=\"db\", env=~\"prod|stage\"}"
  std::string MatchersText() const;
};

// A stable id for a silence written in config, from what it says (so a restart or reload keeps
// it, and incidents muted by it stay so): "config-" + 16 hex characters.
std::string ConfigSilenceId(const std::vector<Matcher>& matchers, TimePoint starts_at,
                            TimePoint ends_at);

}  // namespace ab
