// What one engine step (ingest, tick, action) changed: the engine's output and the store's input.
// Its own header so that the store depends on the model, not on the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/time.h"
#include "model/alert.h"
#include "model/incident.h"
#include "model/outbox.h"
// Silence rows (API silences) are part of a step's changes: the one header of an upper layer used
// here, header-only (no rules code is called from the model).
#include "rules/silence.h"

namespace ab {

// One new timeline event, the incident as it was right after it, and who gets it.
struct EventRecord {
  Event event;
  Incident snapshot;
  // The outbox plan: the receivers that get this event (the incident's receivers whose `events`
  // filter takes it), one outbox entry each, in this order.
  std::vector<std::string> notify;
};

// An alert that joined an incident; the store keeps it as a row of its own.
struct Membership {
  int64_t incident_id = 0;
  uint64_t fingerprint = 0;
  int64_t alert_id = 0;  // TrackedAlert::id
  bool operator==(const Membership&) const = default;
};

// Whether the engine holds an incident in memory (the store's `live` column).
struct Holding {
  int64_t incident_id = 0;
  bool held = false;
  bool operator==(const Holding&) const = default;
};

// Everything one ingest, tick or action changed; committed to the store in one transaction.
struct Changes {
  std::vector<TrackedAlert> alerts;        // upserted alert rows
  std::vector<Incident> incidents;         // upserted incident rows (state after the step)
  std::vector<int64_t> removed_incidents;  // pending groups that vanished before declaring
  std::vector<Membership> joined;          // new members
  std::vector<EventRecord> events;         // in order
  // Incidents the engine let go of (a restart does not load them: they are history) or took back
  // (a person reopened one it had let go of), in order.
  std::vector<Holding> holdings;
  std::vector<Silence> silences;  // upserted API silence rows (config ones are not kept)

  bool empty() const {
    return alerts.empty() && incidents.empty() && removed_incidents.empty() && events.empty() &&
           joined.empty() && holdings.empty() && silences.empty();
  }
  // Appends a later step's changes; an incident or alert upserted twice keeps the later row.
  void Merge(Changes&& later);
};

// The outbox entries the engine's plan calls for: one per event and receiver in its `notify`, in
// order, each carrying the event's envelope (serialised once per event). Ids are the store's.
// Review drafts (incident operations): receivers with `attach_review: true` get the draft of a
// closed event's incident in their envelope as "review".
struct ReviewAttachment {
  std::function<bool(const std::string& receiver)> wants;
  std::function<std::string(const EventRecord&)> draft;  // called at most once per event
};
std::vector<OutboxEntry> OutboxEntriesOf(const Changes& changes, std::string_view external_url,
                                         TimePoint now, const ReviewAttachment* review = nullptr);

}  // namespace ab
