// When a firing alert goes stale unless refreshed (CONTRACTS.md "Staleness"). Decided here, once,
// for `serve` and `alertbridge test` alike.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/time.h"
#include "model/alert.h"

namespace ab {

// How an alert came in.
enum class AlertRoute : uint8_t {
  kAlertmanagerWebhook,  // POST /api/v1/alerts/alertmanager
  kApiV2,                // POST /api/v2/alerts (Prometheus, vmalert)
  kGenericWebhook,       // POST /api/v1/alerts/webhook/{source}
};

// The staleness deadline of one alert (none when it is not firing).
std::optional<TimePoint> StaleDeadline(AlertRoute route, const Alert& alert, Duration stale_after,
                                       TimePoint now);

// Sets `stale_at` of each firing alert: an API v2 alert goes stale at its endsAt (Prometheus
// re-sends it with a later one while it fires); every other alert when not refreshed for its
// source's `stale_after` (a generic webhook's mapped ends_at is kept for display only: senders
// that are not Prometheus do not promise to re-send before it).
void SetStaleDeadlines(AlertRoute route, Duration stale_after, TimePoint now,
                       std::vector<Alert>& alerts);

}  // namespace ab
