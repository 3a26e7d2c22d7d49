// type: github — settings of a GitHub (or GitHub Enterprise Server) Issues receiver.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/receivers/ticket.h"

namespace ab {

struct GitHubSettings : ReceiverSettings {
  static constexpr const char* kDefaultApiUrl = "https://api.github.com";

  std::string owner;
  std::string repo;
  Secret token;                     // `Authorization: Bearer <token>`
  std::vector<std::string> labels;  // besides the incident key label
  // GitHub's secondary rate limits punish bursts of content creation: issue creates from one
  // receiver are serialised and at least this far apart (not configurable: tests shorten it).
  Duration create_interval{1000};
  ReopenPolicy reopen{ReopenAction::kReopen, ReopenAction::kNew, {"not_planned", "duplicate"}};
};

}  // namespace ab
