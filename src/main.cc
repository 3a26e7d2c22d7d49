// alertbridge: serve | check | test | explain | backup | version. The only place that knows every
// layer: it wires config, store, engine, pipeline, notifiers and the HTTP server together.
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "engine/engine.h"
#include "notify/outbox_worker.h"
#include "notify/receiver_types.h"
#include "ruletest/explain.h"
#include "ruletest/runner.h"
#include "server/api.h"
#include "server/blocking_pool.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/pipeline.h"
#include "store/retention.h"
#include "store/store.h"
#include "store/store_lock.h"

#ifdef ALERTBRIDGE_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

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

// Without --config, ./alertbridge.yml is used when present, else the embedded defaults.
std::string DefaultConfigFile(const std::string& flag) {
  if (!flag.empty()) return flag;
  return std::filesystem::exists("alertbridge.yml") ? "alertbridge.yml" : "";
}

void SetUpLogging(const Config& config) {
  // Logs go to stderr; stdout belongs to the console receiver's event lines.
  auto logger = spdlog::stderr_logger_mt("alertbridge");
  if (config.log_format == "json") {
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","event":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(config.log_level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

// The answer while the state is being restored: alive, not ready, come back shortly.
HttpResponse StartingUp(const HttpRequest& req) {
  if (req.path == "/-/healthy") return HttpResponse::Json(200, R"({"status":"healthy"})");
  HttpResponse r = HttpResponse::Error(503, "starting: restoring state");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

void Notify(const char* state) {
#ifdef ALERTBRIDGE_HAVE_SYSTEMD
  sd_notify(0, state);
#else
  (void)state;
#endif
}

int Serve(const std::string& config_flag, const std::string& listen_flag) {
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
  Config& config = loaded.config;
  if (!listen_flag.empty()) config.server.listen = listen_flag;
  SetUpLogging(config);

  // Bind first: a run that cannot listen ("address already in use": often a second instance
  // started by mistake) exits before it has touched the database. Until the state is restored
  // the port answers 503 (and /-/healthy 200), so senders retry instead of finding it closed.
  Metrics metrics;
  std::atomic<Api*> ready_api{nullptr};
  HttpServerStats server_stats{[&metrics](int d) { metrics.Connections(d); },
                               [&metrics] { metrics.ConnectionRejected(); }};
  HttpServer server(
      config.server,
      [&ready_api](HttpRequest&& req, Responder respond) {
        if (Api* api = ready_api.load()) return api->Handle(std::move(req), std::move(respond));
        respond(StartingUp(req));
      },
      server_stats);
  auto port = server.Start();
  if (!port.ok()) {
    spdlog::critical("msg=\"cannot listen\" listen={} error=\"{}\"", config.server.listen,
                     port.error().message);
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
    spdlog::critical("msg=\"cannot lock the database\" path={} error=\"{}\"", config.sqlite_path,
                     lock.error().message);
    return fail(kExitConfig);
  }
  auto store = OpenSqliteStore(config.sqlite_path);
  if (!store.ok()) {
    spdlog::critical("msg=\"cannot open store\" path={} error=\"{}\"", config.sqlite_path,
                     store.error().message);
    return fail(kExitConfig);
  }
  auto notifiers = BuildNotifiers(config.receivers);
  if (!notifiers.ok()) {
    spdlog::critical("msg=\"cannot set up receivers\" error=\"{}\"", notifiers.error().message);
    return fail(kExitConfig);
  }

  SystemClock clock;
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
  for (const auto& r : config.receivers) metrics.Circuit(r.name, ToString(CircuitState::kClosed));
  OutboxWorker worker(**store, std::move(*notifiers), DeliveryPolicies(config.receivers), clock,
                      outbox_metrics);
  Engine engine(RuleSetOf(config));
  PipelineOptions pipeline_options;
  pipeline_options.max_queued_bytes = config.server.limits.queued_bytes;
  IngestPipeline pipeline(
      engine, **store, config, clock, &metrics, [&worker] { worker.Wake(); }, pipeline_options);
  if (Status st = pipeline.Start(); !st.ok()) {
    spdlog::critical("msg=\"cannot restore state\" error=\"{}\"", st.error().message);
    return fail(kExitConfig);
  }
  worker.Start();
  worker.Wake();  // deliver what a previous run left in the outbox
  RetentionPolicy retention{config.retention.delivered_outbox, config.retention.resolved_alerts,
                            config.retention.closed_incidents, config.retention.interval};
  RetentionPruner pruner(**store, retention, clock, [&metrics](const Result<PruneCounts>& n) {
    if (!n.ok()) {  // the next run tries again
      spdlog::error("msg=\"retention pruning failed\" error=\"{}\"", n.error().message);
    } else if (n->outbox + n->alerts + n->incidents > 0) {
      metrics.Pruned("outbox", double(n->outbox));
      metrics.Pruned("alerts", double(n->alerts));
      metrics.Pruned("incidents", double(n->incidents));
      spdlog::info("msg=\"retention pruned\" outbox_entries={} alerts={} incidents={}", n->outbox,
                   n->alerts, n->incidents);
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
  metrics.incidents_in_memory = [&pipeline] {
    return double(pipeline.stats().incidents_in_memory);
  };
  metrics.alerts_in_memory = [&pipeline] { return double(pipeline.stats().tracked_alerts); };

  auto api = Api::Create(ApiDeps{&config, store_ptr, &pipeline, &metrics, &clock,
                                 [&worker] { worker.Wake(); }, &api_work});
  if (!api.ok()) {
    spdlog::critical("msg=\"cannot set up sources\" error=\"{}\"", api.error().message);
    pipeline.Stop();
    worker.Stop();
    api_work.Stop();
    return fail(kExitConfig);
  }
  ready_api = api->get();
  spdlog::info("msg=\"alertbridge started\" listen={} port={} rules={} receivers={} store={}",
               config.server.listen, *port, config.rules.size(), config.receivers.size(),
               config.sqlite_path);
  Notify("READY=1");

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      spdlog::warn(
          "msg=\"SIGHUP received; configuration reload is not implemented yet, restart "
          "to apply changes\"");
      continue;
    }
    spdlog::info("msg=\"shutting down\" signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  Notify("STOPPING=1");
  server.Stop();    // in-flight requests finish: their batches are committed first
  api_work.Stop();  // before the Api it calls into goes away
  pipeline.Stop();  // commits what is still queued
  // Sends still out then stay pending and go out after the restart: a receiver's long timeout
  // never holds up a stop (systemd's TimeoutStopSec is longer).
  worker.Stop(std::chrono::steady_clock::now() + kDeliveryStopGrace);
  pruner.Stop();
  if (Status st = (*store)->Flush(); !st.ok()) {
    spdlog::error("msg=\"store flush failed\" error=\"{}\"", st.error().message);
  }
  spdlog::info("msg=\"stopped\"");
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

int Check(const std::string& config_flag, const std::vector<std::string>& paths) {
  LoadResult loaded = paths.empty() ? LoadConfig(DefaultConfigFile(config_flag))
                                    : CheckPaths(paths, CheckRuleTestFile);
  if (!loaded.ok()) {
    PrintErrors(loaded.errors);
    return kExitConfig;
  }
  std::cout << loaded.config.rules.size() << " rules, " << loaded.config.receivers.size()
            << " receivers";
  if (loaded.rule_test_files > 0) {
    std::cout << ", " << loaded.rule_test_files << " rule test file"
              << (loaded.rule_test_files == 1 ? "" : "s") << " (" << loaded.rule_tests << " test"
              << (loaded.rule_tests == 1 ? "" : "s") << "; run them with alertbridge test)";
  }
  std::cout << " OK\n";
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

  auto* serve = app.add_subcommand("serve", "run the service");
  std::string listen_flag;
  serve->add_option("--listen", listen_flag, "host:port to listen on (overrides the config)");

  auto* check = app.add_subcommand("check", "validate configuration files; all errors at once");
  std::vector<std::string> check_paths;
  check->add_option("paths", check_paths, "alertbridge.yml, rule or receiver files, or folders");

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors exit 2 (CONTRACTS.md "CLI")
  }
  if (serve->parsed()) return ab::Serve(config_flag, listen_flag);
  if (check->parsed()) return ab::Check(config_flag, check_paths);
  if (backup->parsed()) return ab::Backup(config_flag, backup_file);
  if (test->parsed()) return ab::RunRuleTestFiles(test_files, std::cout, std::cerr);
  if (explain->parsed()) {
    return ab::RunExplain(ab::DefaultConfigFile(config_flag), explain_labels, std::cout, std::cerr);
  }
  std::cout << "alertbridge " << ALERTBRIDGE_VERSION << "\n";
  return 0;
}
