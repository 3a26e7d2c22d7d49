// type: pagerduty — Events API v2: trigger, acknowledge and resolve one alert per incident, the
// incident key as dedup_key.
#include "notify/pagerduty/pagerduty_settings.h"

#include "config/receiver_type.h"

namespace ab {

using namespace config_internal;

void ParsePagerDutySettings(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  auto s = std::make_shared<PagerDutySettings>();
  if (r.Require("routing_key")) r.SecretRef("routing_key", &s->routing_key);
  ReadReceiverBaseUrl(r, diag, kPagerDutyDefaultBaseUrl, rc);
  if (const Value* v = r.Find("severity_map")) {
    ReadSeverityMap(*v, diag, {"critical", "error", "warning", "info"}, &s->severity);
  }
  if (r.Has("source")) {
    std::string source;
    if (ReadNonEmpty(*r.Find("source"), diag, &source)) s->source = std::move(source);
  }
  rc->settings = std::move(s);
}

}  // namespace ab
