#include "notify/opsgenie/opsgenie_notifier.h"

#include <gtest/gtest.h>

#include "event_fixture.h"
#include "vendors/fakes.h"
#include "vendors/harness.h"
#include "vendors/json_checks.h"

namespace ab {
namespace {

using nlohmann::json;
using testing::IncidentStory;
using testing::kGenieKey;
using testing::OpsgenieFake;
using Kind = SendResult::Kind;

ReceiverConfig OpsgenieConfig(const OpsgenieFake& fake, const std::string& key = kGenieKey) {
  ReceiverConfig c;
  c.name = "genie-payments";
  c.type = "opsgenie";
  c.url = Secret(fake.BaseUrl());
  auto s = std::make_shared<OpsgenieSettings>();
  s->api_key = Secret(key);
  c.settings = s;
  c.timeout = Duration(5000);
  return c;
}

std::unique_ptr<Notifier> Build(const ReceiverConfig& c) {
  auto n = MakeOpsgenieNotifier(c);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? std::move(n).value() : nullptr;
}

Incident Sev3Incident() {
  Incident inc = testing::SampleIncident();
  inc.base_severity = inc.priority = Severity::SEV3;
  return inc;
}

// Declare, update, acknowledge, resolve, reopen; returns the refs the sends gave back.
std::vector<ExternalRef> RunLifecycle(Notifier& n) {
  IncidentStory story(Sev3Incident());
  std::vector<ExternalRef> refs;
  for (EventType t : {EventType::kDeclared, EventType::kSeverityChanged, EventType::kStatusUpdate,
                      EventType::kAcknowledged, EventType::kResolved, EventType::kReopened}) {
    const SendResult r = n.Send(story.Next(t), SendContext{});
    EXPECT_EQ(r.kind, Kind::kOk) << ToString(t) << ": " << r.reason;
    if (r.ref) refs.push_back(*r.ref);
  }
  return refs;
}

TEST(OpsgenieNotifier, LifecycleUsesTheIncidentKeyAsAlias) {
  OpsgenieFake fake(kGenieKey);
  auto n = Build(OpsgenieConfig(fake));
  ASSERT_NE(n, nullptr);
  const std::string key = Sev3Incident().key;
  const std::vector<ExternalRef> refs = RunLifecycle(*n);
  EXPECT_TRUE(fake.Rejections().empty()) << fake.Rejections()[0];
  EXPECT_TRUE(fake.AsyncFailures().empty()) << fake.AsyncFailures()[0];

  const auto alerts = fake.Alerts();
  ASSERT_EQ(alerts.size(), 2u);  // the first closed on resolve, a new one on reopen
  EXPECT_EQ(alerts[0].alias, key);
  EXPECT_EQ(alerts[0].status, "closed");
  EXPECT_TRUE(alerts[0].acknowledged);
  EXPECT_EQ(alerts[0].priority, "P2");  // raised by severity_changed
  ASSERT_EQ(alerts[0].notes.size(), 1u);
  EXPECT_EQ(alerts[0].notes[0],
            "Status update: the incident is still declared ([SEV2] checkout degraded in eu-1)");
  EXPECT_EQ(alerts[1].alias, key);
  EXPECT_EQ(alerts[1].status, "open");
  EXPECT_FALSE(alerts[1].acknowledged);

  // Creates give back the request id, to be stored on the incident.
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].type, "opsgenie-request");
  EXPECT_EQ(refs[0].id, "req-1");
  EXPECT_NE(refs[0].url.find("/v2/alerts/requests/req-1"), std::string::npos) << refs[0].url;

  const auto accepted = fake.server().Accepted();
  ASSERT_EQ(accepted.size(), 6u);
  EXPECT_EQ(accepted[1].method, "PUT");
  EXPECT_EQ(accepted[1].path, "/v2/alerts/" + key + "/priority");
  EXPECT_EQ(accepted[3].path, "/v2/alerts/" + key + "/acknowledge");
  EXPECT_EQ(accepted[4].path, "/v2/alerts/" + key + "/close");
  for (const auto& r : accepted) {
    if (r.path != "/v2/alerts") {
      EXPECT_EQ(r.Query("identifierType"), "alias") << r.path;
    }
  }
}

TEST(OpsgenieNotifier, ServesJiraServiceManagementOperationsUnderItsBaseUrl) {
  OpsgenieFake fake(kGenieKey, "/jsm/ops/integration");
  auto n = Build(OpsgenieConfig(fake));
  ASSERT_NE(n, nullptr);
  RunLifecycle(*n);
  EXPECT_TRUE(fake.Rejections().empty()) << fake.Rejections()[0];
  EXPECT_EQ(fake.Alerts().size(), 2u);
  EXPECT_EQ(fake.server().Accepted().at(0).path, "/jsm/ops/integration/v2/alerts");
}

TEST(OpsgenieNotifier, CreateCarriesPriorityDetailsTagsAndResponders) {
  OpsgenieFake fake(kGenieKey);
  ReceiverConfig c = OpsgenieConfig(fake);
  auto s = std::make_shared<OpsgenieSettings>(*c.Settings<OpsgenieSettings>());
  s->priority[0] = "P2";  // SEV1 -> P2 here
  s->tags = {"alertbridge", "payments"};
  s->responders = {{"team", "payments"}, {"user", "alice@example.com"}};
  c.settings = s;
  auto n = Build(c);
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(n->Send(IncidentStory().Next(EventType::kDeclared), SendContext{}).kind, Kind::kOk);
  EXPECT_TRUE(fake.Rejections().empty()) << fake.Rejections()[0];
  const auto req = fake.server().Accepted().at(0);
  EXPECT_EQ(req.Header("authorization"), std::string("GenieKey ") + kGenieKey);
  const json body = json::parse(req.body);
  EXPECT_EQ(body["message"], "checkout degraded in eu-1");
  EXPECT_EQ(body["priority"], "P2");
  EXPECT_EQ(body["tags"], (json{"alertbridge", "payments"}));
  EXPECT_EQ(body["responders"][1], (json{{"type", "user"}, {"username", "alice@example.com"}}));
  EXPECT_EQ(body["details"]["Owner"], "payments / alice");
  EXPECT_EQ(body["details"]["incident_key"], testing::SampleIncident().key);
  EXPECT_EQ(body["entity"], "checkout-outage");
}

TEST(OpsgenieNotifier, MessageIsCutTo130Characters) {
  OpsgenieFake fake(kGenieKey);
  auto n = Build(OpsgenieConfig(fake));
  ASSERT_NE(n, nullptr);
  Incident inc = testing::SampleIncident();
  inc.title =
      std::string(100, 'x') + "日本語のとても長いタイトルですがこれは百三十文字を超えるでしょうか";
  const SendResult r = n->Send(testing::EntryFor(inc, EventType::kDeclared, 1), SendContext{});
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_TRUE(fake.Rejections().empty()) << fake.Rejections()[0];
  const std::string message = json::parse(fake.server().Accepted().at(0).body)["message"];
  EXPECT_EQ(testing::Utf8Chars(message), 130u);
}

TEST(OpsgenieNotifier, AWrongKeyIsPermanentAndNeverShown) {
  OpsgenieFake fake(kGenieKey);
  const std::string wrong = "00000000-dead-beef-0000-000000000000";
  auto n = Build(OpsgenieConfig(fake, wrong));
  ASSERT_NE(n, nullptr);
  const SendResult r = n->Send(IncidentStory().Next(EventType::kDeclared), SendContext{});
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_NE(r.reason.find("401"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("Could not authenticate"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find(wrong), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace ab
