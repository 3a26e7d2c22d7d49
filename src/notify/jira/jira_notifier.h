// Receiver type `jira`: one issue per incident in a Jira Cloud or Data Center project (REST v2),
// labelled with the incident key and found by that label (JQL) before one is created; updates are
// comments, resolve and reopen are workflow transitions chosen by name. Lifecycle: TicketNotifier.
//
// Jira Cloud's search is eventually consistent: an issue created a moment ago may not be found
// yet. The label search protects against duplicates across a crash and the worker's backoff
// (seconds); a retry within the index lag could still open a second issue.
#pragma once

#include <memory>

#include "common/result.h"
#include "config/config.h"
#include "notify/notifier.h"

namespace ab {

// Factory of type `jira`: resolves url and credentials once; errors name the receiver and
// the secret references, never their values.
Result<std::unique_ptr<Notifier>> MakeJiraNotifier(const ReceiverConfig& config);

}  // namespace ab
