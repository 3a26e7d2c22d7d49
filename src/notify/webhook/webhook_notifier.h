// Receiver type `webhook`: POSTs the event envelope as JSON, signed per Standard Webhooks when a
// secret is configured. The envelope is the contract (CONTRACTS.md "Events out"); a `body`
// template replaces it with JSON of the receiver's own shape (values escaped as JSON strings).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "notify/http_client.h"
#include "notify/notifier.h"
#include "notify/text/template.h"

namespace ab {

class WebhookNotifier final : public Notifier {
 public:
  // `signing_key` holds the HMAC key bytes (already decoded from whsec_), none = unsigned.
  // `body`: none = the envelope as it is.
  WebhookNotifier(std::string receiver, HttpEndpoint endpoint,
                  std::optional<std::string> signing_key, HttpHeaders headers, Duration timeout,
                  std::optional<Template> body = std::nullopt,
                  std::vector<std::string> secrets = {});

  // Same webhook-id on every attempt (the entry's event id, without dots); timestamp and
  // signature are fresh. Unsigned deliveries carry webhook-id and webhook-timestamp too.
  // A body template that renders invalid JSON for this event is a permanent failure.
  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) override;

  // The body for one entry: the envelope, or the body template rendered and checked to be JSON.
  Result<std::string> Body(const OutboxEntry& entry) const;

 private:
  std::string receiver_;
  std::optional<std::string> signing_key_;
  HttpHeaders headers_;
  std::optional<Template> body_;
  std::vector<std::string> secrets_;  // redacted from every reason: secret, header values, url
  HttpClient client_;
};

// Factory of type `webhook`: resolves url, secret and headers once; errors name the receiver and
// the secret reference, never its value. A body template is tried on a sample event first, so that
// one that cannot give JSON fails at start-up.
Result<std::unique_ptr<Notifier>> MakeWebhookNotifier(const ReceiverConfig& config);

}  // namespace ab
