// The email receiver against a real SMTP server (aiosmtpd): STARTTLS, AUTH, the text and HTML
// parts, threading, and how SMTP answers are classified.
#include "notify/email/email_notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "notify/email/message.h"
#include "smtp_test_server.h"

namespace ab::testing {
namespace {

constexpr const char* kPassword = "pw-Sup3rS3cret!";

std::string Envelope(const std::string& event_id, const std::string& type,
                     const std::string& title) {
  nlohmann::json env = {{"version", "1"},
                        {"id", event_id},
                        {"type", type},
                        {"occurred_at", "2026-03-01T12:00:00.000Z"},
                        {"incident",
                         {{"id", 42},
                          {"key", "ab-abcdefghijklmnop-1"},
                          {"rule", "db-disk"},
                          {"group", {{"service", "db"}}},
                          {"state", "declared"},
                          {"base_severity", "SEV3"},
                          {"priority", "SEV2"},
                          {"title", title},
                          {"summary", "disk almost full on <db-1> & db-2"},
                          {"owner", {{"team", "storage"}, {"commander", "alice"}}},
                          {"runbook", "https://wiki.example/runbooks/disk"},
                          {"alerts_firing", 2},
                          {"alerts_total", 2},
                          {"url", "http://127.0.0.1:9095/api/v1/incidents/42"}}}};
  return env.dump();
}

OutboxEntry Entry(int seq, const std::string& type = "declared",
                  const std::string& title = "db disk full") {
  OutboxEntry e;
  e.id = seq;
  e.incident_id = 42;
  e.event_seq = seq;
  e.receiver = "mail";
  e.event_id = "ab-abcdefghijklmnop-1." + std::to_string(seq);
  e.event_type = type;
  e.payload = Envelope(e.event_id, type, title);
  return e;
}

class EmailNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("AB_TEST_SMTP_PASSWORD", kPassword, 1); }

  ReceiverConfig Config(const std::string& url, bool starttls, bool auth,
                        const std::string& ca_file = "") {
    ReceiverConfig c;
    c.name = "mail";
    c.type = "email";
    c.url = Secret(url);
    c.timeout = Duration(5000);
    auto s = std::make_shared<EmailSettings>();
    s->from = *ParseMailbox("alertbridge <bridge@alerts.example>");
    s->to = {*ParseMailbox("oncall@example.com"), *ParseMailbox("Ops Team <ops@example.com>")};
    s->starttls = starttls;
    s->ca_file = ca_file;
    if (auth)
      s->auth =
          EmailSettings::Auth{Secret("env:AB_TEST_SMTP_USER"), Secret("env:AB_TEST_SMTP_PASSWORD")};
    c.settings = s;
    ::setenv("AB_TEST_SMTP_USER", "bridge", 1);
    return c;
  }

  std::unique_ptr<Notifier> Make(const ReceiverConfig& c) {
    auto n = MakeEmailNotifier(c);
    EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
    return n.ok() ? std::move(n).value() : nullptr;
  }

  SendContext Ctx(std::vector<ExternalRef> refs = {}) {
    SendContext ctx;
    ctx.now = ParseRfc3339("2026-03-01T12:00:05Z").value();
    ctx.refs = std::move(refs);
    return ctx;
  }
};

