// Receiver type `jira`: one issue per incident in a Jira Cloud or Data Center project (REST v2),
// labelled with the incident key and found by that label (JQL) before one is created; updates are
// comments, resolve and reopen are workflow transitions chosen by name. Lifecycle: TicketNotifier.
//
// Jira Cloud's search is eventually consistent: an issue created a moment ago may not be found
// yet. A create retried within JiraSettings::search_lag of its event waits for the index (Retry)
// instead of opening a second issue. Fields the project's create screen lacks are left out
// (createmeta, cached); links, priority changes and comments are optional steps that degrade.
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
