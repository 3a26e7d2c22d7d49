// A plain POSIX-socket HTTP client and a server fixture for the transport tests (no Beast here:
// it is expensive to compile, and a hand-written client lets the tests misbehave the way slow or
// hostile peers do).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"

namespace ab::http_test {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

inline constexpr auto kDeadline = std::chrono::seconds(5);

class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

 private:
  int fd_;
};

// `from`: the local address to connect from, e.g. "127.0.0.2" to be another client to the server
// (all of 127.0.0.0/8 is loopback on Linux). Empty: the kernel's choice (127.0.0.1).
inline Socket Connect(uint16_t port, const char* from = nullptr) {
  Socket s(::socket(AF_INET, SOCK_STREAM, 0));
  if (from != nullptr) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &local.sin_addr);
    if (::bind(s.fd(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) return Socket();
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return Socket();
  int one = 1;
  ::setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return s;
}

inline bool SendAll(const Socket& s, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(s.fd(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

enum class ReadResult { kData, kClosed, kTimeout };

// Waits until data or a close arrives, up to `until`; appends what came to `buffer`.
inline ReadResult ReadSome(const Socket& s, std::string& buffer, Clock::time_point until) {
  const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
  pollfd pfd{s.fd(), POLLIN, 0};
  if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0) return ReadResult::kTimeout;
  char chunk[16384];
  const ssize_t n = ::recv(s.fd(), chunk, sizeof(chunk), 0);
  if (n <= 0) return ReadResult::kClosed;  // orderly close or reset
  buffer.append(chunk, static_cast<size_t>(n));
  return ReadResult::kData;
}

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// Reads one Content-Length-framed response; bytes after it stay in `buffer` (pipelining).
inline std::optional<RawResponse> ReadResponse(const Socket& s, std::string& buffer,
                                               Clock::time_point until = Clock::now() + kDeadline) {
  size_t end;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (ReadSome(s, buffer, until) != ReadResult::kData) return std::nullopt;
  }
  RawResponse response;
  std::string head = buffer.substr(0, end + 2);
  response.status = std::stoi(head.substr(9, 3));
  for (size_t line = head.find("\r\n") + 2; line < head.size();) {
    const size_t eol = head.find("\r\n", line);
    const std::string field = head.substr(line, eol - line);
    const size_t colon = field.find(':');
    std::string name = field.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers[name] = field.substr(field.find_first_not_of(' ', colon + 1));
    line = eol + 2;
  }
  const size_t length = std::stoul(response.header("content-length"));
  while (buffer.size() < end + 4 + length) {
    if (ReadSome(s, buffer, until) != ReadResult::kData) return std::nullopt;
  }
  response.body = buffer.substr(end + 4, length);
  buffer.erase(0, end + 4 + length);
  return response;
}

inline std::optional<RawResponse> RoundTrip(const Socket& s, std::string_view request) {
  std::string buffer;
  if (!SendAll(s, request)) return std::nullopt;
  return ReadResponse(s, buffer);
}

// True when the server closes the connection before `until`; data it sends is collected.
inline bool WaitForClose(const Socket& s, Clock::time_point until,
                         std::string* received = nullptr) {
  std::string buffer;
  for (;;) {
    switch (ReadSome(s, buffer, until)) {
      case ReadResult::kClosed:
        if (received) *received = buffer;
        return true;
      case ReadResult::kTimeout:
        return false;
      case ReadResult::kData:
        break;
    }
  }
}

inline std::string Get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra_headers) +
         "\r\n";
}

// Counts events from io threads and lets the test wait for a value, with a deadline.
class Counter {
 public:
  void Add(int delta) {
    std::lock_guard lock(mu_);
    value_ += delta;
    total_ += delta > 0 ? delta : 0;
    cv_.notify_all();
  }
  int value() const {
    std::lock_guard lock(mu_);
    return value_;
  }
  int total() const {
    std::lock_guard lock(mu_);
    return total_;
  }
  bool WaitFor(int expected) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return value_ == expected; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int value_ = 0;
  int total_ = 0;
};

// Responders the handler parked, for tests that answer later from another thread.
class ParkedResponders {
 public:
  void Park(Responder r) {
    std::lock_guard lock(mu_);
    parked_.push_back(std::move(r));
    cv_.notify_all();
  }
  std::optional<Responder> Take() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kDeadline, [&] { return !parked_.empty(); })) return std::nullopt;
    Responder r = std::move(parked_.front());
    parked_.pop_front();
    return r;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Responder> parked_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    options_.listen = "127.0.0.1:0";
    options_.threads = 2;
    handler_ = [this](HttpRequest&& request, Responder respond) {
      ++handled_;
      nlohmann::json echo = {
          {"method", request.method},
          {"path", request.path},
          {"query", request.query},
          {"name", request.Query("name")},
          {"x_test", request.Header("x-test")},
          {"body", request.body},
          {"remote", request.remote},
          {"listener", request.listener == Listener::kMain ? "main" : "management"},
          {"tls", request.tls}};
      respond(HttpResponse::Json(200, echo.dump()));
    };
  }

  uint16_t StartServer() {
    HttpServerStats stats;
    stats.on_connections = [this](int delta) { connections_.Add(delta); };
    stats.on_rejected_connection = [this] { rejected_.Add(1); };
    server_ = std::make_unique<HttpServer>(
        options_, [this](HttpRequest&& r, Responder respond) { handler_(std::move(r), respond); },
        stats);
    auto port = server_->Start();
    EXPECT_TRUE(port.ok()) << (port.ok() ? "" : port.error().message);
    port_ = port.ok() ? *port : 0;
    return port_;
  }

  ServerConfig options_;
  HttpHandler handler_;
  std::atomic<int> handled_{0};
  Counter connections_;
  Counter rejected_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

}  // namespace ab::http_test
