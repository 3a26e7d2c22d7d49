// Receiver type `email`: one mail per event over SMTP with libcurl (smtp:// with STARTTLS
// required by default, or smtps://), AUTH with user and password secrets, threaded per incident.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "notify/email/email_settings.h"
#include "notify/notifier.h"
#include "notify/text/template.h"

namespace ab {

class EmailNotifier final : public Notifier {
 public:
  struct Endpoint {
    std::string url;  // smtp://host[:port] or smtps://host[:port]
    bool implicit_tls = false;
    std::string user;
    std::string password;
  };
  EmailNotifier(std::string receiver, Endpoint endpoint, EmailSettings settings, Template subject,
                Duration timeout);

  // Ok with the Message-ID as a ref for the incident's first mail (later ones thread to it);
  // SMTP 4xx and connection problems are retried, 5xx are permanent.
  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) override;

 private:
  std::string receiver_;
  Endpoint endpoint_;
  EmailSettings settings_;
  Template subject_;
  Duration timeout_;
  std::vector<std::string> secrets_;  // user, password and their AUTH encodings: never shown
};

// Classifies a finished SMTP transfer: libcurl's result code and the server's last reply code
// (0 when there was none).
// `server_reply`: the server's last reply line, kept in the reason (its words say what to fix).
SendResult ClassifySmtp(int curl_code, long smtp_code, const std::string& detail,
                        const std::string& what, const std::string& server_reply = "");

// Factory of type `email`: resolves url, user and password once; errors name the receiver
// and the secret reference, never its value.
Result<std::unique_ptr<Notifier>> MakeEmailNotifier(const ReceiverConfig& config);

}  // namespace ab
