// Generic JSON webhook, mapped by the source's RFC 6901 pointers (DESIGN.md §4, CONTRACTS.md
// "Generic webhook"). Pointers are relative to each element of the `alerts` array, or to the body
// when the source has no `alerts` pointer. All or nothing. The pointers were split into tokens
// when the configuration was loaded; here they are only walked.
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "ingest/decode.h"
#include "ingest/json_fields.h"

namespace ab {

namespace {

using ingest::Json;

// RFC 6901 array index: "0" or digits without a leading zero. "-" (past the end) never resolves.
bool ArrayIndex(const std::string& token, size_t size, size_t* index) {
  if (token.empty() || token.size() > 19 || (token.size() > 1 && token[0] == '0')) return false;
  size_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  if (v >= size) return false;
  *index = v;
  return true;
}

// Without exceptions (json::at throws on a miss, and misses are normal here).
const Json* Resolve(const Json& root, const JsonPointer& p) {
  const Json* cur = &root;
  for (const std::string& token : p.tokens()) {
    if (cur->is_object()) {
      auto it = cur->find(token);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      size_t index = 0;
      if (!ArrayIndex(token, cur->size(), &index)) return nullptr;
      cur = &(*cur)[index];
    } else {
      return nullptr;
    }
  }
  return cur;
}

// Scalars become label text (a status code 500 is as good a label as "500"); structures cannot.
bool ScalarText(const Json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get_ref<const std::string&>();
  } else if (v.is_boolean()) {
    *out = v.get<bool>() ? "true" : "false";
  } else if (v.is_number()) {
    *out = v.dump();
  } else {
    return false;
  }
  return true;
}

std::string ListForMessage(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += values[i];
  }
  return out + "]";
}

// The 422 of CONTRACTS.md: the payload is well-formed JSON, but the mapping cannot use it.
DecodeError Unmappable(std::string message, std::string field) {
  return DecodeError{422, std::move(message), ingest::BoundedField(std::move(field))};
}

DecodeError TooLarge(std::string message, std::string field) {
  return DecodeError{413, std::move(message), ingest::BoundedField(std::move(field))};
}

// 16 hex digits are a Prometheus label fingerprint as Alertmanager and Grafana print it: the same
// alert sent through Alertmanager is then the same alert. Any other identity is the sender's own
// and is hashed with the source's name, so that it cannot collide with another source's alerts.
uint64_t SenderFingerprint(std::string_view source, std::string_view text) {
  uint64_t fp = 0;
  if (text.size() == 16 && ParseFingerprint(text, &fp)) return fp;
  Fnv1a64 h;
  h.Add(source);
  h.AddByte(0xff);
  h.Add(text);
  return h.value();
}

// What one kind of map (labels or annotations) may hold.
struct MapRules {
  const char* what;  // "label" / "annotation"
  bool required;     // a mapped value that is missing is an error (labels: they are identity)
  size_t max_members;
  const char* members_limit;
  size_t max_value_bytes;
  const char* value_limit;
};

class ElementDecoder {
 public:
  ElementDecoder(const SourceConfig& source, const InputLimits& limits, TimePoint now)
      : source_(source), mapping_(source.mapping), limits_(limits), now_(now) {}

  std::optional<DecodeError> Decode(const Json& element, const std::string& prefix, Alert* out) {
    const MapRules label_rules{"label",
                               true,
                               limits_.labels_per_alert,
                               "server.limits.labels_per_alert",
                               limits_.label_value_bytes,
                               "server.limits.label_value_bytes"};
    if (auto e = ReadMap(element, prefix, label_rules, mapping_.labels_from, mapping_.labels,
                         &out->labels)) {
      return e;
    }
    if (out->labels.empty()) {
      return DecodeError{422, "every mapped label is empty: an alert needs at least one label",
                         prefix};
    }
    const MapRules annotation_rules{"annotation",
                                    false,
                                    limits_.annotations_per_alert,
                                    "server.limits.annotations_per_alert",
                                    limits_.annotation_bytes,
                                    "server.limits.annotation_bytes"};
    if (auto e = ReadMap(element, prefix, annotation_rules, mapping_.annotations_from,
                         mapping_.annotations, &out->annotations)) {
      return e;
    }
    if (auto e = ReadStatus(element, prefix, out)) return e;
    if (auto e = ReadTimes(element, prefix, out)) return e;
    if (auto e = ReadFingerprint(element, prefix, out)) return e;
    out->source = source_.name;
    return std::nullopt;
  }

