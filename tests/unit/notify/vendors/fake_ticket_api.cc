#include "fake_ticket_api.h"

#include <httplib.h>

#include <cctype>
#include <stdexcept>

namespace ab::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

size_t Chars(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

FakeTicketApi::FakeTicketApi(std::string authorization)
    : authorization_(std::move(authorization)), server_(std::make_unique<httplib::Server>()) {}

FakeTicketApi::~FakeTicketApi() { Stop(); }

void FakeTicketApi::Stop() {
  ReleaseHangs();
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

void FakeTicketApi::Start() {
  server_->new_task_queue = [] { return new httplib::ThreadPool(16); };
  server_->set_tcp_nodelay(true);  // small answers: no Nagle + delayed-ACK stalls
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    ApiRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [name, value] : req.params) r.params.emplace(name, value);
    for (const auto& [name, value] : req.headers) r.headers[Lower(name)] = value;
    r.body = req.body;
    r.json = nlohmann::json::parse(r.body, nullptr, false);
    if (r.json.is_discarded()) r.json = nullptr;
    ApiAnswer answer;
    Fault::Kind fault = Fault::Kind::kStatus;
    Serve(r, &answer, &fault);
    if (fault == Fault::Kind::kClose || fault == Fault::Kind::kLoseAnswer) {
      // Headers go out, then the connection drops in the middle of the body.
      res.set_chunked_content_provider("application/json",
                                       [](size_t, httplib::DataSink&) { return false; });
      return;
    }
    res.status = answer.status;
    for (const auto& [name, value] : answer.headers) res.set_header(name, value);
    if (!answer.body.is_null()) res.set_content(answer.body.dump(), "application/json");
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Patch(".*", handler);
  server_->Delete(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake vendor cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void FakeTicketApi::Serve(ApiRequest& r, ApiAnswer* answer, Fault::Kind* fault) {
  std::unique_lock<std::mutex> lock(mu_);
  auto pending = faults_.begin();
  while (pending != faults_.end() && ((!pending->method.empty() && pending->method != r.method) ||
                                      (!pending->path.empty() && pending->path != r.path))) {
    ++pending;
  }
  const auto applies = [](Fault::Kind k) {
    return k == Fault::Kind::kLoseAnswer || k == Fault::Kind::kApplyThenHang;
  };
  if (pending != faults_.end() && !applies(pending->fault.kind)) {
    const Fault f = pending->fault;
    faults_.erase(pending);
    *fault = f.kind;
    r.status = f.kind == Fault::Kind::kStatus ? f.answer.status : 0;
    requests_.push_back(r);
    if (f.kind == Fault::Kind::kHang) {
      cv_.wait(lock, [this] { return released_; });
      *answer = ApiAnswer::Json(503, ErrorBody("released"));
    } else {
      *answer = f.answer;
    }
    return;
  }
  bool hang_after = false;
  if (pending != faults_.end()) {
    hang_after = pending->fault.kind == Fault::Kind::kApplyThenHang;
    // kLoseAnswer: the connection drops after Handle() below has made the change.
    if (!hang_after) *fault = Fault::Kind::kClose;
    faults_.erase(pending);
  }
  if (r.Header("authorization") != authorization_) {
    *answer = ApiAnswer::Json(401, ErrorBody("bad credentials"));
    violations_.push_back(r.method + " " + r.path + ": wrong or missing Authorization");
  } else if (std::string problem = CheckHeaders(r); !problem.empty()) {
    *answer = Violation(400, problem);
  } else if ((r.method == "POST" || r.method == "PUT" || r.method == "PATCH") &&
             r.Header("content-type").rfind("application/json", 0) != 0) {
    *answer = Violation(415, "Content-Type must be application/json");
  } else {
    *answer = Handle(r);
  }
  r.status = answer->status;
  requests_.push_back(r);
  if (hang_after) cv_.wait(lock, [this] { return released_; });
}

ApiAnswer FakeTicketApi::Violation(int status, const std::string& message) {
  violations_.push_back(message);
  return ApiAnswer::Json(status, ErrorBody(message));
}

std::string FakeTicketApi::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void FakeTicketApi::FailNext(Fault fault, int times, const std::string& method,
                             const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < times; ++i) faults_.push_back({fault, method, path});
}

std::vector<ApiRequest> FakeTicketApi::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<std::string> FakeTicketApi::Calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const ApiRequest& r : requests_) out.push_back(r.method + " " + r.path);
  return out;
}

std::vector<std::string> FakeTicketApi::Violations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return violations_;
}

void FakeTicketApi::ReleaseHangs() {
  std::lock_guard<std::mutex> lock(mu_);
  released_ = true;
  cv_.notify_all();
}

}  // namespace ab::testing
