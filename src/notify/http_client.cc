#include "notify/http_client.h"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cctype>

namespace ab {
namespace {

// Idle connections kept per endpoint; more concurrent sends than this just open new ones.
constexpr size_t kMaxIdleClients = 8;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// What went wrong, naming the host and the cause in words an operator can act on: a name that
// does not resolve, a port nobody listens on and a certificate that does not match are three
// different fixes.
std::string DescribeTransportError(const HttpEndpoint& ep, httplib::Error err) {
  const std::string where = ep.host + ":" + std::to_string(ep.port);
  switch (err) {
    case httplib::Error::Connection: {
      // httplib reports a failed name lookup and a refused connection alike: ask the resolver.
      addrinfo hints{};
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* found = nullptr;
      const int rc = getaddrinfo(ep.host.c_str(), nullptr, &hints, &found);
      if (found != nullptr) freeaddrinfo(found);
      if (rc != 0) return "cannot resolve host " + ep.host + " (" + gai_strerror(rc) + ")";
      return "cannot connect to " + where + " (connection refused or unreachable)";
    }
    case httplib::Error::ConnectionTimeout:
      return "connecting to " + where + " timed out";
    case httplib::Error::Read:
      return "no answer from " + where + " (read failed or timed out)";
    case httplib::Error::Write:
      return "sending to " + where + " failed (connection closed or timed out)";
    case httplib::Error::SSLConnection:
      return "TLS handshake with " + where + " failed (is it serving TLS on that port?)";
    case httplib::Error::SSLServerVerification:
      return "TLS certificate of " + ep.host + " could not be verified";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the CA certificates to verify " + ep.host;
    default:
      return httplib::to_string(err) + " (" + where + ")";
  }
}

}  // namespace

std::string HttpEndpoint::Origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HttpEndpoint> ParseHttpUrl(std::string_view url) {
  HttpEndpoint ep;
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return MakeError("url must start with http:// or https://");
  ep.scheme = Lower(url.substr(0, sep));
  if (ep.scheme != "http" && ep.scheme != "https") {
    return MakeError("url scheme must be http or https, not \"" + ep.scheme + "\"");
  }
  std::string_view rest = url.substr(sep + 3);
  const size_t path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view path = path_at == std::string_view::npos ? "" : rest.substr(path_at);
  if (const size_t hash = path.find('#'); hash != std::string_view::npos)
    path = path.substr(0, hash);
  if (authority.find('@') != std::string_view::npos) {
    return MakeError("credentials in the url are not supported; set an Authorization header");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return MakeError("url has an unclosed IPv6 literal");
    ep.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return MakeError("url has junk after the IPv6 literal");
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    ep.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (ep.host.empty()) return MakeError("url has no host");
  for (char c : ep.host) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '\\') {
      return MakeError("url host contains an invalid character");
    }
  }
  ep.port = ep.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    if (port_text.size() > 5) return MakeError("url port is not a number in 1-65535");
    int port = 0;
    for (char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        return MakeError("url port is not a number in 1-65535");
      }
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) return MakeError("url port is not a number in 1-65535");
    ep.port = port;
  }
  ep.path =
      path.empty() ? "/" : (path.front() == '?' ? "/" + std::string(path) : std::string(path));
  for (char c : ep.path) {
    if (static_cast<unsigned char>(c) <= ' ') {
      return MakeError("url path contains spaces or control characters; percent-encode them");
    }
  }
  return ep;
}

std::string HttpResponse::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(HttpEndpoint endpoint, Duration timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

HttpClient::~HttpClient() = default;

std::unique_ptr<httplib::Client> HttpClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(endpoint_.Origin());
  client->set_connection_timeout(timeout_);
  client->set_read_timeout(timeout_);
  client->set_write_timeout(timeout_);
  client->set_keep_alive(true);
  client->set_follow_location(false);
  client->set_tcp_nodelay(true);  // small requests: do not wait on Nagle + delayed ACK
  return client;
}

void HttpClient::Release(std::unique_ptr<httplib::Client> client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdleClients) idle_.push_back(std::move(client));
}

HttpResponse HttpClient::Send(const std::string& method, const std::string& path,
                              const HttpHeaders& headers, const std::string& body) {
  HttpResponse out;
  auto client = Acquire();
  if (!client->is_valid()) {
    out.error = "client could not be created (is TLS support built in?)";
    return out;
  }
  httplib::Request req;
  req.method = method;
  req.path = path;
  for (const auto& [name, value] : headers) req.headers.emplace(name, value);
  req.body = body;
  bool too_large = false;
  // A receiver that streams an endless body must not hold a sender thread or eat memory.
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    if (out.body.size() + len > kMaxResponseBody) {
      too_large = true;
      return false;
    }
    out.body.append(data, len);
    return true;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const bool ok = client->send(req, res, err);
  if (!ok || too_large) {
    out.status = 0;
    out.body.clear();
    out.error = too_large ? "response body from " + endpoint_.host + " larger than 1 MiB"
                          : DescribeTransportError(endpoint_, err);
    return out;  // the connection is in an unknown state: drop it
  }
  out.status = res.status;
  out.retry_after = res.get_header_value("Retry-After");
  for (const auto& [name, value] : res.headers) out.headers.emplace(Lower(name), value);
  Release(std::move(client));
  return out;
}

}  // namespace ab
