#include "notify/ticket/ticket_notifier.h"

#include <algorithm>

#include "notify/ticket/ticket_text.h"

namespace ab {

struct TicketNotifier::Located {
  std::optional<Ticket> ticket;
  bool recorded = false;  // the ticket came from a stored ref (else it was found by the key)
  bool gone = false;      // a stored ref points at a ticket that no longer exists
};

TicketNotifier::TicketNotifier(std::string receiver, std::unique_ptr<TicketSystem> system,
                               ReopenPolicy policy)
    : receiver_(std::move(receiver)), system_(std::move(system)), policy_(std::move(policy)) {}

SendResult TicketNotifier::WithRef(SendResult r, const std::optional<ExternalRef>& ref) const {
  if (!Failed(r) && ref) {
    r.ref = *ref;
    r.ref->receiver = receiver_;
  }
  return r;
}

SendResult TicketNotifier::Locate(TimePoint now, const IncidentEvent& ev, const SendContext& ctx,
                                  Located* out) {
  // The newest ref is the current ticket (policy `new` adds one per fresh ticket).
  const std::string type = system_->RefType();
  auto ref = std::find_if(ctx.refs.rbegin(), ctx.refs.rend(),
                          [&](const ExternalRef& r) { return r.type == type; });
  if (ref != ctx.refs.rend()) {
    SendResult r = system_->Get(now, *ref, &out->ticket);
    if (Failed(r)) return r;
    out->recorded = out->ticket.has_value();
    if (out->ticket) return r;
    out->gone = true;
  }
  // No ref: the first event, or a crash came between a create and our record of it.
  std::vector<Ticket> found;
  SendResult r = system_->FindByKey(now, ev.key, &found);
  if (Failed(r)) return r;
  if (!found.empty()) {
    out->ticket = found.front();
    out->gone = false;
  }
  return r;
}

SendResult TicketNotifier::Send(const OutboxEntry& entry, const SendContext& ctx) {
  const std::string who = "receiver \"" + receiver_ + "\"";
  Result<IncidentEvent> parsed = ParseIncidentEvent(entry.payload);
  if (!parsed.ok()) return SendResult::Permanent(who + ": " + parsed.error().message);
  const IncidentEvent& ev = *parsed;
  const TimePoint now = ctx.now;

  Located loc;
  if (SendResult r = Locate(now, ev, ctx, &loc); Failed(r)) return r;
  if (!loc.ticket) {
    // A person deleted the ticket, or there is nothing to resolve: do not open one for that.
    if (loc.gone || ev.type == EventType::kResolved || ev.type == EventType::kClosed) {
      return SendResult::Ok();
    }
    if (ev.occurrence > 1) {
      std::vector<Ticket> previous;
      if (SendResult r = system_->FindByKey(now, ev.PreviousKey(), &previous); Failed(r)) {
        return r;
      }
      if (!previous.empty()) {
        std::optional<ExternalRef> ref;
        SendResult r = Recur(now, ev, previous.front(), policy_.recurrence, true, ctx, &ref);
        return WithRef(std::move(r), ref);
      }
    }
    Ticket created;
    SendResult r = system_->Create(now, ev, nullptr, &created);
    return WithRef(std::move(r), system_->RefOf(created));
  }

  const Ticket& t = *loc.ticket;
  std::optional<ExternalRef> ref;
  if (!loc.recorded) ref = system_->RefOf(t);
  if (ev.type == EventType::kReopened && t.closed) {
    return WithRef(Recur(now, ev, t, policy_.reopened, false, ctx, &ref), ref);
  }
  return WithRef(Update(now, ev, t), ref);
}

SendResult TicketNotifier::Update(TimePoint now, const IncidentEvent& ev, const Ticket& t) {
  switch (ev.type) {
    case EventType::kDeclared:
      return SendResult::Ok();  // the ticket exists already: found by its key
    case EventType::kResolved:
    case EventType::kClosed: {
      if (t.closed) {
        // Someone closed it before the incident resolved: say so once; `closed` adds nothing.
        return ev.type == EventType::kResolved ? PostNote(now, t, ev, EventHeadline(ev))
                                               : SendResult::Ok();
      }
      if (SendResult r = PostNote(now, t, ev, EventHeadline(ev)); Failed(r)) return r;
      return system_->Close(now, t, ev);
    }
    case EventType::kSeverityChanged:
      if (SendResult r = system_->SetPriority(now, t, ev); Failed(r)) return r;
      return PostNote(now, t, ev, EventHeadline(ev));
    default:
      return PostNote(now, t, ev, EventHeadline(ev));
  }
}

SendResult TicketNotifier::Recur(TimePoint now, const IncidentEvent& ev, const Ticket& old,
                                 ReopenAction action, bool new_key, const SendContext& ctx,
                                 std::optional<ExternalRef>* ref) {
  ReopenAction a = old.closed ? policy_.For(action, old.resolution) : action;
  // A read-only ticket can neither come back nor carry a new occurrence: only a new one can.
  if (old.read_only && (a == ReopenAction::kReopen || new_key)) a = ReopenAction::kNew;
  const std::string what = new_key ? "The problem recurred as incident " + ev.key
                                   : std::string("Incident reopened: its alerts are firing again");

  if (a == ReopenAction::kNew) {
    if (!new_key) {
      // Same key: a fresh ticket opened by an earlier attempt whose ref was never recorded
      // carries the key too; adopt it rather than open another.
      std::vector<Ticket> found;
      if (SendResult r = system_->FindByKey(now, ev.key, &found); Failed(r)) return r;
      for (const Ticket& t : found) {
        const bool known =
            t.id == old.id || std::any_of(ctx.refs.begin(), ctx.refs.end(),
                                          [&](const ExternalRef& r) { return r.id == t.id; });
        if (!known) {
          *ref = system_->RefOf(t);
          return SendResult::Ok();
        }
      }
    }
    Ticket created;
    SendResult r = system_->Create(now, ev, &old, &created);
    if (!Failed(r)) *ref = system_->RefOf(created);
    return r;
  }

  if (a == ReopenAction::kReopen) {
    if (old.closed) {
      if (SendResult r = system_->Reopen(now, old); Failed(r)) return r;
    }
    const std::string note =
        what + (old.closed ? "; ticket reopened" : "; carried on in this ticket");
    if (SendResult r = PostNote(now, old, ev, note); Failed(r)) return r;
  } else {
    std::string note = what;
    if (old.closed) {
      note += "; this ticket stays closed" +
              (old.resolution.empty() ? std::string() : " (resolution: " + old.resolution + ")");
    }
    if (SendResult r = PostNote(now, old, ev, note); Failed(r)) return r;
  }
  if (new_key) {
    // Last, so that a retry after a crash in between still finds the old ticket by the old key.
    if (SendResult r = system_->AddKey(now, old, ev.key); Failed(r)) return r;
    *ref = system_->RefOf(old);
  }
  return SendResult::Ok();
}

SendResult TicketNotifier::PostNote(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                                    const std::string& headline) {
  if (t.read_only) return SendResult::Ok();  // nothing can be added to it any more
  bool found = false;
  if (SendResult r = system_->HasComment(now, t, ev, &found); Failed(r)) return r;
  if (found) return SendResult::Ok();
  return system_->Comment(now, t, ev, headline);
}

}  // namespace ab
