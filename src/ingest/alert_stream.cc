#include "ingest/alert_stream.h"

#include <algorithm>
#include <climits>

#include "ingest/json_fields.h"

namespace ab::ingest {

DecodeResult DecodeAlertStream(PayloadKind kind, std::string_view body, std::string_view source,
                               TimePoint now, Duration resolve_timeout, const InputLimits& limits) {
  DecodeResult result;
  // The parser cannot tell how many alerts follow; a compact alert is a few hundred bytes.
  result.alerts.reserve(std::min<size_t>(body.size() / 256 + 1, 4096));
  AlertStream stream(kind, source, now, resolve_timeout, limits, &result);
  nlohmann::json::sax_parse(body.begin(), body.end(), &stream);
  stream.Finish();
  return result;
}

AlertStream::AlertStream(PayloadKind kind, std::string_view source, TimePoint now,
                         Duration resolve_timeout, const InputLimits& limits, DecodeResult* out)
    : kind_(kind),
      source_(source),
      now_(now),
      resolve_timeout_(resolve_timeout),
      limits_(limits),
      out_(out) {}

// ---- SAX events -------------------------------------------------------------------------------

bool AlertStream::null() { return Value(Kind::kNull, nullptr); }

bool AlertStream::boolean(bool) { return Value(Kind::kBoolean, nullptr); }

bool AlertStream::number_integer(Json::number_integer_t value) {
  if (skip_ == 0 && level_ == Level::kRoot && root_key_ == RootKey::kTruncated) {
    if (value < 0 || value > INT_MAX) {
      DocumentError(MakeError("truncatedAlerts out of range (0.." + std::to_string(INT_MAX) + ")",
                              "/truncatedAlerts"));
    } else {
      truncated_ = static_cast<int>(value);
    }
    return true;
  }
  return Value(Kind::kNumber, nullptr);
}

bool AlertStream::number_unsigned(Json::number_unsigned_t value) {
  if (skip_ == 0 && level_ == Level::kRoot && root_key_ == RootKey::kTruncated) {
    if (value > static_cast<Json::number_unsigned_t>(INT_MAX)) {
      DocumentError(MakeError("truncatedAlerts out of range (0.." + std::to_string(INT_MAX) + ")",
                              "/truncatedAlerts"));
    } else {
      truncated_ = static_cast<int>(value);
    }
    return true;
  }
  return Value(Kind::kNumber, nullptr);
}

bool AlertStream::number_float(Json::number_float_t, const Json::string_t&) {
  return Value(Kind::kNumber, nullptr);
}

bool AlertStream::string(Json::string_t& value) { return Value(Kind::kString, &value); }

bool AlertStream::binary(Json::binary_t&) {
  return false;  // never produced by the JSON parser
}

bool AlertStream::start_object(std::size_t) { return Enter() && Value(Kind::kObject, nullptr); }

bool AlertStream::start_array(std::size_t) { return Enter() && Value(Kind::kArray, nullptr); }

bool AlertStream::Enter() {
  if (++depth_ <= limits_.json_depth) return true;
  return Abort(DecodeError{413,
                           "JSON nested deeper than " + std::to_string(limits_.json_depth) +
                               " levels (server.limits.json_depth)",
                           ""});
}

bool AlertStream::Abort(DecodeError error) {
  if (!abort_error_) abort_error_ = std::move(error);
  return false;
}

bool AlertStream::key(Json::string_t& key) {
  if (skip_ > 0) return true;
  switch (level_) {
    case Level::kRoot:
      root_key_text_.assign(key);
      if (key == "version") {
        root_key_ = RootKey::kVersion;
      } else if (key == "alerts") {
        root_key_ = RootKey::kAlerts;
      } else if (key == "truncatedAlerts") {
        root_key_ = RootKey::kTruncated;
      } else if (key == "receiver" || key == "status" || key == "externalURL" ||
                 key == "groupKey") {
        root_key_ = RootKey::kOptionalString;
      } else if (key == "groupLabels" || key == "commonLabels" || key == "commonAnnotations") {
        root_key_ = RootKey::kGroupMap;
      } else {
        root_key_ = RootKey::kOther;
      }
      break;
    case Level::kAlert:
      if (key == "labels") {
        alert_key_ = AlertKey::kLabels;
      } else if (key == "annotations") {
        alert_key_ = AlertKey::kAnnotations;
      } else if (key == "startsAt") {
        alert_key_ = AlertKey::kStartsAt;
      } else if (key == "endsAt") {
        alert_key_ = AlertKey::kEndsAt;
      } else if (key == "generatorURL") {
        alert_key_ = AlertKey::kGeneratorUrl;
      } else if (kind_ == PayloadKind::kWebhook && key == "status") {
        alert_key_ = AlertKey::kStatus;
      } else if (kind_ == PayloadKind::kWebhook && key == "fingerprint") {
        alert_key_ = AlertKey::kFingerprint;
      } else {
        alert_key_ = AlertKey::kOther;
      }
      break;
    case Level::kAlertMap:
    case Level::kGroupMap:
      map_key_.assign(key);
      break;
    default:
      break;
  }
  return true;
}

bool AlertStream::end_object() {
  Leave();
  if (skip_ > 0) {
    --skip_;
    return true;
  }
  switch (level_) {
    case Level::kRoot:
      level_ = Level::kDone;
      break;
    case Level::kAlert:
      EndAlert();
      level_ = Level::kAlerts;
      break;
    case Level::kAlertMap:
      EndAlertMap();
      level_ = Level::kAlert;
      break;
    case Level::kGroupMap:
      level_ = Level::kRoot;
      break;
    default:
      break;
  }
  return true;
}

bool AlertStream::end_array() {
  Leave();
  if (skip_ > 0) {
    --skip_;
    return true;
  }
  if (level_ == Level::kAlerts) {
    level_ = kind_ == PayloadKind::kWebhook ? Level::kRoot : Level::kDone;
  }
  return true;
}

bool AlertStream::parse_error(std::size_t, const std::string&,
                              const nlohmann::detail::exception& ex) {
  parse_error_ = MalformedJson(ex.what());
  return false;
}

// ---- Dispatch by position in the document -----------------------------------------------------

bool AlertStream::Value(Kind kind, Json::string_t* text) {
  if (skip_ > 0) {
    if (IsContainer(kind)) ++skip_;
    return true;
  }
  Level before = level_;
  switch (level_) {
    case Level::kStart:
      if (kind_ == PayloadKind::kWebhook && kind == Kind::kObject) {
        level_ = Level::kRoot;
      } else if (kind_ == PayloadKind::kApiV2 && kind == Kind::kArray) {
        level_ = Level::kAlerts;
      } else {
        root_error_ = WrongKind(kind_ == PayloadKind::kWebhook ? "an object" : "an array of alerts",
                                kind, "");
      }
      break;
    case Level::kRoot:
      RootValue(kind, text);
      break;
    case Level::kAlerts:
      AlertsElement(kind);
      break;
    case Level::kAlert:
      AlertValue(kind, text);
      break;
    case Level::kAlertMap:
      AlertMapValue(kind, text);
      break;
    case Level::kGroupMap:
      GroupMapValue(kind);
      break;
    case Level::kDone:
      break;
  }
  // A container that did not open a level of its own is not read: skip its content.
  if (IsContainer(kind) && level_ == before) skip_ = 1;
  return !abort_error_;
}

void AlertStream::RootValue(Kind kind, Json::string_t* text) {
  switch (root_key_) {
    case RootKey::kVersion:
      if (kind == Kind::kString) {
        version_ = *text;
        version_error_.reset();
      } else {
        version_error_ = WrongKind("a string", kind, "/version");
      }
      break;
    case RootKey::kAlerts:
      saw_alerts_ = true;
      if (kind == Kind::kArray) {
        // A repeated key replaces the earlier value, as in a DOM.
        out_->alerts.clear();
        next_index_ = 0;
        fingerprint_mismatches_ = 0;
        level_ = Level::kAlerts;
      } else {
        DocumentError(WrongKind("an array", kind, "/alerts"));
      }
      break;
    case RootKey::kTruncated:
      // Integers were taken by number_integer/number_unsigned.
      if (kind != Kind::kNull) {
        DocumentError(WrongKind("a non-negative integer", kind, "/truncatedAlerts"));
      }
      break;
    case RootKey::kOptionalString:
      if (kind != Kind::kNull && kind != Kind::kString) {
        DocumentError(WrongKind("a string", kind, RootKeyField()));
      }
      break;
    case RootKey::kGroupMap:
      // The group's labels repeat what the alerts carry; they are only type-checked, so a payload
      // that is not really Alertmanager's is refused instead of half-read.
      if (kind == Kind::kObject) {
        level_ = Level::kGroupMap;
      } else if (kind != Kind::kNull) {
        DocumentError(WrongKind("an object", kind, RootKeyField()));
      }
      break;
    case RootKey::kOther:
      break;
  }
}

void AlertStream::AlertsElement(Kind kind) {
  if (next_index_ >= limits_.alerts_per_request) {
    Abort(DecodeError{413,
                      "more than " + std::to_string(limits_.alerts_per_request) +
                          " alerts in one request (server.limits.alerts_per_request)",
                      kind_ == PayloadKind::kWebhook ? "/alerts" : ""});
    return;
  }
  alert_index_ = next_index_++;
  if (kind == Kind::kObject) {
    BeginAlert();
    level_ = Level::kAlert;
    return;
  }
  alert_failed_ = false;
  AlertError(WrongKind("an object", kind, AlertField("")));
}

void AlertStream::AlertValue(Kind kind, Json::string_t* text) {
  if (alert_failed_) return;
  switch (alert_key_) {
    case AlertKey::kStatus:
      if (kind != Kind::kString) {
        AlertError(WrongKind("a string", kind, AlertField("/status")));
      } else if (*text == "firing") {
        draft_.status = AlertStatus::kFiring;
        has_status_ = true;
      } else if (*text == "resolved") {
        draft_.status = AlertStatus::kResolved;
        has_status_ = true;
      } else {
        AlertError(MakeError(
            "invalid status " + QuoteForMessage(*text) + " (expected \"firing\" or \"resolved\")",
            AlertField("/status")));
      }
      break;
    case AlertKey::kLabels:
      if (kind == Kind::kObject) {
        draft_.labels = LabelSet();
        pending_.clear();
        map_members_ = 0;
        has_labels_ = true;
        level_ = Level::kAlertMap;
      } else {
        AlertError(WrongKind("an object", kind, AlertField("/labels")));
      }
      break;
    case AlertKey::kAnnotations:
      if (kind == Kind::kObject) {
        draft_.annotations = LabelSet();
        pending_.clear();
        map_members_ = 0;
        level_ = Level::kAlertMap;
      } else if (kind != Kind::kNull) {
        AlertError(WrongKind("an object", kind, AlertField("/annotations")));
      }
      break;
    case AlertKey::kStartsAt:
    case AlertKey::kEndsAt: {
      bool starts = alert_key_ == AlertKey::kStartsAt;
      std::optional<TimePoint>& slot = starts ? starts_at_ : ends_at_;
      const char* suffix = starts ? "/startsAt" : "/endsAt";
      if (kind == Kind::kString) {
        auto t = ParseTime(*text, AlertField(suffix));
        if (t) {
          slot = *t;
        } else {
          AlertError(t.error());
        }
      } else if (kind == Kind::kNull && kind_ == PayloadKind::kApiV2) {
        slot.reset();  // optional in API v2
      } else {
        AlertError(WrongKind("an RFC 3339 time string", kind, AlertField(suffix)));
      }
      break;
    }
    case AlertKey::kGeneratorUrl:
      if (kind == Kind::kString) {
        draft_.generator_url = std::move(*text);
      } else if (kind != Kind::kNull) {
        AlertError(WrongKind("a string", kind, AlertField("/generatorURL")));
      }
      break;
    case AlertKey::kFingerprint:
      if (kind == Kind::kString) {
        fingerprint_ = std::move(*text);
      } else if (kind != Kind::kNull) {
        AlertError(WrongKind("a string", kind, AlertField("/fingerprint")));
      }
      break;
    case AlertKey::kOther:
      break;
  }
}

void AlertStream::AlertMapValue(Kind kind, Json::string_t* text) {
  if (alert_failed_) return;
  bool labels = alert_key_ == AlertKey::kLabels;
  const char* map = labels ? "/labels" : "/annotations";
  // Limits first, so that no error below echoes an oversized name.
  const size_t max_members = labels ? limits_.labels_per_alert : limits_.annotations_per_alert;
  if (++map_members_ > max_members) {
    return AlertError(MakeError("more than " + std::to_string(max_members) +
                                    (labels ? " labels (server.limits.labels_per_alert)"
                                            : " annotations (server.limits.annotations_per_alert)"),
                                AlertField(map)),
                      413);
  }
  if (map_key_.size() > limits_.label_name_bytes) {
    return AlertError(MakeError("name " + QuoteForMessage(map_key_) + " is longer than " +
                                    std::to_string(limits_.label_name_bytes) +
                                    " bytes (server.limits.label_name_bytes)",
                                AlertField(map)),
                      413);
  }
  auto field = [&] { return AlertField(map + ("/" + EscapeKey(map_key_))); };
  const size_t max_value = labels ? limits_.label_value_bytes : limits_.annotation_bytes;
  if (kind == Kind::kString && text->size() > max_value) {
    return AlertError(MakeError("value longer than " + std::to_string(max_value) + " bytes" +
                                    (labels ? " (server.limits.label_value_bytes)"
                                            : " (server.limits.annotation_bytes)"),
                                field()),
                      413);
  }
  if (kind != Kind::kString) {
    AlertError(WrongKind("a string", kind, field()));
    return;
  }
  // Like Alertmanager, empty values are dropped before names are validated. API v2 validates
  // annotation names as label names too; the webhook's were validated by Alertmanager already.
  if (text->empty()) return;
  bool check_name = labels || kind_ == PayloadKind::kApiV2;
  if (check_name && !IsValidLabelName(map_key_)) {
    AlertError(MakeError(
        "invalid label name " + QuoteForMessage(map_key_) + " (must match [a-zA-Z_][a-zA-Z0-9_]*)",
        field()));
    return;
  }
  pending_.push_back(Label{map_key_, std::move(*text)});
}

void AlertStream::EndAlertMap() {
  // Sorted once at the end: one Set per member is quadratic when names come in descending order.
  if (alert_failed_) return;
  LabelSet set = LabelSet::FromPairs(std::move(pending_));
  pending_.clear();
  (alert_key_ == AlertKey::kLabels ? draft_.labels : draft_.annotations) = std::move(set);
}

void AlertStream::GroupMapValue(Kind kind) {
  if (kind != Kind::kString) {
    DocumentError(WrongKind("a string", kind, RootKeyField() + "/" + EscapeKey(map_key_)));
  }
}

// ---- One alert --------------------------------------------------------------------------------

void AlertStream::BeginAlert() {
  draft_ = Alert();
  has_status_ = has_labels_ = false;
  starts_at_.reset();
  ends_at_.reset();
  fingerprint_.reset();
  // The webhook is all or nothing: once one alert failed, the rest are not worth building.
  alert_failed_ = kind_ == PayloadKind::kWebhook && first_error_.has_value();
}

void AlertStream::EndAlert() {
  if (alert_failed_) return;
  if (kind_ == PayloadKind::kWebhook) {
    FinishWebhookAlert();
  } else {
    FinishApiV2Alert();
  }
}

void AlertStream::FinishWebhookAlert() {
  if (!has_status_) return AlertError(MakeError("missing status", AlertField("/status")));
  if (!has_labels_) return AlertError(MakeError("missing labels", AlertField("/labels")));
  if (draft_.labels.empty()) {
    return AlertError(
        MakeError("an alert needs at least one non-empty label", AlertField("/labels")));
  }
  if (!starts_at_) return AlertError(MakeError("missing startsAt", AlertField("/startsAt")));
  if (!ends_at_) return AlertError(MakeError("missing endsAt", AlertField("/endsAt")));
  draft_.starts_at = *starts_at_;
  // Firing alerts carry Go's zero time: no end known yet.
  if (!IsGoZeroTime(*ends_at_)) draft_.ends_at = *ends_at_;
  draft_.fingerprint = draft_.labels.Fingerprint();
  if (fingerprint_) {
    // Identity is ours (CONTRACTS.md); a differing sender fingerprint is only counted.
    uint64_t theirs = 0;
    if (!ParseFingerprint(*fingerprint_, &theirs) || theirs != draft_.fingerprint) {
      ++fingerprint_mismatches_;
    }
  }
  draft_.source.assign(source_);
  out_->alerts.push_back(std::move(draft_));
}

void AlertStream::FinishApiV2Alert() {
  if (!has_labels_) return AlertError(MakeError("missing labels", AlertField("/labels")));
  if (draft_.labels.empty()) {
    return AlertError(MakeError("at least one non-empty label is required", AlertField("/labels")));
  }
  // Go's zero time is "not set" (time.Time.IsZero), as for Alertmanager.
  if (starts_at_ && IsGoZeroTime(*starts_at_)) starts_at_.reset();
  if (ends_at_ && IsGoZeroTime(*ends_at_)) ends_at_.reset();
  // Alertmanager's postAlertsHandler: a missing start is the end (an alert sent only to resolve)
  // or else now; a missing end is now + resolve_timeout, after which the alert resolves unless
  // it is sent again.
  draft_.starts_at = starts_at_ ? *starts_at_ : ends_at_ ? *ends_at_ : now_;
  draft_.ends_at = ends_at_ ? *ends_at_ : now_ + resolve_timeout_;
  if (*draft_.ends_at < draft_.starts_at) {
    return AlertError(MakeError("endsAt " + FormatRfc3339(*draft_.ends_at) +
                                    " is before startsAt " + FormatRfc3339(draft_.starts_at),
                                AlertField("/endsAt")));
  }
  draft_.status = *draft_.ends_at > now_ ? AlertStatus::kFiring : AlertStatus::kResolved;
  draft_.fingerprint = draft_.labels.Fingerprint();
  draft_.source.assign(source_);
  out_->alerts.push_back(std::move(draft_));
}

// ---- Errors and results -----------------------------------------------------------------------

void AlertStream::AlertError(Error error, int status) {
  if (alert_failed_) return;
  alert_failed_ = true;
  pending_.clear();
  if (kind_ == PayloadKind::kWebhook) {
    DocumentError(std::move(error), status);
  } else if (out_->errors.size() < kMaxReportedErrors) {
    // Best effort, like Alertmanager: the valid alerts are kept, the invalid ones listed.
    out_->errors.push_back(
        DecodeError{status, std::move(error.message), BoundedField(std::move(error.field))});
  } else {
    ++out_->errors_omitted;  // the answer lists the first ones and counts the rest
  }
}

void AlertStream::DocumentError(Error error, int status) {
  if (!first_error_) {
    first_error_ =
        DecodeError{status, std::move(error.message), BoundedField(std::move(error.field))};
  }
}

std::string AlertStream::AlertField(std::string_view suffix) const {
  std::string field = kind_ == PayloadKind::kWebhook ? "/alerts/" : "/";
  field += std::to_string(alert_index_);
  field += suffix;
  return field;
}

std::string AlertStream::EscapeKey(std::string_view key) { return EscapePointerToken(key); }

const char* AlertStream::KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBoolean:
      return "boolean";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kObject:
      return "object";
    case Kind::kArray:
      return "array";
  }
  return "value";
}

