// What the ticket receiver types (jira, github, servicenow) share: how they authenticate, which
// labels they add, and what a recurrence does to a ticket somebody already closed.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace ab {

// HTTP authentication of a ticket API: `auth: {basic: {user, password}}` or `auth: {bearer: X}`.
// Every part is a Secret (env:/file:), never shown.
struct TicketAuth {
  enum class Kind { kBasic, kBearer };
  Kind kind = Kind::kBearer;
  Secret user;      // basic
  Secret password;  // basic (Jira Cloud: the API token)
  Secret token;     // bearer
};

// What a recurrence does to a closed ticket (DESIGN.md §4, issue 5 item 5):
//   reopen  - transition the ticket back to open and comment why,
//   new     - open a fresh ticket that links the old one,
//   comment - leave it closed and add a comment.
enum class ReopenAction { kReopen, kNew, kComment };
std::string_view ToString(ReopenAction a);

struct ReopenPolicy {
  // The incident was `reopened` (a recurrence inside the dedup window, same key).
  ReopenAction reopened = ReopenAction::kReopen;
  // A new occurrence of the same group after the dedup window (new key) finds the previous
  // occurrence's ticket. A new ticket is the contract's default (CONTRACTS.md "Keys").
  ReopenAction recurrence = ReopenAction::kNew;
  // Resolutions a person chose to say "do not bring this back" (Jira resolution name, GitHub
  // state_reason, ServiceNow close code; compared case-insensitively): such a ticket gets a comment
  // instead of `reopen` or `new`.
  std::vector<std::string> keep_closed;

  // The action for a closed ticket with `resolution`, given the configured `action`.
  ReopenAction For(ReopenAction action, std::string_view resolution) const;
};

}  // namespace ab

namespace ab::config_internal {

// `auth:` (required): exactly one of basic {user, password} or bearer.
void ReadTicketAuth(const MapReader& r, Diagnostics& diag, TicketAuth* out);
// `reopen: {reopened, recurrence, keep_closed}`; `out` holds the type's defaults on entry.
void ReadReopenPolicy(const MapReader& r, Diagnostics& diag, ReopenPolicy* out);
// `labels:` extra labels for every ticket; each non-empty, without whitespace or commas, at most
// `max_chars` characters (the incident key label is always added by the notifier).
void ReadTicketLabels(const MapReader& r, size_t max_chars, Diagnostics& diag,
                      std::vector<std::string>* out);

}  // namespace ab::config_internal