TEST_F(EmailNotifierTest, SendsTextAndHtmlOverStartTlsWithAuthAndThreadsUpdates) {
  SmtpTestServer server({.tls = true, .auth = std::string("bridge:") + kPassword});
  ASSERT_GT(server.port(), 0);
  auto mail = Make(Config(server.Url(), true, true, server.CaFile()));
  ASSERT_NE(mail, nullptr);

  SendResult first = mail->Send(Entry(1, "declared", "db <script>alert(1)</script> full"), Ctx());
  ASSERT_EQ(first.kind, SendResult::Kind::kOk) << first.reason;
  ASSERT_TRUE(first.ref.has_value());
  EXPECT_EQ(first.ref->type, "message-id");
  EXPECT_EQ(first.ref->id, "<ab-abcdefghijklmnop-1.1@alerts.example>");

  SendResult second = mail->Send(Entry(2, "resolved"), Ctx({*first.ref}));
  ASSERT_EQ(second.kind, SendResult::Kind::kOk) << second.reason;
  EXPECT_FALSE(second.ref.has_value());  // the thread's root is already known

  const auto msgs = server.Messages();
  ASSERT_EQ(msgs.size(), 2u);
  const nlohmann::json& m = msgs[0];
  EXPECT_TRUE(m["tls"].get<bool>());
  EXPECT_EQ(m["auth_user"], "bridge");
  EXPECT_EQ(m["mail_from"], "bridge@alerts.example");
  EXPECT_EQ(m["rcpt_tos"], (nlohmann::json{"oncall@example.com", "ops@example.com"}));
  EXPECT_EQ(m["content_type"], "multipart/alternative");
  const nlohmann::json& h = m["headers"];
  EXPECT_EQ(h["From"], "alertbridge <bridge@alerts.example>");
  EXPECT_EQ(h["To"], "oncall@example.com, Ops Team <ops@example.com>");
  EXPECT_EQ(h["Subject"], "[ab-abcdefghijklmnop-1] db <script>alert(1)</script> full");
  EXPECT_EQ(h["Message-ID"], "<ab-abcdefghijklmnop-1.1@alerts.example>");
  EXPECT_EQ(h["Date"], "Sun, 01 Mar 2026 12:00:05 +0000");
  EXPECT_EQ(h["Auto-Submitted"], "auto-generated");
  EXPECT_FALSE(h.contains("In-Reply-To"));

  const std::string text = m["text"];
  EXPECT_NE(text.find("db <script>alert(1)</script> full"), std::string::npos) << text;
  EXPECT_NE(text.find("Priority: SEV2 (base severity SEV3)"), std::string::npos) << text;
  EXPECT_NE(text.find("Owner: storage, commander alice"), std::string::npos) << text;
  EXPECT_NE(text.find("http://127.0.0.1:9095/api/v1/incidents/42"), std::string::npos) << text;
  const std::string html = m["html"];
  EXPECT_EQ(html.find("<script>"), std::string::npos) << html;
  EXPECT_NE(html.find("db &lt;script&gt;alert(1)&lt;/script&gt; full"), std::string::npos);
  EXPECT_NE(html.find("disk almost full on &lt;db-1&gt; &amp; db-2"), std::string::npos);

  const nlohmann::json& reply = msgs[1]["headers"];
  EXPECT_EQ(reply["Message-ID"], "<ab-abcdefghijklmnop-1.2@alerts.example>");
  EXPECT_EQ(reply["In-Reply-To"], "<ab-abcdefghijklmnop-1.1@alerts.example>");
  EXPECT_EQ(reply["References"], "<ab-abcdefghijklmnop-1.1@alerts.example>");
  EXPECT_EQ(reply["Subject"], "[ab-abcdefghijklmnop-1] db disk full");
}