 private:
  // The value a MappedValue names, as text; `*present` false when it is missing (or null) and has
  // no default.
  std::optional<DecodeError> ReadValue(const Json& element, const std::string& prefix,
                                       std::string_view what, const MappedValue& mapped,
                                       std::string* text, bool* present) {
    const std::string field = prefix + mapped.pointer.text();
    const Json* v = Resolve(element, mapped.pointer);
    *present = true;
    if (v == nullptr || v->is_null()) {
      if (mapped.fallback) {
        *text = *mapped.fallback;
      } else {
        *present = false;
      }
      return std::nullopt;
    }
    if (!ScalarText(*v, text)) {
      return Unmappable(std::string(what) + " at " + field +
                            ": expected a string, number or boolean, got " + v->type_name(),
                        field);
    }
    return std::nullopt;
  }

  // `name_field` is where the name was found (the object: a name too long is not echoed).
  std::optional<DecodeError> CheckPair(const MapRules& rules, const std::string& name,
                                       const std::string& value, const std::string& name_field,
                                       const std::string& field) {
    if (name.size() > limits_.label_name_bytes) {
      return TooLarge(std::string(rules.what) + " name " + ingest::QuoteForMessage(name) +
                          " is longer than " + std::to_string(limits_.label_name_bytes) +
                          " bytes (server.limits.label_name_bytes)",
                      name_field);
    }
    if (value.size() > rules.max_value_bytes) {
      return TooLarge(std::string(rules.what) + " " + ingest::QuoteForMessage(name) +
                          " is longer than " + std::to_string(rules.max_value_bytes) + " bytes (" +
                          rules.value_limit + ")",
                      field);
    }
    return std::nullopt;
  }

  std::optional<DecodeError> TooMany(const MapRules& rules, const std::string& field) {
    return TooLarge("more than " + std::to_string(rules.max_members) + " " + rules.what + "s (" +
                        rules.members_limit + ")",
                    field);
  }

  // The members of the imported object, then the mapped values (which override them), sorted
  // once at the end.
  std::optional<DecodeError> ReadMap(const Json& element, const std::string& prefix,
                                     const MapRules& rules,
                                     const std::optional<JsonPointer>& import,
                                     const std::map<std::string, MappedValue>& mapped,
                                     LabelSet* out) {
    std::vector<Label> pairs;
    if (import) {
      const std::string field = prefix + import->text();
      const Json* object = Resolve(element, *import);
      if (object == nullptr || !object->is_object()) {
        return Unmappable(std::string(rules.what) + "s at " + field + ": expected an object, got " +
                              (object == nullptr ? "nothing" : object->type_name()),
                          field);
      }
      if (object->size() > rules.max_members) return TooMany(rules, field);
      pairs.reserve(object->size() + mapped.size());
      for (auto it = object->begin(); it != object->end(); ++it) {
        if (it.key().size() > limits_.label_name_bytes) {
          return CheckPair(rules, it.key(), "", field, field);
        }
        const std::string member = field + "/" + ingest::EscapePointerToken(it.key());
        std::string text;
        if (!it.value().is_null() && !ScalarText(it.value(), &text)) {
          return Unmappable(std::string(rules.what) + " at " + member +
                                ": expected a string, number or boolean, got " +
                                it.value().type_name(),
                            member);
        }
        if (auto e = CheckPair(rules, it.key(), text, field, member)) return e;
        // Like Alertmanager, empty values are dropped before names are validated.
        if (!text.empty() && !ingest::IsValidLabelName(it.key())) {
          return Unmappable(std::string(rules.what) + " name " + ingest::QuoteForMessage(it.key()) +
                                " is not a label name (must match [a-zA-Z_][a-zA-Z0-9_]*)",
                            member);
        }
        pairs.push_back(Label{it.key(), std::move(text)});
      }
    }
    for (const auto& [name, value] : mapped) {
      std::string text;
      bool present = false;
      if (auto e = ReadValue(element, prefix, std::string(rules.what) + " " + name, value, &text,
                             &present)) {
        return e;
      }
      const std::string field = prefix + value.pointer.text();
      if (!present) {
        if (!rules.required) continue;
        return Unmappable("label " + name + ": nothing at " + field +
                              " (give the mapping a default to make it optional: {pointer: " +
                              value.pointer.text() + ", default: \"\"})",
                          field);
      }
      if (auto e = CheckPair(rules, name, text, field, field)) return e;
      pairs.push_back(Label{name, std::move(text)});
    }
    *out = LabelSet::FromPairs(std::move(pairs));
    if (out->size() > rules.max_members) return TooMany(rules, prefix);
    return std::nullopt;
  }

