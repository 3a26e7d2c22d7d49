// Receiver type `servicenow`: one record per incident in the Table API `incident` table, with
// correlation_id = the incident key (how it is found again before one is created), urgency and
// impact from the priority, work notes for updates, and state 6 (Resolved) with a close code and
// close notes on resolve. Lifecycle: TicketNotifier.
#pragma once

#include <memory>

#include "common/result.h"
#include "config/config.h"
#include "notify/notifier.h"

namespace ab {

Result<std::unique_ptr<Notifier>> MakeServiceNowNotifier(const ReceiverConfig& config);

}  // namespace ab