TEST_F(EmailNotifierTest, Smtp4xxIsRetriedAnd5xxIsPermanent) {
  SmtpTestServer server({});
  ASSERT_GT(server.port(), 0);
  auto mail = Make(Config(server.Url(), false, false));
  ASSERT_NE(mail, nullptr);

  server.ReplyWith("451 4.3.0 Try again later");
  SendResult r = mail->Send(Entry(1), Ctx());
  EXPECT_EQ(r.kind, SendResult::Kind::kRetry) << r.reason;
  EXPECT_NE(r.reason.find("SMTP 451"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("receiver \"mail\""), std::string::npos) << r.reason;

  server.ReplyWith("554 5.7.1 Message rejected");
  r = mail->Send(Entry(1), Ctx());
  EXPECT_EQ(r.kind, SendResult::Kind::kPermanent) << r.reason;
  EXPECT_NE(r.reason.find("SMTP 554"), std::string::npos) << r.reason;

  server.ReplyWith("");
  r = mail->Send(Entry(1), Ctx());
  EXPECT_EQ(r.kind, SendResult::Kind::kOk) << r.reason;
  const auto msgs = server.Messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_FALSE(msgs[0]["tls"].get<bool>());
}

TEST_F(EmailNotifierTest, WrongPasswordIsPermanentAndNeverShowsThePassword) {
  SmtpTestServer server({.tls = true, .auth = "bridge:another-password"});
  ASSERT_GT(server.port(), 0);
  auto mail = Make(Config(server.Url(), true, true, server.CaFile()));
  ASSERT_NE(mail, nullptr);
  SendResult r = mail->Send(Entry(1), Ctx());
  EXPECT_EQ(r.kind, SendResult::Kind::kPermanent) << r.reason;
  EXPECT_NE(r.reason.find("SMTP 535"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find(kPassword), std::string::npos) << r.reason;
  EXPECT_TRUE(server.Messages().empty());
}

TEST_F(EmailNotifierTest, StartTlsRequiredButNotOfferedIsPermanent) {
  SmtpTestServer server({});
  ASSERT_GT(server.port(), 0);
  auto mail = Make(Config(server.Url(), true, false));
  ASSERT_NE(mail, nullptr);
  SendResult r = mail->Send(Entry(1), Ctx());
  EXPECT_EQ(r.kind, SendResult::Kind::kPermanent) << r.reason;
  EXPECT_NE(r.reason.find("STARTTLS"), std::string::npos) << r.reason;
  EXPECT_TRUE(server.Messages().empty());
}

TEST_F(EmailNotifierTest, NoServerIsRetried) {
  int port = 0;
  {
    SmtpTestServer server({});
    port = server.port();
  }  // gone: the port is closed now
  ASSERT_GT(port, 0);
  auto mail = Make(Config("smtp://127.0.0.1:" + std::to_string(port), false, false));
  ASSERT_NE(mail, nullptr);
  SendResult r = mail->Send(Entry(1), Ctx());
  EXPECT_EQ(r.kind, SendResult::Kind::kRetry) << r.reason;
}

TEST_F(EmailNotifierTest, FactoryErrorsNameReferencesNotValues) {
  ReceiverConfig c = Config("smtp://127.0.0.1:25", false, true);
  auto n = MakeEmailNotifier(c);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("in clear"), std::string::npos) << n.error().message;

  c = Config("smtps://127.0.0.1:465", false, true);
  ::unsetenv("AB_TEST_SMTP_PASSWORD");
  n = MakeEmailNotifier(c);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("env:AB_TEST_SMTP_PASSWORD"), std::string::npos)
      << n.error().message;

  c = Config("smtp://bridge:" + std::string(kPassword) + "@127.0.0.1:25", true, false);
  n = MakeEmailNotifier(c);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("credentials in the url"), std::string::npos);
  EXPECT_EQ(n.error().message.find(kPassword), std::string::npos) << n.error().message;

  c = Config("http://127.0.0.1:25", true, false);
  n = MakeEmailNotifier(c);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("smtp://"), std::string::npos) << n.error().message;
}

TEST(EmailMessageTest, HeaderTextIsOneLineAndEncodedWhenNotAscii) {
  EXPECT_EQ(MailHeaderText("disk full\r\nBcc: evil@example.com"),
            "disk full  Bcc: evil@example.com");
  const std::string encoded = MailHeaderText("Überlauf auf Platte ✓");
  EXPECT_EQ(encoded.rfind("=?UTF-8?B?", 0), 0u) << encoded;
  EXPECT_EQ(encoded.find('\n'), encoded.find("\r\n "));  // folded only between encoded-words
  EXPECT_EQ(MailHeaderText(std::string(300, 'x')).size(), 200u);
}

}  // namespace
}  // namespace ab::testing

