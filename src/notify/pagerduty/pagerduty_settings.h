// type: pagerduty — the settings of a PagerDuty Events API v2 receiver, and their parser.
#pragma once

#include <array>
#include <string>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace ab {

inline constexpr std::string_view kPagerDutyDefaultBaseUrl = "https://events.pagerduty.com";

struct PagerDutySettings : ReceiverSettings {
  Secret routing_key;  // the integration key of a service or ruleset (32 characters)
  // payload.severity for SEV1..SEV5 (VENDORS.md): critical | error | warning | info.
  std::array<std::string, 5> severity{"critical", "error", "warning", "warning", "info"};
  std::string source = "alertbridge";  // payload.source: where the problem is
  std::string RateLimitedBy() const override { return routing_key.ref(); }
};

// routing_key, base_url, severity_map, source.
void ParsePagerDutySettings(const config_internal::MapReader& r, config_internal::Diagnostics& diag,
                            ReceiverConfig* rc);

}  // namespace ab
