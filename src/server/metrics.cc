#include "server/metrics.h"

#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ab {

namespace {

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

// From a send right after the commit (milliseconds) to retries after an outage (hours).
const prometheus::Histogram::BucketBoundaries& DeliveryBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
  return kBuckets;
}

constexpr std::string_view kCircuitStates[] = {"closed", "open", "half_open"};

// Requests share a commit; the histogram shows how well group commit is working.
const prometheus::Histogram::BucketBoundaries& GroupSizeBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{1, 2, 4, 8, 16, 32, 64, 128, 256};
  return kBuckets;
}

// Per batch; a fraction of a millisecond normally, more with many rules or a storm.
const prometheus::Histogram::BucketBoundaries& EvaluationBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25};
  return kBuckets;
}

prometheus::MetricFamily OneValue(std::string name, std::string help, prometheus::MetricType type,
                                  double value) {
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return {std::move(name), std::move(help), type, {m}};
}

// The process_* metrics every Prometheus client library exports (names and meaning as in
// client_golang's process collector), read from /proc/self at scrape time.
void AppendProcessMetrics(std::vector<prometheus::MetricFamily>& out) {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may hold spaces: fields count from the ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string x; fields >> x;) f.push_back(x);
  if (f.size() < 22) return;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const double utime = std::stod(f[11]), stime = std::stod(f[12]);  // fields 14, 15
  const double start_ticks = std::stod(f[19]);                      // field 22
  const double vsize = std::stod(f[20]), rss = std::stod(f[21]);    // fields 23, 24
  double boot_time = 0;
  std::ifstream proc_stat("/proc/stat");
  for (std::string line; std::getline(proc_stat, line);) {
    if (line.rfind("btime ", 0) == 0) boot_time = std::stod(line.substr(6));
  }
  using prometheus::MetricType;
  out.push_back(OneValue("process_cpu_seconds_total",
                         "Total user and system CPU time spent in "
                         "seconds.",
                         MetricType::Counter, (utime + stime) / ticks));
  out.push_back(OneValue("process_resident_memory_bytes", "Resident memory size in bytes.",
                         MetricType::Gauge, rss * page));
  out.push_back(OneValue("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         MetricType::Gauge, vsize));
  out.push_back(OneValue("process_start_time_seconds",
                         "Start time of the process since unix epoch in seconds.",
                         MetricType::Gauge, boot_time + start_ticks / ticks));
  std::error_code ec;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  out.push_back(
      OneValue("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, fds));
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.push_back(OneValue("process_max_fds", "Maximum number of open file descriptors.",
                           MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  }
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      alerts_received_(prometheus::BuildCounter()
                           .Name("alertbridge_alerts_received_total")
                           .Help("Alerts received, by source and result (accepted, rejected).")
                           .Register(*registry_)),
      incidents_declared_(prometheus::BuildCounter()
                              .Name("alertbridge_incidents_declared_total")
                              .Help("Incidents declared, by rule and severity (priority).")
                              .Register(*registry_)),
      http_requests_(prometheus::BuildCounter()
                         .Name("alertbridge_http_requests_total")
                         .Help("HTTP requests answered, by route and status code.")
                         .Register(*registry_)),
      http_duration_(prometheus::BuildHistogram()
                         .Name("alertbridge_http_request_duration_seconds")
                         .Help("Time from request to response, by route.")
                         .Register(*registry_)),
      ingest_requests_(prometheus::BuildCounter()
                           .Name("alertbridge_ingest_requests_total")
                           .Help("Ingest requests, by source and result (accepted, partial, "
                                 "rejected, unauthorized, unavailable).")
                           .Register(*registry_)),
      fingerprint_mismatches_(
          prometheus::BuildCounter()
              .Name("alertbridge_sender_fingerprint_mismatches_total")
              .Help("Alerts whose sender's fingerprint differed from the fingerprint of their "
                    "labels (ours is used), by source.")
              .Register(*registry_)),
      rule_evaluation_(prometheus::BuildHistogram()
                           .Name("alertbridge_rule_evaluation_duration_seconds")
                           .Help("Engine time for one alert batch: rule matching, grouping, "
                                 "triggers.")
                           .Register(*registry_)
                           .Add({}, EvaluationBuckets())),
      commit_duration_(prometheus::BuildHistogram()
                           .Name("alertbridge_store_commit_duration_seconds")
                           .Help("Duration of one group commit to the store.")
                           .Register(*registry_)
                           .Add({}, LatencyBuckets())),
      commit_batches_(prometheus::BuildCounter()
                          .Name("alertbridge_store_committed_batches_total")
                          .Help("Alert batches committed (several share one group commit).")
                          .Register(*registry_)
                          .Add({})),
      commit_group_size_(prometheus::BuildHistogram()
                             .Name("alertbridge_store_commit_group_size")
                             .Help("Requests (alert batches and actions) sharing one group "
                                   "commit.")
                             .Register(*registry_)
                             .Add({}, GroupSizeBuckets())),
      deliveries_(prometheus::BuildCounter()
                      .Name("alertbridge_outbox_delivery_attempts_total")
                      .Help("Delivery attempts, by receiver and result (ok, retry, dead).")
                      .Register(*registry_)),
      dead_letters_(prometheus::BuildCounter()
                        .Name("alertbridge_outbox_dead_letters_total")
                        .Help("Outbox entries given up on (dead-lettered), by receiver.")
                        .Register(*registry_)),
      degraded_(prometheus::BuildCounter()
                    .Name("alertbridge_delivery_degraded_total")
                    .Help("Deliveries that went through without an optional step (priority, "
                          "link, comment, ...) that failed for good, by receiver and step.")
                    .Register(*registry_)),
      delivery_latency_(prometheus::BuildHistogram()
                            .Name("alertbridge_outbox_delivery_latency_seconds")
                            .Help("From an event's commit to its delivery, by receiver.")
                            .Register(*registry_)),
      circuit_state_(prometheus::BuildGauge()
                         .Name("alertbridge_outbox_circuit_state")
                         .Help("Circuit breaker of each receiver: 1 for its current state "
                               "(closed, open, half_open), 0 for the others.")
                         .Register(*registry_)),
      connections_(prometheus::BuildGauge()
                       .Name("alertbridge_http_connections")
                       .Help("Open HTTP connections.")
                       .Register(*registry_)
                       .Add({})),
      connections_rejected_(prometheus::BuildCounter()
                                .Name("alertbridge_http_connections_rejected_total")
                                .Help("Connections refused with 503 because the table was full.")
                                .Register(*registry_)
                                .Add({})),
      outbox_pending_(prometheus::BuildGauge()
                          .Name("alertbridge_outbox_pending")
                          .Help("Outbox entries waiting for delivery (outbox depth).")
                          .Register(*registry_)
                          .Add({})),
      outbox_held_(prometheus::BuildGauge()
                       .Name("alertbridge_outbox_held")
                       .Help("Outbox entries held behind a dead entry of the same incident "
                             "(stateful receivers).")
                       .Register(*registry_)
                       .Add({})),
      outbox_dead_(prometheus::BuildGauge()
                       .Name("alertbridge_outbox_dead")
                       .Help("Outbox entries dead-lettered and not yet retried or discarded.")
                       .Register(*registry_)
                       .Add({})),
      outbox_entries_(prometheus::BuildGauge()
                          .Name("alertbridge_outbox_entries")
                          .Help("Outbox entries waiting (pending), held behind a dead one, or "
                                "dead, by receiver and state (counted on each write, not "
                                "scanned).")
                          .Register(*registry_)),
      outbox_oldest_age_(prometheus::BuildGauge()
                             .Name("alertbridge_outbox_oldest_pending_age_seconds")
                             .Help("Age of each receiver's oldest pending outbox entry (0: none): "
                                   "how far behind its deliveries are.")
                             .Register(*registry_)),
      outbox_store_writes_(prometheus::BuildCounter()
                               .Name("alertbridge_outbox_store_writes_total")
                               .Help("Store writes (durable commits) made by the outbox worker, "
                                     "by receiver: per delivered entry, 1 when nothing fails.")
                               .Register(*registry_)),
      outbox_record_failures_(prometheus::BuildCounter()
                                  .Name("alertbridge_outbox_record_failures_total")
                                  .Help("Delivery outcomes the store refused to record, by "
                                        "receiver (each is recorded again with backoff).")
                                  .Register(*registry_)),
      firing_alerts_(prometheus::BuildGauge()
                         .Name("alertbridge_alerts_firing")
                         .Help("Alerts currently firing.")
                         .Register(*registry_)
                         .Add({})),
      open_incidents_(prometheus::BuildGauge()
                          .Name("alertbridge_incidents_open")
                          .Help("Incidents declared or acknowledged.")
                          .Register(*registry_)
                          .Add({})),
      incidents_(prometheus::BuildGauge()
                     .Name("alertbridge_incidents")
                     .Help("Pending, declared and acknowledged incidents by state and severity "
                           "(priority), as of the engine's last tick.")
                     .Register(*registry_)),
      config_reload_ok_(prometheus::BuildGauge()
                            .Name("alertbridge_config_last_reload_successful")
                            .Help("Whether the last configuration load succeeded (1) or not.")
                            .Register(*registry_)
                            .Add({})),
      config_reload_time_(prometheus::BuildGauge()
                              .Name("alertbridge_config_last_reload_success_timestamp_seconds")
                              .Help("When the configuration was last loaded successfully.")
                              .Register(*registry_)
                              .Add({})),
      build_info_(prometheus::BuildGauge()
                      .Name("alertbridge_build_info")
                      .Help("Always 1; the labels say which build is running.")
                      .Register(*registry_)),
      incidents_in_memory_(prometheus::BuildGauge()
                               .Name("alertbridge_engine_incidents_in_memory")
                               .Help("Incidents the engine holds in memory (open work).")
                               .Register(*registry_)
                               .Add({})),
      alerts_in_memory_(prometheus::BuildGauge()
                            .Name("alertbridge_engine_alerts_in_memory")
                            .Help("Alerts the engine holds in memory (open work).")
                            .Register(*registry_)
                            .Add({})),
      pruned_(prometheus::BuildCounter()
                  .Name("alertbridge_retention_deleted_rows_total")
                  .Help("Rows retention deleted, by kind (outbox, alerts, incidents).")
                  .Register(*registry_)) {
  // Every state and severity has a series from the start, so a rate or an alert on one does not
  // see it appear out of nothing.
  for (IncidentState st :
       {IncidentState::kPending, IncidentState::kDeclared, IncidentState::kAcknowledged}) {
    for (int sev = 1; sev <= 5; ++sev) {
      incidents_.Add({{"state", std::string(ToString(st))},
                      {"severity", std::string(ToString(static_cast<Severity>(sev)))}});
    }
  }
  RegisterIncidentMetrics();
}

void Metrics::RegisterIncidentMetrics() {
  time_to_ack_ = &prometheus::BuildHistogram()
                      .Name("alertbridge_incident_time_to_ack_seconds")
                      .Help(
                          "From declaration to the first acknowledgement, by severity "
                          "(priority when acknowledged).")
                      .Register(*registry_);
  time_to_resolve_ = &prometheus::BuildHistogram()
                          .Name("alertbridge_incident_time_to_resolve_seconds")
                          .Help(
                              "From declaration to resolution, by severity (priority when "
                              "resolved).")
                          .Register(*registry_);
  sla_breaches_ = &prometheus::BuildCounter()
                       .Name("alertbridge_sla_breaches_total")
                       .Help(
                           "SLA deadlines passed (sla_breached events), by severity and "
                           "deadline (ack_within, resolve_within).")
                       .Register(*registry_);
  escalations_ = &prometheus::BuildCounter()
                      .Name("alertbridge_escalations_total")
                      .Help("Escalation steps that notified more receivers, by severity.")
                      .Register(*registry_);
}

void Metrics::IncidentEvent(const Event& event, const Incident& snapshot) {
  // Response times run from seconds to days.
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200};
  const std::string severity(ToString(snapshot.priority));
  auto since_declared = [&] {
    return std::chrono::duration<double>(event.at - snapshot.declared_at.value_or(event.at))
        .count();
  };
  switch (event.type) {
    case EventType::kAcknowledged:
      // Only the first acknowledgement (an incident reopened and acknowledged again keeps it).
      if (snapshot.acknowledged_at == event.at) {
        time_to_ack_->Add({{"severity", severity}}, kBuckets).Observe(since_declared());
      }
      break;
    case EventType::kResolved:
      time_to_resolve_->Add({{"severity", severity}}, kBuckets).Observe(since_declared());
      break;
    case EventType::kSlaBreached: {
      const std::string deadline =
          event.details.is_object() ? event.details.value("deadline", "") : "";
      sla_breaches_->Add({{"severity", severity}, {"deadline", deadline}}).Increment();
      break;
    }
    case EventType::kEscalated:
      escalations_->Add({{"severity", severity}}).Increment();
      break;
    default:
      break;
  }
}

void Metrics::Pruned(const std::string& kind, double rows) {
  pruned_.Add({{"kind", kind}}).Increment(rows);
}

void Metrics::AlertsReceived(const std::string& source, const std::string& result, double n) {
  alerts_received_.Add({{"source", source}, {"result", result}}).Increment(n);
}

void Metrics::IngestRequest(const std::string& source, const std::string& result) {
  ingest_requests_.Add({{"source", source}, {"result", result}}).Increment();
}

void Metrics::FingerprintMismatches(const std::string& source, double n) {
  fingerprint_mismatches_.Add({{"source", source}}).Increment(n);
}

void Metrics::RuleEvaluation(double seconds) { rule_evaluation_.Observe(seconds); }

void Metrics::ConfigLoaded(bool ok, double unix_seconds) {
  config_reload_ok_.Set(ok ? 1 : 0);
  if (ok) config_reload_time_.Set(unix_seconds);
}

void Metrics::SetBuildInfo(const std::string& version, const std::string& revision) {
  build_info_.Add({{"version", version}, {"revision", revision}}).Set(1);
}

void Metrics::DeclareSource(const std::string& source) {
  for (const char* result : {"accepted", "partial", "rejected", "unauthorized", "unavailable"}) {
    ingest_requests_.Add({{"source", source}, {"result", result}});
  }
  for (const char* result : {"accepted", "rejected"}) {
    alerts_received_.Add({{"source", source}, {"result", result}});
  }
  fingerprint_mismatches_.Add({{"source", source}});
}

void Metrics::DeclareReceiver(const std::string& receiver) {
  for (const char* result : {"ok", "retry", "dead"}) {
    deliveries_.Add({{"receiver", receiver}, {"result", result}});
  }
  dead_letters_.Add({{"receiver", receiver}});
  delivery_latency_.Add({{"receiver", receiver}}, DeliveryBuckets());
}

void Metrics::IncidentDeclared(const std::string& rule, const std::string& severity) {
  incidents_declared_.Add({{"rule", rule}, {"severity", severity}}).Increment();
}

void Metrics::HttpRequest(const std::string& route, int code, double seconds) {
  http_requests_.Add({{"route", route}, {"code", std::to_string(code)}}).Increment();
  http_duration_.Add({{"route", route}}, LatencyBuckets()).Observe(seconds);
}

void Metrics::Commit(double seconds, double batches) {
  commit_duration_.Observe(seconds);
  commit_batches_.Increment(batches);
  commit_group_size_.Observe(batches);
}

void Metrics::Delivery(const std::string& receiver, const std::string& result) {
  deliveries_.Add({{"receiver", receiver}, {"result", result}}).Increment();
}

void Metrics::DeadLetter(const std::string& receiver) {
  dead_letters_.Add({{"receiver", receiver}}).Increment();
}

void Metrics::Degraded(const std::string& receiver, const std::string& step) {
  degraded_.Add({{"receiver", receiver}, {"step", step}}).Increment();
}

void Metrics::Delivered(const std::string& receiver, double seconds) {
  delivery_latency_.Add({{"receiver", receiver}}, DeliveryBuckets()).Observe(seconds);
}

void Metrics::OutboxStoreWrite(const std::string& receiver) {
  outbox_store_writes_.Add({{"receiver", receiver}}).Increment();
}

void Metrics::OutboxRecordFailure(const std::string& receiver) {
  outbox_record_failures_.Add({{"receiver", receiver}}).Increment();
}

void Metrics::Circuit(const std::string& receiver, std::string_view state) {
  for (std::string_view s : kCircuitStates) {
    circuit_state_.Add({{"receiver", receiver}, {"state", std::string(s)}})
        .Set(s == state ? 1.0 : 0.0);
  }
}

void Metrics::Connections(int delta) { connections_.Increment(delta); }
void Metrics::ConnectionRejected() { connections_rejected_.Increment(); }

std::string Metrics::Serialize() {
  std::lock_guard lock(scrape_mu_);
  if (outbox_counts) {
    const OutboxCounts counts = outbox_counts();
    outbox_pending_.Set(static_cast<double>(counts.pending));
    outbox_held_.Set(static_cast<double>(counts.held));
    outbox_dead_.Set(static_cast<double>(counts.dead));
    for (const auto& [receiver, d] : counts.by_receiver) {
      outbox_entries_.Add({{"receiver", receiver}, {"state", "pending"}})
          .Set(static_cast<double>(d.pending));
      outbox_entries_.Add({{"receiver", receiver}, {"state", "held"}})
          .Set(static_cast<double>(d.held));
      outbox_entries_.Add({{"receiver", receiver}, {"state", "dead"}})
          .Set(static_cast<double>(d.dead));
    }
  }
  if (outbox_oldest_age) {
    for (const auto& [receiver, age] : outbox_oldest_age()) {
      outbox_oldest_age_.Add({{"receiver", receiver}}).Set(age);
    }
  }
  if (firing_alerts) firing_alerts_.Set(firing_alerts());
  if (open_incidents) open_incidents_.Set(open_incidents());
  if (incident_counts) {
    for (IncidentState st :
         {IncidentState::kPending, IncidentState::kDeclared, IncidentState::kAcknowledged}) {
      for (int sev = 1; sev <= 5; ++sev) {
        incidents_
            .Add({{"state", std::string(ToString(st))},
                  {"severity", std::string(ToString(static_cast<Severity>(sev)))}})
            .Set(0);
      }
    }
    for (const IncidentCount& c : incident_counts()) {
      incidents_
          .Add({{"state", std::string(ToString(c.state))},
                {"severity", std::string(ToString(c.priority))}})
          .Set(static_cast<double>(c.count));
    }
  }
  if (incidents_in_memory) incidents_in_memory_.Set(incidents_in_memory());
  if (alerts_in_memory) alerts_in_memory_.Set(alerts_in_memory());
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  AppendProcessMetrics(families);
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace ab
