#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/time.h"

namespace ab {

enum class OutboxState : uint8_t { kPending, kDelivered, kDead };
std::string_view ToString(OutboxState s);

// One delivery of one event to one receiver. Created in the same transaction as its event.
struct OutboxEntry {
  int64_t id = 0;
  int64_t incident_id = 0;
  int64_t event_seq = 0;
  std::string receiver;
  std::string event_id;  // "<key>.<seq>", the webhook-id / idempotency key
  std::string event_type;
  std::string payload;  // the event envelope JSON, fixed at commit time
  OutboxState state = OutboxState::kPending;
  int attempts = 0;
  TimePoint created_at{};
  TimePoint next_attempt_at{};
  std::string last_error;
};

}  // namespace ab
