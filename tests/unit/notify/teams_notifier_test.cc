#include "notify/teams/teams_notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "event_fixture.h"
#include "notify/http_client.h"
#include "vendors/fakes.h"

namespace ab {
namespace {

using nlohmann::json;
using testing::IncidentStory;
using testing::TeamsFake;
using Kind = SendResult::Kind;

ReceiverConfig TeamsConfig(const TeamsFake& fake) {
  ReceiverConfig c;
  c.name = "teams-ops";
  c.type = "teams";
  c.url = Secret(fake.WorkflowUrl());
  c.timeout = Duration(5000);
  return c;
}

std::unique_ptr<Notifier> Build(const ReceiverConfig& c) {
  auto n = MakeTeamsNotifier(c);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? std::move(n).value() : nullptr;
}

TEST(TeamsNotifier, EachEventOfTheLifecycleIsANewAdaptiveCard) {
  TeamsFake fake;
  auto n = Build(TeamsConfig(fake));
  ASSERT_NE(n, nullptr);
  IncidentStory story;
  for (EventType t : {EventType::kDeclared, EventType::kStatusUpdate, EventType::kAcknowledged,
                      EventType::kResolved, EventType::kReopened}) {
    const SendResult r = n->Send(story.Next(t), SendContext{});
    EXPECT_EQ(r.kind, Kind::kOk) << ToString(t) << ": " << r.reason;
  }
  EXPECT_TRUE(fake.Rejections().empty()) << fake.Rejections()[0];
  const auto cards = fake.Cards();
  ASSERT_EQ(cards.size(), 5u);
  EXPECT_EQ(cards[0]["body"][0]["text"], "[SEV1] checkout degraded in eu-1");
  EXPECT_EQ(cards[0]["body"][0]["color"], "Attention");
  EXPECT_EQ(cards[3]["body"][0]["color"], "Good");  // resolved
  EXPECT_NE(cards[3]["body"][1]["text"].get<std::string>().find("Incident resolved"),
            std::string::npos);
}

TEST(TeamsNotifier, CardHasFactsAndLinks) {
  TeamsFake fake;
  auto n = Build(TeamsConfig(fake));
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(
      n->Send(testing::EntryFor(testing::SampleIncident(), EventType::kDeclared, 1), SendContext{})
          .kind,
      Kind::kOk);
  const json card = fake.Cards().at(0);
  EXPECT_EQ(card["version"], "1.4");
  const json facts = card["body"][2]["facts"];
  ASSERT_GE(facts.size(), 4u);
  EXPECT_EQ(facts[0], (json{{"title", "Severity"}, {"value", "SEV1 (base SEV2)"}}));
  EXPECT_EQ(facts[2], (json{{"title", "Owner"}, {"value", "payments / alice"}}));
  EXPECT_EQ(card["actions"][0]["url"], "https://ab.example/api/v1/incidents/42");
  EXPECT_EQ(card["actions"][1]["url"], "https://wiki.example/runbooks/checkout");
}

TEST(TeamsNotifier, CardNamesTheCommunicationsLead) {
  TeamsFake fake;
  auto n = Build(TeamsConfig(fake));
  ASSERT_NE(n, nullptr);
  Incident inc = testing::SampleIncident();
  inc.owner.communications = "carol";
  ASSERT_EQ(n->Send(testing::EntryFor(inc, EventType::kAssigned, 2), SendContext{}).kind,
            Kind::kOk);
  const json facts = fake.Cards().at(0)["body"][2]["facts"];
  ASSERT_GE(facts.size(), 4u);
  EXPECT_EQ(facts[2], (json{{"title", "Owner"}, {"value", "payments / alice"}}));
  EXPECT_EQ(facts[3], (json{{"title", "Communications"}, {"value", "carol"}}));
}

TEST(TeamsNotifier, UntrustedMarkdownStaysText) {
  TeamsFake fake;
  auto n = Build(TeamsConfig(fake));
  ASSERT_NE(n, nullptr);
  Incident inc = testing::SampleIncident();
  inc.summary = "**boom** [click](https://evil.example)";
  inc.runbook = "javascript:alert(1)";
  ASSERT_EQ(n->Send(testing::EntryFor(inc, EventType::kDeclared, 1), SendContext{}).kind,
            Kind::kOk);
  const json card = fake.Cards().at(0);
  // Look-alikes, not backslashes (Teams mobile shows those literally): no markup, no link.
  EXPECT_NE(card["body"][1]["text"].get<std::string>().find(
                "\u2217\u2217boom\u2217\u2217 \uFF3Bclick\uFF3D(https://evil.example)"),
            std::string::npos)
      << card["body"][1]["text"];
  ASSERT_EQ(card["actions"].size(), 1u);  // a runbook that is no http(s) URL gets no button
}

TEST(TeamsNotifier, AThrottled200IsARetry) {
  TeamsFake fake;
  auto n = Build(TeamsConfig(fake));
  ASSERT_NE(n, nullptr);
  fake.ThrottleNext(1);
  IncidentStory story;
  const SendResult r = n->Send(story.Next(EventType::kDeclared), SendContext{});
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_NE(r.reason.find("throttled"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find(TeamsFake::kSig), std::string::npos) << r.reason;
  EXPECT_EQ(n->Send(story.Next(EventType::kStatusUpdate), SendContext{}).kind, Kind::kOk);
  EXPECT_EQ(fake.Cards().size(), 1u);
}

TEST(TeamsNotifier, StaysUnderTheMessageSizeLimit) {
  TeamsFake fake;
  auto n = Build(TeamsConfig(fake));
  ASSERT_NE(n, nullptr);
  Incident inc = testing::SampleIncident();
  std::string summary;
  for (int i = 0; i < 20'000; ++i) summary += "*\"";  // each grows once escaped twice
  inc.summary = summary;
  const SendResult r = n->Send(testing::EntryFor(inc, EventType::kDeclared, 1), SendContext{});
  EXPECT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_TRUE(fake.Rejections().empty()) << fake.Rejections()[0];
  const std::string text = fake.Cards().at(0)["body"][1]["text"];
  EXPECT_EQ(text.substr(text.size() - 3), "…");
  EXPECT_EQ(text.find('\\'), std::string::npos);  // no backslash escapes: Teams mobile shows them
}

TEST(TeamsNotifier, ACardTeamsWouldNotPostIsRefusedHereNotDroppedThere) {
  // Workflows answer 202 to anything and fail the post only in the flow's run history.
  EXPECT_EQ(TeamsNotifier::Validate(R"({"type":"message","attachments":[]})"),
            "not a {\"type\":\"message\",\"attachments\":[card]} envelope");
  EXPECT_THAT(TeamsNotifier::Validate(
                  R"({"type":"message","attachments":[{"contentType":)"
                  R"("application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard",)"
                  R"("version":"1.4","body":[{"type":"Table"}]}}]})"),
              ::testing::HasSubstr("\"Table\" is not one this receiver may send"));
  EXPECT_THAT(TeamsNotifier::Validate(std::string(30 * 1024, ' ') + "{}"),
              ::testing::HasSubstr("28 KB"));
}

TEST(TeamsFakeBehaviour, AcceptsAnyWellFormedJsonAndKeepsTheRunFailure) {
  TeamsFake fake;
  HttpClient client(*ParseHttpUrl(fake.WorkflowUrl()), Duration(2000));
  const HttpResponse res =
      client.Send("POST", ParseHttpUrl(fake.WorkflowUrl())->path,
                  {{"Content-Type", "application/json"}}, R"({"type":"message","attachments":[]})");
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(fake.Received().size(), 1u);
  EXPECT_TRUE(fake.Cards().empty());
  ASSERT_EQ(fake.Rejections().size(), 1u);
  EXPECT_THAT(fake.Rejections()[0], ::testing::HasSubstr("flow run failed"));
}

}  // namespace
}  // namespace ab
