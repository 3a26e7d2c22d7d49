// Receiver type `opsgenie`: the Opsgenie Alert API, or the same contract on Jira Service
// Management Operations (base_url https://api.atlassian.com/jsm/ops/integration). One alert per
// incident with alias = incident key: created on declare and reopen, acknowledged and closed by
// alias, its priority set when the incident's priority changes (on JSM, whose integration events
// API has create, acknowledge, close and add note only, a note says it), a note for every other
// update.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "notify/json_post.h"
#include "notify/opsgenie/opsgenie_settings.h"

namespace ab {

class OpsgenieNotifier final : public JsonPostNotifier {
 public:
  // Opsgenie's field limits (Alert API reference).
  static constexpr size_t kMessageChars = 130;
  static constexpr size_t kAliasChars = 512;
  static constexpr size_t kDescriptionChars = 15'000;
  static constexpr size_t kNoteChars = 25'000;
  static constexpr size_t kDetailsChars = 8000;  // keys and values together
  static constexpr size_t kEntityChars = 512;

  // Templates: message, description, note.
  OpsgenieNotifier(JsonPostTarget target, TemplateSet templates, std::string api_key,
                   OpsgenieSettings settings);

  // The request for one event. 202 is delivered (Opsgenie processes requests asynchronously); a
  // create's requestId comes back as an ExternalRef. 4xx other than 429 are permanent; 429 and
  // 5xx retry.
  std::optional<Request> RequestFor(const EventView& event) const override;

 private:
  SendResult OnAnswer(const Request& req, const HttpResponse& res,
                      SendResult result) const override;
  HttpHeaders Auth() const;
  Request Post(std::string path, std::string body) const;

  std::string api_key_;
  OpsgenieSettings settings_;
  Template message_;
  Template description_;
  Template note_;
  std::string alerts_path_;  // <base path>/v2/alerts
  bool jsm_ = false;         // JSM Operations: no priority endpoint, so priority goes in a note
};

// Factory of type `opsgenie`: api_key (a secret), base_url, priority_map, tags, responders and
// the templates message, description, note.
Result<std::unique_ptr<Notifier>> MakeOpsgenieNotifier(const ReceiverConfig& config);

}  // namespace ab
