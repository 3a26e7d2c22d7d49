#include "ingest/json_fields.h"

#include <algorithm>

namespace ab::ingest {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return n;
}

// Copies at most `max_bytes` of `s`, replacing bytes that are not UTF-8 with '?': the parser's
// message quotes raw input, and the error response must stay valid JSON.
std::string SanitizedPrefix(std::string_view s, size_t max_bytes, bool* cut) {
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  size_t i = 0;
  while (i < s.size()) {
    size_t n = Utf8SequenceLength(s, i);
    size_t take = n == 0 ? 1 : n;
    if (out.size() + take > max_bytes) break;
    if (n == 0) {
      out.push_back('?');
    } else {
      out.append(s.substr(i, n));
    }
    i += take;
  }
  *cut = i < s.size();
  return out;
}

}  // namespace

DecodeError MalformedJson(std::string_view what) {
  // nlohmann's text reads "[json.exception.parse_error.101] parse error at line 1, column 7:
  // ..."; keep the part after the id, which carries line and column.
  if (auto pos = what.find("] "); pos != std::string_view::npos) what.remove_prefix(pos + 2);
  bool cut = false;
  std::string text = SanitizedPrefix(what, 300, &cut);
  if (cut) text += "...";
  return DecodeError{400, "malformed JSON: " + text, ""};
}

bool ParseBody(std::string_view body, Json* out, DecodeError* error) {
  try {
    *out = Json::parse(body.begin(), body.end());
    return true;
  } catch (const Json::exception& e) {
    *error = MalformedJson(e.what());
    return false;
  }
}

DecodeError BadRequest(Error error) {
  return DecodeError{400, std::move(error.message), std::move(error.field)};
}

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string IndexField(std::string_view parent, size_t index) {
  std::string out(parent);
  out.push_back('/');
  out += std::to_string(index);
  return out;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string QuoteForMessage(std::string_view value) {
  bool cut = false;
  std::string out = "\"" + SanitizedPrefix(value, 64, &cut);
  out += cut ? "...\"" : "\"";
  return out;
}

std::string BoundedField(std::string field) {
  constexpr size_t kMaxFieldBytes = 300;
  if (field.size() <= kMaxFieldBytes) return field;
  bool cut = false;
  return SanitizedPrefix(field, kMaxFieldBytes, &cut) + "...";
}

size_t FindTooDeep(std::string_view body, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

Error WrongType(std::string_view expected, const Json& got, std::string field) {
  std::string message = "expected ";
  message += expected;
  message += ", got ";
  message += got.type_name();
  return MakeError(std::move(message), std::move(field));
}

Status ReadStringMap(const Json& object, const std::string& field, bool label_names,
                     LabelSet* out) {
  if (!object.is_object()) return WrongType("an object", object, field);
  for (auto it = object.begin(); it != object.end(); ++it) {
    const Json& v = it.value();
    if (!v.is_string()) return WrongType("a string", v, field + "/" + EscapePointerToken(it.key()));
    const std::string& value = v.get_ref<const std::string&>();
    // Like Alertmanager, empty values are dropped before names are validated.
    if (value.empty()) continue;
    if (label_names && !IsValidLabelName(it.key())) {
      return MakeError("invalid label name " + QuoteForMessage(it.key()) +
                           " (must match [a-zA-Z_][a-zA-Z0-9_]*)",
                       field + "/" + EscapePointerToken(it.key()));
    }
    out->Set(it.key(), value);
  }
  return Status::Ok();
}

Result<TimePoint> ParseTime(const std::string& text, std::string field) {
  // Longer than any RFC 3339 time with nanoseconds and an offset: refuse before echoing it.
  if (text.size() > 40) {
    return MakeError("invalid RFC 3339 time " + QuoteForMessage(text), std::move(field));
  }
  auto t = ParseRfc3339(text);
  if (!t) return MakeError(t.error().message, std::move(field));
  return *t;
}

Result<TimePoint> ReadTime(const Json& value, std::string field) {
  if (!value.is_string()) return WrongType("an RFC 3339 time string", value, std::move(field));
  return ParseTime(value.get_ref<const std::string&>(), std::move(field));
}

Status ReadString(const Json& value, std::string field, const std::string** out) {
  if (!value.is_string()) return WrongType("a string", value, std::move(field));
  *out = &value.get_ref<const std::string&>();
  return Status::Ok();
}

}  // namespace ab::ingest
