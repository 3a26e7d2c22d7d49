// What tickets say: the title, the description written once at creation, and one comment per
// event, in the vendor's markup with every untrusted value escaped and the vendor's limits kept.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "notify/ticket/incident_event.h"
#include "notify/ticket/markup.h"

namespace ab {

// A ticket another one refers to (the one a `new` ticket follows).
struct TicketLink {
  std::string display;
  std::string url;
};

// The incident title on one line (the key when the rule gave none), cut to `max_chars`.
std::string TicketTitle(const IncidentEvent& ev, size_t max_chars);

// The description: summary, priority, owner, runbook, accounts, links; at most `max_chars`.
std::string TicketBody(Markup markup, const IncidentEvent& ev,
                       const std::optional<TicketLink>& follows, size_t max_chars);

// A comment: `headline`, the incident's current facts, and the event marker; at most
// `max_chars`. The marker survives any cut.
std::string TicketComment(Markup markup, const IncidentEvent& ev, std::string_view headline,
                          size_t max_chars);

// What a comment says about `ev` when nothing special happened to the ticket.
std::string EventHeadline(const IncidentEvent& ev);

// Whether `text` (a comment body, or ServiceNow's work notes journal) holds the marker of the
// event `event_id`, put there by TicketComment().
bool HasEventMarker(std::string_view text, std::string_view event_id);

}  // namespace ab
