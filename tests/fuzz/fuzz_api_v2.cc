// libFuzzer target: the Alertmanager API v2 alert list decoder (POST /api/v2/alerts).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decode_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const ab::TimePoint now = ab::FromMillis(1'795'000'000'000);
  for (const ab::InputLimits& limits : {ab::InputLimits{}, ab::fuzz::SmallLimits()}) {
    ab::DecodeResult r =
        ab::DecodeApiV2Alerts(body, "prometheus", now, ab::Duration(300'000), limits);
    ab::fuzz::CheckResult(r, limits, /*all_or_nothing=*/false, /*label_identity=*/true);
    for (const auto& a : r.alerts) {
      ab::fuzz::Check(a.ends_at.has_value() && *a.ends_at >= a.starts_at);
    }
  }
  return 0;
}
