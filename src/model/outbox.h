#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/time.h"

namespace ab {

// pending: to be sent (now or at next_attempt_at). held: not sent because an earlier entry of
// the same incident and stateful receiver is dead (CONTRACTS.md "Events out"); released when
// that one is retried or discarded. dead: given up on; retry or discard it. discarded: an
// operator decided it is not to be sent.
enum class OutboxState : uint8_t { kPending, kHeld, kDelivered, kDead, kDiscarded };
inline constexpr OutboxState kOutboxStates[] = {OutboxState::kPending, OutboxState::kHeld,
                                                OutboxState::kDelivered, OutboxState::kDead,
                                                OutboxState::kDiscarded};
std::string_view ToString(OutboxState s);
std::optional<OutboxState> ParseOutboxState(std::string_view text);

// One delivery of one event to one receiver. Created in the same transaction as its event.
struct OutboxEntry {
  int64_t id = 0;
  int64_t incident_id = 0;
  int64_t event_seq = 0;
  std::string receiver;
  std::string event_id;  // "<key>_<seq>" (older rows "<key>.<seq>"): the idempotency key
  std::string event_type;
  std::string payload;  // the event envelope JSON, fixed at commit time
  OutboxState state = OutboxState::kPending;
  int attempts = 0;
  TimePoint created_at{};
  TimePoint next_attempt_at{};
  std::string last_error;
};

// An optional step (a priority, a link, a label) that a delivery went without because the
// receiver refused it for good (issue 16 item 1). The incident's timeline shows it as a
// `delivery_degraded` entry after the event whose delivery it was; it is never sent downstream.
struct DegradedDelivery {
  int64_t incident_id = 0;
  int64_t event_seq = 0;  // the event whose delivery went without the step
  int64_t outbox_id = 0;
  std::string receiver;
  std::string step;    // priority, link, labels, comment, ...
  std::string reason;  // the receiver's words, secrets redacted
  TimePoint at{};      // when the delivery was answered
  bool operator==(const DegradedDelivery&) const = default;
};

}  // namespace ab
