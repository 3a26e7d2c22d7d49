// type: opsgenie — Opsgenie Alert API, or the same contract on Jira Service Management
// Operations (base_url https://api.atlassian.com/jsm/ops/integration).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace ab {

inline constexpr std::string_view kOpsgenieDefaultBaseUrl = "https://api.opsgenie.com";

struct OpsgenieResponder {
  std::string type;  // team | user | escalation | schedule
  std::string name;  // team/escalation/schedule name, or the user's username
};

struct OpsgenieSettings : ReceiverSettings {
  Secret api_key;  // an API integration's key, sent as "Authorization: GenieKey <key>"
  std::array<std::string, 5> priority{"P1", "P2", "P3", "P4", "P5"};  // for SEV1..SEV5
  std::vector<std::string> tags;
  std::vector<OpsgenieResponder> responders;
  std::string RateLimitedBy() const override { return api_key.ref(); }
};

// api_key, base_url, priority_map, tags, responders.
void ParseOpsgenieSettings(const config_internal::MapReader& r, config_internal::Diagnostics& diag,
                           ReceiverConfig* rc);

}  // namespace ab
