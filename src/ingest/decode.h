// Decoders: request body -> alerts. Bad input never reaches the engine; each error names the field
// (a JSON pointer such as "/alerts/2/labels") and carries the HTTP status to answer with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "model/alert.h"

namespace ab {

struct DecodeError {
  // 400 malformed / wrong types, 413 beyond a limit (InputLimits), 415 content type, 422 a value
  // the source's mapping cannot use (unmapped status, a label pointer that does not resolve)
  int status = 400;
  std::string message;
  std::string field;  // JSON pointer of the offending value, when there is one
};

struct DecodeResult {
  std::vector<Alert> alerts;
  // API v2 stores the valid alerts and reports the invalid ones by index (CONTRACTS.md); the
  // other decoders are all or nothing (errors non-empty => alerts empty).
  // At most kMaxReportedErrors, the first ones; `errors_omitted` counts the rest, so that an
  // answer stays small whatever the body holds.
  std::vector<DecodeError> errors;
  size_t errors_omitted = 0;
  int truncated_alerts = 0;        // Alertmanager webhook `truncatedAlerts`
  int fingerprint_mismatches = 0;  // sender fingerprint differed from ours (we use ours)
};

inline constexpr size_t kMaxReportedErrors = 20;

// True for application/json (with or without parameters such as charset).
bool IsJsonContentType(std::string_view content_type);

// POST /api/v1/alerts/alertmanager — Alertmanager webhook, version "4". All or nothing.
DecodeResult DecodeAlertmanagerWebhook(std::string_view body, std::string_view source,
                                       const InputLimits& limits = {});

// POST /api/v2/alerts — Alertmanager API v2 alert list (Prometheus, vmalert). Empty-valued labels
// dropped; missing startsAt = now; missing endsAt = now + resolve_timeout. An alert whose endsAt
// is in the past (<= now) is resolved.
DecodeResult DecodeApiV2Alerts(std::string_view body, std::string_view source, TimePoint now,
                               Duration resolve_timeout = Duration(5 * 60'000),
                               const InputLimits& limits = {});

// POST /api/v1/alerts/webhook/{source} — generic JSON via the source's RFC 6901 mapping.
// All or nothing; a status value in neither list is 422 naming the value, and so is a mapped
// label (or fingerprint) that is missing without a default or is not a scalar.
DecodeResult DecodeGenericWebhook(std::string_view body, const SourceConfig& source, TimePoint now,
                                  const InputLimits& limits = {});

namespace ingest {
// The 400 for a JSON parser exception's what(): "malformed JSON: parse error at line 1, column 7:
// ..." (the position kept, raw input bytes made valid UTF-8, cut to a few hundred bytes).
DecodeError MalformedJson(std::string_view what);
}  // namespace ingest

}  // namespace ab
