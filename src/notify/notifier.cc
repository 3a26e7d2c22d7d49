#include "notify/notifier.h"

#include "notify/retry_after.h"

namespace ab {

SendResult ClassifyHttp(int status, const std::string& retry_after_header, TimePoint now,
                        const std::string& what) {
  if (status >= 200 && status < 300) return SendResult::Ok();
  std::string reason =
      what + ": " + (status == 0 ? std::string("no response") : "HTTP " + std::to_string(status));
  const bool retry = status == 0 || status == 408 || status == 425 || status == 429 ||
                     (status >= 500 && status <= 599);
  if (retry) {
    std::optional<Duration> after;
    if (!retry_after_header.empty()) after = ParseRetryAfter(retry_after_header, now);
    if (after) reason += ", Retry-After " + FormatDuration(*after);
    return SendResult::Retry(std::move(reason), after);
  }
  // We never follow redirects: a moved endpoint is a configuration problem, not a blip.
  if (status >= 300 && status <= 399) reason += " (redirects are not followed)";
  return SendResult::Permanent(std::move(reason));
}

}  // namespace ab
