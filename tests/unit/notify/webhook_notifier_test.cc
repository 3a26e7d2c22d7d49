#include "notify/webhook/webhook_notifier.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "common/crypto.h"
#include "notify/webhook/standard_webhooks.h"
#include "notify/webhook/webhook_settings.h"
#include "test_receiver.h"

namespace ab {
namespace {

using testing::ClosingServer;
using testing::ReceivedRequest;
using testing::Reply;
using testing::TestReceiver;
using Kind = SendResult::Kind;

OutboxEntry Entry(const std::string& event_id = "ab-abcdefghijklmnop-1.3") {
  OutboxEntry e;
  e.id = 7;
  e.incident_id = 42;
  e.event_seq = 3;
  e.receiver = "ops-hook";
  e.event_id = event_id;
  e.event_type = "declared";
  e.payload =
      R"({"version":"1","id":")" + event_id + R"(","type":"declared","incident":{"id":42}})";
  return e;
}

// `raw`: secret_format: raw (the secret's bytes are the key) instead of base64.
ReceiverConfig Config(const std::string& url, const std::string& secret_ref = "", bool raw = false,
                      std::map<std::string, std::string> headers = {}) {
  ReceiverConfig c;
  c.name = "ops-hook";
  c.type = "webhook";
  c.url = Secret(url);
  auto s = std::make_shared<WebhookSettings>();
  if (!secret_ref.empty()) s->secret = Secret(secret_ref);
  if (raw) s->secret_format = WebhookSettings::SecretFormat::kRaw;
  for (const auto& [name, value] : headers) s->headers[name] = Secret(value);
  c.settings = s;
  c.timeout = Duration(5000);
  return c;
}

std::unique_ptr<Notifier> Build(const ReceiverConfig& c) {
  auto n = MakeWebhookNotifier(c);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? std::move(n).value() : nullptr;
}

TimePoint Now() { return SystemClock().now(); }

TEST(StandardWebhooks, ReproducesThePublishedTestVector) {
  auto key = StandardWebhookKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(StandardWebhookSignature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                     R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(StandardWebhooks, SecretWithoutPrefixIsBase64AsTheReferenceLibrariesDecodeIt) {
  auto key = StandardWebhookKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(*key, *StandardWebhookKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  EXPECT_FALSE(StandardWebhookKey("plain secret").ok());
}

TEST(StandardWebhooks, RawBytesOnlyWhenAskedFor) {
  auto key = StandardWebhookKey("plain secret", /*raw=*/true);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, "plain secret");
}

TEST(StandardWebhooks, IdsHaveNoDots) {
  EXPECT_EQ(StandardWebhookId("ab-abcdefghijklmnop-1.3"), "ab-abcdefghijklmnop-1_3");
  EXPECT_EQ(StandardWebhookId("ab-abcdefghijklmnop-1_3"), "ab-abcdefghijklmnop-1_3");
}

TEST(WebhookNotifier, PostsSignedEnvelopeThatTheReceiverVerifies) {
  ::setenv("AB_NOTIFY_TEST_RAW_SECRET", "s3cret-raw-bytes", 1);
  TestReceiver receiver(std::string("s3cret-raw-bytes"));
  ReceiverConfig c =
      Config(receiver.Url(), "env:AB_NOTIFY_TEST_RAW_SECRET", true, {{"X-Team", "payments"}});
  auto n = Build(c);
  ASSERT_NE(n, nullptr);

  const OutboxEntry e = Entry();
  const SendResult r = n->Send(e, {Now(), {}});
  EXPECT_EQ(r.kind, Kind::kOk) << r.reason;

  const auto reqs = receiver.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  const ReceivedRequest& req = reqs[0];
  EXPECT_TRUE(req.signature_ok) << req.verify_error;
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/hook");
  EXPECT_EQ(req.body, e.payload);
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("user-agent"), "alertbridge");
  EXPECT_EQ(req.Header("x-team"), "payments");
  EXPECT_EQ(req.Header("webhook-id"), "ab-abcdefghijklmnop-1_3");
}

TEST(WebhookNotifier, WhsecSecretSignsWithTheDecodedKey) {
  const std::string key_bytes = Sha256("some 32 random-looking key bytes");
  ::setenv("AB_NOTIFY_TEST_WHSEC", ("whsec_" + Base64Encode(key_bytes)).c_str(), 1);
  TestReceiver receiver(key_bytes);
  auto n = Build(Config(receiver.Url(), "env:AB_NOTIFY_TEST_WHSEC"));
  ASSERT_NE(n, nullptr);

  EXPECT_EQ(n->Send(Entry(), {Now(), {}}).kind, Kind::kOk);
  const auto reqs = receiver.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].signature_ok) << reqs[0].verify_error;
}

TEST(WebhookNotifier, SignsEachAttemptAfreshWithTheSameId) {
  ::setenv("AB_NOTIFY_TEST_RAW_SECRET", "s3cret-raw-bytes", 1);
  TestReceiver receiver(std::string("s3cret-raw-bytes"));
  auto n = Build(Config(receiver.Url(), "env:AB_NOTIFY_TEST_RAW_SECRET", /*raw=*/true));
  ASSERT_NE(n, nullptr);

  const TimePoint t0 = Now();
  EXPECT_EQ(n->Send(Entry(), {t0, {}}).kind, Kind::kOk);
  EXPECT_EQ(n->Send(Entry(), {t0 + Duration(61'000), {}}).kind, Kind::kOk);

  const auto reqs = receiver.Requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].Header("webhook-id"), reqs[1].Header("webhook-id"));
  EXPECT_EQ(std::stoll(reqs[1].Header("webhook-timestamp")) -
                std::stoll(reqs[0].Header("webhook-timestamp")),
            61);
  EXPECT_NE(reqs[0].Header("webhook-signature"), reqs[1].Header("webhook-signature"));
  EXPECT_TRUE(reqs[0].signature_ok && reqs[1].signature_ok);
}

TEST(WebhookNotifier, TimestampComesFromTheAttemptTime) {
  ::setenv("AB_NOTIFY_TEST_RAW_SECRET", "s3cret-raw-bytes", 1);
  TestReceiver receiver(std::string("s3cret-raw-bytes"));
  auto n = Build(Config(receiver.Url(), "env:AB_NOTIFY_TEST_RAW_SECRET", /*raw=*/true));
  ASSERT_NE(n, nullptr);

  // Ten minutes stale: a verifying receiver refuses it, and we do not hammer it again.
  const SendResult r = n->Send(Entry(), {Now() - Duration(600'000), {}});
  EXPECT_EQ(r.kind, Kind::kPermanent);
  const auto reqs = receiver.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_FALSE(reqs[0].signature_ok);
  EXPECT_EQ(reqs[0].status, 401);
}

TEST(WebhookNotifier, UnsignedDeliveriesStillCarryIdAndTimestamp) {
  TestReceiver receiver;
  auto n = Build(Config(receiver.Url()));
  ASSERT_NE(n, nullptr);
  const TimePoint now = Now();
  EXPECT_EQ(n->Send(Entry(), {now, {}}).kind, Kind::kOk);
  const auto reqs = receiver.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].Header("webhook-signature"), "");
  // The id is the consumer's idempotency key, signed or not; the spec forbids dots in it.
  EXPECT_EQ(reqs[0].Header("webhook-id"), "ab-abcdefghijklmnop-1_3");
  EXPECT_EQ(reqs[0].Header("webhook-timestamp"), std::to_string(ToMillis(now) / 1000));
  EXPECT_EQ(reqs[0].Header("content-type"), "application/json");
}

TEST(WebhookNotifierFactory, RejectsARawSecretUnlessSecretFormatSaysRaw) {
  ::setenv("AB_NOTIFY_TEST_RAW_SECRET", "s3cret-raw-bytes", 1);
  auto n = MakeWebhookNotifier(Config("http://127.0.0.1:9/hook", "env:AB_NOTIFY_TEST_RAW_SECRET"));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("secret_format: raw"), std::string::npos) << n.error().message;
  EXPECT_EQ(n.error().message.find("s3cret-raw-bytes"), std::string::npos) << n.error().message;
  EXPECT_TRUE(
      MakeWebhookNotifier(Config("http://127.0.0.1:9/hook", "env:AB_NOTIFY_TEST_RAW_SECRET", true))
          .ok());
}

TEST(WebhookNotifierFactory, HeaderValuesAreSecretsAndRedactedFromReasons) {
  ::setenv("AB_NOTIFY_TEST_HEADER_TOKEN", "Bearer hdr-t0ken-value-1234", 1);
  TestReceiver receiver;
  receiver.SetResponder([](const ReceivedRequest& req, int) {
    (void)req;
    return Reply::Status(400);
  });
  auto n = Build(Config(receiver.Url(), "", false,
                        {{"Authorization", "env:AB_NOTIFY_TEST_HEADER_TOKEN"},
                         {"X-Api-Key", "inline-key-value-5678"}}));
  ASSERT_NE(n, nullptr);
  const SendResult r = n->Send(Entry(), {Now(), {}});
  const auto reqs = receiver.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].Header("authorization"), "Bearer hdr-t0ken-value-1234");
  EXPECT_EQ(reqs[0].Header("x-api-key"), "inline-key-value-5678");
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_EQ(r.reason.find("hdr-t0ken"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find("inline-key"), std::string::npos) << r.reason;
}

TEST(WebhookNotifier, ClassifiesAnswersWithoutLeakingTheUrl) {
  TestReceiver receiver;
  receiver.SetResponder([](const ReceivedRequest&, int index) {
    switch (index) {
      case 0:
        return Reply::Status(500);
      case 1:
        return Reply::Status(429, "30");
      case 2:
        return Reply::Status(400);
      default:
        return Reply::Status(204);
    }
  });
  auto n = Build(Config(receiver.Url("/hook/tok-s3cr3t-path")));
  ASSERT_NE(n, nullptr);

  const SendResult r500 = n->Send(Entry(), {Now(), {}});
  const SendResult r429 = n->Send(Entry(), {Now(), {}});
  const SendResult r400 = n->Send(Entry(), {Now(), {}});
  const SendResult r204 = n->Send(Entry(), {Now(), {}});
  EXPECT_EQ(r500.kind, Kind::kRetry);
  EXPECT_EQ(r429.kind, Kind::kRetry);
  ASSERT_TRUE(r429.retry_after.has_value());
  EXPECT_EQ(*r429.retry_after, Duration(30'000));
  EXPECT_EQ(r400.kind, Kind::kPermanent);
  EXPECT_EQ(r204.kind, Kind::kOk);
  for (const SendResult* r : {&r500, &r429, &r400}) {
    EXPECT_NE(r->reason.find("ops-hook"), std::string::npos) << r->reason;
    EXPECT_EQ(r->reason.find("s3cr3t"), std::string::npos) << r->reason;
    EXPECT_EQ(r->reason.find("127.0.0.1"), std::string::npos) << r->reason;
  }
  EXPECT_NE(r500.reason.find("500"), std::string::npos);
  EXPECT_NE(r400.reason.find("400"), std::string::npos);
}

TEST(WebhookNotifier, ClosedConnectionIsRetried) {
  ClosingServer server;
  auto n = Build(Config(server.Url()));
  ASSERT_NE(n, nullptr);
  const SendResult r = n->Send(Entry(), {Now(), {}});
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_FALSE(r.retry_after.has_value());
  EXPECT_NE(r.reason.find("ops-hook"), std::string::npos) << r.reason;
  // The host and what went wrong, so an operator knows what to fix; never the URL's path.
  EXPECT_NE(r.reason.find("127.0.0.1:"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find("/hook"), std::string::npos) << r.reason;
  EXPECT_GE(server.Accepted(), 1);
}

TEST(WebhookNotifier, ConnectionErrorsNameTheHostAndTheCause) {
  // Nobody listens on port 1. (A name that does not resolve reads "cannot resolve host <name>";
  // not tried here: a lookup could leave the machine.)
  auto refused = Build(Config("http://127.0.0.1:1/hook"));
  const SendResult r1 = refused->Send(Entry(), {Now(), {}});
  EXPECT_EQ(r1.kind, Kind::kRetry);
  EXPECT_NE(r1.reason.find("cannot connect to 127.0.0.1:1"), std::string::npos) << r1.reason;
}

TEST(WebhookNotifier, ReadTimeoutIsRetried) {
  TestReceiver receiver;
  receiver.SetResponder([](const ReceivedRequest&, int) { return Reply::Hang(); });
  ReceiverConfig c = Config(receiver.Url());
  c.timeout = Duration(200);
  auto n = Build(c);
  ASSERT_NE(n, nullptr);
  const SendResult r = n->Send(Entry(), {Now(), {}});
  EXPECT_EQ(r.kind, Kind::kRetry) << r.reason;
  EXPECT_TRUE(receiver.WaitForHanging(1));
}

TEST(WebhookNotifierFactory, RequiresUrl) {
  ReceiverConfig c = Config("");
  auto n = MakeWebhookNotifier(c);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("ops-hook"), std::string::npos);
  EXPECT_NE(n.error().message.find("url"), std::string::npos);
}

TEST(WebhookNotifierFactory, RejectsNonHttpUrlWithoutEchoingIt) {
  auto n = MakeWebhookNotifier(Config("ftp://example.com/tok-s3cr3t"));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("ops-hook"), std::string::npos);
  EXPECT_NE(n.error().message.find("scheme"), std::string::npos) << n.error().message;
  EXPECT_EQ(n.error().message.find("s3cr3t"), std::string::npos) << n.error().message;
}

TEST(WebhookNotifierFactory, NamesTheSecretReferenceItCannotResolve) {
  ::unsetenv("AB_NOTIFY_TEST_UNSET_SECRET");
  auto n =
      MakeWebhookNotifier(Config("http://127.0.0.1:9/hook", "env:AB_NOTIFY_TEST_UNSET_SECRET"));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("ops-hook"), std::string::npos) << n.error().message;
  EXPECT_NE(n.error().message.find("env:AB_NOTIFY_TEST_UNSET_SECRET"), std::string::npos)
      << n.error().message;
}

TEST(WebhookNotifierFactory, RejectsBadWhsecSecretWithoutEchoingIt) {
  ::setenv("AB_NOTIFY_TEST_BAD_WHSEC", "whsec_not*base64*at-all", 1);
  auto n = MakeWebhookNotifier(Config("http://127.0.0.1:9/hook", "env:AB_NOTIFY_TEST_BAD_WHSEC"));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("env:AB_NOTIFY_TEST_BAD_WHSEC"), std::string::npos);
  EXPECT_EQ(n.error().message.find("base64*at-all"), std::string::npos) << n.error().message;
}

TEST(WebhookNotifierFactory, RejectsHeadersThatWouldBreakTheSignature) {
  for (const char* name : {"webhook-signature", "Content-Type", "Webhook-Id"}) {
    ReceiverConfig c = Config("http://127.0.0.1:9/hook", "", false, {{name, "x"}});
    auto n = MakeWebhookNotifier(c);
    ASSERT_FALSE(n.ok()) << name;
    EXPECT_NE(n.error().message.find(name), std::string::npos) << n.error().message;
  }
}

TEST(ParseHttpUrl, SplitsOriginAndPath) {
  auto ep = ParseHttpUrl("https://hooks.example.com/services/T0/B1?x=1#frag");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->Origin(), "https://hooks.example.com:443");
  EXPECT_EQ(ep->path, "/services/T0/B1?x=1");

  auto plain = ParseHttpUrl("HTTP://127.0.0.1:8080");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->Origin(), "http://127.0.0.1:8080");
  EXPECT_EQ(plain->path, "/");

  auto v6 = ParseHttpUrl("http://[::1]:9000/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->Origin(), "http://[::1]:9000");
}

TEST(ParseHttpUrl, RejectsWhatItCannotSendTo) {
  EXPECT_FALSE(ParseHttpUrl("example.com/hook").ok());
  EXPECT_FALSE(ParseHttpUrl("http:///hook").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:0/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:70000/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:80a/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://user:pw@host/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host/a b").ok());
}

}  // namespace
}  // namespace ab
