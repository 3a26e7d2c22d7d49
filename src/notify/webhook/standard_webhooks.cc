#include "notify/webhook/standard_webhooks.h"

#include "common/crypto.h"

namespace ab {

Result<std::string> StandardWebhookKey(std::string_view secret, bool raw) {
  if (raw) return std::string(secret);
  constexpr std::string_view kPrefix = "whsec_";
  const bool prefixed = secret.substr(0, kPrefix.size()) == kPrefix;
  auto key = Base64Decode(prefixed ? secret.substr(kPrefix.size()) : secret);
  if (!key || key->empty()) {
    return MakeError(std::string(prefixed ? "secret starts with whsec_ but the rest" : "secret") +
                     " is not standard base64 (what Standard Webhooks libraries decode); set "
                     "secret_format: raw to sign with its bytes as they are");
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

std::string StandardWebhookId(std::string_view event_id) {
  std::string id(event_id);
  for (char& c : id) {
    if (c == '.') c = '_';
  }
  return id;
}

}  // namespace ab
