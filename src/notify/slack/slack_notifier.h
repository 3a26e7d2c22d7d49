// Receiver type `slack`: a Slack incoming webhook. Each event is a new message (incoming webhooks
// cannot edit what they posted): `text` as the notification fallback plus Block Kit blocks with
// the title, the event, severity, owner, runbook, affected accounts and a link to the incident.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "notify/json_post.h"

namespace ab {

class SlackNotifier final : public JsonPostNotifier {
 public:
  // Slack's limits (Block Kit reference).
  static constexpr size_t kHeaderChars = 150;
  static constexpr size_t kSectionChars = 3000;
  static constexpr size_t kFieldChars = 2000;
  static constexpr size_t kFallbackChars = 4000;

  // Templates: title, text.
  SlackNotifier(JsonPostTarget target, TemplateSet templates);

  std::optional<Request> RequestFor(const EventView& event) const override;

  // The JSON body for one event.
  std::string Body(const EventView& event) const;

 private:
  Template title_;
  Template text_;
};

// Factory of type `slack`: url (the webhook, a secret) and templates title, text.
Result<std::unique_ptr<Notifier>> MakeSlackNotifier(const ReceiverConfig& config);

}  // namespace ab
