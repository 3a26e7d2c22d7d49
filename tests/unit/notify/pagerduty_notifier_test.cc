#include "notify/pagerduty/pagerduty_notifier.h"

#include <gtest/gtest.h>

#include "event_fixture.h"
#include "vendors/fakes.h"
#include "vendors/harness.h"
#include "vendors/json_checks.h"

namespace ab {
namespace {

using nlohmann::json;
using testing::IncidentStory;
using testing::kPagerDutyKey;
using testing::PagerDutyFake;
using Kind = SendResult::Kind;

ReceiverConfig PagerDutyConfig(const PagerDutyFake& fake, const std::string& key = kPagerDutyKey) {
  ReceiverConfig c;
  c.name = "pd-payments";
  c.type = "pagerduty";
  c.url = Secret(fake.BaseUrl());
  auto s = std::make_shared<PagerDutySettings>();
  s->routing_key = Secret(key);
  c.settings = s;
  c.timeout = Duration(5000);
  return c;
}

std::unique_ptr<Notifier> Build(const ReceiverConfig& c) {
  auto n = MakePagerDutyNotifier(c);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? std::move(n).value() : nullptr;
}

Incident Sev3Incident() {
  Incident inc = testing::SampleIncident();
  inc.base_severity = inc.priority = Severity::SEV3;
  return inc;
}

TEST(PagerDutyNotifier, LifecycleMapsToOneAlertPerOccurrence) {
  PagerDutyFake fake(kPagerDutyKey);
  auto n = Build(PagerDutyConfig(fake));
  ASSERT_NE(n, nullptr);
  IncidentStory story(Sev3Incident());
  const std::string key = story.incident().key;
  auto send = [&](EventType t) {
    const SendResult r = n->Send(story.Next(t), SendContext{});
    EXPECT_EQ(r.kind, Kind::kOk) << ToString(t) << ": " << r.reason;
  };
  send(EventType::kDeclared);
  send(EventType::kSeverityChanged);  // SEV3 -> SEV2: folded into the open alert
  ASSERT_EQ(fake.Alerts().size(), 1u);
  EXPECT_EQ(fake.Alerts()[0].events, 2);
  send(EventType::kAcknowledged);
  EXPECT_EQ(fake.Alerts()[0].status, "acknowledged");
  send(EventType::kStatusUpdate);  // an update while acknowledged does not page again
  EXPECT_EQ(fake.Alerts()[0].status, "acknowledged");
  send(EventType::kResolved);
  EXPECT_EQ(fake.Alerts()[0].status, "resolved");
  send(EventType::kNoteAdded);  // after resolve: nothing to tell PagerDuty, no new alert
  send(EventType::kClosed);     // resolving again is harmless
  send(EventType::kReopened);   // a fresh alert under the same dedup_key
  EXPECT_TRUE(fake.Rejections().empty()) << fake.Rejections()[0];

  const auto alerts = fake.Alerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].dedup_key, key);
  EXPECT_EQ(alerts[1].dedup_key, key);
  EXPECT_EQ(alerts[1].status, "triggered");
  const auto accepted = fake.server().Accepted();
  ASSERT_EQ(accepted.size(), 7u);  // the note after resolve sent nothing
  std::vector<std::string> actions;
  for (const auto& r : accepted) actions.push_back(json::parse(r.body)["event_action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"trigger", "trigger", "acknowledge", "trigger",
                                               "resolve", "resolve", "trigger"}));
  EXPECT_EQ(json::parse(accepted[1].body)["payload"]["severity"], "error");  // SEV2
}

