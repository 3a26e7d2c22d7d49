// alertbridge: serve | check | test | explain | backup | version. The only place that knows every
// layer: it wires config, store, engine, pipeline, notifiers and the HTTP server together.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "config/config.h"
#include "engine/engine.h"
#include "notify/outbox_worker.h"
#include "notify/receiver_types.h"
#include "rules/rule_lint.h"
#include "ruletest/explain.h"
#include "ruletest/runner.h"
#include "server/api.h"
#include "server/blocking_pool.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/pipeline.h"
#include "server/preflight.h"
#include "store/retention.h"
#include "store/store.h"
#include "store/store_lock.h"

#include "reload.h"
#include "systemd_notify.h"

namespace ab {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitConfig = 1;
// How long a stop waits for deliveries in flight before it abandons them (they stay pending).
constexpr std::chrono::seconds kDeliveryStopGrace{10};

void PrintErrors(const std::vector<ConfigError>& errors) {
  for (const auto& e : errors) std::cerr << e.ToString() << "\n";
  std::cerr << errors.size() << (errors.size() == 1 ? " error" : " errors") << "\n";
}

// The answer while the state is being restored: alive, not ready, come back shortly.
HttpResponse StartingUp(const HttpRequest& req) {
  if (req.path == "/-/healthy") return HttpResponse::Json(200, R"({"status":"healthy"})");
  HttpResponse r = HttpResponse::Error(503, "starting: restoring state");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

// Without --config, ./alertbridge.yml is used when present, else the embedded defaults.
std::string DefaultConfigFile(const std::string& flag) {
  if (!flag.empty()) return flag;
  return std::filesystem::exists("alertbridge.yml") ? "alertbridge.yml" : "";
}

// --log.format / --log.level override alertbridge.yml's log: section.
struct LogFlags {
  std::string format;
  std::string level;
};

void SetUpLogging(const Config& config, const LogFlags& flags) {
  const LogFormat format = ParseLogFormat(flags.format.empty() ? config.log_format : flags.format)
                               .value_or(LogFormat::kLogfmt);
  const LogLevel level =
      ParseLogLevel(flags.level.empty() ? config.log_level : flags.level).value_or(LogLevel::kInfo);
  ConfigureLog(format, level);
}

// Says at start who can use the API: an open one is worth a warning even on loopback (any local
// user or process can act on incidents).
void LogApiExposure(const Config& config) {
  if (!config.api.tokens.empty()) {
    Log(LogLevel::kInfo, "API tokens required",
        {{"tokens", config.api.tokens.size()}, {"listen", config.server.listen}});
    return;
  }
  if (!IsLoopbackListen(config.server.listen)) {
    Log(LogLevel::kWarn,
        "API open to anyone who can reach the listen address (api.insecure_listen: true, no "
        "tokens): they can acknowledge, resolve and close incidents and discard deliveries",
        {{"listen", config.server.listen}});
    return;
  }
  Log(LogLevel::kWarn,
      "API has no tokens: any local user or process can act on incidents; configure "
      "api.tokens in alertbridge.yml",
      {{"listen", config.server.listen}});
}

int Serve(const std::string& config_flag, const std::string& listen_flag,
          const LogFlags& log_flags) {
  // Block the signals in every thread we start; the main thread waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  LoadResult loaded = LoadConfig(DefaultConfigFile(config_flag));
  if (!loaded.ok()) {
    PrintErrors(loaded.errors);
    return kExitConfig;
  }
  {
    Config& c = loaded.config;
    SetUpLogging(c, log_flags);
    if (!listen_flag.empty()) {
      c.server.listen = listen_flag;
      if (std::string problem = ExposureProblem(c); !problem.empty()) {
        Log(LogLevel::kError, "refusing to start", {{"error", "--listen: " + problem}});
        return kExitConfig;
      }
    }
    LogApiExposure(c);
  }
  const bool external_url_derived = loaded.config.external_url.empty();
  if (external_url_derived) {
    loaded.config.external_url = DefaultExternalUrl(loaded.config.server.listen);
  }
  // The running configuration: an immutable snapshot, replaced as a whole by a reload (reload.h).
  const auto snapshot = std::make_shared<const Config>(std::move(loaded.config));
  const Config& config = *snapshot;
  SystemdNotifier systemd;

  // Bind first: a run that cannot listen ("address already in use": often a second instance
  // started by mistake) exits before it has touched the database. Until the state is restored
  // the port answers 503 (and /-/healthy 200), so senders retry instead of finding it closed.
  Metrics metrics;
  ServingApi serving;
  HttpServerStats server_stats{[&metrics](int d) { metrics.Connections(d); },
                               [&metrics] { metrics.ConnectionRejected(); }};
  HttpServer server(
      config.server,
      [&serving](HttpRequest&& req, Responder respond) {
        std::shared_ptr<Api> api = serving.Get();
        if (!api) return respond(StartingUp(req));
        // The request holds the Api (and its config snapshot) it started on until it answers.
        Api* raw = api.get();
        raw->Handle(std::move(req), [api = std::move(api), respond = std::move(respond)](
                                        HttpResponse r) { respond(std::move(r)); });
      },
      server_stats);
  auto port = server.Start();
  if (!port.ok()) {
    Log(LogLevel::kError, "cannot listen",
        {{"listen", config.server.listen}, {"error", port.error().message}});
    return kExitConfig;
  }
  // From here on every way out stops the server first: its handler reaches into what follows.
  auto fail = [&server](int code) {
    server.Stop(Duration(0));
    return code;
  };

  // One writer per database (store_lock.h): held until the process exits.
  auto lock = StoreLock::Acquire(config.sqlite_path);
  if (!lock.ok()) {
    Log(LogLevel::kError, "cannot lock the database",
        {{"path", config.sqlite_path}, {"error", lock.error().message}});
    return fail(kExitConfig);
  }
  auto store = OpenSqliteStore(config.sqlite_path);
  if (!store.ok()) {
    Log(LogLevel::kError, "cannot open store",
        {{"path", config.sqlite_path}, {"error", store.error().message}});
    return fail(kExitConfig);
  }
  // The same start-up checks `check` runs: receivers, sources' and tokens' secrets.
  PreflightResult preflight = RunPreflight(config, PreflightOptions{.secrets_here = true});
  for (const std::string& w : preflight.warnings) {
    Log(LogLevel::kWarn, "configuration warning", {{"warning", w}});
  }
  if (!preflight.errors.empty()) {
    for (const std::string& e : preflight.errors) {
      Log(LogLevel::kError, "cannot start", {{"error", e}});
    }
    return fail(kExitConfig);
  }

  SystemClock clock;
  metrics.SetBuildInfo(ALERTBRIDGE_VERSION, ALERTBRIDGE_REVISION);
  metrics.ConfigLoaded(true, static_cast<double>(ToMillis(clock.now())) / 1000.0);
  OutboxMetrics outbox_metrics;
  outbox_metrics.on_attempt = [&metrics](const std::string& receiver, const std::string& result) {
    metrics.Delivery(receiver, result);
  };
  outbox_metrics.on_dead_letter = [&metrics](const std::string& receiver) {
    metrics.DeadLetter(receiver);
  };
  outbox_metrics.on_delivered = [&metrics](const std::string& receiver, double seconds) {
    metrics.Delivered(receiver, seconds);
  };
  outbox_metrics.on_degraded = [&metrics](const std::string& receiver, const std::string& step) {
    metrics.Degraded(receiver, step);
  };
  outbox_metrics.on_circuit = [&metrics](const std::string& receiver, CircuitState state) {
    metrics.Circuit(receiver, ToString(state));
  };
  outbox_metrics.on_store_write = [&metrics](const std::string& r) { metrics.OutboxStoreWrite(r); };
  outbox_metrics.on_record_failure = [&metrics](const std::string& r) {
    metrics.OutboxRecordFailure(r);
  };
  for (const auto& r : config.receivers) {
    metrics.Circuit(r.name, ToString(CircuitState::kClosed));
    metrics.DeclareReceiver(r.name);
  }
  for (const auto& s : config.sources) metrics.DeclareSource(s.name);
  OutboxWorker worker(**store, std::move(preflight.notifiers), DeliveryPolicies(config.receivers),
                      clock, outbox_metrics);
  Engine engine(RuleSetOf(config, /*configured_receivers_only=*/true));
  engine.SetResponsePolicy(config.severities);
  {
    // Silences in force: the maintenance windows of alertbridge.yml and those made through the
    // API (stored).
    auto stored = (*store)->ListSilences();
    if (!stored.ok()) {
      Log(LogLevel::kError, "cannot read silences", {{"error", stored.error().message}});
      return fail(kExitConfig);
    }
    std::vector<Silence> silences = config.silences;
    silences.insert(silences.end(), stored->begin(), stored->end());
    engine.SetSilences(std::move(silences));
  }
  PipelineOptions pipeline_options;
  pipeline_options.max_queued_bytes = config.server.limits.queued_bytes;
  pipeline_options.on_loop = [&systemd] { systemd.WatchdogPing(); };
  IngestPipeline pipeline(
      engine, **store, snapshot, clock, &metrics, [&worker] { worker.Wake(); }, pipeline_options);
  if (Status st = pipeline.Start(); !st.ok()) {
    Log(LogLevel::kError, "cannot restore state", {{"error", st.error().message}});
    return fail(kExitConfig);
  }
  worker.Start();
  worker.Wake();  // deliver what a previous run left in the outbox
  RetentionPolicy retention{config.retention.delivered_outbox, config.retention.resolved_alerts,
                            config.retention.closed_incidents, config.retention.interval};
  RetentionPruner pruner(**store, retention, clock, [&metrics](const Result<PruneCounts>& n) {
    if (!n.ok()) {  // the next run tries again
      Log(LogLevel::kError, "retention pruning failed", {{"error", n.error().message}});
    } else if (n->outbox + n->alerts + n->incidents > 0) {
      metrics.Pruned("outbox", double(n->outbox));
      metrics.Pruned("alerts", double(n->alerts));
      metrics.Pruned("incidents", double(n->incidents));
      Log(LogLevel::kInfo, "retention pruned",
          {{"outbox_entries", n->outbox}, {"alerts", n->alerts}, {"incidents", n->incidents}});
    }
  });
  pruner.Start();

  IncidentStore* store_ptr = store->get();
  // The API's store reads and outbox actions: never on the two HTTP threads (blocking_pool.h).
  BlockingPool api_work(/*threads=*/2, /*max_queued=*/256);
  // Read on a worker thread at scrape time (the API serves /metrics there): three numbers the
  // store keeps as entries change state, not a count.
  metrics.outbox_counts = [store_ptr] {
    auto counts = store_ptr->CountOutbox();
    return counts.ok() ? *counts : OutboxCounts{};
  };
  metrics.outbox_oldest_age = [&worker, &clock] {
    std::map<std::string, double> ages;
    const TimePoint now = clock.now();
    for (const auto& [receiver, oldest] : worker.OldestPending()) {
      ages[receiver] =
          oldest ? std::max(0.0, std::chrono::duration<double>(now - *oldest).count()) : 0.0;
    }
    return ages;
  };
  metrics.firing_alerts = [&pipeline] { return double(pipeline.stats().firing_alerts); };
  metrics.open_incidents = [&pipeline] { return double(pipeline.stats().open_incidents); };
  metrics.incident_counts = [&pipeline] { return pipeline.incident_counts(); };
  metrics.incidents_in_memory = [&pipeline] {
    return double(pipeline.stats().incidents_in_memory);
  };
  metrics.alerts_in_memory = [&pipeline] { return double(pipeline.stats().tracked_alerts); };

  std::unique_ptr<ConfigReloader> reloader;  // set before the Api serves
  auto make_api = [&](std::shared_ptr<const Config> cfg) {
    ApiDeps deps;
    deps.config = cfg.get();
    deps.config_owner = std::move(cfg);
    deps.store = store_ptr;
    deps.pipeline = &pipeline;
    deps.metrics = &metrics;
    deps.clock = &clock;
    deps.wake_outbox = [&worker] { worker.Wake(); };
    deps.blocking = &api_work;
    deps.reload = [&reloader] { return reloader->Reload("http"); };
    return Api::Create(std::move(deps));
  };
  auto api = make_api(snapshot);
  if (!api.ok()) {
    Log(LogLevel::kError, "cannot set up the API", {{"error", api.error().message}});
    pipeline.Stop();
    worker.Stop();
    api_work.Stop();
    return fail(kExitConfig);
  }
  const std::string ready_status = "serving on " + config.server.listen;
  ConfigReloader::Parts reload_parts;
  reload_parts.config_file = DefaultConfigFile(config_flag);
  reload_parts.listen_flag = listen_flag;
  reload_parts.server = &server;
  reload_parts.pipeline = &pipeline;
  reload_parts.worker = &worker;
  reload_parts.metrics = &metrics;
  reload_parts.systemd = &systemd;
  reload_parts.ready_status = ready_status;
  reload_parts.api = &serving;
  reload_parts.make_api = make_api;
  reload_parts.send_grace = kDeliveryStopGrace;
  reloader = std::make_unique<ConfigReloader>(std::move(reload_parts), snapshot);
  metrics.ConfigLoaded(
      true,
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  serving.Set(std::shared_ptr<Api>(std::move(*api)));
  Log(LogLevel::kInfo, "alertbridge started",
      {{"listen", config.server.listen},
       {"port", *port},
       {"external_url", config.external_url},
       {"watchdog_usec", static_cast<int64_t>(systemd.watchdog_interval().count())},
       {"rules", config.rules.size()},
       {"receivers", config.receivers.size()},
       {"store", config.sqlite_path},
       {"version", ALERTBRIDGE_VERSION}});
  if (external_url_derived) {
    Log(LogLevel::kWarn,
        "external_url is not set; incident links use the listen address: set external_url to the "
        "address people and receivers reach",
        {{"external_url", config.external_url}});
  }
  systemd.Ready(ready_status);

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      reloader->Reload("SIGHUP");  // logs its outcome; systemd RELOADING=1 ... READY=1 around it
      continue;
    }
    Log(LogLevel::kInfo, "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    break;
  }
  systemd.Stopping();
  server.Stop();    // in-flight requests finish: their batches are committed first
  api_work.Stop();  // before the Api it calls into goes away
  pipeline.Stop();  // commits what is still queued
  // Sends still out then stay pending and go out after the restart: a receiver's long timeout
  // never holds up a stop (systemd's TimeoutStopSec is longer).
  worker.Stop(std::chrono::steady_clock::now() + kDeliveryStopGrace);
  pruner.Stop();
  if (Status st = (*store)->Flush(); !st.ok()) {
    Log(LogLevel::kError, "store flush failed", {{"error", st.error().message}});
  }
  Log(LogLevel::kInfo, "stopped");
  return kExitOk;
}

// `alertbridge backup FILE`: exit 0 written, 1 config or store error (CONTRACTS.md "CLI").
int Backup(const std::string& config_flag, const std::string& file) {
  LoadResult loaded = LoadConfig(DefaultConfigFile(config_flag));
  if (!loaded.ok()) {
    PrintErrors(loaded.errors);
    return kExitConfig;
  }
  const std::string& db = loaded.config.sqlite_path;
  if (Status st = BackupSqliteStore(db, file); !st.ok()) {
    std::cerr << "backup of " << db << " failed: " << st.error().message << "\n";
    return kExitConfig;
  }
  std::cout << "backup of " << db << " written to " << file << "\n";
  return kExitOk;
}

struct CheckFlags {
  bool env = false;     // resolve secrets here, as serve would: unreadable ones are errors
  bool strict = false;  // warnings fail the check too
};

int Check(const std::string& config_flag, const std::vector<std::string>& paths,
          const CheckFlags& flags) {
  const std::string default_config = DefaultConfigFile(config_flag);
  LoadResult loaded = paths.empty()
                          ? LoadConfig(default_config)
                          : CheckPaths(paths, CheckRuleTestFile, CheckOptions{default_config});
  std::vector<std::string> errors, warnings;
  for (const ConfigError& e : loaded.errors) errors.push_back(e.ToString());
  for (const ConfigError& w : loaded.warnings) {
    warnings.push_back(w.file + ":" + std::to_string(w.line) + ":" + std::to_string(w.col) +
                       ": warning: " + w.message);
  }
  // What would stop serve with a valid config: secrets, vendor keys, tokens.
  if (loaded.ok()) {
    PreflightResult preflight = RunPreflight(loaded.config, {.secrets_here = flags.env});
    errors.insert(errors.end(), preflight.errors.begin(), preflight.errors.end());
    for (const std::string& w : preflight.warnings) warnings.push_back("warning: " + w);
  }
  // Valid but likely wrong: warned about, not refused.
  if (loaded.ok()) {
    for (const Rule& rule : loaded.config.rules) {
      for (const std::string& w : GroupLabelWarnings(rule)) {
        warnings.push_back(rule.location.file + ":" + std::to_string(rule.location.line) + ":" +
                           std::to_string(rule.location.col) + ": warning: " + w);
      }
    }
  }
  for (const std::string& w : warnings) std::cerr << w << "\n";
  if (!errors.empty() || (flags.strict && !warnings.empty())) {
    for (const std::string& e : errors) std::cerr << e << "\n";
    std::cerr << errors.size() << (errors.size() == 1 ? " error" : " errors");
    if (!warnings.empty()) {
      std::cerr << ", " << warnings.size() << (warnings.size() == 1 ? " warning" : " warnings")
                << (flags.strict ? " (--strict)" : "");
    }
    std::cerr << "\n";
    return kExitConfig;
  }
  std::cout << loaded.config.rules.size() << " rules, " << loaded.config.receivers.size()
            << " receivers";
  if (loaded.rule_test_files > 0) {
    std::cout << ", " << loaded.rule_test_files << " rule test file"
              << (loaded.rule_test_files == 1 ? "" : "s") << " (" << loaded.rule_tests << " test"
              << (loaded.rule_tests == 1 ? "" : "s") << "; run them with alertbridge test)";
  }
  std::cout << " OK";
  if (!warnings.empty()) {
    std::cout << " (" << warnings.size() << (warnings.size() == 1 ? " warning" : " warnings")
              << ")";
  }
  std::cout << "\n";
  return kExitOk;
}

}  // namespace
}  // namespace ab

