#include "notify/webhook/webhook_notifier.h"

#include <cctype>
#include <chrono>

#include "notify/webhook/standard_webhooks.h"

namespace ab {
namespace {

bool SameHeaderName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// A literal written in the config may itself be the secret (a URL with a token in it), so only
// env:/file: references are safe to show.
std::string DescribeRef(const Secret& s) {
  const std::string& ref = s.ref();
  if (ref.rfind("env:", 0) == 0 || ref.rfind("file:", 0) == 0) return ref;
  return "(inline value)";
}

}  // namespace

WebhookNotifier::WebhookNotifier(std::string receiver, HttpEndpoint endpoint,
                                 std::optional<std::string> signing_key, HttpHeaders headers,
                                 Duration timeout)
    : receiver_(std::move(receiver)),
      signing_key_(std::move(signing_key)),
      headers_(std::move(headers)),
      client_(std::move(endpoint), timeout) {}

SendResult WebhookNotifier::Send(const OutboxEntry& entry, const SendContext& ctx) {
  const TimePoint now = ctx.now;
  HttpHeaders headers = headers_;
  headers.emplace_back("Content-Type", "application/json");
  if (signing_key_) {
    const int64_t ts =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    headers.emplace_back("webhook-id", entry.event_id);
    headers.emplace_back("webhook-timestamp", std::to_string(ts));
    headers.emplace_back("webhook-signature",
                         StandardWebhookSignature(*signing_key_, entry.event_id, ts, entry.payload));
  }
  const HttpResponse res = client_.Send("POST", client_.endpoint().path, headers, entry.payload);
  const std::string what = "receiver \"" + receiver_ + "\"";
  SendResult result = ClassifyHttp(res.status, res.retry_after, now, what);
  if (res.status == 0 && !res.error.empty()) result.reason += " [" + res.error + "]";
  return result;
}

Result<std::unique_ptr<Notifier>> MakeWebhookNotifier(const ReceiverConfig& config) {
  const std::string who = "receiver \"" + config.name + "\"";
  if (config.url.empty()) return MakeError(who + ": url is required for type webhook", "url");
  auto url = config.url.Resolve();
  if (!url.ok()) {
    return MakeError(who + ": cannot resolve url " + DescribeRef(config.url) + ": " +
                         url.error().message,
                     "url");
  }
  auto endpoint = ParseHttpUrl(*url);
  if (!endpoint.ok()) {
    return MakeError(who + ": url " + DescribeRef(config.url) + ": " + endpoint.error().message,
                     "url");
  }

  std::optional<std::string> key;
  if (!config.secret.empty()) {
    auto secret = config.secret.Resolve();
    if (!secret.ok()) {
      return MakeError(who + ": cannot resolve secret " + DescribeRef(config.secret) + ": " +
                           secret.error().message,
                       "secret");
    }
    if (secret->empty()) {
      return MakeError(who + ": secret " + DescribeRef(config.secret) + " is empty", "secret");
    }
    auto decoded = StandardWebhookKey(*secret);
    if (!decoded.ok()) {
      return MakeError(who + ": secret " + DescribeRef(config.secret) + ": " +
                           decoded.error().message,
                       "secret");
    }
    key = std::move(decoded).value();
  }

  // Headers we own: overriding them would break the body's type or the signature.
  static constexpr std::string_view kReserved[] = {
      "content-type", "content-length", "host", "webhook-id", "webhook-timestamp",
      "webhook-signature"};
  HttpHeaders headers;
  bool user_agent = false;
  for (const auto& [name, value] : config.headers) {
    for (std::string_view reserved : kReserved) {
      if (SameHeaderName(name, reserved)) {
        return MakeError(who + ": header \"" + name + "\" is set by alertbridge", "headers");
      }
    }
    user_agent = user_agent || SameHeaderName(name, "user-agent");
    headers.emplace_back(name, value);
  }
  if (!user_agent) headers.emplace_back("User-Agent", "alertbridge");

  return std::unique_ptr<Notifier>(std::make_unique<WebhookNotifier>(
      config.name, std::move(endpoint).value(), std::move(key), std::move(headers),
      config.timeout));
}

}  // namespace ab
