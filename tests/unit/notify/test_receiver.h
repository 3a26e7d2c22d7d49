// Local HTTP peers for the delivery tests, bound to 127.0.0.1 on a free port.
// TestReceiver verifies Standard Webhooks signatures the way a careful consumer would (recompute,
// compare in constant time, reject stale timestamps), records every request, and answers as the
// test scripts it. ClosingServer accepts connections and closes them without a word.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"

namespace httplib {
class Server;
}

namespace ab::testing {

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool signature_ok = false;  // only meaningful when the receiver has a key
  std::string verify_error;
  int status = 0;  // what we answered

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Reply {
  int status = 200;
  std::string retry_after;
  bool hang = false;  // hold the request until ReleaseHangs()

  static Reply Status(int code, std::string retry_after = {}) {
    return Reply{code, std::move(retry_after), false};
  }
  static Reply Hang() { return Reply{200, {}, true}; }
};

class TestReceiver {
 public:
  using Responder = std::function<Reply(const ReceivedRequest&, int index)>;

  // `key`: Standard Webhooks key bytes to verify with (none: signatures are not checked).
  // `now`: the receiver's idea of the current time, for the timestamp tolerance.
  explicit TestReceiver(std::optional<std::string> key = std::nullopt,
                        std::function<TimePoint()> now = nullptr);
  ~TestReceiver();
  TestReceiver(const TestReceiver&) = delete;
  TestReceiver& operator=(const TestReceiver&) = delete;

  std::string Url(const std::string& path = "/hook") const;
  void SetResponder(Responder responder);
  std::vector<ReceivedRequest> Requests() const;
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool WaitForHanging(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void ReleaseHangs();
  // Highest number of requests seen at once for one webhook-id prefix (the part before the last
  // '_' or '.', i.e. one incident when ids are "<key>_<seq>").
  int MaxConcurrencyPerKey() const;

 private:
  void Handle(const ReceivedRequest& req, Reply* reply);

  std::optional<std::string> key_;
  std::function<TimePoint()> now_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  Responder responder_;
  std::vector<ReceivedRequest> requests_;
  std::map<std::string, int> in_flight_by_key_;
  int max_per_key_ = 0;
  size_t hanging_ = 0;
  bool released_ = false;
};

class ClosingServer {
 public:
  ClosingServer();
  ~ClosingServer();
  ClosingServer(const ClosingServer&) = delete;
  ClosingServer& operator=(const ClosingServer&) = delete;

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  int Accepted() const;

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  int accepted_ = 0;
};

}  // namespace ab::testing