int main(int argc, char** argv) {
  ab::InstallReceiverTypes();  // the receiver types of src/notify/, for every config load
  CLI::App app{"alertbridge: turns monitoring alerts into managed incidents"};
  app.require_subcommand(1);
  app.fallthrough();  // `alertbridge serve --config F` as well as `alertbridge --config F serve`
  std::string config_flag;
  app.add_option("--config", config_flag,
                 "alertbridge.yml (default: ./alertbridge.yml if present)");
  ab::LogFlags log_flags;
  app.add_option("--log.format", log_flags.format, "logfmt or json (overrides log.format)")
      ->check(CLI::IsMember({"logfmt", "json"}));
  app.add_option("--log.level", log_flags.level,
                 "trace, debug, info, warn or error (overrides log.level)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

  auto* serve = app.add_subcommand("serve", "run the service");
  std::string listen_flag;
  serve->add_option("--listen", listen_flag, "host:port to listen on (overrides the config)");

  auto* check = app.add_subcommand("check", "validate configuration files; all errors at once");
  std::vector<std::string> check_paths;
  check->add_option("paths", check_paths, "alertbridge.yml, rule or receiver files, or folders");
  ab::CheckFlags check_flags;
  check->add_flag("--env", check_flags.env,
                  "resolve env: and file: secrets here as serve would; unreadable ones are errors");
  check->add_flag("--strict", check_flags.strict, "fail on warnings too");

  auto* test = app.add_subcommand("test", "run rule unit tests (YAML files, see README)");
  std::vector<std::string> test_files;
  test->add_option("files", test_files, "rule test files")->required();

  auto* explain = app.add_subcommand(
      "explain", "which rules take an alert with these labels, at what severity");
  std::vector<std::string> explain_labels;
  explain->add_option("labels", explain_labels, "the alert's labels as name=value")->required();

  auto* backup = app.add_subcommand(
      "backup", "write a consistent copy of the database to FILE (works while serving)");
  std::string backup_file;
  backup->add_option("file", backup_file, "where to write the copy")->required();

  app.add_subcommand("version", "print the version");
  app.set_version_flag("--version", std::string("alertbridge ") + ALERTBRIDGE_VERSION);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A word that is no subcommand is left over: name it rather than "a subcommand is required".
    std::vector<std::string> left = app.remaining();
    if (!left.empty() && left.front().rfind("-", 0) != 0 && app.get_subcommands().empty()) {
      std::cerr << "alertbridge: unknown subcommand \"" << left.front()
                << "\" (serve, check, test, explain, backup, version)\nRun with --help for more "
                   "information.\n";
      return 2;
    }
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors exit 2 (CONTRACTS.md "CLI")
  }
  if (serve->parsed()) return ab::Serve(config_flag, listen_flag, log_flags);
  if (check->parsed()) return ab::Check(config_flag, check_paths, check_flags);
  if (backup->parsed()) return ab::Backup(config_flag, backup_file);
  if (test->parsed()) return ab::RunRuleTestFiles(test_files, std::cout, std::cerr);
  if (explain->parsed()) {
    return ab::RunExplain(ab::DefaultConfigFile(config_flag), explain_labels, std::cout, std::cerr,
                          ab::SystemClock().now());
  }
  std::cout << "alertbridge " << ALERTBRIDGE_VERSION << "\n";
  return 0;
}
