// The common part of the fake ticket systems (Jira, GitHub, ServiceNow) the contract tests talk
// to: an HTTP server on 127.0.0.1 (free port) that records every request, checks its
// authentication, and can be told to fail the next requests the ways real services fail (429 with
// Retry-After, 500, a hang past the client's timeout, a connection closed mid-answer, GitHub's
// rate-limit 403, an answer lost after the request took effect). A request that breaks the vendor's
// documented API is answered as the vendor would (400/404/410/422) AND listed in Violations(),
// which every test expects empty.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace ab::testing {

struct ApiRequest {
  std::string method;
  std::string path;                            // without the query
  std::map<std::string, std::string> params;   // decoded query parameters
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  nlohmann::json json;  // the body parsed (null when empty or not JSON)
  int status = 0;       // what we answered

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

struct ApiAnswer {
  int status = 200;
  nlohmann::json body;  // null: no body
  std::map<std::string, std::string> headers;

  static ApiAnswer Json(int status, nlohmann::json body) { return {status, std::move(body), {}}; }
  static ApiAnswer Empty(int status) { return {status, nullptr, {}}; }
};

struct Fault {
  // kLoseAnswer: the request takes effect, then the connection drops before the answer (a crash
  // or a network cut between the vendor's commit and ours). kApplyThenHang: the request takes
  // effect, then the answer waits for ReleaseHangs() (the caller is killed while it waits).
  enum class Kind { kStatus, kHang, kClose, kLoseAnswer, kApplyThenHang };
  Kind kind = Kind::kStatus;
  ApiAnswer answer;  // kStatus: what to answer instead

  static Fault TooManyRequests(const std::string& retry_after) {
    return {Kind::kStatus, {429, {{"message", "slow down"}}, {{"Retry-After", retry_after}}}};
  }
  static Fault ServerError() { return {Kind::kStatus, {500, {{"message", "boom"}}, {}}}; }
  static Fault Status(ApiAnswer a) { return {Kind::kStatus, std::move(a)}; }
  static Fault Hang() { return {Kind::kHang, {}}; }
  static Fault Close() { return {Kind::kClose, {}}; }
  static Fault LoseAnswer() { return {Kind::kLoseAnswer, {}}; }
  static Fault ApplyThenHang() { return {Kind::kApplyThenHang, {}}; }
};

class FakeTicketApi {
 public:
  // `authorization`: the exact Authorization header every request must carry.
  explicit FakeTicketApi(std::string authorization);
  virtual ~FakeTicketApi();
  FakeTicketApi(const FakeTicketApi&) = delete;
  FakeTicketApi& operator=(const FakeTicketApi&) = delete;

  std::string Url(const std::string& path = "") const;

  // The next `times` requests (with `method` and `path`, when given) get `fault` instead of an
  // answer; they change nothing in the fake's state (but kLoseAnswer).
  void FailNext(Fault fault, int times = 1, const std::string& method = "",
                const std::string& path = "");
  std::vector<ApiRequest> Requests() const;
  // "METHOD /path" of each request, for compact assertions.
  std::vector<std::string> Calls() const;
  std::vector<std::string> Violations() const;
  void ReleaseHangs();

 protected:
  // The subclass constructor calls Start() once it can handle requests, and its destructor calls
  // Stop(), so that no request reaches a half-destroyed fake.
  void Start();
  void Stop();
  // Answers a well-authenticated request; called with mu_ held. Report API violations with
  // Violation() and answer what the vendor answers.
  virtual ApiAnswer Handle(const ApiRequest& req) = 0;
  // Vendor-specific header checks (Accept, API version, ...): "" when fine.
  virtual std::string CheckHeaders(const ApiRequest&) const { return {}; }
  // An error body in the vendor's shape.
  virtual nlohmann::json ErrorBody(const std::string& message) const = 0;
  ApiAnswer Violation(int status, const std::string& message);

  mutable std::mutex mu_;

 private:
  void Serve(ApiRequest& req, ApiAnswer* answer, Fault::Kind* fault);

  std::string authorization_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
  std::condition_variable cv_;
  struct PendingFault {
    Fault fault;
    std::string method;
    std::string path;
  };
  std::deque<PendingFault> faults_;
  std::vector<ApiRequest> requests_;
  std::vector<std::string> violations_;
  bool released_ = false;
};

// Code points of UTF-8 text (vendors limit characters).
size_t Chars(const std::string& s);

}  // namespace ab::testing
