// Receiver type `opsgenie`: the Opsgenie Alert API, or the same contract on Jira Service
// Management Operations (base_url https://api.atlassian.com/jsm/ops/integration). One alert per
// incident with alias = incident key: created on declare and reopen, acknowledged and closed by
// alias, its priority set when the incident's changes, a note for every other update.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "config/receivers/opsgenie.h"
#include "notify/http_client.h"
#include "notify/http_receiver.h"
#include "notify/notifier.h"
#include "notify/text/template.h"

namespace ab {

class OpsgenieNotifier final : public Notifier {
 public:
  // Opsgenie's field limits (Alert API reference).
  static constexpr size_t kMessageChars = 130;
  static constexpr size_t kAliasChars = 512;
  static constexpr size_t kDescriptionChars = 15'000;
  static constexpr size_t kNoteChars = 25'000;
  static constexpr size_t kDetailsChars = 8000;  // keys and values together
  static constexpr size_t kEntityChars = 512;

  OpsgenieNotifier(std::string receiver, HttpEndpoint base, std::string api_key,
                   OpsgenieSettings settings, Template message, Template description, Template note,
                   Duration timeout);

  // 202 is delivered (Opsgenie processes requests asynchronously); a create's requestId comes
  // back as an ExternalRef. 4xx other than 429 are permanent; 429 and 5xx retry.
  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) override;

  struct Request {
    std::string method;
    std::string path;
    std::string body;
  };
  // The request for one event.
  Request RequestFor(const EventView& event) const;

 private:
  std::string receiver_;
  std::string alerts_path_;  // <base path>/v2/alerts
  std::string api_key_;
  OpsgenieSettings settings_;
  Template message_;
  Template description_;
  Template note_;
  HttpClient client_;
};

// Factory for NotifierTypes(): api_key (a secret), base_url, priority_map, tags, responders and
// the templates message, description, note.
Result<std::unique_ptr<Notifier>> MakeOpsgenieNotifier(const ReceiverConfig& config);

}  // namespace ab
