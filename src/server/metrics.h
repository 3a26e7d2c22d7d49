// Prometheus metrics of the service (names follow Prometheus conventions: _total, _seconds).
// Serialised on our own /metrics route; no civetweb exposer.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "store/store.h"

namespace ab {

class Metrics {
 public:
  Metrics();

  void AlertsReceived(const std::string& source, const std::string& result, double n);
  // One ingest request by source and result: accepted, partial (API v2: some alerts invalid),
  // rejected (4xx), unauthorized, unavailable (503).
  void IngestRequest(const std::string& source, const std::string& result);
  // Alerts whose sender's fingerprint differed from their label fingerprint.
  void FingerprintMismatches(const std::string& source, double n);
  // The engine's time for one batch: matching rules, grouping, triggers.
  void RuleEvaluation(double seconds);
  // After loading the configuration (at start; at each reload).
  void ConfigLoaded(bool ok, double unix_seconds);
  void SetBuildInfo(const std::string& version, const std::string& revision);
  // Series of a configured source or receiver start at 0, so they exist before the first event
  // (a rate over them, or an alert on one, then sees every increase).
  void DeclareSource(const std::string& source);
  void DeclareReceiver(const std::string& receiver);
  void IncidentDeclared(const std::string& rule, const std::string& severity);
  void HttpRequest(const std::string& route, int code, double seconds);
  void Commit(double seconds, double batches);
  void Delivery(const std::string& receiver, const std::string& result);
  void DeadLetter(const std::string& receiver);
  void Degraded(const std::string& receiver, const std::string& step);
  void Delivered(const std::string& receiver, double seconds);
  // The outbox worker wrote to the store for an entry of `receiver` (a durable commit each).
  void OutboxStoreWrite(const std::string& receiver);
  // ... and the store refused an outcome (retried with backoff).
  void OutboxRecordFailure(const std::string& receiver);
  // Sets the receiver's circuit_state series: 1 for `state`, 0 for the others.
  void Circuit(const std::string& receiver, std::string_view state);
  void Connections(int delta);
  void ConnectionRejected();
  // Incident operations, from committed events: time to acknowledge and to resolve (histograms by
  // severity), SLA breaches and escalations.
  void IncidentEvent(const Event& event, const Incident& snapshot);
  // Rows retention deleted, by kind: outbox, alerts, incidents.
  void Pruned(const std::string& kind, double rows);

  // Values read at scrape time.
  std::function<OutboxCounts()> outbox_counts;
  // Per receiver: age in seconds of its oldest pending outbox entry (0: none).
  std::function<std::map<std::string, double>()> outbox_oldest_age;
  std::function<double()> firing_alerts;
  std::function<double()> open_incidents;
  std::function<std::vector<IncidentCount>()> incident_counts;
  // What the engine holds in memory: open work (and what it still needs of recent history).
  std::function<double()> incidents_in_memory;
  std::function<double()> alerts_in_memory;

  std::string Serialize();

 private:
  std::mutex scrape_mu_;  // one scrape at a time sets the scrape-time values
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& alerts_received_;
  prometheus::Family<prometheus::Counter>& incidents_declared_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Histogram>& http_duration_;
  prometheus::Family<prometheus::Counter>& ingest_requests_;
  prometheus::Family<prometheus::Counter>& fingerprint_mismatches_;
  prometheus::Histogram& rule_evaluation_;
  prometheus::Histogram& commit_duration_;
  prometheus::Counter& commit_batches_;
  prometheus::Histogram& commit_group_size_;
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Family<prometheus::Counter>& dead_letters_;
  prometheus::Family<prometheus::Counter>& degraded_;
  prometheus::Family<prometheus::Histogram>& delivery_latency_;
  prometheus::Family<prometheus::Gauge>& circuit_state_;
  prometheus::Gauge& connections_;
  prometheus::Counter& connections_rejected_;
  prometheus::Gauge& outbox_pending_;
  prometheus::Gauge& outbox_held_;
  prometheus::Gauge& outbox_dead_;
  prometheus::Family<prometheus::Gauge>& outbox_entries_;
  prometheus::Family<prometheus::Gauge>& outbox_oldest_age_;
  prometheus::Family<prometheus::Counter>& outbox_store_writes_;
  prometheus::Family<prometheus::Counter>& outbox_record_failures_;
  prometheus::Gauge& firing_alerts_;
  prometheus::Gauge& open_incidents_;
  prometheus::Family<prometheus::Gauge>& incidents_;
  prometheus::Gauge& config_reload_ok_;
  prometheus::Gauge& config_reload_time_;
  prometheus::Family<prometheus::Gauge>& build_info_;
  prometheus::Gauge& incidents_in_memory_;
  prometheus::Gauge& alerts_in_memory_;
  prometheus::Family<prometheus::Counter>& pruned_;
  // Registered by RegisterIncidentMetrics (kept out of the initialiser list above).
  void RegisterIncidentMetrics();
  prometheus::Family<prometheus::Histogram>* time_to_ack_ = nullptr;
  prometheus::Family<prometheus::Histogram>* time_to_resolve_ = nullptr;
  prometheus::Family<prometheus::Counter>* sla_breaches_ = nullptr;
  prometheus::Family<prometheus::Counter>* escalations_ = nullptr;
};

}  // namespace ab
