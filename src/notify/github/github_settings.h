// type: github — settings of a GitHub (or GitHub Enterprise Server) Issues receiver.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"
#include "notify/ticket/ticket_settings.h"

namespace ab {

struct GitHubSettings : ReceiverSettings {
  static constexpr const char* kDefaultApiUrl = "https://api.github.com";

  std::string owner;
  std::string repo;
  Secret token;                     // `Authorization: Bearer <token>`
  std::vector<std::string> labels;  // besides the incident key label
  ReopenPolicy reopen{ReopenAction::kReopen, ReopenAction::kNew, {"not_planned", "duplicate"}};
};

void ParseGitHubSettings(const config_internal::MapReader& r, config_internal::Diagnostics& diag,
                         ReceiverConfig* rc);

}  // namespace ab
