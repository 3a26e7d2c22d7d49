// Alertmanager webhook payload, version "4" (notify/webhook in Alertmanager; fixtures captured
// from 0.25 in tests/fixtures/alertmanager-0.25/). Decoded by the streaming AlertStream.
#include "ingest/alert_stream.h"
#include "ingest/decode.h"

namespace ab {

DecodeResult DecodeAlertmanagerWebhook(std::string_view body, std::string_view source,
                                       const InputLimits& limits) {
  // Webhook alerts carry their own times: `now` and the resolve timeout are not used.
  return ingest::DecodeAlertStream(ingest::PayloadKind::kWebhook, body, source, TimePoint{},
                                   Duration{0}, limits);
}

}  // namespace ab
