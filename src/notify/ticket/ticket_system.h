// The seam between the ticket lifecycle (TicketNotifier: which ticket, what to do with it) and
// one vendor's API (Jira, GitHub, ServiceNow: how to do it). Each call answers with a SendResult:
// Ok, or the Retry / Permanent outcome the whole Send then returns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "model/incident.h"
#include "notify/notifier.h"
#include "notify/ticket/incident_event.h"
#include "notify/ticket/ticket_settings.h"

namespace ab {

struct Ticket {
  std::string id;       // what later calls use: Jira key, GitHub issue number, ServiceNow sys_id
  std::string display;  // what people call it: OPS-12, #12, INC0010001
  std::string url;      // where people open it
  bool closed = false;
  // Why it is closed (Jira resolution, GitHub state_reason, ServiceNow close code or state name);
  // decides the reopen policy.
  std::string resolution;
  // Closed for good: it can be neither reopened nor commented on (ServiceNow Closed/Canceled).
  bool read_only = false;
};

inline bool Failed(const SendResult& r) { return r.kind != SendResult::Kind::kOk; }

class TicketSystem {
 public:
  virtual ~TicketSystem() = default;

  // ExternalRef::type of the refs this system returns ("issue", "incident").
  virtual std::string RefType() const = 0;
  virtual ExternalRef RefOf(const Ticket& t) const = 0;

  // Tickets carrying `key` (as a label or correlation id), newest first.
  virtual SendResult FindByKey(TimePoint now, const std::string& key, std::vector<Ticket>* out) = 0;
  // The ticket behind a stored ref as it is now; none when it is gone (deleted or moved away).
  virtual SendResult Get(TimePoint now, const ExternalRef& ref, std::optional<Ticket>* out) = 0;
  // Opens a ticket for the incident, labelled with its key; `previous` is the ticket this one
  // follows (reopen policy `new`), linked from the new one.
  virtual SendResult Create(TimePoint now, const IncidentEvent& ev, const Ticket* previous,
                            Ticket* out) = 0;
  // Whether the ticket already has our comment for `ev` (a retry after a lost answer or a crash).
  virtual SendResult HasComment(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                                bool* found) = 0;
  // Appends a comment (never touches the description a person may have edited).
  virtual SendResult Comment(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                             const std::string& headline) = 0;
  // Closes it as done: the incident resolved.
  virtual SendResult Close(TimePoint now, const Ticket& t, const IncidentEvent& ev) = 0;
  // Opens a closed ticket again. *reopened = false (Ok) when the workflow offers no way back: the
  // caller then leaves it closed and says so in a comment.
  virtual SendResult Reopen(TimePoint now, const Ticket& t, bool* reopened) = 0;
  // Makes FindByKey(key) find this ticket too: a new occurrence carries on in an old ticket.
  virtual SendResult AddKey(TimePoint now, const Ticket& t, const std::string& key) = 0;
  // The incident's priority changed: update the ticket's own priority field, if it has one.
  virtual SendResult SetPriority(TimePoint now, const Ticket& t, const IncidentEvent& ev) = 0;

  // How long a ticket created a moment ago may stay invisible to FindByKey (Jira Cloud's search
  // is eventually consistent); zero where searches see every write at once.
  virtual Duration SearchLag() const { return Duration(0); }
};

}  // namespace ab
