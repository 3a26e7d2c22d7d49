// Live reload (SIGHUP, POST /-/reload): reads alertbridge.yml, rules, receivers and accounts
// again and swaps the running snapshot. The configuration is an immutable
// std::shared_ptr<const Config>; what is built from it (the rule index, the sources' auth and
// mappings in the Api, the notifiers and receiver policies in the outbox worker) is built afresh
// from the new snapshot before anything is swapped, so an invalid config (every error logged as
// file:line:col) or a receiver/source that cannot be set up (a missing secret) leaves the old one
// serving. Requests hold the Api (and through it the snapshot) they started with; batches queued
// before the swap run on the old rules; sends in flight finish on the notifier they started with.
//
// Not reloaded (a restart applies them, and a reload says so in its log): server.listen,
// server.management_listen, server limits and timeouts, the storage path, log settings. TLS
// certificate and key files are read again.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "notify/outbox_worker.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/pipeline.h"
#include "systemd_notify.h"

namespace ab {

// The Api now serving; requests take a reference for their whole life.
class ServingApi {
 public:
  std::shared_ptr<Api> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return api_;
  }
  void Set(std::shared_ptr<Api> api) {
    std::lock_guard<std::mutex> lock(mu_);
    api_ = std::move(api);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<Api> api_;
};

class ConfigReloader {
 public:
  struct Parts {
    std::string config_file;  // as given at start ("" = embedded defaults)
    std::string listen_flag;  // --listen, applied again to each load
    HttpServer* server = nullptr;
    IngestPipeline* pipeline = nullptr;
    OutboxWorker* worker = nullptr;
    Metrics* metrics = nullptr;
    SystemdNotifier* systemd = nullptr;
    std::string ready_status;
    ServingApi* api = nullptr;
    // Builds the Api for a snapshot (it resolves the sources' secrets: it may fail).
    std::function<Result<std::unique_ptr<Api>>(std::shared_ptr<const Config>)> make_api;
    // How long a reload waits for the sends in flight on the old notifiers.
    std::chrono::milliseconds send_grace{10'000};
  };
  ConfigReloader(Parts parts, std::shared_ptr<const Config> current);

  // Loads and swaps. On failure the errors (file:line:col where known) are logged and returned,
  // and the old snapshot keeps serving. Serialised: one reload at a time.
  ReloadOutcome Reload(const std::string& trigger);

  std::shared_ptr<const Config> current() const;

 private:
  ReloadOutcome Fail(std::vector<ConfigError> errors);

  Parts parts_;
  std::mutex reload_mu_;  // one reload at a time
  mutable std::mutex mu_;
  std::shared_ptr<const Config> current_;
};

}  // namespace ab
