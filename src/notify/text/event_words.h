// What an event says in words, the same in every receiver's message: who did it, what changed,
// and how an incident resolved (monitoring that went silent is not a recovery, issue 16 item 8).
// Plain text; each notifier escapes it for its markup.
#pragma once

#include <string>

#include "notify/text/event_view.h"

namespace ab {

// The person behind the event ("alice" for actor "user:alice"); "" for rules and the system.
std::string PersonOf(const EventView& event);

// How a `resolved` event came about: "all its alerts recovered", "its alerts went stale (their
// source stopped reporting them; they did not recover)", "resolved by alice", ...
std::string HowResolved(const EventView& event);

// Whether a severity_changed event is about the priority (what goes downstream). A change of the
// base severity alone asks nothing of any receiver: the priority event that follows it does.
// Envelopes without details (older ones) count as priority changes.
bool IsPriorityChange(const EventView& event);

// One sentence for the event, with people's words: "Incident resolved: all its alerts
// recovered", "Note by alice: rollback done", "Priority raised from SEV3 to SEV1", "Incident
// reopened by alice", "Incident closed by bob (resolution: fixed in 1.2.3)".
std::string EventHeadline(const EventView& event);

}  // namespace ab
