// A local stand-in for a vendor's HTTP API, bound to 127.0.0.1 on a free port. A model (one per
// vendor, see fakes.h) validates each request the way the real service does and answers like it;
// tests can put faults in front of the model (429 with Retry-After, 500, 400, a hang past the
// client's timeout). Every request is recorded with what it was answered.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace ab::testing {

struct VendorRequest {
  std::string method;
  std::string path;  // without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  int status = 0;  // what we answered
  std::string answer;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

struct VendorReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string retry_after;
  bool hang = false;          // hold the request until the server is destroyed
  bool echo_request = false;  // answer with the whole request (headers and body) in "message"

  static VendorReply Json(int status, std::string body) {
    return VendorReply{status, std::move(body), "application/json", {}, false, false};
  }
  static VendorReply Text(int status, std::string body) {
    return VendorReply{status, std::move(body), "text/plain", {}, false, false};
  }
};

class VendorServer {
 public:
  using Model = std::function<VendorReply(const VendorRequest&)>;

  explicit VendorServer(Model model);
  ~VendorServer();
  VendorServer(const VendorServer&) = delete;
  VendorServer& operator=(const VendorServer&) = delete;

  // "http://127.0.0.1:<port><path>"
  std::string Url(const std::string& path = "") const;

  // The next `times` requests get `reply` instead of reaching the model.
  void FailNext(VendorReply reply, int times = 1);
  std::vector<VendorRequest> Requests() const;
  // Requests the model answered 2xx: what the vendor accepted.
  std::vector<VendorRequest> Accepted() const;

 private:
  void Handle(VendorRequest req, VendorReply* reply);

  Model model_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<VendorReply> faults_;
  std::vector<VendorRequest> requests_;
  bool stopping_ = false;
};

}  // namespace ab::testing
