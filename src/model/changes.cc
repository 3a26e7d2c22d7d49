#include "model/changes.h"

#include <iterator>

#include "model/json.h"

namespace ab {

void Changes::Merge(Changes&& later) {
  // Rows are upserted in order, so appending keeps "the later row wins".
  auto move_all = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  move_all(alerts, later.alerts);
  move_all(incidents, later.incidents);
  move_all(removed_incidents, later.removed_incidents);
  move_all(events, later.events);
  move_all(joined, later.joined);
  move_all(holdings, later.holdings);
  move_all(silences, later.silences);
}

std::vector<OutboxEntry> OutboxEntriesOf(const Changes& changes, std::string_view external_url,
                                         TimePoint now, const ReviewAttachment* review) {
  std::vector<OutboxEntry> out;
  for (const EventRecord& rec : changes.events) {
    if (rec.notify.empty()) continue;
    std::string payload;   // serialised once per event, shared by its receivers
    std::string reviewed;  // the same with the review draft
    const std::string event_id = EventId(rec.snapshot.key, rec.event.seq);
    const std::string event_type(ToString(rec.event.type));
    for (const std::string& name : rec.notify) {
      const bool attach = review != nullptr && rec.event.type == EventType::kClosed &&
                          review->wants && review->draft && review->wants(name);
      std::string& text = attach ? reviewed : payload;
      if (text.empty()) {
        nlohmann::json envelope = EventEnvelope(rec.event, rec.snapshot, external_url);
        if (attach) envelope["review"] = review->draft(rec);
        text = envelope.dump();
      }
      OutboxEntry e;
      e.incident_id = rec.event.incident_id;
      e.event_seq = rec.event.seq;
      e.receiver = name;
      e.event_id = event_id;
      e.event_type = event_type;
      e.payload = text;
      e.created_at = now;
      e.next_attempt_at = now;
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace ab
