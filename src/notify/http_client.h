// Outbound HTTP for receivers: URL parsing and a small keep-alive pool of cpp-httplib clients per
// endpoint. Shared by every HTTP receiver type so that timeouts, redirects and response limits are
// handled once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/time.h"

namespace httplib {
class Client;
}

namespace ab {

struct HttpEndpoint {
  std::string scheme;  // "http" | "https"
  std::string host;    // IPv6 literals without brackets
  int port = 0;
  std::string path;    // path and query, at least "/"

  // "scheme://host:port", the form httplib::Client takes.
  std::string Origin() const;
};

// Accepts http:// and https:// URLs. Errors never repeat the URL (it may carry a token): they
// name the part that is wrong.
Result<HttpEndpoint> ParseHttpUrl(std::string_view url);

struct HttpResponse {
  int status = 0;           // 0: no response; `error` says why (connect, read, timeout, TLS)
  std::string error;
  std::string body;         // at most kMaxResponseBody bytes
  std::string retry_after;  // the Retry-After header, if any
  // Every response header, names lower-cased (rate-limit headers such as GitHub's
  // x-ratelimit-reset). A repeated header keeps its first value.
  std::map<std::string, std::string> headers;

  std::string Header(const std::string& lower_name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  static constexpr size_t kMaxResponseBody = 1 << 20;

  // `timeout` bounds connect, each read and each write (not DNS resolution: see TOOLCHAIN.md).
  HttpClient(HttpEndpoint endpoint, Duration timeout);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const HttpEndpoint& endpoint() const { return endpoint_; }

  // Thread-safe; concurrent calls use separate connections. Redirects are not followed.
  HttpResponse Send(const std::string& method, const std::string& path, const HttpHeaders& headers,
                    const std::string& body);

 private:
  std::unique_ptr<httplib::Client> Acquire();
  void Release(std::unique_ptr<httplib::Client> client);

  HttpEndpoint endpoint_;
  Duration timeout_;
  std::mutex mu_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;
};

}  // namespace ab
