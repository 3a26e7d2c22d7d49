#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.h"
#include "model/labels.h"

namespace ab {

enum class AlertStatus : uint8_t { kFiring, kResolved };
std::string_view ToString(AlertStatus s);  // "firing" | "resolved"

// One alert as a sender described it, after decoding. Identity is the label fingerprint.
struct Alert {
  uint64_t fingerprint = 0;
  LabelSet labels;
  LabelSet annotations;
  AlertStatus status = AlertStatus::kFiring;
  TimePoint starts_at{};
  std::optional<TimePoint> ends_at;  // none = "no end" (Alertmanager's 0001-01-01 zero time)
  std::string generator_url;
  std::string source;  // the configured source name it came in through
  // When it goes stale unless refreshed before (CONTRACTS.md "Staleness"): an API v2 alert's
  // endsAt, else receipt + the source's `stale_after`. Set by the server per source; none = never.
  std::optional<TimePoint> stale_at;

  bool firing() const { return status == AlertStatus::kFiring; }
};

// An alert as the engine tracks it: what was last received plus when alertbridge received it.
// Trigger windows and staleness run on received times, never on the sender's startsAt.
struct TrackedAlert {
  // Storage order: assigned by the engine when it first tracks the fingerprint, never reused.
  // The store keys alert rows by it, so that a storm of new alerts appends rows at the end of
  // the table instead of scattering them over it by random fingerprint.
  int64_t id = 0;
  Alert alert;
  TimePoint first_received{};  // first firing receipt of the current firing episode
  TimePoint last_received{};
  std::optional<TimePoint> resolved_at;  // when alertbridge learned it resolved
  bool stale = false;                    // resolved because no refresh came before alert.stale_at
};

}  // namespace ab
