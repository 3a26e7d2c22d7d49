// type: jira — settings of a Jira Cloud or Data Center receiver.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"
#include "notify/ticket/ticket_settings.h"

namespace ab {

struct JiraSettings : ReceiverSettings {
  enum class Flavor { kCloud, kDataCenter };
  // Cloud searches with /rest/api/3/search/jql (the old /rest/api/2/search answers 410 there);
  // Data Center only has GET /rest/api/2/search?jql=.
  Flavor flavor = Flavor::kCloud;
  TicketAuth auth;
  std::string project;     // project key
  std::string issue_type;  // issue type name
  // Priority name per alertbridge priority; an empty name sends no priority (projects whose
  // create screen has no priority field). Defaults: VENDORS.md.
  std::map<Severity, std::string> priorities = {{Severity::SEV1, "Highest"},
                                                {Severity::SEV2, "High"},
                                                {Severity::SEV3, "Medium"},
                                                {Severity::SEV4, "Low"},
                                                {Severity::SEV5, "Lowest"}};
  std::vector<std::string> labels;  // besides the incident key, which is always a label
  nlohmann::json custom_fields = nlohmann::json::object();  // field id -> value, sent as is
  std::string resolve_transition = "Done";
  // Tried first; without it (or when the workflow lacks it) the transition to a status in the
  // To Do or In Progress category (simplified workflows name transitions after statuses).
  std::string reopen_transition = "Reopen";
  std::string resolution;  // optional resolution name set with the resolve transition
  ReopenPolicy reopen{
      ReopenAction::kReopen, ReopenAction::kNew, {"Won't Do", "Won't Fix", "Duplicate"}};
  // Jira Cloud's search is eventually consistent: an issue created this long ago may not be
  // found by its label yet. A retried create waits this long after the event before it opens
  // another issue (not configurable: tests shorten it). Data Center searches at once.
  Duration search_lag{30'000};
};

void ParseJiraSettings(const config_internal::MapReader& r, config_internal::Diagnostics& diag,
                       ReceiverConfig* rc);

}  // namespace ab