TEST(PagerDutyNotifier, TriggerCarriesSummaryDetailsAndLinks) {
  PagerDutyFake fake(kPagerDutyKey);
  auto n = Build(PagerDutyConfig(fake));
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(n->Send(IncidentStory().Next(EventType::kDeclared), SendContext{}).kind, Kind::kOk);
  const json body = json::parse(fake.server().Accepted().at(0).body);
  EXPECT_EQ(body["routing_key"], kPagerDutyKey);
  EXPECT_EQ(body["payload"]["summary"], "[SEV1] checkout degraded in eu-1");
  EXPECT_EQ(body["payload"]["severity"], "critical");
  EXPECT_EQ(body["payload"]["source"], "alertbridge");
  EXPECT_EQ(body["payload"]["class"], "checkout-outage");
  EXPECT_EQ(body["payload"]["group"], "payments");
  EXPECT_EQ(body["payload"]["component"], "checkout");
  EXPECT_EQ(body["payload"]["custom_details"]["Owner"], "payments / alice");
  EXPECT_EQ(body["links"][0]["href"], "https://ab.example/api/v1/incidents/42");
  EXPECT_EQ(body["links"][1]["href"], "https://wiki.example/runbooks/checkout");
  EXPECT_EQ(body["client_url"], "https://ab.example/api/v1/incidents/42");
}

TEST(PagerDutyNotifier, SeverityMapIsConfigurable) {
  PagerDutyFake fake(kPagerDutyKey);
  ReceiverConfig c = PagerDutyConfig(fake);
  auto s = std::make_shared<PagerDutySettings>();
  s->routing_key = Secret(kPagerDutyKey);
  s->severity[0] = "error";  // SEV1 pages as error
  s->source = "payments-prod";
  c.settings = s;
  c.templates["summary"] = "{{title}} ({{owner.team}})";
  auto n = Build(c);
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(n->Send(IncidentStory().Next(EventType::kDeclared), SendContext{}).kind, Kind::kOk);
  const json payload = json::parse(fake.server().Accepted().at(0).body)["payload"];
  EXPECT_EQ(payload["severity"], "error");
  EXPECT_EQ(payload["source"], "payments-prod");
  EXPECT_EQ(payload["summary"], "checkout degraded in eu-1 (payments)");
}

TEST(PagerDutyNotifier, SummaryIsCutTo1024Characters) {
  PagerDutyFake fake(kPagerDutyKey);
  auto n = Build(PagerDutyConfig(fake));
  ASSERT_NE(n, nullptr);
  Incident inc = testing::SampleIncident();
  inc.title.clear();
  for (int i = 0; i < 600; ++i) inc.title += "ü✓";
  const SendResult r = n->Send(testing::EntryFor(inc, EventType::kDeclared, 1), SendContext{});
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  const std::string summary =
      json::parse(fake.server().Accepted().at(0).body)["payload"]["summary"];
  EXPECT_EQ(testing::Utf8Chars(summary), 1024u);
}

TEST(PagerDutyNotifier, AWrongRoutingKeyIsPermanentAndNeverShown) {
  PagerDutyFake fake(kPagerDutyKey);
  const std::string wrong = "WrongKeyWrongKeyWrongKeyWrongKe0";
  auto n = Build(PagerDutyConfig(fake, wrong));
  ASSERT_NE(n, nullptr);
  const SendResult r = n->Send(IncidentStory().Next(EventType::kDeclared), SendContext{});
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_NE(r.reason.find("Invalid routing key"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find(wrong), std::string::npos) << r.reason;
}

TEST(PagerDutyNotifier, ChecksTheRoutingKeyAtStartUp) {
  PagerDutyFake fake(kPagerDutyKey);
  auto n = MakePagerDutyNotifier(PagerDutyConfig(fake, "too-short-secret"));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("32 characters"), std::string::npos) << n.error().message;
  EXPECT_EQ(n.error().message.find("too-short-secret"), std::string::npos) << n.error().message;
  ReceiverConfig no_settings = PagerDutyConfig(fake);
  no_settings.settings = nullptr;
  EXPECT_FALSE(MakePagerDutyNotifier(no_settings).ok());
}

TEST(PagerDutyNotifier, MutingSendsNothing) {
  PagerDutyFake fake(kPagerDutyKey);
  auto n = Build(PagerDutyConfig(fake));
  ASSERT_NE(n, nullptr);
  IncidentStory story;
  EXPECT_EQ(n->Send(story.Next(EventType::kDeclared), SendContext{}).kind, Kind::kOk);
  EXPECT_EQ(n->Send(story.Next(EventType::kMuted), SendContext{}).kind, Kind::kOk);
  EXPECT_EQ(fake.server().Requests().size(), 1u);
}

}  // namespace
}  // namespace ab
