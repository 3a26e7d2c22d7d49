// Receiver type `github`: one issue per incident in a GitHub (or GitHub Enterprise Server)
// repository, labelled with the incident key and found by that label before one is created;
// updates are comments, resolve closes it as completed, reopen opens it again. Lifecycle:
// TicketNotifier. Rate limits (403/429 with retry-after or x-ratelimit-reset) become retries.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "notify/http_client.h"
#include "notify/notifier.h"

namespace ab {

Result<std::unique_ptr<Notifier>> MakeGitHubNotifier(const ReceiverConfig& config);

// GitHub's answer classified: 403 and 429 are rate limits when GitHub says so (retry-after,
// x-ratelimit-remaining 0 + x-ratelimit-reset, or a "rate limit" message), other 403s are
// permanent; the rest as ClassifyHttp().
SendResult ClassifyGitHub(const HttpResponse& res, TimePoint now, const std::string& what);

}  // namespace ab
