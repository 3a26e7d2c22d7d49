// Building blocks shared by the decoders: one JSON parse per request, typed field readers that
// name the offending value as an RFC 6901 pointer, and Prometheus' label rules. Internal to ingest.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "ingest/decode.h"
#include "model/labels.h"

namespace ab::ingest {

using Json = nlohmann::json;

// Go's zero time.Time (0001-01-01T00:00:00Z): Alertmanager's "no end" and "not set".
inline constexpr int64_t kGoZeroTimeMillis = -62'135'596'800'000;
inline bool IsGoZeroTime(TimePoint t) { return ToMillis(t) == kGoZeroTimeMillis; }

// Parses `body` once. On malformed JSON returns a 400 whose message carries the parser's position.
bool ParseBody(std::string_view body, Json* out, DecodeError* error);

// DecodeError with status 400 from an Error (message + field).
DecodeError BadRequest(Error error);

// RFC 6901 token escaping ("~" -> "~0", "/" -> "~1"), for building error fields.
std::string EscapePointerToken(std::string_view token);
std::string IndexField(std::string_view parent, size_t index);  // parent + "/" + index

// Prometheus' label name syntax: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

// A value for use inside an error message: quoted, cut at 64 bytes on a UTF-8 boundary, so an
// attacker-sized value cannot blow up the error response.
std::string QuoteForMessage(std::string_view value);

// An error's field (a JSON pointer built from client keys) cut to a few hundred bytes on a UTF-8
// boundary, so that no key can make an error answer large.
std::string BoundedField(std::string field);

// Byte offset of the first array or object that opens deeper than `max_depth`, or npos. A linear
// scan that knows strings and escapes, for a body about to be parsed into a DOM (whose own
// parse would hold the whole nesting in memory first).
size_t FindTooDeep(std::string_view body, size_t max_depth);

// "expected a string, got number" style type error at `field`.
Error WrongType(std::string_view expected, const Json& got, std::string field);

// Reads a JSON object whose values are all strings into `out` (empty values dropped by LabelSet).
// With `label_names`, every name of a non-empty value must be a valid Prometheus label name.
Status ReadStringMap(const Json& object, const std::string& field, bool label_names, LabelSet* out);

// Parses an RFC 3339 time; the error names `field`.
Result<TimePoint> ParseTime(const std::string& text, std::string field);
// Reads an RFC 3339 string.
Result<TimePoint> ReadTime(const Json& value, std::string field);

// Reads a string value; `*out` points into `value`.
Status ReadString(const Json& value, std::string field, const std::string** out);

}  // namespace ab::ingest
