// Alertmanager API v2 `POST /api/v2/alerts` (postableAlerts), as Prometheus and vmalert send it.
// Defaults and validation follow Alertmanager's postAlertsHandler; decoded by AlertStream.
#include "ingest/alert_stream.h"
#include "ingest/decode.h"

namespace ab {

DecodeResult DecodeApiV2Alerts(std::string_view body, std::string_view source, TimePoint now,
                               Duration resolve_timeout, const InputLimits& limits) {
  return ingest::DecodeAlertStream(ingest::PayloadKind::kApiV2, body, source, now, resolve_timeout,
                                   limits);
}

}  // namespace ab
