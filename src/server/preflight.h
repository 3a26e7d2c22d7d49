// What `serve` checks before it starts, run by `check` as well, so that a configuration that
// passes `check` does not make `serve` refuse to start: each receiver built by its type's factory
// (secrets resolved, vendor keys checked: a PagerDuty routing key's length, a whsec_ secret's
// base64), each source's auth secrets and each API token resolved.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "notify/notifier.h"

namespace ab {

struct PreflightOptions {
  // serve, and check --env: a secret that cannot be read here is an error when something uses
  // it. check without --env: a warning, as the secrets live where serve runs.
  bool secrets_here = true;
};

struct PreflightResult {
  std::vector<std::string> errors;    // serve refuses to start
  std::vector<std::string> warnings;  // serve starts and logs them
  // The receivers that could be set up. A receiver no rule uses whose secret cannot be read is
  // left out with a warning: its absence harms nothing (an outbox entry left for it from an
  // earlier configuration is dead-lettered, and can be retried once it is back).
  std::map<std::string, std::unique_ptr<Notifier>> notifiers;
};

PreflightResult RunPreflight(const Config& config, const PreflightOptions& options);

}  // namespace ab
