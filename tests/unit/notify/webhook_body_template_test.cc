// The generic webhook's `body` template: JSON of the receiver's own shape instead of the
// envelope, values escaped as JSON strings, still signed per Standard Webhooks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "event_fixture.h"
#include "notify/webhook/webhook_notifier.h"
#include "notify/webhook/webhook_settings.h"
#include "test_receiver.h"

namespace ab {
namespace {

using nlohmann::json;
using testing::TestReceiver;
using Kind = SendResult::Kind;

ReceiverConfig Config(const std::string& url, const std::string& body) {
  ReceiverConfig c;
  c.name = "ops-hook";
  c.type = "webhook";
  c.url = Secret(url);
  auto s = std::make_shared<WebhookSettings>();
  s->secret = Secret("body-template-signing-secret");
  s->secret_format = WebhookSettings::SecretFormat::kRaw;
  c.settings = s;
  if (!body.empty()) c.templates["body"] = body;
  c.timeout = Duration(5000);
  return c;
}

constexpr const char* kBody = R"({
  "title": "{{title}}",
  "severity": "{{severity}}",
  "id": {{incident.id}},
  "service": "{{labels.service}}",
  "firing": {{incident.alerts_firing}},
  "tags": [{{#incident.accounts}}"{{.}}",{{/incident.accounts}} "alertbridge"]
})";

TEST(WebhookBodyTemplate, RendersJsonWithEscapedValuesAndSignsIt) {
  TestReceiver receiver(std::string("body-template-signing-secret"));
  auto n = MakeWebhookNotifier(Config(receiver.Url(), kBody));
  ASSERT_TRUE(n.ok()) << n.error().message;
  Incident inc = testing::SampleIncident();
  inc.title = "quote \" backslash \\ newline \n and </script>";
  OutboxEntry e = testing::EntryFor(inc, EventType::kDeclared, 1);
  json payload = json::parse(e.payload);
  payload["incident"]["accounts"] = {"acme", "glo\"bex"};
  e.payload = payload.dump();
  SendContext ctx;
  ctx.now = SystemClock().now();
  const SendResult r = (*n)->Send(e, ctx);
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  const auto reqs = receiver.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].signature_ok) << reqs[0].verify_error;
  EXPECT_EQ(reqs[0].Header("webhook-id"), e.event_id);
  const json body = json::parse(reqs[0].body);
  EXPECT_EQ(body["title"], inc.title);
  EXPECT_EQ(body["severity"], "SEV1");
  EXPECT_EQ(body["id"], 42);
  EXPECT_EQ(body["service"], "checkout");
  EXPECT_EQ(body["firing"], 3);
  EXPECT_EQ(body["tags"], (json{"acme", "glo\"bex", "alertbridge"}));
}

TEST(WebhookBodyTemplate, WithoutATemplateTheEnvelopeGoesOutUnchanged) {
  TestReceiver receiver;
  ReceiverConfig c = Config(receiver.Url(), "");
  c.settings = std::make_shared<WebhookSettings>();
  auto n = MakeWebhookNotifier(c);
  ASSERT_TRUE(n.ok()) << n.error().message;
  const OutboxEntry e = testing::EntryFor(testing::SampleIncident(), EventType::kResolved, 4);
  ASSERT_EQ((*n)->Send(e, SendContext{}).kind, Kind::kOk);
  EXPECT_EQ(receiver.Requests().at(0).body, e.payload);
}

// Nothing is sent in the next two tests, so no receiver listens: port 9 (discard) is never
// reached.
constexpr const char* kUnusedUrl = "http://127.0.0.1:9/hook";

TEST(WebhookBodyTemplate, ATemplateThatCannotGiveJsonFailsAtStartUp) {
  auto n = MakeWebhookNotifier(Config(kUnusedUrl, R"({"title": {{title}}})"));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("templates.body"), std::string::npos) << n.error().message;
  EXPECT_NE(n.error().message.find("JSON"), std::string::npos) << n.error().message;
}

TEST(WebhookBodyTemplate, JsonBrokenByOneEventIsPermanent) {
  // Valid for the sample (a number), not for an incident whose label is not one.
  auto n = MakeWebhookNotifier(
      Config(kUnusedUrl, R"({"n": {{incident.alerts_firing}}{{labels.extra}}})"));
  ASSERT_TRUE(n.ok()) << n.error().message;
  Incident inc = testing::SampleIncident();
  inc.group.Set("extra", "oops");
  const SendResult r = (*n)->Send(testing::EntryFor(inc, EventType::kDeclared, 1), SendContext{});
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_NE(r.reason.find("did not render JSON"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace ab
