// The whole path to a ticket: an alert or a person's action through the API, the engine, the
// store, the outbox worker and the jira receiver against the fake Jira, and back to the
// incident's timeline (issue 16: one assign is one comment; a step Jira refuses is on the
// timeline and nothing more goes downstream).
#include <gmock/gmock.h>

#include <map>
#include <memory>

#include "announcements.h"
#include "api_fixture.h"
#include "jira_fixture.h"
#include "notify/outbox_worker.h"

namespace ab::api_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

class JiraDeliveryTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    config_.rules[0].receivers = {"jira-ops"};
    config_.receivers = {testing::JiraConfig(jira_, true)};
  }
  void TearDown() override {
    if (worker_) worker_->Stop();
    worker_.reset();
    ApiTest::TearDown();
  }
  void StartAll() {
    Start();
    std::map<std::string, std::unique_ptr<Notifier>> notifiers;
    notifiers["jira-ops"] = testing::BuildNotifier(config_.receivers[0]);
    // Each attempt and store write of the worker wakes DeliverAll's wait.
    OutboxMetrics hooks;
    hooks.on_attempt = [this](const std::string&, const std::string&) { written_.Announce(); };
    hooks.on_store_write = [this](const std::string&) { written_.Announce(); };
    worker_ = std::make_unique<OutboxWorker>(*store_, std::move(notifiers),
                                             DeliveryPolicies(config_.receivers), clock_,
                                             std::move(hooks));
    worker_->Start();
  }
  // Wakes the worker and waits until nothing is pending; then every entry delivered.
  void DeliverAll() {
    worker_->Wake();
    Result<OutboxCounts> counts = OutboxCounts{};
    written_.WaitUntil(
        [&] {
          counts = store_->CountOutbox();
          return !counts.ok() || counts->pending == 0;
        },
        kDeadline);
    ASSERT_TRUE(counts.ok()) << counts.error().message;
    const OutboxCounts& c = *counts;
    ASSERT_EQ(c.pending, 0) << "still pending at the deadline";
    EXPECT_EQ(c.dead + c.held, 0);
  }
  void Declare() {
    HttpResponse r = Send(Post("/api/v1/alerts/alertmanager").Json(FiringCheckout()));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::vector<OutboxEntry> Outbox() {
    auto all = store_->ListOutbox(OutboxQuery{});
    EXPECT_TRUE(all.ok());
    return all.ok() ? *all : std::vector<OutboxEntry>{};
  }
  static std::vector<std::string> Types(const nlohmann::json& timeline) {
    std::vector<std::string> out;
    for (const auto& e : timeline) out.push_back(e["type"]);
    return out;
  }

  testing::FakeJira jira_{true, testing::JiraBasicAuth()};
  testing::Announcements written_;  // before worker_: its hooks announce here until it stops
  std::unique_ptr<OutboxWorker> worker_;
};

TEST_F(JiraDeliveryTest, OneAssignOfTeamAndCommanderIsOneComment) {
  StartAll();
  Declare();
  DeliverAll();
  ASSERT_THAT(jira_.Issues(), SizeIs(1));
  HttpResponse r = Send(Post("/api/v1/incidents/1/assign")
                            .Json(R"({"team": "payments", "commander": "bob", "actor": "alice"})"));
  ASSERT_EQ(r.status, 200) << r.body;
  DeliverAll();
  const std::vector<std::string> comments = jira_.Get("OPS-1").comments;
  ASSERT_THAT(comments, SizeIs(1));
  EXPECT_THAT(comments[0], HasSubstr("Incident assigned by alice: team payments, commander bob"));
  EXPECT_THAT(Outbox(), SizeIs(2));  // declared, assigned
  EXPECT_THAT(jira_.Violations(), IsEmpty());
}

TEST_F(JiraDeliveryTest, AStepTheScreenRefusesIsOnTheTimelineAndNothingMoreGoesOut) {
  jira_.ScreenLacks({"priority"});
  StartAll();
  Declare();
  DeliverAll();
  ASSERT_THAT(jira_.Issues(), SizeIs(1));
  EXPECT_FALSE(jira_.Get("OPS-1").fields.contains("priority"));

  HttpResponse r = Send(Get("/api/v1/incidents/1"));
  ASSERT_EQ(r.status, 200) << r.body;
  const nlohmann::json timeline = Body(r)["timeline"];
  ASSERT_THAT(Types(timeline), ElementsAre("declared", "delivery_degraded"));
  const nlohmann::json& degraded = timeline[1];
  EXPECT_EQ(degraded["seq"], 1) << "it follows the event whose delivery it was";
  EXPECT_EQ(degraded["actor"], "system");
  EXPECT_EQ(degraded["at"], timeline[0]["at"]) << "the fake clock stands still";
  EXPECT_EQ(degraded["details"]["receiver"], "jira-ops");
  EXPECT_EQ(degraded["details"]["step"], "priority");
  EXPECT_THAT(degraded["details"]["reason"].get<std::string>(),
              HasSubstr("not on the create screen of OPS/Incident"));
  EXPECT_THAT(r.body, Not(HasSubstr(testing::kJiraToken)));

  // Nothing extra went downstream: one create, no comment, no entry for the degraded step.
  EXPECT_EQ(testing::Count(jira_.Calls(), "POST /rest/api/2/issue"), 1);
  EXPECT_THAT(jira_.Get("OPS-1").comments, IsEmpty());
  const std::vector<OutboxEntry> outbox = Outbox();
  ASSERT_THAT(outbox, SizeIs(1));
  EXPECT_EQ(outbox[0].state, OutboxState::kDelivered);
  EXPECT_THAT(outbox[0].last_error, HasSubstr("delivered without: priority"));
  EXPECT_THAT(jira_.Violations(), IsEmpty());
}

TEST_F(JiraDeliveryTest, TimelinePagesKeepADegradedStepWithItsEvent) {
  jira_.ScreenLacks({"priority"});
  StartAll();
  Declare();
  DeliverAll();
  ASSERT_EQ(Send(Post("/api/v1/incidents/1/ack").Json("{}")).status, 200);
  DeliverAll();
  ASSERT_THAT(jira_.Get("OPS-1").comments, SizeIs(1));  // the acknowledgement

  HttpResponse first = Send(Get("/api/v1/incidents/1?limit=1"));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_THAT(Types(Body(first)["timeline"]), ElementsAre("declared", "delivery_degraded"));
  ASSERT_EQ(Body(first)["timeline_next_cursor"], "1");
  HttpResponse second = Send(Get("/api/v1/incidents/1?limit=1&timeline_cursor=1"));
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_THAT(Types(Body(second)["timeline"]), ElementsAre("acknowledged"));
  EXPECT_TRUE(Body(second)["timeline_next_cursor"].is_null());
}

}  // namespace
}  // namespace ab::api_test
