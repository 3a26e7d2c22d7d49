// The ticket lifecycle shared by jira, github and servicenow: one ticket per incident, found
// again by the incident key before anything is created, updates appended as comments, closed on
// resolve, and recurrences handled by the receiver's reopen policy.
//
// What each event does to the incident's ticket:
//   declared          find a ticket carrying the key, else open one. A later occurrence of the
//                     same group first looks for the previous occurrence's ticket and applies
//                     `reopen.recurrence` to it (default `new`: a fresh ticket that links it).
//   resolved          comment, then close the ticket (if it is not closed already).
//   closed            close the ticket if it is still open (with the comment); else nothing.
//   reopened          ticket open: comment. Ticket closed: `reopen.reopened` (default `reopen`),
//                     or `comment` when its resolution is in `reopen.keep_closed`.
//   severity_changed  set the ticket's priority (where it has one), then comment.
//   every other event comment.
// With no ticket: resolved/closed do nothing (nothing to resolve), anything else opens one. A
// ticket that was recorded but is gone (deleted) is not recreated. A read-only ticket (ServiceNow
// Closed or Canceled) takes no comments; a recurrence that would reopen it or carry on in it opens
// a new one.
//
// Effectively once: a `declared` retried after a crash finds the ticket it created by the key
// label; a comment retried after a lost answer is recognised by its event marker and not posted
// twice; state changes are made only when the ticket is not already in the target state.
#pragma once

#include <memory>
#include <string>

#include "notify/notifier.h"
#include "notify/ticket/ticket_settings.h"
#include "notify/ticket/ticket_system.h"

namespace ab {

class TicketNotifier final : public Notifier {
 public:
  TicketNotifier(std::string receiver, std::unique_ptr<TicketSystem> system, ReopenPolicy policy);

  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) override;

 private:
  struct Located;
  SendResult Locate(TimePoint now, const IncidentEvent& ev, const SendContext& ctx, Located* out);
  SendResult Update(TimePoint now, const IncidentEvent& ev, const Ticket& t);
  // A recurrence meets `old`: the incident was reopened (same key), or a new occurrence found the
  // previous occurrence's ticket (`new_key`: the ticket must then carry the new key too).
  SendResult Recur(TimePoint now, const IncidentEvent& ev, const Ticket& old, ReopenAction action,
                   bool new_key, const SendContext& ctx, std::optional<ExternalRef>* ref);
  // Comments unless the ticket already has this event's comment.
  SendResult PostNote(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                      const std::string& headline);
  SendResult WithRef(SendResult r, const std::optional<ExternalRef>& ref) const;

  std::string receiver_;
  std::unique_ptr<TicketSystem> system_;
  ReopenPolicy policy_;
};

}  // namespace ab
