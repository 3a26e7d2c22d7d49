#include "reload.h"

#include <chrono>
#include <future>

#include "common/log.h"
#include "notify/receiver_types.h"

namespace ab {

namespace {

ConfigError Plain(std::string message) { return ConfigError{"", 0, 0, std::move(message)}; }

// What a reload cannot change: kept from the running snapshot, with a warning when it differs.
void KeepRestartOnly(const Config& running, Config& next) {
  auto keep = [](const char* what, auto& field, const auto& old) {
    if (field == old) return;
    Log(LogLevel::kWarn, "reload: a setting changed that needs a restart; the running value stays",
        {{"setting", what}});
    field = old;
  };
  keep("server.listen", next.server.listen, running.server.listen);
  keep("server.management_listen", next.server.management_listen, running.server.management_listen);
  keep("storage.sqlite.path", next.sqlite_path, running.sqlite_path);
  keep("log.format", next.log_format, running.log_format);
  keep("log.level", next.log_level, running.log_level);
  keep("instance_id", next.instance_id, running.instance_id);
  keep("retention", next.retention, running.retention);  // the pruner runs on the start's policy
  const bool tls_before = running.server.tls.has_value();
  const bool tls_after = next.server.tls.has_value();
  if (tls_before != tls_after ||
      (tls_before && (running.server.tls->cert_file != next.server.tls->cert_file ||
                      running.server.tls->key_file != next.server.tls->key_file))) {
    Log(LogLevel::kWarn,
        "reload: server.tls paths changed; they need a restart (the files in use are read again)");
    next.server.tls = running.server.tls;
  }
  // Limits and timeouts belong to the listener: the running ones stay.
  next.server.limits = running.server.limits;
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

ConfigReloader::ConfigReloader(Parts parts, std::shared_ptr<const Config> current)
    : parts_(std::move(parts)), current_(std::move(current)) {}

std::shared_ptr<const Config> ConfigReloader::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

ReloadOutcome ConfigReloader::Fail(std::vector<ConfigError> errors) {
  for (const ConfigError& e : errors) {
    Log(LogLevel::kError, "reload: configuration error",
        {{"error", e.file.empty() ? e.message : e.ToString()}});
  }
  Log(LogLevel::kError, "configuration reload failed; the previous configuration keeps serving",
      {{"errors", errors.size()}});
  if (parts_.metrics != nullptr) parts_.metrics->ConfigLoaded(false, 0);
  return ReloadOutcome{false, std::move(errors)};
}

ReloadOutcome ConfigReloader::Reload(const std::string& trigger) {
  std::lock_guard<std::mutex> one_at_a_time(reload_mu_);
  if (parts_.systemd != nullptr) parts_.systemd->Reloading();
  struct ReadyAgain {
    const Parts& p;
    ~ReadyAgain() {
      if (p.systemd != nullptr) p.systemd->Ready(p.ready_status);
    }
  } ready_again{parts_};
  Log(LogLevel::kInfo, "reloading the configuration",
      {{"trigger", trigger},
       {"config", parts_.config_file.empty() ? "(embedded defaults)" : parts_.config_file}});

  // 1. Read and check everything; nothing running is touched until all of it is good.
  LoadResult loaded = LoadConfig(parts_.config_file);
  if (!loaded.ok()) return Fail(std::move(loaded.errors));
  const std::shared_ptr<const Config> running = current();
  Config& next = loaded.config;
  if (!parts_.listen_flag.empty()) next.server.listen = parts_.listen_flag;
  KeepRestartOnly(*running, next);
  // Tokens removed while listening beyond loopback (e.g. --listen): refused like at start.
  if (std::string problem = ExposureProblem(next); !problem.empty()) {
    return Fail({Plain("api: " + problem)});
  }
  if (next.external_url.empty()) next.external_url = DefaultExternalUrl(next.server.listen);
  auto snapshot = std::make_shared<const Config>(std::move(next));

  auto notifiers = BuildNotifiers(snapshot->receivers);
  if (!notifiers.ok()) return Fail({Plain("receivers: " + notifiers.error().message)});
  auto api = parts_.make_api(snapshot);
  if (!api.ok()) return Fail({Plain("sources: " + api.error().message)});
  if (snapshot->server.tls && parts_.server != nullptr) {
    if (Status st = parts_.server->ReloadTls(); !st.ok()) {
      return Fail({Plain("server.tls: " + st.error().message)});
    }
  }

  // 2. Swap. The engine first (behind every batch already queued), then the deliveries, then the
  // API: a request that arrives meanwhile runs on the old Api, which is consistent on its own.
  auto rules = RuleSetOf(*snapshot, /*configured_receivers_only=*/true);
  auto swapped = std::make_shared<std::promise<Status>>();
  std::future<Status> engine_done = swapped->get_future();
  if (!parts_.pipeline->Reload(snapshot, rules,
                               [swapped](const Status& st) { swapped->set_value(st); })) {
    return Fail({Plain("the ingest pipeline is stopping or its queue is full; try again")});
  }
  // The engine thread takes it after what is queued; when it is not ready (store trouble) the
  // batch is answered with an error instead.
  if (engine_done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    Log(LogLevel::kError, "reload: the engine did not take the new rules within 60s");
    return Fail({Plain("the engine did not take the new rules in time; try again")});
  }
  if (Status st = engine_done.get(); !st.ok()) {
    return Fail({Plain("the engine could not take the new rules: " + st.error().message)});
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = snapshot;
  }
  if (parts_.metrics != nullptr) {
    for (const auto& r : snapshot->receivers) {
      if (running->FindReceiver(r.name) == nullptr) {
        parts_.metrics->Circuit(r.name, ToString(CircuitState::kClosed));
      }
    }
  }
  parts_.worker->Reconfigure(std::move(*notifiers), DeliveryPolicies(snapshot->receivers),
                             std::chrono::steady_clock::now() + parts_.send_grace);
  parts_.api->Set(std::shared_ptr<Api>(std::move(*api)));

  if (parts_.metrics != nullptr) parts_.metrics->ConfigLoaded(true, UnixNow());
  Log(LogLevel::kInfo, "configuration reloaded",
      {{"trigger", trigger},
       {"rules", snapshot->rules.size()},
       {"receivers", snapshot->receivers.size()},
       {"sources", snapshot->sources.size()}});
  return ReloadOutcome{true, {}};
}

}  // namespace ab
