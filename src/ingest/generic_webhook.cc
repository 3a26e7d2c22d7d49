// Generic JSON webhook, mapped by the source's RFC 6901 pointers (DESIGN.md §4, CONTRACTS.md
// "Generic webhook"). Pointers are relative to each element of the `alerts` array, or to the body
// when the source has no `alerts` pointer. All or nothing.
#include <algorithm>
#include <map>
#include <utility>

#include "ingest/decode.h"
#include "ingest/json_fields.h"

namespace ab {

namespace {

using ingest::Json;

// A pointer checked and split into unescaped tokens once per request, then resolved without
// exceptions (json::at throws on a miss, and misses are normal here: optional fields).
struct CompiledPointer {
  std::string text;
  std::vector<std::string> tokens;
};

Result<CompiledPointer> Compile(const std::string& text, std::string_view what) {
  CompiledPointer p{text, {}};
  try {
    Json::json_pointer ptr(text);
    while (!ptr.empty()) {
      p.tokens.push_back(ptr.back());
      ptr.pop_back();
    }
  } catch (const Json::exception&) {
    return MakeError("source mapping " + std::string(what) + ": invalid JSON pointer " +
                     ingest::QuoteForMessage(text));
  }
  std::reverse(p.tokens.begin(), p.tokens.end());
  return p;
}

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

const Json* Resolve(const Json& root, const CompiledPointer& p) {
  const Json* cur = &root;
  for (const std::string& token : p.tokens) {
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

struct CompiledMapping {
  std::optional<CompiledPointer> status;
  std::vector<std::pair<std::string, CompiledPointer>> labels;
  std::vector<std::pair<std::string, CompiledPointer>> annotations;
  std::optional<CompiledPointer> starts_at;
  std::optional<CompiledPointer> ends_at;
};

Status CompileMapping(const WebhookMapping& m, CompiledMapping* out) {
  auto one = [](const std::string& text, std::string_view what,
                std::optional<CompiledPointer>* dst) -> Status {
    auto p = Compile(text, what);
    if (!p) return p.error();
    *dst = std::move(*p);
    return Status::Ok();
  };
  auto many = [](const std::map<std::string, std::string>& src, std::string_view what,
                 std::vector<std::pair<std::string, CompiledPointer>>* dst) -> Status {
    dst->reserve(src.size());
    for (const auto& [name, text] : src) {
      auto p = Compile(text, std::string(what) + " " + name);
      if (!p) return p.error();
      dst->emplace_back(name, std::move(*p));
    }
    return Status::Ok();
  };
  if (m.status) {
    if (Status s = one(m.status->pointer, "status", &out->status); !s) return s;
  }
  if (Status s = many(m.labels, "label", &out->labels); !s) return s;
  if (Status s = many(m.annotations, "annotation", &out->annotations); !s) return s;
  if (!m.starts_at.empty()) {
    if (Status s = one(m.starts_at, "starts_at", &out->starts_at); !s) return s;
  }
  if (!m.ends_at.empty()) {
    if (Status s = one(m.ends_at, "ends_at", &out->ends_at); !s) return s;
  }
  return Status::Ok();
}

// Scalars become label text (a status code 500 is as good a label as "500"); structures cannot.
Status ScalarText(const Json& v, const std::string& field, std::string* out) {
  if (v.is_string()) {
    *out = v.get_ref<const std::string&>();
  } else if (v.is_boolean()) {
    *out = v.get<bool>() ? "true" : "false";
  } else if (v.is_number()) {
    *out = v.dump();
  } else {
    return ingest::WrongType("a string, number or boolean", v, field);
  }
  return Status::Ok();
}

Status ReadMapped(const Json& element, const std::string& prefix,
                  const std::vector<std::pair<std::string, CompiledPointer>>& mapped,
                  LabelSet* out) {
  std::string text;
  for (const auto& [name, ptr] : mapped) {
    const Json* v = Resolve(element, ptr);
    if (v == nullptr || v->is_null()) continue;  // a mapped field the sender left out
    if (Status s = ScalarText(*v, prefix + ptr.text, &text); !s) return s;
    out->Set(name, text);
  }
  return Status::Ok();
}

std::string ListForMessage(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += values[i];
  }
  return out + "]";
}

// The 422 of CONTRACTS.md: the payload is well-formed, but its status means nothing to us.
DecodeError UnmappedStatus(std::string message, std::string field) {
  return DecodeError{422, std::move(message), std::move(field)};
}

std::optional<DecodeError> DecodeElement(const Json& element, const std::string& prefix,
                                         const SourceConfig& source, const CompiledMapping& m,
                                         TimePoint now, Alert* out) {
  if (Status s = ReadMapped(element, prefix, m.labels, &out->labels); !s) {
    return ingest::BadRequest(s.error());
  }
  if (out->labels.empty()) {
    std::string names;
    for (const auto& [name, ptr] : m.labels) names += (names.empty() ? "" : ", ") + name;
    return DecodeError{400, "no mapped label is present (mapped: " + names + ")", prefix};
  }
  if (Status s = ReadMapped(element, prefix, m.annotations, &out->annotations); !s) {
    return ingest::BadRequest(s.error());
  }

  out->status = AlertStatus::kFiring;
  if (m.status) {
    const WebhookMapping::StatusMap& sm = *source.mapping.status;
    std::string field = prefix + m.status->text;
    const Json* v = Resolve(element, *m.status);
    if (v == nullptr || v->is_null()) {
      return UnmappedStatus("status missing (expected one of firing " + ListForMessage(sm.firing) +
                                " or resolved " + ListForMessage(sm.resolved) + ")",
                            field);
    }
    std::string text;
    if (Status s = ScalarText(*v, field, &text); !s) return ingest::BadRequest(s.error());
    if (std::find(sm.firing.begin(), sm.firing.end(), text) != sm.firing.end()) {
      out->status = AlertStatus::kFiring;
    } else if (std::find(sm.resolved.begin(), sm.resolved.end(), text) != sm.resolved.end()) {
      out->status = AlertStatus::kResolved;
    } else {
      return UnmappedStatus("status " + ingest::QuoteForMessage(text) + " at " + field +
                                " is neither firing " + ListForMessage(sm.firing) +
                                " nor resolved " + ListForMessage(sm.resolved),
                            field);
    }
  }

  out->starts_at = now;
  if (m.starts_at) {
    if (const Json* v = Resolve(element, *m.starts_at); v != nullptr && !v->is_null()) {
      auto t = ingest::ReadTime(*v, prefix + m.starts_at->text);
      if (!t) return ingest::BadRequest(t.error());
      if (!ingest::IsGoZeroTime(*t)) out->starts_at = *t;
    }
  }
  if (m.ends_at) {
    if (const Json* v = Resolve(element, *m.ends_at); v != nullptr && !v->is_null()) {
      auto t = ingest::ReadTime(*v, prefix + m.ends_at->text);
      if (!t) return ingest::BadRequest(t.error());
      // Grafana, like Alertmanager, writes Go's zero time for "no end".
      if (!ingest::IsGoZeroTime(*t)) out->ends_at = *t;
    }
  }

  // Identity is global (CONTRACTS.md): always our label fingerprint, never the sender's.
  out->fingerprint = out->labels.Fingerprint();
  out->source = source.name;
  return std::nullopt;
}

}  // namespace

DecodeResult DecodeGenericWebhook(std::string_view body, const SourceConfig& source,
                                  TimePoint now) {
  DecodeResult result;
  const WebhookMapping& mapping = source.mapping;
  CompiledMapping compiled;
  if (Status s = CompileMapping(mapping, &compiled); !s) {
    // A config mistake, not the sender's: config validation should have caught it.
    result.errors.push_back(DecodeError{500, s.error().message, ""});
    return result;
  }
  Json doc;
  DecodeError parse_error;
  if (!ingest::ParseBody(body, &doc, &parse_error)) {
    result.errors.push_back(std::move(parse_error));
    return result;
  }

  const Json* elements = &doc;
  if (!mapping.alerts.empty()) {
    auto alerts_ptr = Compile(mapping.alerts, "alerts");
    if (!alerts_ptr) {
      result.errors.push_back(DecodeError{500, alerts_ptr.error().message, ""});
      return result;
    }
    elements = Resolve(doc, *alerts_ptr);
    if (elements == nullptr) {
      result.errors.push_back(DecodeError{400, "missing alerts array", mapping.alerts});
      return result;
    }
    if (!elements->is_array()) {
      result.errors.push_back(
          ingest::BadRequest(ingest::WrongType("an array", *elements, mapping.alerts)));
      return result;
    }
  }

  size_t count = mapping.alerts.empty() ? 1 : elements->size();
  result.alerts.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const Json& element = mapping.alerts.empty() ? doc : (*elements)[i];
    std::string prefix =
        mapping.alerts.empty() ? std::string() : ingest::IndexField(mapping.alerts, i);
    if (auto error = DecodeElement(element, prefix, source, compiled, now, &result.alerts[i])) {
      result = DecodeResult{};
      result.errors.push_back(std::move(*error));
      return result;
    }
  }
  return result;
}

}  // namespace ab
