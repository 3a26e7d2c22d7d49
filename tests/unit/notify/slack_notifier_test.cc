#include "notify/slack/slack_notifier.h"

#include <gtest/gtest.h>

#include "event_fixture.h"
#include "vendors/fakes.h"
#include "vendors/json_checks.h"

namespace ab {
namespace {

using nlohmann::json;
using testing::IncidentStory;
using testing::SlackFake;
using Kind = SendResult::Kind;

ReceiverConfig SlackConfig(const SlackFake& fake) {
  ReceiverConfig c;
  c.name = "slack-incidents";
  c.type = "slack";
  c.url = Secret(fake.WebhookUrl());
  c.timeout = Duration(5000);
  return c;
}

std::unique_ptr<Notifier> Build(const ReceiverConfig& c) {
  auto n = MakeSlackNotifier(c);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? std::move(n).value() : nullptr;
}

// Every text of a message that Slack parses as mrkdwn (the fallback `text` and mrkdwn text
// objects), joined. plain_text objects (the header) are shown as they are, never parsed.
std::string AllText(const json& msg) {
  std::string out = msg.value("text", "") + "\n";
  auto add = [&](const json& t) {
    if (t.value("type", "") == "mrkdwn") out += t["text"].get<std::string>() + "\n";
  };
  for (const json& b : msg["blocks"]) {
    if (b.contains("text")) add(b["text"]);
    for (const json& f : b.value("fields", json::array())) add(f);
    for (const json& e : b.value("elements", json::array())) add(e);
  }
  return out;
}

TEST(SlackNotifier, EachEventOfTheLifecycleIsANewMessage) {
  SlackFake fake;
  auto n = Build(SlackConfig(fake));
  ASSERT_NE(n, nullptr);
  IncidentStory story;
  SendContext ctx;
  for (EventType t : {EventType::kDeclared, EventType::kStatusUpdate, EventType::kAcknowledged,
                      EventType::kResolved, EventType::kReopened}) {
    const SendResult r = n->Send(story.Next(t), ctx);
    EXPECT_EQ(r.kind, Kind::kOk) << ToString(t) << ": " << r.reason;
  }
  EXPECT_TRUE(fake.Rejections().empty()) << fake.Rejections()[0];
  const auto messages = fake.Messages();
  ASSERT_EQ(messages.size(), 5u);
  EXPECT_NE(AllText(messages[0]).find("Incident declared"), std::string::npos);
  EXPECT_NE(AllText(messages[3]).find("Incident resolved"), std::string::npos);
  EXPECT_NE(AllText(messages[4]).find("Incident reopened"), std::string::npos);
}

TEST(SlackNotifier, ShowsSeverityTitleOwnerRunbookLinkAndAccounts) {
  SlackFake fake;
  auto n = Build(SlackConfig(fake));
  ASSERT_NE(n, nullptr);
  // Accounts as the engine will fill them in (the foundation leaves the list empty).
  OutboxEntry e = testing::EntryFor(testing::SampleIncident(), EventType::kDeclared, 1);
  json payload = json::parse(e.payload);
  payload["incident"]["accounts"] = {"acme", "globex"};
  e.payload = payload.dump();
  ASSERT_EQ(n->Send(e, SendContext{}).kind, Kind::kOk);
  ASSERT_EQ(fake.Messages().size(), 1u);
  const json msg = fake.Messages()[0];
  EXPECT_EQ(msg["blocks"][0]["type"], "header");
  EXPECT_EQ(msg["blocks"][0]["text"]["text"], "[SEV1] checkout degraded in eu-1");
  EXPECT_EQ(msg["text"], "[SEV1] checkout degraded in eu-1");
  const std::string text = AllText(msg);
  for (const char* want :
       {"*Severity*\nSEV1 (base SEV2)", "*Owner*\npayments / alice",
        "*Runbook*\n<https://wiki.example/runbooks/checkout|Runbook>",
        "*Affected accounts*\nacme, globex", "*Alerts firing*\n3",
        "<https://ab.example/api/v1/incidents/42|incident 42>", "5xx rate above 5%"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\nin:\n" << text;
  }
}

TEST(SlackNotifier, UntrustedTextCannotPingOrLink) {
  SlackFake fake;
  auto n = Build(SlackConfig(fake));
  ASSERT_NE(n, nullptr);
  Incident inc = testing::SampleIncident();
  inc.title = "<!channel> checkout & <https://evil.example|login>";
  inc.summary = "<!here> <@U0123> <#C42>";
  inc.owner.team = "<!subteam^S1>";
  ASSERT_EQ(n->Send(testing::EntryFor(inc, EventType::kDeclared, 1), SendContext{}).kind,
            Kind::kOk);
  const std::string text = AllText(fake.Messages().at(0));
  EXPECT_EQ(text.find("<!"), std::string::npos) << text;
  EXPECT_EQ(text.find("<@"), std::string::npos) << text;
  EXPECT_EQ(text.find("<#"), std::string::npos) << text;
  EXPECT_EQ(text.find("<https://evil"), std::string::npos) << text;
  // The header is plain_text: Slack shows it literally, so it keeps the raw characters.
  const json header = fake.Messages().at(0)["blocks"][0]["text"];
  EXPECT_EQ(header["type"], "plain_text");
  EXPECT_EQ(header["text"], "[SEV1] " + inc.title);
  EXPECT_NE(text.find("&lt;!channel&gt; checkout &amp; &lt;https://evil.example|login&gt;"),
            std::string::npos)
      << text;
}

TEST(SlackNotifier, CutsLongTextToBlockKitLimits) {
  SlackFake fake;
  auto n = Build(SlackConfig(fake));
  ASSERT_NE(n, nullptr);
  Incident inc = testing::SampleIncident();
  inc.title = std::string(400, 'T');
  std::string summary;
  for (int i = 0; i < 1000; ++i) summary += "é<&>";  // escapes grow it past 3,000
  inc.summary = summary;
  inc.runbook = std::string(3000, 'r');
  const SendResult r = n->Send(testing::EntryFor(inc, EventType::kDeclared, 1), SendContext{});
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_TRUE(fake.Rejections().empty()) << fake.Rejections()[0];
  const json msg = fake.Messages().at(0);
  const std::string header = msg["blocks"][0]["text"]["text"];
  EXPECT_EQ(testing::Utf8Chars(header), 150u);
  EXPECT_EQ(header.substr(header.size() - 3), "…");
  const std::string section = msg["blocks"][1]["text"]["text"];
  EXPECT_LE(testing::Utf8Chars(section), 3000u);
  EXPECT_EQ(section.substr(section.size() - 3), "…");
  // Never cut inside an entity: every '&' still starts a whole one.
  for (size_t amp = section.find('&'); amp != std::string::npos; amp = section.find('&', amp + 1)) {
    const std::string tail = section.substr(amp, 5);
    EXPECT_TRUE(tail.rfind("&lt;", 0) == 0 || tail.rfind("&gt;", 0) == 0 ||
                tail.rfind("&amp;", 0) == 0)
        << tail;
  }
}

TEST(SlackNotifier, TemplatesOverrideTitleAndText) {
  SlackFake fake;
  ReceiverConfig c = SlackConfig(fake);
  c.templates["title"] = "{{owner.team}}: {{title}}";
  c.templates["text"] =
      "{{#event.is_declared}}:rotating_light: new{{/event.is_declared}} "
      "{{labels.service}} *{{severity}}*";
  auto n = Build(c);
  ASSERT_NE(n, nullptr);
  Incident inc = testing::SampleIncident();
  inc.group = LabelSet{{"service", "<!channel>"}};
  ASSERT_EQ(n->Send(testing::EntryFor(inc, EventType::kDeclared, 1), SendContext{}).kind,
            Kind::kOk);
  const json msg = fake.Messages().at(0);
  EXPECT_EQ(msg["blocks"][0]["text"]["text"], "payments: checkout degraded in eu-1");
  EXPECT_EQ(msg["blocks"][1]["text"]["text"], ":rotating_light: new &lt;!channel&gt; *SEV1*");
}

TEST(SlackNotifier, ABrokenTemplateFailsAtStartUp) {
  SlackFake fake;
  ReceiverConfig c = SlackConfig(fake);
  c.templates["text"] = "{{#title}}unclosed";
  auto n = MakeSlackNotifier(c);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("templates.text"), std::string::npos) << n.error().message;
  EXPECT_EQ(n.error().message.find(fake.WebhookUrl()), std::string::npos);
}

}  // namespace
}  // namespace ab
