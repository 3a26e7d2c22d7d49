#include "vendor_server.h"

#include <httplib.h>

#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ab::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

VendorServer::VendorServer(Model model)
    : model_(std::move(model)), server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(16); };
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    VendorRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [name, value] : req.params) r.query[name] = value;
    for (const auto& [name, value] : req.headers) r.headers[Lower(name)] = value;
    r.body = req.body;
    VendorReply reply;
    Handle(std::move(r), &reply);
    res.status = reply.status;
    if (!reply.retry_after.empty()) res.set_header("Retry-After", reply.retry_after);
    if (!reply.body.empty()) res.set_content(reply.body, reply.content_type.c_str());
  };
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Patch(".*", handler);
  server_->Get(".*", handler);
  server_->Delete(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("vendor server cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the listen loop has started is lost and the loop would then run forever: wait
  // for it (httplib 0.11 has no wait_until_ready).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("vendor server did not start listening");
    }
    std::this_thread::yield();
  }
}

VendorServer::~VendorServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  server_->stop();
  thread_.join();
}

std::string VendorServer::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void VendorServer::FailNext(VendorReply reply, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < times; ++i) faults_.push_back(reply);
}

void VendorServer::Handle(VendorRequest req, VendorReply* reply) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!faults_.empty()) {
    *reply = faults_.front();
    faults_.pop_front();
    if (reply->echo_request) {
      std::string all = req.method + " " + req.path + "\n";
      for (const auto& [name, value] : req.headers) all += name + ": " + value + "\n";
      all += req.body;
      reply->body = nlohmann::json{{"message", all}}.dump();
    }
  } else {
    lock.unlock();
    *reply = model_(req);  // models keep their own state under their own lock
    lock.lock();
  }
  req.status = reply->status;
  req.answer = reply->body;
  requests_.push_back(req);
  if (reply->hang) cv_.wait(lock, [this] { return stopping_; });
}

std::vector<VendorRequest> VendorServer::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<VendorRequest> VendorServer::Accepted() const {
  std::vector<VendorRequest> out;
  for (const VendorRequest& r : Requests()) {
    if (r.status >= 200 && r.status < 300) out.push_back(r);
  }
  return out;
}

}  // namespace ab::testing
