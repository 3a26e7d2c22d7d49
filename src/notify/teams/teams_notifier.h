// Receiver type `teams`: a Microsoft Teams Workflows webhook (the legacy Office 365 connectors are
// retired). Each event is a new message: an Adaptive Card 1.4 in the
// {"type":"message","attachments":[...]} envelope, with title, text, a FactSet and links.
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

class TeamsNotifier final : public Notifier {
 public:
  // Teams rejects messages over ~28 KB; the card text gives way first.
  static constexpr size_t kMaxBodyBytes = 27 * 1024;
  static constexpr size_t kTitleChars = 500;
  static constexpr size_t kTextChars = 12'000;
  static constexpr size_t kFactChars = 1000;

  TeamsNotifier(std::string receiver, ReceiverUrl url, Template title, Template text,
                Duration timeout);

  // Any 2xx is delivered, except a 200 whose body says Teams throttled the message (connectors
  // did that): that is a retry.
  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) override;

  std::string Body(const EventView& event) const;

 private:
  std::string receiver_;
  std::vector<std::string> secrets_;  // the workflow URL (it carries a signature) and its path
  Template title_;
  Template text_;
  HttpClient client_;
};

// Factory for NotifierTypes(): url (the workflow URL, a secret) and templates title, text.
Result<std::unique_ptr<Notifier>> MakeTeamsNotifier(const ReceiverConfig& config);

}  // namespace ab
