// type: webhook — the settings of a signed JSON webhook receiver, and their parser.
#pragma once

#include <map>
#include <string>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace ab {

struct WebhookSettings final : ReceiverSettings {
  // Standard Webhooks signing secret; empty = unsigned (webhook-id and -timestamp still go out).
  // Base64, with or without the `whsec_` prefix, as the reference libraries decode it; raw bytes
  // only with `secret_format: raw`.
  Secret secret;
  enum class SecretFormat { kBase64, kRaw };
  SecretFormat secret_format = SecretFormat::kBase64;
  // Extra headers; values are secrets (env:NAME, file:/path or literal) and redacted from
  // reasons when they come from env: or file: or name a credential (Authorization, ...).
  std::map<std::string, Secret> headers;
};

// url, secret, secret_format, headers.
void ParseWebhookSettings(const config_internal::MapReader& r, config_internal::Diagnostics& diag,
                          ReceiverConfig* rc);

}  // namespace ab
