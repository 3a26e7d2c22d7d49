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

  bool firing() const { return status == AlertStatus::kFiring; }
};

// An alert as the engine tracks it: what was last received plus when alertbridge received it.
// Trigger windows and staleness run on received times, never on the sender's startsAt.
struct TrackedAlert {
  Alert alert;
  TimePoint first_received{};  // first firing receipt of the current firing episode
  TimePoint last_received{};
  std::optional<TimePoint> resolved_at;  // when alertbridge learned it resolved
};

}  // namespace ab
