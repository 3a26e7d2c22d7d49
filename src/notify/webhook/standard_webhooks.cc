#include "notify/webhook/standard_webhooks.h"

#include "common/crypto.h"

namespace ab {

Result<std::string> StandardWebhookKey(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.substr(0, kPrefix.size()) != kPrefix) return std::string(secret);
  auto key = Base64Decode(secret.substr(kPrefix.size()));
  if (!key || key->empty()) {
    return MakeError("secret starts with whsec_ but the rest is not standard base64");
  }
  return std::move(*key);
}

std::string StandardWebhookSignature(std::string_view key, std::string_view id,
                                     int64_t unix_seconds, std::string_view body) {
  std::string content;
  const std::string ts = std::to_string(unix_seconds);
  content.reserve(id.size() + ts.size() + body.size() + 2);
  content.append(id).append(".").append(ts).append(".").append(body);
  return "v1," + Base64Encode(HmacSha256(key, content));
}

}  // namespace ab
