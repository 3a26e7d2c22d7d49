#include "server/http.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <set>

namespace ab {
namespace {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

namespace {

// Calls `visit(key, value)` for each key=value pair of a query string, both decoded; stops when
// it returns false.
template <typename Visit>
void ForEachQueryPair(std::string_view rest, Visit visit) {
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (!visit(PercentDecode(pair.substr(0, eq), true), value)) return;
  }
}

}  // namespace

std::string HttpRequest::Query(std::string_view name) const {
  std::string out;
  ForEachQueryPair(query, [&](const std::string& key, std::string_view value) {
    if (key != name) return true;
    out = PercentDecode(value, true);
    return false;
  });
  return out;
}

std::vector<std::string> HttpRequest::QueryAll(std::string_view name) const {
  std::vector<std::string> out;
  ForEachQueryPair(query, [&](const std::string& key, std::string_view value) {
    if (key == name) out.push_back(PercentDecode(value, true));
    return true;
  });
  return out;
}

std::optional<std::string> HttpRequest::RepeatedQuery(
    std::initializer_list<std::string_view> lists) const {
  std::set<std::string> seen;  // not a vector: a query of thousands of keys stays n log n
  std::optional<std::string> repeated;
  ForEachQueryPair(query, [&](const std::string& key, std::string_view) {
    for (std::string_view list : lists) {
      if (key == list) return true;
    }
    if (!seen.insert(key).second) {
      repeated = key;
      return false;
    }
    return true;
  });
  return repeated;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = std::move(body);
  return response;
}

HttpResponse HttpResponse::Error(int status, std::string_view message, std::string_view field) {
  nlohmann::json body = {{"error", message}};
  if (!field.empty()) body["field"] = field;
  // Messages can quote client input that is not valid UTF-8; replace rather than throw.
  return Json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

namespace http_log {

void HandlerThrew(std::string_view exception_type, std::string_view method, std::string_view path) {
  spdlog::error("HTTP handler threw ({}) on {} {}", exception_type, method, path);
}

void ResponderCalledTwice() {
  spdlog::warn("HTTP responder called more than once; the extra response is dropped");
}

void AcceptFailed(std::string_view reason) { spdlog::warn("HTTP accept failed: {}", reason); }

void IoThreadFailed(std::string_view reason) {
  spdlog::error("HTTP io thread: unexpected exception: {}", reason);
}

}  // namespace http_log
}  // namespace ab
