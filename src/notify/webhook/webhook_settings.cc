#include "notify/webhook/webhook_settings.h"

#include <memory>

#include "config/receiver_type.h"

namespace ab {

using namespace config_internal;

void ParseWebhookSettings(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  auto s = std::make_shared<WebhookSettings>();
  ReadReceiverUrl(r, diag, rc);
  r.SecretRef("secret", &s->secret);
  std::string format;
  if (r.OneOf("secret_format", {"base64", "raw"}, &format)) {
    s->secret_format = format == "raw" ? WebhookSettings::SecretFormat::kRaw
                                       : WebhookSettings::SecretFormat::kBase64;
    if (!r.Has("secret")) {
      diag.Add(r.Find("secret_format")->mark, "secret_format: applies only with a secret");
    }
  }
  ReadReceiverHeaders(r, diag, &s->headers);
  rc->settings = std::move(s);
}

}  // namespace ab
