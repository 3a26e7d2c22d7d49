// Receiver type `slack`: a Slack incoming webhook. Each event is a new message (incoming webhooks
// cannot edit what they posted): `text` as the notification fallback plus Block Kit blocks with
// the title, the event, severity, owner, runbook, affected accounts and a link to the incident.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "notify/http_client.h"
#include "notify/http_receiver.h"
#include "notify/notifier.h"
#include "notify/text/template.h"

namespace ab {

class SlackNotifier final : public Notifier {
 public:
  // Slack's limits (Block Kit reference).
  static constexpr size_t kHeaderChars = 150;
  static constexpr size_t kSectionChars = 3000;
  static constexpr size_t kFieldChars = 2000;
  static constexpr size_t kFallbackChars = 4000;

  SlackNotifier(std::string receiver, ReceiverUrl url, Template title, Template text,
                Duration timeout);

  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) override;

  // The JSON body for one event.
  std::string Body(const EventView& event) const;

 private:
  std::string receiver_;
  std::vector<std::string> secrets_;  // the webhook URL and its path, redacted from reasons
  Template title_;
  Template text_;
  HttpClient client_;
};

// Factory for NotifierTypes(): url (the webhook, a secret) and templates title, text.
Result<std::unique_ptr<Notifier>> MakeSlackNotifier(const ReceiverConfig& config);

}  // namespace ab