Error AlertStream::WrongKind(const char* expected, Kind got, std::string field) const {
  return MakeError(std::string("expected ") + expected + ", got " + KindName(got),
                   std::move(field));
}

void AlertStream::Finish() {
  auto fail = [&](DecodeError error) {
    *out_ = DecodeResult{};
    out_->errors.push_back(std::move(error));
  };
  if (abort_error_) return fail(std::move(*abort_error_));
  if (parse_error_) return fail(std::move(*parse_error_));
  if (root_error_) return fail(BadRequest(std::move(*root_error_)));
  if (kind_ == PayloadKind::kApiV2) return;

  if (version_error_) return fail(BadRequest(std::move(*version_error_)));
  if (!version_) return fail(BadRequest(MakeError("missing version (expected \"4\")", "/version")));
  if (*version_ != "4") {
    return fail(BadRequest(
        MakeError("unsupported webhook version " + QuoteForMessage(*version_) + " (expected \"4\")",
                  "/version")));
  }
  // All or nothing: one bad alert rejects the request.
  if (first_error_) return fail(std::move(*first_error_));
  if (!saw_alerts_) return fail(BadRequest(MakeError("missing alerts", "/alerts")));
  out_->truncated_alerts = truncated_;
  out_->fingerprint_mismatches = fingerprint_mismatches_;
}

}  // namespace ab::ingest