  std::optional<DecodeError> ReadStatus(const Json& element, const std::string& prefix,
                                        Alert* out) {
    out->status = AlertStatus::kFiring;
    if (!mapping_.status) return std::nullopt;
    const WebhookMapping::StatusMap& sm = *mapping_.status;
    const std::string field = prefix + sm.pointer.text();
    const Json* v = Resolve(element, sm.pointer);
    if (v == nullptr || v->is_null()) {
      return Unmappable("status missing (expected one of firing " + ListForMessage(sm.firing) +
                            " or resolved " + ListForMessage(sm.resolved) + ")",
                        field);
    }
    std::string text;
    if (!ScalarText(*v, &text)) {
      return ingest::BadRequest(
          ingest::WrongType("a string, number or boolean", *v, ingest::BoundedField(field)));
    }
    if (std::find(sm.firing.begin(), sm.firing.end(), text) != sm.firing.end()) {
      out->status = AlertStatus::kFiring;
    } else if (std::find(sm.resolved.begin(), sm.resolved.end(), text) != sm.resolved.end()) {
      out->status = AlertStatus::kResolved;
    } else {
      return Unmappable("status " + ingest::QuoteForMessage(text) + " at " + field +
                            " is neither firing " + ListForMessage(sm.firing) + " nor resolved " +
                            ListForMessage(sm.resolved),
                        field);
    }
    return std::nullopt;
  }

  std::optional<DecodeError> ReadTimes(const Json& element, const std::string& prefix, Alert* out) {
    out->starts_at = now_;
    for (bool starts : {true, false}) {
      const std::optional<JsonPointer>& pointer = starts ? mapping_.starts_at : mapping_.ends_at;
      if (!pointer) continue;
      const Json* v = Resolve(element, *pointer);
      if (v == nullptr || v->is_null()) continue;
      auto t = ingest::ReadTime(*v, ingest::BoundedField(prefix + pointer->text()));
      if (!t) return ingest::BadRequest(t.error());
      // Grafana, like Alertmanager, writes Go's zero time for "no end" and "not set".
      if (ingest::IsGoZeroTime(*t)) continue;
      if (starts) {
        out->starts_at = *t;
      } else {
        out->ends_at = *t;
      }
    }
    return std::nullopt;
  }

  std::optional<DecodeError> ReadFingerprint(const Json& element, const std::string& prefix,
                                             Alert* out) {
    out->fingerprint = out->labels.Fingerprint();
    if (!mapping_.fingerprint) return std::nullopt;
    std::string text;
    bool present = false;
    if (auto e =
            ReadValue(element, prefix, "fingerprint", *mapping_.fingerprint, &text, &present)) {
      return e;
    }
    const std::string field = prefix + mapping_.fingerprint->pointer.text();
    if (!present) {
      return Unmappable("fingerprint: nothing at " + field +
                            " (give the mapping a default to make it optional: {pointer: " +
                            mapping_.fingerprint->pointer.text() + ", default: \"\"})",
                        field);
    }
    if (text.size() > limits_.label_value_bytes) {
      return TooLarge("fingerprint longer than " + std::to_string(limits_.label_value_bytes) +
                          " bytes (server.limits.label_value_bytes)",
                      field);
    }
    if (!text.empty()) out->fingerprint = SenderFingerprint(source_.name, text);
    return std::nullopt;
  }

