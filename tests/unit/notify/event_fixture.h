// Outbox entries carrying real event envelopes (model/json.h), for the notifier tests: one
// incident walked through its lifecycle, with hostile label values to prove the escaping.
#pragma once

#include <string>

#include "model/incident.h"
#include "model/json.h"
#include "model/outbox.h"

namespace ab::testing {

inline Incident SampleIncident() {
  Incident inc;
  inc.id = 42;
  inc.rule = "checkout-outage";
  inc.group = LabelSet{{"service", "checkout"}, {"cluster", "eu-1"}};
  inc.key = IncidentKey("", inc.rule, inc.group, 1);
  inc.state = IncidentState::kDeclared;
  inc.base_severity = Severity::SEV2;
  inc.priority = Severity::SEV1;
  inc.title = "checkout degraded in eu-1";
  inc.summary = "5xx rate above 5%";
  inc.owner = Owner{"payments", "alice"};
  inc.runbook = "https://wiki.example/runbooks/checkout";
  inc.alerts_firing = 3;
  inc.declared_at = FromMillis(1'700'000'000'000);
  return inc;
}

inline OutboxEntry EntryFor(const Incident& inc, EventType type, int64_t seq,
                            const std::string& receiver = "rcv",
                            const std::string& external_url = "https://ab.example") {
  Event ev;
  ev.incident_id = inc.id;
  ev.seq = seq;
  ev.type = type;
  ev.at = FromMillis(1'700'000'000'000 + seq * 60'000);
  OutboxEntry e;
  e.id = seq;
  e.incident_id = inc.id;
  e.event_seq = seq;
  e.receiver = receiver;
  e.event_id = EventId(inc.key, seq);
  e.event_type = std::string(ToString(type));
  e.payload = EventEnvelope(ev, inc, external_url).dump();
  return e;
}

// One incident told event by event: each Next() applies what the event does to the incident
// (state, priority) and returns the outbox entry a receiver gets for it.
class IncidentStory {
 public:
  explicit IncidentStory(Incident inc = SampleIncident(), std::string receiver = "rcv")
      : inc_(std::move(inc)), receiver_(std::move(receiver)) {}

  OutboxEntry Next(EventType type) {
    switch (type) {
      case EventType::kDeclared:
      case EventType::kReopened:
        inc_.state = IncidentState::kDeclared;
        break;
      case EventType::kAcknowledged:
        inc_.state = IncidentState::kAcknowledged;
        break;
      case EventType::kResolved:
        inc_.state = IncidentState::kResolved;
        break;
      case EventType::kClosed:
        inc_.state = IncidentState::kClosed;
        break;
      case EventType::kSeverityChanged:
      case EventType::kEscalated:
        inc_.priority = RaiseBy(inc_.priority, 1);
        break;
      default:
        break;
    }
    return EntryFor(inc_, type, ++seq_, receiver_);
  }
  Incident& incident() { return inc_; }

 private:
  Incident inc_;
  std::string receiver_;
  int64_t seq_ = 0;
};

}  // namespace ab::testing
