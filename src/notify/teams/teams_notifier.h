// Receiver type `teams`: a Microsoft Teams Workflows webhook (the legacy Office 365 connectors are
// retired). Each event is a new message: an Adaptive Card 1.4 in the
// {"type":"message","attachments":[...]} envelope, with title, text, a FactSet and links.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "notify/json_post.h"

namespace ab {

class TeamsNotifier final : public JsonPostNotifier {
 public:
  // Teams rejects messages over ~28 KB; the card text gives way first.
  static constexpr size_t kMaxBodyBytes = 27 * 1024;
  static constexpr size_t kTitleChars = 500;
  static constexpr size_t kTextChars = 12'000;
  static constexpr size_t kFactChars = 1000;

  // Templates: title, text.
  TeamsNotifier(JsonPostTarget target, TemplateSet templates);

  std::optional<Request> RequestFor(const EventView& event) const override;

  // What keeps Teams from posting a message body (Adaptive Card 1.4 subset, at most 28 KB), or "".
  static std::string Validate(const std::string& body);

  std::string Body(const EventView& event) const;

 private:
  // Any 2xx is delivered, except a 200 whose body says Teams throttled the message (connectors
  // did that): that is a retry.
  SendResult OnAnswer(const Request& req, const HttpResponse& res,
                      SendResult result) const override;
  SendResult Check(const Request& req) const override;

  Template title_;
  Template text_;
};

// Factory of type `teams`: url (the workflow URL, a secret) and templates title, text.
Result<std::unique_ptr<Notifier>> MakeTeamsNotifier(const ReceiverConfig& config);

}  // namespace ab
