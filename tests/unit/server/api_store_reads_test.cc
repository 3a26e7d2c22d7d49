// The API's store reads (issue 13 items 7 and 9): they run on the worker pool, never on the
// calling HTTP thread; one incident's alerts and timeline come a page at a time; a store error is
// answered in the client's terms with no file or SQL in it.
#include <nlohmann/json.hpp>

#include "pipeline_fixture.h"
#include "server/api.h"
#include "server/blocking_pool.h"
#include "server/metrics.h"

namespace ab::testing {
namespace {

class ApiStoreReadsTest : public PipelineFaultTest {
 protected:
  void SetUp() override {
    PipelineFaultTest::SetUp();
    Start();
    auto api = Api::Create(
        ApiDeps{&config_, faulty_.get(), pipeline_.get(), &metrics_, &clock_, nullptr, &pool_});
    ASSERT_TRUE(api.ok()) << api.error().message;
    api_ = std::move(*api);
  }
  void TearDown() override {
    faulty_->read_gate.Open();
    pool_.Stop();
    api_.reset();
    PipelineFaultTest::TearDown();
  }
  // Handles a GET; the future holds the answer.
  std::future<HttpResponse> Get(const std::string& path, const std::string& query = "") {
    HttpRequest req;
    req.method = "GET";
    req.path = path;
    req.query = query;
    req.target = path + (query.empty() ? "" : "?" + query);
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    api_->Handle(std::move(req), [answer](HttpResponse r) { answer->set_value(std::move(r)); });
    return answer->get_future();
  }
  static HttpResponse Wait(std::future<HttpResponse> f) {
    if (f.wait_for(kDeadline) != std::future_status::ready) {
      ADD_FAILURE() << "no answer";
      return {};
    }
    return f.get();
  }

  Metrics metrics_;
  BlockingPool pool_{2, 16};
  std::unique_ptr<Api> api_;
};

TEST_F(ApiStoreReadsTest, AStoreReadNeverHoldsTheCallingThread) {
  faulty_->hold_reads = true;
  // Handle returns while the store read is still waiting: the HTTP thread is free for the next
  // request, which is answered meanwhile.
  std::future<HttpResponse> list = Get("/api/v1/incidents");
  EXPECT_EQ(list.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  EXPECT_EQ(Wait(Get("/-/ready")).status, 200);
  faulty_->read_gate.Open();
  HttpResponse r = Wait(std::move(list));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(ApiStoreReadsTest, AStoreErrorIsAnsweredWithoutItsDetails) {
  faulty_->fail_reads = true;
  for (const char* path : {"/api/v1/incidents", "/api/v1/incidents/1", "/api/v1/outbox"}) {
    HttpResponse r = Wait(Get(path));
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_EQ(r.body.find("secret-path"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("INSERT"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("store unavailable"), std::string::npos) << r.body;
    bool retry_after = false;
    for (const auto& [name, value] : r.headers) retry_after |= name == "Retry-After";
    EXPECT_TRUE(retry_after) << path;
  }
}

TEST_F(ApiStoreReadsTest, AnIncidentsAlertsAndTimelineComeAPageAtATime) {
  for (const char* instance : {"a", "b", "c"}) ASSERT_TRUE(Send(Firing("checkout", instance)).ok());
  std::vector<std::string> instances;
  size_t events = 0;
  std::string query = "limit=2";
  for (int page = 0; page < 5; ++page) {
    HttpResponse r = Wait(Get("/api/v1/incidents/1", query));
    ASSERT_EQ(r.status, 200) << r.body;
    nlohmann::json body = nlohmann::json::parse(r.body);
    EXPECT_LE(body["alerts"].size(), 2u);
    EXPECT_LE(body["timeline"].size(), 2u);
    for (const auto& a : body["alerts"]) instances.push_back(a["labels"]["instance"]);
    events += body["timeline"].size();
    if (body["alerts_next_cursor"].is_null() && body["timeline_next_cursor"].is_null()) break;
    query = "limit=2";
    if (!body["alerts_next_cursor"].is_null()) {
      query += "&alerts_cursor=" + body["alerts_next_cursor"].get<std::string>();
    } else {
      query += "&alerts_cursor=" + std::to_string(INT64_MAX);
    }
    if (!body["timeline_next_cursor"].is_null()) {
      query += "&timeline_cursor=" + body["timeline_next_cursor"].get<std::string>();
    } else {
      query += "&timeline_cursor=" + std::to_string(INT64_MAX);
    }
  }
  EXPECT_EQ(instances, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(events, 3u);  // declared, then two alert_added
  EXPECT_EQ(Wait(Get("/api/v1/incidents/1", "limit=0")).status, 400);
  EXPECT_EQ(Wait(Get("/api/v1/incidents/1", "alerts_cursor=x")).status, 400);
}

}  // namespace
}  // namespace ab::testing
