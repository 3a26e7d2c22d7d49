#include "notify/ticket/ticket_notifier.h"

#include <algorithm>

#include "notify/text/event_words.h"
#include "notify/ticket/ticket_text.h"

namespace ab {
namespace {

// Step names of optional requests (alertbridge_delivery_degraded_total{step}).
constexpr const char* kComment = "comment";
constexpr const char* kPriority = "priority";
constexpr const char* kLabel = "label";
constexpr const char* kReopen = "reopen";
constexpr const char* kGone = "ticket_gone";
constexpr const char* kReadOnly = "read_only";

}  // namespace

struct TicketNotifier::Located {
  std::optional<Ticket> ticket;
  bool recorded = false;  // the ticket came from a stored ref (else it was found by the key)
  std::optional<ExternalRef> gone;  // a stored ref whose ticket no longer exists
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
    out->gone = *ref;
  }
  // No ref: the first event, or a crash came between a create and our record of it.
  std::vector<Ticket> found;
  SendResult r = system_->FindByKey(now, ev.key, &found);
  if (Failed(r)) return r;
  if (!found.empty()) {
    out->ticket = found.front();
    out->gone.reset();
  }
  return r;
}

SendResult TicketNotifier::Send(const OutboxEntry& entry, const SendContext& ctx) {
  const std::string who = "receiver \"" + receiver_ + "\"";
  Result<IncidentEvent> parsed = ParseIncidentEvent(entry.payload);
  if (!parsed.ok()) return SendResult::Permanent(who + ": " + parsed.error().message);
  const IncidentEvent& ev = *parsed;
  const TimePoint now = ctx.now;
  // A change of the base severity alone: the priority event that follows it is what counts.
  if (ev.type == EventType::kSeverityChanged && !IsPriorityChange(ev.view)) {
    return SendResult::Ok();
  }

  Located loc;
  if (SendResult r = Locate(now, ev, ctx, &loc); Failed(r)) return r;
  if (!loc.ticket) {
    if (loc.gone) {
      // A person deleted the ticket or moved it out of reach: do not open another one for an
      // update, but count it, log it and show the ref as gone on the incident.
      SendResult r;
      r.degraded.push_back({kGone, who + ": " + loc.gone->id +
                                       " was deleted or moved out of reach; this update was "
                                       "not sent"});
      ExternalRef gone = *loc.gone;
      gone.type = system_->RefType() + "-gone";
      return WithRef(std::move(r), gone);
    }
    if (ev.type == EventType::kResolved || ev.type == EventType::kClosed) {
      return SendResult::Ok();  // nothing to resolve
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
    // An earlier attempt may have created the ticket and lost the answer; where the vendor's
    // search lags its writes, wait it out (bounded by the lag) before opening another.
    const Duration lag = system_->SearchLag();
    if (entry.attempts > 0 && lag > Duration(0) && now < entry.created_at + lag) {
      const Duration wait = entry.created_at + lag - now;
      return SendResult::Retry(who + ": no ticket carries " + ev.key +
                                   " yet; an earlier attempt may have created one that the "
                                   "vendor's search does not show yet",
                               wait);
    }
    Ticket created;
    SendResult r = system_->Create(now, ev, nullptr, &created);
    return WithRef(std::move(r), system_->RefOf(created));
  }

  const Ticket& t = *loc.ticket;
  std::optional<ExternalRef> ref;
  if (!loc.recorded) ref = system_->RefOf(t);
  if (t.closed && (ev.type == EventType::kReopened || ev.type == EventType::kDeclared)) {
    // A declare that finds a closed ticket carrying its key (a person closed it before our
    // first event went out, or a database started afresh) applies the reopen policy too: never
    // a silent no-op. One we recorded ourselves is this incident's own ticket: `reopened`.
    const ReopenAction action =
        ev.type == EventType::kReopened || loc.recorded ? policy_.reopened : policy_.recurrence;
    return WithRef(Recur(now, ev, t, action, false, ctx, &ref), ref);
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
      SendResult note = PostNote(now, t, ev, EventHeadline(ev));
      if (Failed(note)) return note;
      return system_->Close(now, t, ev).Merge(note);
    }
    case EventType::kSeverityChanged: {
      SendResult r;
      if (!t.read_only) {
        r = SendResult::Optional(system_->SetPriority(now, t, ev), kPriority);
        if (Failed(r)) return r;
      }
      return PostNote(now, t, ev, EventHeadline(ev)).Merge(r);
    }
    default:
      return PostNote(now, t, ev, EventHeadline(ev));
  }
}

SendResult TicketNotifier::Recur(TimePoint now, const IncidentEvent& ev, const Ticket& old,
                                 ReopenAction action, bool new_key, const SendContext& ctx,
                                 std::optional<ExternalRef>* ref) {
  ReopenAction a = old.closed ? policy_.For(action, old.resolution) : action;
  // A read-only ticket cannot come back: where the policy says reopen, only a new one can carry
  // on. Where it says comment (keep_closed), nothing can be added to it and nothing replaces it.
  if (old.read_only && a == ReopenAction::kReopen) a = ReopenAction::kNew;
  const std::string what =
      new_key ? "The problem recurred as incident " + ev.key : EventHeadline(ev);

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

  if (old.read_only) {
    SendResult r;
    r.degraded.push_back({kReadOnly, "receiver \"" + receiver_ + "\": " + old.display +
                                         " is closed for good (read-only); it stays as it is"});
    return r;
  }

  SendResult result;
  std::string note = what;
  if (a == ReopenAction::kReopen) {
    bool reopened = !old.closed;
    if (old.closed) {
      if (SendResult r = system_->Reopen(now, old, &reopened); Failed(r)) return r;
    }
    if (!old.closed) {
      note += "; carried on in this ticket";
    } else if (reopened) {
      note += "; ticket reopened";
    } else {
      // The workflow has no way back (a simplified one without Reopen): say so, not a dead entry.
      note += "; this ticket stays closed (its workflow offers no transition back to open)";
      result.degraded.push_back({kReopen, "receiver \"" + receiver_ + "\": " + old.display +
                                              " has no transition back to open"});
    }
    // A reused ticket shows the incident's current priority, not the old occurrence's.
    SendResult p = SendResult::Optional(system_->SetPriority(now, old, ev), kPriority);
    if (Failed(p)) return p;
    result.Merge(p);
  } else if (old.closed) {
    note += "; this ticket stays closed" +
            (old.resolution.empty() ? std::string() : " (resolution: " + old.resolution + ")");
  }
  SendResult posted = PostNote(now, old, ev, note);
  if (Failed(posted)) return posted;
  result.Merge(posted);
  if (new_key) {
    // Last, so that a retry after a crash in between still finds the old ticket by the old key.
    SendResult r = SendResult::Optional(system_->AddKey(now, old, ev.key), kLabel);
    if (Failed(r)) return r;
    result.Merge(r);
    *ref = system_->RefOf(old);
  }
  return result;
}

SendResult TicketNotifier::PostNote(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                                    const std::string& headline) {
  if (t.read_only) return SendResult::Ok();  // nothing can be added to it any more
  bool found = false;
  if (SendResult r = system_->HasComment(now, t, ev, &found); Failed(r)) {
    return SendResult::Optional(std::move(r), kComment);
  }
  if (found) return SendResult::Ok();
  return SendResult::Optional(system_->Comment(now, t, ev, headline), kComment);
}

}  // namespace ab
