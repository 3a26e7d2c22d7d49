// type: email — settings of an SMTP receiver (libcurl, smtp:// with STARTTLS or smtps://).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace ab {

// "Name <local@domain>" or "local@domain". Display names are kept as written (ASCII without
// quotes, angle brackets or line breaks).
struct Mailbox {
  std::string display;
  std::string address;
  // For a header: "Name <addr>" or "addr".
  std::string ToHeader() const;
};
std::optional<Mailbox> ParseMailbox(std::string_view text);

// Variables of the subject template, each written {{name}}; plus {{group.LABEL}}.
inline constexpr std::string_view kEmailSubjectVariables[] = {
    "event", "key", "id", "title", "summary", "priority", "severity", "state", "rule", "team",
    "commander", "url"};
inline constexpr std::string_view kDefaultEmailSubject = "[{{priority}}] {{title}} ({{event}})";
// Empty when `text` only uses known variables with balanced braces, else what is wrong.
std::string CheckEmailSubject(std::string_view text);

struct EmailSettings final : ReceiverSettings {
  Mailbox from;
  std::vector<Mailbox> to;
  std::string subject{kDefaultEmailSubject};
  bool starttls = true;  // smtp:// only: require STARTTLS before anything else is sent
  struct Auth {
    Secret user;
    Secret password;
  };
  std::optional<Auth> auth;
  std::string ca_file;  // PEM bundle to verify the server with; empty = the system's
};

}  // namespace ab
