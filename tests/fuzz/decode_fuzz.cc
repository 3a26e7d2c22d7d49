// libFuzzer target for the three ingest decoders (scripts/fuzz.sh builds and runs it).
// Beyond "no crash, no sanitizer report" it checks the decoders' contracts on every input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ingest/decode.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

// The server serialises alerts and errors with nlohmann, which throws on invalid UTF-8.
void CheckSerialisable(const ab::DecodeResult& r) {
  try {
    for (const auto& e : r.errors) {
      nlohmann::json({{"error", e.message}, {"field", e.field}}).dump();
    }
    for (const auto& a : r.alerts) {
      for (const auto& l : a.labels) nlohmann::json({{l.name, l.value}}).dump();
      for (const auto& l : a.annotations) nlohmann::json({{l.name, l.value}}).dump();
    }
  } catch (const nlohmann::json::exception&) {
    std::abort();
  }
}

void CheckAlerts(const ab::DecodeResult& r, bool all_or_nothing) {
  if (all_or_nothing) Check(r.errors.empty() || (r.alerts.empty() && r.errors.size() == 1));
  for (const auto& e : r.errors) Check(e.status == 400 || e.status == 422 || e.status == 500);
  for (const auto& a : r.alerts) {
    Check(!a.labels.empty());
    Check(a.fingerprint == a.labels.Fingerprint());
  }
  CheckSerialisable(r);
}

ab::SourceConfig GrafanaSource() {
  ab::SourceConfig s;
  s.name = "grafana";
  s.type = "webhook";
  s.mapping.alerts = "/alerts";
  s.mapping.status =
      ab::WebhookMapping::StatusMap{"/status", {"alerting", "firing"}, {"ok", "resolved"}};
  s.mapping.labels = {{"alertname", "/labels/alertname"}, {"service", "/labels/service"},
                      {"first", "/tags/0"}};
  s.mapping.annotations = {{"summary", "/annotations/summary"}};
  s.mapping.starts_at = "/startsAt";
  s.mapping.ends_at = "/endsAt";
  return s;
}

ab::SourceConfig SingleBodySource() {
  ab::SourceConfig s;
  s.name = "single";
  s.type = "webhook";
  s.mapping.labels = {{"alertname", "/labels/alertname"}, {"slashed", "/a~1b"}, {"n", "/0"}};
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ab::SourceConfig grafana = GrafanaSource();
  static const ab::SourceConfig single = SingleBodySource();
  const ab::TimePoint now = ab::FromMillis(1'795'000'000'000);
  std::string_view body(reinterpret_cast<const char*>(data), size);

  ab::DecodeResult webhook = ab::DecodeAlertmanagerWebhook(body, "alertmanager");
  CheckAlerts(webhook, true);
  Check(webhook.truncated_alerts >= 0 && webhook.fingerprint_mismatches >= 0);

  ab::DecodeResult v2 = ab::DecodeApiV2Alerts(body, "prometheus", now);
  CheckAlerts(v2, false);
  for (const auto& a : v2.alerts) Check(a.ends_at.has_value() && *a.ends_at >= a.starts_at);

  CheckAlerts(ab::DecodeGenericWebhook(body, grafana, now), true);
  CheckAlerts(ab::DecodeGenericWebhook(body, single, now), true);
  ab::IsJsonContentType(body);
  return 0;
}
