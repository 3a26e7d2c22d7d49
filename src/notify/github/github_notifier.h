// Receiver type `github`: one issue per incident in a GitHub (or GitHub Enterprise Server)
// repository, labelled with the incident key and found by that label before one is created;
// updates are comments, resolve closes it as completed, reopen opens it again. Lifecycle:
// TicketNotifier. Rate limits (403/429 with retry-after or x-ratelimit-reset) become retries.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "notify/http_client.h"
#include "notify/notifier.h"

namespace ab {

Result<std::unique_ptr<Notifier>> MakeGitHubNotifier(const ReceiverConfig& config);

// Secondary rate limits that name no time: GitHub asks for at least a minute, and exponentially
// longer while they go on. One per receiver; thread-safe.
class SecondaryLimitBackoff {
 public:
  static constexpr Duration kFirstWait{60'000};
  static constexpr Duration kMaxWait{3'600'000};
  // 60 s, 120 s, 240 s, ... up to an hour; back to 60 s once a wait has passed quietly.
  Duration Next(TimePoint now);

 private:
  std::mutex mu_;
  int hits_ = 0;
  TimePoint until_{};
  Duration wait_{0};
};

// GitHub's answer classified: 403 and 429 are rate limits when GitHub says so (retry-after,
// x-ratelimit-remaining 0 + x-ratelimit-reset, or a "rate limit" message; secondary limits back
// off through `backoff`), other 403s are permanent; the rest as ClassifyHttp().
SendResult ClassifyGitHub(const HttpResponse& res, TimePoint now, const std::string& what,
                          SecondaryLimitBackoff* backoff = nullptr);

}  // namespace ab
