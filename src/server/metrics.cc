#include "server/metrics.h"

#include <prometheus/text_serializer.h>

namespace ab {

namespace {

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
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
      firing_alerts_(prometheus::BuildGauge()
                         .Name("alertbridge_alerts_firing")
                         .Help("Alerts currently firing.")
                         .Register(*registry_)
                         .Add({})),
      open_incidents_(prometheus::BuildGauge()
                          .Name("alertbridge_incidents_open")
                          .Help("Incidents declared or acknowledged.")
                          .Register(*registry_)
                          .Add({})) {}

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

void Metrics::Connections(int delta) { connections_.Increment(delta); }
void Metrics::ConnectionRejected() { connections_rejected_.Increment(); }

std::string Metrics::Serialize() {
  if (outbox_pending) outbox_pending_.Set(outbox_pending());
  if (firing_alerts) firing_alerts_.Set(firing_alerts());
  if (open_incidents) open_incidents_.Set(open_incidents());
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace ab
