// Receiver type `pagerduty`: PagerDuty Events API v2 (POST <base_url>/v2/enqueue). One PagerDuty
// alert per incident, its key as dedup_key: triggered on declare, reopen and every update while
// the incident is open (PagerDuty folds them into the same alert), acknowledged on acknowledge,
// resolved on resolve and close.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "notify/json_post.h"
#include "notify/pagerduty/pagerduty_settings.h"

namespace ab {

class PagerDutyNotifier final : public JsonPostNotifier {
 public:
  static constexpr size_t kSummaryChars = 1024;
  static constexpr size_t kDedupKeyChars = 255;

  // Templates: summary.
  PagerDutyNotifier(JsonPostTarget target, TemplateSet templates, std::string routing_key,
                    PagerDutySettings settings);

  // 202 is delivered; 400 (an event PagerDuty will never take) is permanent; 429 and 5xx retry.
  std::optional<Request> RequestFor(const EventView& event) const override;

  // The event_action for an event, or none when the event asks nothing of PagerDuty (an update to
  // an incident that is no longer open would otherwise trigger a fresh alert).
  static std::optional<std::string> ActionFor(const EventView& event);
  // The Events API v2 body for one event.
  std::string Body(const EventView& event, const std::string& action) const;

 private:
  std::string routing_key_;
  PagerDutySettings settings_;
  Template summary_;
  std::string path_;  // <base path>/v2/enqueue
};

// Factory of type `pagerduty`: routing_key (a secret), base_url, severity_map, source and the
// template summary.
Result<std::unique_ptr<Notifier>> MakePagerDutyNotifier(const ReceiverConfig& config);

}  // namespace ab
