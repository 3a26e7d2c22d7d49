// libFuzzer target: the Alertmanager webhook decoder (POST /api/v1/alerts/alertmanager).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decode_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const ab::InputLimits& limits : {ab::InputLimits{}, ab::fuzz::SmallLimits()}) {
    ab::DecodeResult r = ab::DecodeAlertmanagerWebhook(body, "alertmanager", limits);
    ab::fuzz::CheckResult(r, limits, /*all_or_nothing=*/true, /*label_identity=*/true);
    ab::fuzz::Check(r.truncated_alerts >= 0 && r.fingerprint_mismatches >= 0);
  }
  return 0;
}
