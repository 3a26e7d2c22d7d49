// Who may use which route (CONTRACTS.md "Auth scope"), checked once before any route runs:
// - health checks are open; ingest routes use their source's auth (in Api::Ingest);
// - with API tokens, every other route needs `Authorization: Bearer <token>`: `read` for GET and
//   /metrics, `write` for everything that changes state (401 without or with an unknown token,
//   403 with too weak a role);
// - state-changing requests must not come from another site's page: they must be JSON (a
//   cross-site form or a "simple" fetch cannot send application/json without a CORS preflight,
//   which we never grant), and a browser's Origin, Sec-Fetch-Site and Host must be ours.
#include <algorithm>

#include "common/ascii.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/text.h"
#include "ingest/decode.h"
#include "server/api.h"

namespace ab {
namespace {

enum class Access { kOpen, kSource, kRead, kWrite };

struct RouteAccess {
  std::string_view route;  // the metrics label, as Api::Route names it
  Access access;
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool SafeMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

RouteAccess Classify(std::string_view method, std::string_view path) {
  if (path == "/-/healthy") return {"/-/healthy", Access::kOpen};
  if (path == "/-/ready") return {"/-/ready", Access::kOpen};
  if (path == "/api/v1/alerts/alertmanager")
    return {"/api/v1/alerts/alertmanager", Access::kSource};
  if (path == "/api/v2/alerts") return {"/api/v2/alerts", Access::kSource};
  if (StartsWith(path, "/api/v1/alerts/webhook/")) {
    return {"/api/v1/alerts/webhook/{source}", Access::kSource};
  }
  // Inbound vendor webhooks check the vendor's signature; the status page is public.
  if (StartsWith(path, "/api/v1/inbound/")) return {"/api/v1/inbound/{receiver}", Access::kSource};
  if (path == "/status" || StartsWith(path, "/status/")) return {"/status", Access::kOpen};
  // The responders' page and its assets hold no data: the page asks for a token and sends it
  // with every API call it makes.
  if (path == "/" || StartsWith(path, "/ui/")) return {"/ui", Access::kOpen};

  const Access access = SafeMethod(method) ? Access::kRead : Access::kWrite;
  if (path == "/metrics") return {"/metrics", access};
  if (path == "/api/v1/incidents") return {"/api/v1/incidents", access};
  if (StartsWith(path, "/api/v1/incidents/")) {
    const bool action = path.find('/', sizeof("/api/v1/incidents/") - 1) != std::string_view::npos;
    return {action ? "/api/v1/incidents/{id}/{action}" : "/api/v1/incidents/{id}", access};
  }
  if (path == "/api/v1/outbox") return {"/api/v1/outbox", access};
  if (StartsWith(path, "/api/v1/outbox/")) {
    if (path.ends_with("/retry")) return {"/api/v1/outbox/{id}/retry", access};
    if (path.ends_with("/discard")) return {"/api/v1/outbox/{id}/discard", access};
  }
  if (path == "/-/reload") return {"/-/reload", access};
  if (path == "/api/v1/stats") return {"/api/v1/stats", access};
  if (path == "/api/v1/silences" || StartsWith(path, "/api/v1/silences/")) {
    return {"/api/v1/silences", access};
  }
  return {"other", access};
}

// The routes a POST changes something on (the others answer it 405 or 404, changing nothing).
bool TakesPost(std::string_view route) {
  return route == "/api/v1/incidents/{id}/{action}" || route == "/api/v1/outbox/{id}/retry" ||
         route == "/api/v1/outbox/{id}/discard" || route == "/-/reload" ||
         route == "/api/v1/silences" || route == "/api/v1/alerts/alertmanager" ||
         route == "/api/v2/alerts" || route == "/api/v1/alerts/webhook/{source}" ||
         route == "/api/v1/inbound/{receiver}";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A dotted IPv4 quad or a bracketed IPv6 address: what a Host names when it names no site.
bool IsIpLiteral(std::string_view host) {
  return (host.size() >= 2 && host.front() == '[' && host.back() == ']') || IsDottedQuad(host);
}

// host[:port] -> {host, port}; IPv6 hosts keep their brackets.
std::pair<std::string_view, std::string_view> SplitHostPort(std::string_view authority) {
  const size_t bracket = authority.rfind(']');
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    return {authority, {}};
  }
  return {authority.substr(0, colon), authority.substr(colon + 1)};
}

HttpResponse Unauthorized(std::string_view message, std::string_view challenge) {
  HttpResponse r = HttpResponse::Error(401, message, "Authorization");
  r.headers.emplace_back("WWW-Authenticate", std::string(challenge));
  return r;
}

HttpResponse CrossSite(std::string_view why) {
  return HttpResponse::Error(
      403,
      "cross-site request refused: " + std::string(why) +
          "; state-changing requests must come from external_url or the listen address",
      "Origin");
}

}  // namespace

Result<Api::TokenKey> Api::ResolveToken(const ApiToken& t) {
  auto value = t.token.Resolve();
  if (!value.ok()) {
    return MakeError("api token " + t.name + ": " + t.token.ref() + ": " + value.error().message);
  }
  // Shorter tokens can be guessed over the network; 16 characters of `openssl rand -hex 32`
  // are 64 bits, the least we accept.
  if (value->size() < 16) {
    return MakeError("api token " + t.name + ": " + t.token.ref() +
                     " is shorter than 16 characters (make one with openssl rand -hex 32)");
  }
  return TokenKey{t.name, Sha256(*value), t.role};
}

Status Api::CheckToken(const ApiToken& token) {
  auto key = ResolveToken(token);
  return key.ok() ? Status::Ok() : Status(key.error());
}

Status Api::SetUpAccess() {
  const Config& config = *deps_.config;
  for (const ApiToken& t : config.api.tokens) {
    auto resolved = ResolveToken(t);
    if (!resolved.ok()) return resolved.error();
    TokenKey key = std::move(*resolved);
    for (const TokenKey& other : tokens_) {
      if (DigestsEqual(other.digest, key.digest)) {
        return MakeError("api tokens " + other.name + " and " + t.name +
                         " have the same value; each needs its own");
      }
    }
    tokens_.push_back(std::move(key));
  }

  auto add = [](std::vector<std::string>& list, std::string value) {
    value = AsciiLower(value);
    if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
  };
  // external_url: scheme://host[:port][/path]. Browsers leave a default port out of Origin.
  const std::string& url = config.external_url;
  const size_t scheme_end = url.find("://");
  if (scheme_end != std::string::npos) {
    const std::string scheme = AsciiLower(url.substr(0, scheme_end));
    std::string_view authority = std::string_view(url).substr(scheme_end + 3);
    authority = authority.substr(0, authority.find('/'));
    auto [host, port] = SplitHostPort(authority);
    const std::string_view default_port = scheme == "https" ? "443" : "80";
    if (port.empty() || port == default_port) {
      add(allowed_origins_, scheme + "://" + std::string(host));
      add(allowed_hosts_, std::string(host));
      add(allowed_hosts_, std::string(host) + ":" + std::string(default_port));
    } else {
      add(allowed_origins_, scheme + "://" + std::string(authority));
      add(allowed_hosts_, std::string(authority));
    }
  }
  // The listen address, and loopback under any of its names when it is loopback or everything.
  auto [listen_host, listen_port] = SplitHostPort(config.server.listen);
  const std::string port(listen_port);
  std::vector<std::string> hosts;
  if (listen_host.empty() || listen_host == "0.0.0.0" || listen_host == "[::]") {
    wildcard_port_ = port;
    hosts = {"127.0.0.1", "localhost", "[::1]"};
  } else if (IsLoopbackListen(config.server.listen)) {
    hosts = {std::string(listen_host), "127.0.0.1", "localhost", "[::1]"};
  } else {
    hosts = {std::string(listen_host)};
  }
  for (const std::string& h : hosts) {
    add(allowed_hosts_, h + ":" + port);
    add(allowed_origins_, "http://" + h + ":" + port);
    add(allowed_origins_, "https://" + h + ":" + port);
  }
  return Status::Ok();
}

std::variant<Api::Caller, Api::Refusal> Api::Admit(const HttpRequest& req) const {
  const RouteAccess ra = Classify(req.method, req.path);
  if (ra.access == Access::kOpen) return Caller{};
  Caller caller;
  if (ra.access != Access::kSource && !tokens_.empty()) {
    constexpr std::string_view kRealm = R"(Bearer realm="alertbridge")";
    const std::string_view header = Trim(req.Header("Authorization"));
    if (header.empty()) {
      return Refusal{ra.route, Unauthorized("this route needs an API token: "
                                            "Authorization: Bearer <token>",
                                            kRealm)};
    }
    const size_t space = header.find(' ');
    // The auth scheme is case-insensitive (RFC 9110 11.1).
    if (space == std::string_view::npos || AsciiLower(header.substr(0, space)) != "bearer") {
      return Refusal{ra.route, Unauthorized("Authorization must use the Bearer scheme", kRealm)};
    }
    const std::string digest = Sha256(Trim(header.substr(space + 1)));
    const TokenKey* match = nullptr;
    // Every token is compared, so the time taken does not tell which one came close.
    for (const TokenKey& t : tokens_) {
      if (DigestsEqual(t.digest, digest)) match = &t;
    }
    if (match == nullptr) {
      return Refusal{ra.route,
                     Unauthorized("unknown API token",
                                  R"(Bearer realm="alertbridge", error="invalid_token")")};
    }
    if (ra.access == Access::kWrite && match->role != ApiRole::kWrite) {
      HttpResponse r = HttpResponse::Error(403,
                                           "API token " + match->name + " has role read; " +
                                               std::string(ra.route) + " needs a write token",
                                           "Authorization");
      r.headers.emplace_back(
          "WWW-Authenticate",
          R"(Bearer realm="alertbridge", error="insufficient_scope", scope="write")");
      return Refusal{ra.route, std::move(r)};
    }
    caller.token_name = match->name;
  }
  if (!SafeMethod(req.method) && TakesPost(ra.route)) {
    if (auto refused = CheckSameSite(req)) return Refusal{ra.route, std::move(*refused)};
  }
  return caller;
}

std::optional<HttpResponse> Api::CheckSameSite(const HttpRequest& req) const {
  if (!IsJsonContentType(req.Header("Content-Type"))) {
    return HttpResponse::Error(
        415, "Content-Type must be application/json (also for an empty body)", "Content-Type");
  }
  const std::string_view fetch_site = req.Header("Sec-Fetch-Site");
  if (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none") {
    return CrossSite("Sec-Fetch-Site: " + AsciiLower(fetch_site));
  }
  const std::string_view origin = Trim(req.Header("Origin"));
  if (!origin.empty()) {
    const std::string o = AsciiLower(origin);
    bool ours =
        std::find(allowed_origins_.begin(), allowed_origins_.end(), o) != allowed_origins_.end();
    if (!ours && !wildcard_port_.empty()) {
      // Listening everywhere: a page served by us under any address of this machine.
      const size_t scheme_end = o.find("://");
      if (scheme_end != std::string::npos) {
        auto [host, port] = SplitHostPort(std::string_view(o).substr(scheme_end + 3));
        ours = IsIpLiteral(host) && port == wildcard_port_;
      }
    }
    if (!ours) return CrossSite("Origin " + std::string(origin) + " is not ours");
  }
  // A browser's request (it sends Origin or Sec-Fetch-*) must also name us in Host: a page whose
  // DNS name was rebound to this address still says its own name there.
  if (!origin.empty() || !fetch_site.empty()) {
    const std::string host = AsciiLower(Trim(req.Header("Host")));
    bool ours =
        std::find(allowed_hosts_.begin(), allowed_hosts_.end(), host) != allowed_hosts_.end();
    if (!ours && !wildcard_port_.empty()) {
      auto [name, port] = SplitHostPort(host);
      ours = IsIpLiteral(name) && port == wildcard_port_;
    }
    if (!ours) return CrossSite("Host " + host + " is not ours");
  }
  return std::nullopt;
}

}  // namespace ab
