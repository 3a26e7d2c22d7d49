// Plain request/response types between the Beast transport (http_server.cc) and the routes, so
// that no other translation unit instantiates Beast.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ab {

// Which listener a request came in on: the API decides what each one serves.
enum class Listener { kMain, kManagement };

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path + "?" + query
  std::string path;    // percent-decoded path, without the query
  std::string query;   // raw query string, without "?"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;  // peer address
  Listener listener = Listener::kMain;
  bool tls = false;  // came over TLS

  // Case-insensitive header lookup; "" when absent.
  std::string_view Header(std::string_view name) const;
  // Decoded query parameter; "" when absent.
  std::string Query(std::string_view name) const;
  // Every decoded value of a query parameter, in order (?state=open&state=closed).
  std::vector<std::string> QueryAll(std::string_view name) const;
  // The first parameter given more than once, other than those in `lists` (which take a list):
  // a route refuses such a query with 400 rather than silently using one of the values.
  std::optional<std::string> RepeatedQuery(std::initializer_list<std::string_view> lists) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Json(int status, std::string body);
  // {"error": message, "field": field}
  static HttpResponse Error(int status, std::string_view message, std::string_view field = {});
};

// Call exactly once, from any thread; the transport posts the write to the connection's strand.
using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest&& request, Responder respond)>;

// RFC 3986 percent-decoding; a malformed escape ("%zz", a trailing "%") is kept literally.
// `plus_as_space` is for query strings (application/x-www-form-urlencoded), not for paths.
std::string PercentDecode(std::string_view text, bool plus_as_space);

// The transport's log lines. They live in http.cc so that http_server.cc, the Beast TU, does not
// compile fmt/spdlog as well (a few seconds on every build).
namespace http_log {
void HandlerThrew(std::string_view exception_type, std::string_view method, std::string_view path);
void ResponderCalledTwice();
void AcceptFailed(std::string_view reason);
void IoThreadFailed(std::string_view reason);
}  // namespace http_log

}  // namespace ab
