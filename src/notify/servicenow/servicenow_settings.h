// type: servicenow — settings of a ServiceNow Table API `incident` receiver.
#pragma once

#include <map>
#include <string>

#include "config/config.h"
#include "config/yaml_reader.h"
#include "notify/ticket/ticket_settings.h"

namespace ab {

struct ServiceNowSettings : ReceiverSettings {
  struct Levels {
    int urgency = 3;  // 1 (high) .. 3 (low)
    int impact = 3;
    bool operator==(const Levels&) const = default;
  };

  TicketAuth auth;
  // Urgency and impact per alertbridge priority; ServiceNow derives its own priority from them.
  std::map<Severity, Levels> levels = {{Severity::SEV1, {1, 1}},
                                       {Severity::SEV2, {1, 2}},
                                       {Severity::SEV3, {2, 2}},
                                       {Severity::SEV4, {3, 2}},
                                       {Severity::SEV5, {3, 3}}};
  std::string assignment_group;  // optional: sys_id or name, sent as is
  std::string caller_id;         // optional: sys_id or user name, sent as is
  std::string category;          // optional
  // Resolving needs a close code from the instance's choice list ("Solution provided" on
  // current releases, "Solved (Permanently)" on older ones).
  std::string close_code = "Solution provided";
  // Closed (7) and Canceled (8) records are read-only: a recurrence that would reopen or carry on
  // in one opens a new record instead, and comments on one are skipped.
  ReopenPolicy reopen{ReopenAction::kReopen, ReopenAction::kNew, {"Duplicate", "Canceled"}};
};

void ParseServiceNowSettings(const config_internal::MapReader& r,
                             config_internal::Diagnostics& diag, ReceiverConfig* rc);

}  // namespace ab
