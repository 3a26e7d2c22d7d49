// JSON shapes of CONTRACTS.md "HTTP API shapes" and "Events out".
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "model/alert.h"
#include "model/incident.h"
#include "model/outbox.h"

namespace ab {

// RFC 3339 with ms, or null.
nlohmann::json TimeJson(const std::optional<TimePoint>& t);
nlohmann::json LabelsJson(const LabelSet& labels);
nlohmann::json AlertJson(const TrackedAlert& a);
// The Incident object; `external_url` builds its `url`. `accounts` is filled by later layers.
nlohmann::json IncidentJson(const Incident& inc, std::string_view external_url);
// {"version":"1","id":"<key>.<seq>","type":...,"occurred_at":...,"incident":{...}}
nlohmann::json EventEnvelope(const Event& ev, const Incident& inc, std::string_view external_url);
nlohmann::json TimelineEntryJson(const Event& ev);
// A step a delivery went without, as a timeline entry: {seq (the event whose delivery it was),
// "type": "delivery_degraded", at, "actor": "system", details{receiver, step, reason}}.
nlohmann::json DegradedEntryJson(const DegradedDelivery& d);

}  // namespace ab
