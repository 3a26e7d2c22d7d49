// type: email in receivers files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "config/config.h"
#include "notify/email/email_settings.h"

namespace ab {
namespace {

using ::ab::testing::ErrorStrings;
using ::ab::testing::TempDir;
using ::testing::ElementsAre;

TEST(EmailReceiverTest, ParsesEverySetting) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: mail
    type: email
    url: smtp://mail.internal:587
    starttls: true
    auth: {user: env:SMTP_USER, password: file:/run/secrets/smtp}
    ca_file: /etc/ssl/internal-ca.pem
    from: "alertbridge <bridge@alerts.example>"
    to: [oncall@example.com, "Ops <ops@example.com>"]
    templates: {subject: "{{severity}} {{title}} [{{group.service}}]"}
  - name: plain
    type: email
    url: env:SMTP_URL
    from: bridge@alerts.example
    to: [oncall@example.com]
)");
  LoadResult r = CheckPaths({file});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  ASSERT_EQ(r.config.receivers.size(), 2u);
  const EmailSettings* s = r.config.receivers[0].Settings<EmailSettings>();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->from.display, "alertbridge");
  EXPECT_EQ(s->from.address, "bridge@alerts.example");
  ASSERT_EQ(s->to.size(), 2u);
  EXPECT_EQ(s->to[1].ToHeader(), "Ops <ops@example.com>");
  EXPECT_TRUE(s->starttls);
  ASSERT_TRUE(s->auth.has_value());
  EXPECT_EQ(s->auth->user.ref(), "env:SMTP_USER");
  EXPECT_EQ(s->auth->password.ref(), "file:/run/secrets/smtp");
  EXPECT_EQ(s->ca_file, "/etc/ssl/internal-ca.pem");
  EXPECT_EQ(r.config.receivers[0].templates.at("subject"),
            "{{severity}} {{title}} [{{group.service}}]");
  EXPECT_EQ(r.config.receivers[0].delivery.concurrency, 2);
  EXPECT_FALSE(r.config.receivers[0].delivery.stateful);

  const EmailSettings* plain = r.config.receivers[1].Settings<EmailSettings>();
  ASSERT_NE(plain, nullptr);
  EXPECT_TRUE(r.config.receivers[1].templates.empty());
  EXPECT_TRUE(plain->starttls);
  EXPECT_FALSE(plain->auth.has_value());
}

TEST(EmailReceiverTest, BlankToIsNoRecipients) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: blank
    type: email
    url: smtp://mail.internal:587
    from: bridge@alerts.example
    to:
)");
  LoadResult r = CheckPaths({file});
  EXPECT_THAT(ErrorStrings(r), ElementsAre(file + ":6:5: to: needs at least one address"));
}

TEST(EmailReceiverTest, ReportsEveryProblemWithoutEchoingSecrets) {
  TempDir dir;
  std::string file = dir.Write("receivers.yml", R"(receivers:
  - name: bad
    type: email
    url: http://mail.internal
    from: not-an-address
    to: ["ops@example.com, dev@example.com", "a\r\nBcc: x@y.z"]
    templates: {subject: "{{title}} {{password}}"}
  - name: clear
    type: email
    url: smtp://mail.internal:25
    starttls: false
    auth: {user: bridge, password: hunter2-inline}
    from: bridge@alerts.example
    to: []
  - name: tls
    type: email
    url: smtps://mail.internal:465
    starttls: true
    auth: {user: env:U}
)");
  LoadResult r = CheckPaths({file});
  const std::string f = file + ":";
  const std::vector<std::string> errors = ErrorStrings(r);
  EXPECT_THAT(
      errors,
      ElementsAre(
          f + "4:10: url: expected an smtp:// or smtps:// URL, env:NAME or file:/path",
          f + "5:11: from: \"not-an-address\" is not an address like ops@example.com or "
              "\"Ops <ops@example.com>\"",
          f + "6:10: to[0]: \"ops@example.com, dev@example.com\" is not an address like "
              "ops@example.com or \"Ops <ops@example.com>\"",
          f + "6:46: to[1]: \"a\r\nBcc: x@y.z\" is not an address like ops@example.com or "
              "\"Ops <ops@example.com>\"",
          f + "7:37: templates.subject: unknown name \"password\" (known: event, incident, "
              "labels, annotations, group, accounts, account_names, account_count, title, "
              "summary, severity, runbook, key, link, owner)",
          f + "12:11: auth: would send the password in clear; use smtps:// or starttls: true",
          f + "14:9: to: needs at least one address", f + "15:5: missing required key \"from\"",
          f + "15:5: missing required key \"to\"",
          f + "18:15: starttls: applies to smtp:// URLs only (smtps:// is TLS from the start)",
          f + "19:11: missing required key \"auth.password\""));
  for (const std::string& e : errors) EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
}

}  // namespace
}  // namespace ab
