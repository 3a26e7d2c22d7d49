// What every ingest decoder promises on any input, checked by the three decoder fuzz targets
// beyond "no crash, no sanitizer report": the answer stays small and serialisable, limits hold,
// and alerts are usable by the engine. A broken promise aborts, so libFuzzer keeps the input.
#pragma once

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "ingest/decode.h"

namespace ab::fuzz {

inline void Check(bool ok) {
  if (!ok) std::abort();
}

// Small limits, so that short inputs reach every limit's path; the targets run both these and
// the defaults.
inline InputLimits SmallLimits() {
  InputLimits l;
  l.alerts_per_request = 8;
  l.labels_per_alert = 6;
  l.annotations_per_alert = 4;
  l.label_name_bytes = 24;
  l.label_value_bytes = 48;
  l.annotation_bytes = 96;
  l.json_depth = 8;
  return l;
}

// The server serialises alerts and errors with nlohmann, which throws on invalid UTF-8.
inline void CheckSerialisable(const DecodeResult& r) {
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

// `label_identity`: the fingerprint must be the label set's (every decoder but a generic source
// that maps a fingerprint).
inline void CheckResult(const DecodeResult& r, const InputLimits& limits, bool all_or_nothing,
                        bool label_identity) {
  Check(r.errors.size() <= kMaxReportedErrors);
  Check(r.errors_omitted == 0 || r.errors.size() == kMaxReportedErrors);
  if (all_or_nothing) Check(r.errors.empty() || (r.alerts.empty() && r.errors.size() == 1));
  Check(r.alerts.size() <= limits.alerts_per_request);
  for (const auto& e : r.errors) {
    Check(e.status == 400 || e.status == 413 || e.status == 422);
    Check(e.message.size() < 2048 && e.field.size() < 512);  // no echo of client-sized input
  }
  for (const auto& a : r.alerts) {
    Check(!a.labels.empty());
    Check(a.labels.size() <= limits.labels_per_alert);
    Check(a.annotations.size() <= limits.annotations_per_alert);
    for (const auto& l : a.labels) {
      Check(!l.value.empty() && l.name.size() <= limits.label_name_bytes &&
            l.value.size() <= limits.label_value_bytes);
    }
    for (const auto& l : a.annotations) Check(l.value.size() <= limits.annotation_bytes);
    if (label_identity) Check(a.fingerprint == a.labels.Fingerprint());
  }
  CheckSerialisable(r);
}

}  // namespace ab::fuzz
