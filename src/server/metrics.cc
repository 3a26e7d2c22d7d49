#include "server/metrics.h"

#include <prometheus/text_serializer.h>

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
                  .Register(*registry_)) {}

void Metrics::Pruned(const std::string& kind, double rows) {
  pruned_.Add({{"kind", kind}}).Increment(rows);
}

void Metrics::AlertsReceived(const std::string& source, const std::string& result, double n) {
  alerts_received_.Add({{"source", source}, {"result", result}}).Increment(n);
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
  if (incidents_in_memory) incidents_in_memory_.Set(incidents_in_memory());
  if (alerts_in_memory) alerts_in_memory_.Set(alerts_in_memory());
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace ab
