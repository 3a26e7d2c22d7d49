// type: console — one JSON line per event on stdout; no settings of its own.
#include "config/receiver_types.h"

namespace ab::config_internal {

void ParseConsoleReceiver(const MapReader&, Diagnostics&, ReceiverConfig*) {}

}  // namespace ab::config_internal
