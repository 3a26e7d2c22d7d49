// Receiver type `webhook`: POSTs the event envelope as JSON, signed per Standard Webhooks when a
// secret is configured. The envelope is the contract (CONTRACTS.md "Events out"), so nothing is
// rendered here.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "notify/http_client.h"
#include "notify/notifier.h"

namespace ab {

class WebhookNotifier final : public Notifier {
 public:
  // `signing_key` holds the HMAC key bytes (already decoded from whsec_), none = unsigned.
  WebhookNotifier(std::string receiver, HttpEndpoint endpoint,
                  std::optional<std::string> signing_key, HttpHeaders headers, Duration timeout);

  // Same webhook-id on every attempt (the entry's event id); timestamp and signature are fresh.
  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) override;

 private:
  std::string receiver_;
  std::optional<std::string> signing_key_;
  HttpHeaders headers_;
  HttpClient client_;
};

// Factory for NotifierTypes(): resolves url and secret once; errors name the receiver and the
// secret reference, never its value.
Result<std::unique_ptr<Notifier>> MakeWebhookNotifier(const ReceiverConfig& config);

}  // namespace ab