namespace ab::testing {
namespace {

// Issue 16 item 6: mail that threads and reaches people.
TEST_F(EmailNotifierTest, OneRefusedRecipientDoesNotCostTheOthersTheMail) {
  SmtpTestServer server({.reject_rcpt = {"ops@example.com"}});
  ASSERT_GT(server.port(), 0);
  auto mail = Make(Config(server.Url(), false, false));
  const SendResult r = mail->Send(Entry(1), Ctx());
  ASSERT_EQ(r.kind, SendResult::Kind::kOk) << r.reason;
  ASSERT_EQ(r.degraded.size(), 1u);
  EXPECT_EQ(r.degraded[0].step, "recipients");
  EXPECT_THAT(r.degraded[0].reason, ::testing::HasSubstr("ops@example.com: 550 5.1.1"));
  const auto messages = server.Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["rcpt_tos"], nlohmann::json::array({"oncall@example.com"}));
}

TEST_F(EmailNotifierTest, ARefusalKeepsTheServersWordsWithoutTheLogin) {
  SmtpTestServer server({.tls = true, .auth = std::string("bridge:") + kPassword});
  ASSERT_GT(server.port(), 0);
  server.ReplyWith(std::string("554 5.7.1 rejected by policy for bridge:") + kPassword);
  auto mail = Make(Config(server.Url(), true, true, server.CaFile()));
  const SendResult r = mail->Send(Entry(1), Ctx());
  EXPECT_EQ(r.kind, SendResult::Kind::kPermanent);
  EXPECT_THAT(r.reason, ::testing::HasSubstr("5.7.1 rejected by policy"));
  EXPECT_THAT(r.reason, ::testing::Not(::testing::HasSubstr(kPassword)));
}

TEST_F(EmailNotifierTest, TheSubjectStaysTheSameAcrossAnIncidentsMessages) {
  SmtpTestServer server({});
  ASSERT_GT(server.port(), 0);
  auto mail = Make(Config(server.Url(), false, false));
  ASSERT_EQ(mail->Send(Entry(1, "declared"), Ctx()).kind, SendResult::Kind::kOk);
  ASSERT_EQ(mail->Send(Entry(2, "resolved"), Ctx()).kind, SendResult::Kind::kOk);
  const auto messages = server.Messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0]["headers"]["Subject"], messages[1]["headers"]["Subject"]);
  EXPECT_EQ(messages[0]["headers"]["Subject"], "[ab-abcdefghijklmnop-1] db disk full");
  // What changed is in the body.
  EXPECT_THAT(messages[1]["text"].get<std::string>(),
              ::testing::StartsWith("Incident resolved: all its alerts recovered"));
}

TEST_F(EmailNotifierTest, ALongRecipientListIsFoldedUnderTheLineLimit) {
  SmtpTestServer server({});
  ASSERT_GT(server.port(), 0);
  ReceiverConfig c = Config(server.Url(), false, false);
  auto s = std::make_shared<EmailSettings>(*c.Settings<EmailSettings>());
  s->to.clear();
  for (int i = 0; i < 60; ++i) {
    s->to.push_back(*ParseMailbox("Responder " + std::to_string(i) + " <responder-" +
                                  std::to_string(i) + "@example.com>"));
  }
  c.settings = s;
  auto mail = Make(c);
  ASSERT_EQ(mail->Send(Entry(1), Ctx()).kind, SendResult::Kind::kOk);
  const auto messages = server.Messages();
  ASSERT_EQ(messages.size(), 1u);
  const std::string raw = messages[0]["raw_headers"];
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find("\r\n", start);
    if (end == std::string::npos) end = raw.size();
    EXPECT_LE(end - start, 998u) << raw.substr(start, 80);
    start = end + 2;
  }
  EXPECT_EQ(messages[0]["rcpt_tos"].size(), 60u);
  EXPECT_THAT(messages[0]["headers"]["To"].get<std::string>(),
              ::testing::HasSubstr("responder-59@example.com"));
}

}  // namespace
}  // namespace ab::testing
