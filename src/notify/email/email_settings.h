// type: email — the settings of an SMTP receiver (libcurl, smtp:// with STARTTLS or smtps://),
// and their parser.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

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

struct EmailSettings final : ReceiverSettings {
  Mailbox from;
  std::vector<Mailbox> to;
  bool starttls = true;  // smtp:// only: require STARTTLS before anything else is sent
  struct Auth {
    Secret user;
    Secret password;
  };
  std::optional<Auth> auth;
  std::string ca_file;  // PEM bundle to verify the server with; empty = the system's
};

// url, starttls, auth, ca_file, from, to.
void ParseEmailSettings(const config_internal::MapReader& r, config_internal::Diagnostics& diag,
                        ReceiverConfig* rc);

}  // namespace ab
