// type: teams — a Microsoft Teams Workflows webhook (the URL carries its signature: keep it in
// env: or file:).
#include "config/receiver_types.h"

namespace ab::config_internal {

void ParseTeamsReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  ReadReceiverUrl(r, diag, rc);
}

}  // namespace ab::config_internal