  const SourceConfig& source_;
  const WebhookMapping& mapping_;
  const InputLimits& limits_;
  const TimePoint now_;
};

DecodeResult Failed(DecodeError error) {
  DecodeResult result;
  result.errors.push_back(std::move(error));
  return result;
}

// A pointer that the configuration should not have let through: the operator's mistake.
std::optional<DecodeError> CheckPointers(const WebhookMapping& m) {
  std::vector<const JsonPointer*> all;
  if (m.alerts) all.push_back(&*m.alerts);
  if (m.status) all.push_back(&m.status->pointer);
  if (m.labels_from) all.push_back(&*m.labels_from);
  if (m.annotations_from) all.push_back(&*m.annotations_from);
  for (const auto& [name, v] : m.labels) all.push_back(&v.pointer);
  for (const auto& [name, v] : m.annotations) all.push_back(&v.pointer);
  if (m.fingerprint) all.push_back(&m.fingerprint->pointer);
  if (m.starts_at) all.push_back(&*m.starts_at);
  if (m.ends_at) all.push_back(&*m.ends_at);
  for (const JsonPointer* p : all) {
    if (!p->valid()) {
      return DecodeError{
          500, "source mapping: invalid JSON pointer " + ingest::QuoteForMessage(p->text()), ""};
    }
  }
  return std::nullopt;
}

}  // namespace

DecodeResult DecodeGenericWebhook(std::string_view body, const SourceConfig& source, TimePoint now,
                                  const InputLimits& limits) {
  const WebhookMapping& mapping = source.mapping;
  if (auto error = CheckPointers(mapping)) return Failed(std::move(*error));
  // The DOM parse would build the whole nesting first: refuse a too deep body before it.
  if (size_t at = ingest::FindTooDeep(body, limits.json_depth); at != std::string_view::npos) {
    return Failed(TooLarge("JSON nested deeper than " + std::to_string(limits.json_depth) +
                               " levels at byte " + std::to_string(at) +
                               " (server.limits.json_depth)",
                           ""));
  }
  Json doc;
  DecodeError parse_error;
  if (!ingest::ParseBody(body, &doc, &parse_error)) return Failed(std::move(parse_error));

  const Json* elements = &doc;
  const std::string alerts_field = mapping.alerts ? mapping.alerts->text() : "";
  if (mapping.alerts) {
    elements = Resolve(doc, *mapping.alerts);
    if (elements == nullptr) return Failed(DecodeError{400, "missing alerts array", alerts_field});
    if (!elements->is_array()) {
      return Failed(ingest::BadRequest(ingest::WrongType("an array", *elements, alerts_field)));
    }
    if (elements->size() > limits.alerts_per_request) {
      return Failed(TooLarge("more than " + std::to_string(limits.alerts_per_request) +
                                 " alerts in one request (server.limits.alerts_per_request)",
                             alerts_field));
    }
  } else if (!doc.is_object()) {
    return Failed(DecodeError{
        400,
        std::string("expected one alert as a JSON object, got ") + doc.type_name() +
            (doc.is_array() ? " (this source maps the body as one alert; a source that takes a "
                              "list names it with mapping.alerts)"
                            : ""),
        ""});
  }

  DecodeResult result;
  ElementDecoder decoder(source, limits, now);
  const size_t count = mapping.alerts ? elements->size() : 1;
  // Not `count`: a list of a thousand zeros must not reserve a thousand alerts before failing.
  result.alerts.reserve(std::min<size_t>(count, 64));
  for (size_t i = 0; i < count; ++i) {
    const Json& element = mapping.alerts ? (*elements)[i] : doc;
    const std::string prefix = mapping.alerts ? ingest::IndexField(alerts_field, i) : "";
    Alert alert;
    if (auto error = decoder.Decode(element, prefix, &alert)) return Failed(std::move(*error));
    result.alerts.push_back(std::move(alert));
  }
  return result;
}

}  // namespace ab
