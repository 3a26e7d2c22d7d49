// Small pieces shared by the API's route files.
#pragma once

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/http.h"

namespace ab::api_internal {

// A positive decimal integer (ids, limits, cursors), nothing else.
inline std::optional<int64_t> ParseId(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// 503 with Retry-After: the store or a queue is unavailable; the client should try again.
inline HttpResponse Unavailable(std::string_view why) {
  HttpResponse r = HttpResponse::Error(503, why);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

// 503 for a store error: the client learns what failed in its terms; the store's own message
// (file paths, SQL) goes to the log only.
inline HttpResponse StoreUnavailable(std::string_view what, std::string_view detail) {
  spdlog::error("msg=\"store error answering a request\" what=\"{}\" error=\"{}\"", what, detail);
  return Unavailable("store unavailable: " + std::string(what) + " failed, retry");
}

// 400 for ?severity=a&severity=b on a parameter that takes one value (HttpRequest::RepeatedQuery).
inline HttpResponse RepeatedParameter(const std::string& name) {
  return HttpResponse::Error(
      400, "query parameter " + name + " given more than once (it takes one value)", name);
}

}  // namespace ab::api_internal
