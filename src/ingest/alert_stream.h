// Streaming (SAX) decoder for the two Alertmanager payloads: the webhook body (an object whose
// `alerts` array holds the alerts) and the API v2 list (the body is the array). Alerts are built
// straight from nlohmann's parser events, with no DOM in between: on this path the DOM's
// allocations cost as much as the lexing itself. Internal to ingest.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/time.h"
#include "ingest/decode.h"
#include "model/alert.h"

namespace ab::ingest {

enum class PayloadKind { kWebhook, kApiV2 };

// Decodes `body` completely. Webhook: all or nothing, version checked. API v2: valid alerts kept,
// invalid ones reported by index, Alertmanager's defaults applied.
// Beyond a document-wide limit (alerts per request, JSON depth) the parse stops at once: 413 and
// no alert. Beyond a per-alert limit the alert is invalid (413 for the webhook, listed for v2).
DecodeResult DecodeAlertStream(PayloadKind kind, std::string_view body, std::string_view source,
                               TimePoint now, Duration resolve_timeout, const InputLimits& limits);

// The SAX handler behind DecodeAlertStream (nlohmann's json_sax interface).
class AlertStream {
 public:
  using Json = nlohmann::json;

  AlertStream(PayloadKind kind, std::string_view source, TimePoint now, Duration resolve_timeout,
              const InputLimits& limits, DecodeResult* out);

  bool null();
  bool boolean(bool value);
  bool number_integer(Json::number_integer_t value);
  bool number_unsigned(Json::number_unsigned_t value);
  bool number_float(Json::number_float_t value, const Json::string_t& text);
  bool string(Json::string_t& value);
  bool binary(Json::binary_t& value);
  bool start_object(std::size_t elements);
  bool key(Json::string_t& key);
  bool end_object();
  bool start_array(std::size_t elements);
  bool end_array();
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& ex);

  // After sax_parse: moves the outcome into the DecodeResult given at construction.
  void Finish();

 private:
  enum class Kind { kNull, kBoolean, kNumber, kString, kObject, kArray };
  enum class Level { kStart, kRoot, kAlerts, kAlert, kAlertMap, kGroupMap, kDone };
  enum class RootKey { kOther, kVersion, kAlerts, kTruncated, kOptionalString, kGroupMap };
  enum class AlertKey {
    kOther,
    kStatus,
    kLabels,
    kAnnotations,
    kStartsAt,
    kEndsAt,
    kGeneratorUrl,
    kFingerprint
  };

  // Any value event. `text` is set for strings. False once the parse is aborted.
  bool Value(Kind kind, Json::string_t* text);
  // A container opens / closes: depth accounting against limits_.json_depth.
  bool Enter();
  void Leave() { --depth_; }
  // Stops the parse with a document-wide error (a limit): nothing of the request is kept.
  bool Abort(DecodeError error);
  void RootValue(Kind kind, Json::string_t* text);
  void AlertsElement(Kind kind);
  void AlertValue(Kind kind, Json::string_t* text);
  void AlertMapValue(Kind kind, Json::string_t* text);
  void GroupMapValue(Kind kind);
  void BeginAlert();
  void EndAlert();
  void EndAlertMap();
  void FinishWebhookAlert();
  void FinishApiV2Alert();

  // Records the first problem of the current alert (or of the document).
  void AlertError(Error error, int status = 400);
  void DocumentError(Error error, int status = 400);
  std::string AlertField(std::string_view suffix) const;
  std::string RootKeyField() const { return "/" + EscapeKey(root_key_text_); }
  static std::string EscapeKey(std::string_view key);
  static bool IsContainer(Kind kind) { return kind == Kind::kObject || kind == Kind::kArray; }
  static const char* KindName(Kind kind);
  Error WrongKind(const char* expected, Kind got, std::string field) const;

  const PayloadKind kind_;
  const std::string_view source_;
  const TimePoint now_;
  const Duration resolve_timeout_;
  const InputLimits& limits_;
  DecodeResult* const out_;

  Level level_ = Level::kStart;
  int skip_ = 0;      // depth inside a container whose content is ignored
  size_t depth_ = 0;  // containers open
  std::optional<DecodeError> abort_error_;

  RootKey root_key_ = RootKey::kOther;
  std::string root_key_text_;
  std::string map_key_;
  AlertKey alert_key_ = AlertKey::kOther;

  // Document state (webhook).
  std::optional<std::string> version_;
  std::optional<Error> version_error_;
  bool saw_alerts_ = false;
  std::optional<Error> root_error_;
  std::optional<DecodeError> first_error_;
  std::optional<DecodeError> parse_error_;
  int truncated_ = 0;
  int fingerprint_mismatches_ = 0;

  // The alert being read.
  size_t next_index_ = 0;
  size_t alert_index_ = 0;
  bool alert_failed_ = false;
  Alert draft_;
  std::vector<Label> pending_;  // the labels or annotations map being read, sorted at its end
  size_t map_members_ = 0;
  bool has_status_ = false, has_labels_ = false;
  std::optional<TimePoint> starts_at_, ends_at_;
  std::optional<std::string> fingerprint_;
};

}  // namespace ab::ingest
