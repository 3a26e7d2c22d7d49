// type: webhook — signed JSON POST (Standard Webhooks) of each incident event.
#include "config/receiver_types.h"

namespace ab::config_internal {

void ParseWebhookReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  ReadReceiverUrl(r, diag, rc);
  r.SecretRef("secret", &rc->secret);
  ReadReceiverHeaders(r, diag, rc);
}

}  // namespace ab::config_internal
