// libFuzzer target: the generic webhook decoder, through three mappings: Grafana's (alerts array,
// status, a mapped fingerprint, times), an imported label object with overrides and defaults, and
// a single alert per body with escaped pointer tokens and array indexes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decode_checks.h"

namespace {

ab::SourceConfig Grafana() {
  ab::SourceConfig s;
  s.name = "grafana";
  s.type = "webhook";
  s.mapping.alerts = "/alerts";
  s.mapping.status =
      ab::WebhookMapping::StatusMap{"/status", {"alerting", "firing"}, {"ok", "resolved"}};
  s.mapping.labels = {{"alertname", "/labels/alertname"},
                      {"service", ab::MappedValue("/labels/service", "")},
                      {"first", ab::MappedValue("/tags/0", "none")}};
  s.mapping.annotations = {{"summary", "/annotations/summary"}};
  s.mapping.fingerprint = ab::MappedValue("/fingerprint", "");
  s.mapping.starts_at = "/startsAt";
  s.mapping.ends_at = "/endsAt";
  return s;
}

ab::SourceConfig Imported() {
  ab::SourceConfig s;
  s.name = "imported";
  s.type = "webhook";
  s.mapping.alerts = "";  // the body is the list
  s.mapping.labels_from = "/labels";
  s.mapping.labels = {{"severity", ab::MappedValue("/level", "")}};
  s.mapping.annotations_from = "/annotations";
  return s;
}

ab::SourceConfig Single() {
  ab::SourceConfig s;
  s.name = "single";
  s.type = "webhook";
  s.mapping.labels = {{"alertname", "/labels/alertname"},
                      {"slashed", ab::MappedValue("/a~1b", "")},
                      {"n", ab::MappedValue("/0", "")}};
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ab::SourceConfig grafana = Grafana();
  static const ab::SourceConfig imported = Imported();
  static const ab::SourceConfig single = Single();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const ab::TimePoint now = ab::FromMillis(1'795'000'000'000);
  for (const ab::InputLimits& limits : {ab::InputLimits{}, ab::fuzz::SmallLimits()}) {
    ab::fuzz::CheckResult(ab::DecodeGenericWebhook(body, grafana, now, limits), limits, true,
                          /*label_identity=*/false);
    ab::fuzz::CheckResult(ab::DecodeGenericWebhook(body, imported, now, limits), limits, true,
                          true);
    ab::fuzz::CheckResult(ab::DecodeGenericWebhook(body, single, now, limits), limits, true, true);
  }
  ab::IsJsonContentType(body);
  return 0;
}
