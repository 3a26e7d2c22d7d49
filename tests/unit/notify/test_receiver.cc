#include "test_receiver.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "common/crypto.h"

namespace ab::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string KeyOf(const std::string& webhook_id) {
  const size_t dot = webhook_id.find_last_of("._");  // "<key>_<seq>" ("<key>.<seq>" before)
  return dot == std::string::npos ? webhook_id : webhook_id.substr(0, dot);
}

// Standard Webhooks verification as a consumer writes it, from the spec rather than from the
// code under test: any of the space-separated "v1,<base64>" signatures may match.
bool Verify(const std::string& key, const ReceivedRequest& r, TimePoint now, std::string* error) {
  const std::string id = r.Header("webhook-id");
  const std::string ts = r.Header("webhook-timestamp");
  const std::string sigs = r.Header("webhook-signature");
  if (id.empty() || ts.empty() || sigs.empty()) {
    *error = "missing webhook-id, webhook-timestamp or webhook-signature";
    return false;
  }
  char* end = nullptr;
  const long long seconds = std::strtoll(ts.c_str(), &end, 10);
  if (end == ts.c_str() || *end != '\0') {
    *error = "webhook-timestamp is not an integer";
    return false;
  }
  const long long now_s = ToMillis(now) / 1000;
  if (seconds > now_s + 300 || seconds < now_s - 300) {
    *error = "webhook-timestamp more than 5 minutes off";
    return false;
  }
  const std::string expected = Base64Encode(HmacSha256(key, id + "." + ts + "." + r.body));
  size_t pos = 0;
  bool match = false;
  while (pos <= sigs.size()) {
    size_t space = sigs.find(' ', pos);
    if (space == std::string::npos) space = sigs.size();
    const std::string token = sigs.substr(pos, space - pos);
    // Compare every candidate, not just until the first match: no early exit to time.
    if (token.rfind("v1,", 0) == 0 && ConstantTimeEqual(token.substr(3), expected)) match = true;
    pos = space + 1;
  }
  if (!match) *error = "no signature matches";
  return match;
}

}  // namespace

TestReceiver::TestReceiver(std::optional<std::string> key, std::function<TimePoint()> now)
    : key_(std::move(key)), now_(std::move(now)), server_(std::make_unique<httplib::Server>()) {
  if (!now_) now_ = [] { return SystemClock().now(); };
  // Idle keep-alive connections each hold a server thread; leave room for hung requests too.
  server_->new_task_queue = [] { return new httplib::ThreadPool(32); };
  server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    ReceivedRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [name, value] : req.headers) r.headers[Lower(name)] = value;
    r.body = req.body;
    Reply reply;
    Handle(r, &reply);
    res.status = reply.status;
    if (!reply.retry_after.empty()) res.set_header("Retry-After", reply.retry_after);
    res.set_content("ok", "text/plain");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("test receiver cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

TestReceiver::~TestReceiver() {
  ReleaseHangs();
  server_->stop();
  thread_.join();
}

void TestReceiver::Handle(const ReceivedRequest& received, Reply* reply) {
  ReceivedRequest r = received;
  if (key_) {
    r.signature_ok = Verify(*key_, r, now_(), &r.verify_error);
  }
  const std::string key = KeyOf(r.Header("webhook-id"));
  std::unique_lock<std::mutex> lock(mu_);
  const int index = static_cast<int>(requests_.size());
  if (key_ && !r.signature_ok) {
    *reply = Reply::Status(401);
  } else if (responder_) {
    *reply = responder_(r, index);
  }
  r.status = reply->status;
  const int now_in_flight = ++in_flight_by_key_[key];
  max_per_key_ = std::max(max_per_key_, now_in_flight);
  requests_.push_back(r);
  cv_.notify_all();
  if (reply->hang) {
    ++hanging_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
    --hanging_;
  }
  --in_flight_by_key_[key];
}

std::string TestReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void TestReceiver::SetResponder(Responder responder) {
  std::lock_guard<std::mutex> lock(mu_);
  responder_ = std::move(responder);
}

std::vector<ReceivedRequest> TestReceiver::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

bool TestReceiver::WaitForRequests(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

bool TestReceiver::WaitForHanging(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return hanging_ >= n; });
}

void TestReceiver::ReleaseHangs() {
  std::lock_guard<std::mutex> lock(mu_);
  released_ = true;
  cv_.notify_all();
}

int TestReceiver::MaxConcurrencyPerKey() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_per_key_;
}

ClosingServer::ClosingServer() {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("closing server cannot bind 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] {
    while (true) {
      const int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) return;  // the listening socket was shut down
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++accepted_;
      }
      ::close(conn);
    }
  });
}

ClosingServer::~ClosingServer() {
  ::shutdown(fd_, SHUT_RDWR);  // wakes the blocked accept()
  thread_.join();
  ::close(fd_);
}

int ClosingServer::Accepted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

}  // namespace ab::testing
