// An Api over a real SQLite store and pipeline, driven with HttpRequest values (no sockets): the
// routes' answers as a client would get them.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/api.h"

namespace ab::api_test {

inline constexpr auto kDeadline = std::chrono::seconds(10);
inline const TimePoint kT0 = FromMillis(1'790'000'000'000);

struct Request {
  std::string method = "GET";
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  Request& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  Request& Bearer(const std::string& token) { return Header("Authorization", "Bearer " + token); }
  Request& Json(std::string json) {
    body = std::move(json);
    return Header("Content-Type", "application/json");
  }
};

inline Request Get(std::string path) { return Request{"GET", std::move(path), {}, {}}; }
inline Request Post(std::string path) { return Request{"POST", std::move(path), {}, {}}; }

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ab-api-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = OpenSqliteStore((dir_ / "ab.db").string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    Rule r;
    r.name = "checkout";
    r.match = *ParseMatchers(R"(service="checkout")");
    config_.rules = {r};
    SourceConfig am;
    am.name = "alertmanager";
    am.type = "alertmanager";
    config_.sources = {am};
  }
  void TearDown() override {
    api_.reset();
    if (pipeline_) pipeline_->Stop();
    pipeline_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Builds the Api from config_ (call after adjusting it).
  Result<std::unique_ptr<Api>> Create() {
    pipeline_.reset();  // before the engine it runs
    engine_ = std::make_unique<Engine>(std::make_shared<RuleSet>(config_.rules));
    pipeline_ =
        std::make_unique<IngestPipeline>(*engine_, *store_, config_, clock_, &metrics_, nullptr);
    Status s = pipeline_->Start();
    EXPECT_TRUE(s.ok()) << s.error().message;
    ApiDeps deps;
    deps.config = &config_;
    deps.store = store_.get();
    deps.pipeline = pipeline_.get();
    deps.metrics = &metrics_;
    deps.clock = &clock_;
    return Api::Create(std::move(deps));
  }
  void Start() {
    auto api = Create();
    ASSERT_TRUE(api.ok()) << api.error().message;
    api_ = std::move(*api);
  }

  HttpResponse Send(const Request& r) {
    HttpRequest req;
    req.method = r.method;
    req.path = r.path.substr(0, r.path.find('?'));
    req.target = r.path;
    if (size_t q = r.path.find('?'); q != std::string::npos) req.query = r.path.substr(q + 1);
    req.headers = r.headers;
    req.body = r.body;
    req.remote = "127.0.0.1";
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    api_->Handle(std::move(req), [answer](HttpResponse resp) { answer->set_value(resp); });
    auto f = answer->get_future();
    EXPECT_EQ(f.wait_for(kDeadline), std::future_status::ready) << r.method << " " << r.path;
    return f.get();
  }

  static std::string Header(const HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }
  static nlohmann::json Body(const HttpResponse& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
  }

  // An Alertmanager webhook body with one firing checkout alert: an incident at once.
  static std::string FiringCheckout() {
    return R"({"version":"4","status":"firing","receiver":"bridge","groupLabels":{},
      "commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","groupKey":"{}",
      "alerts":[{"status":"firing","labels":{"alertname":"Down","service":"checkout"},
      "annotations":{},"startsAt":"2026-11-22T22:44:03.655Z","endsAt":"0001-01-01T00:00:00Z",
      "generatorURL":"","fingerprint":""}]})";
  }

  std::filesystem::path dir_;
  Config config_;
  FakeClock clock_{kT0};
  Metrics metrics_;
  std::unique_ptr<IncidentStore> store_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<IngestPipeline> pipeline_;
  std::unique_ptr<Api> api_;
};

}  // namespace ab::api_test
