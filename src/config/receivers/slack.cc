// type: slack — a Slack incoming webhook (the URL carries the token: keep it in env: or file:).
#include "config/receiver_types.h"

namespace ab::config_internal {

void ParseSlackReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  ReadReceiverUrl(r, diag, rc);
}

}  // namespace ab::config_internal
