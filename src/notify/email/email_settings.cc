#include "notify/email/email_settings.h"

#include <memory>

#include "config/receiver_type.h"

namespace ab {
namespace {

bool IsAddressChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u > ' ' && u < 0x7f && c != '<' && c != '>' && c != ',' && c != '"' && c != '(' &&
         c != ')' && c != ';' && c != '\\';
}

bool IsAddress(std::string_view s) {
  const size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 >= s.size()) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : s) {
    if (!IsAddressChar(c)) return false;
  }
  return true;
}

}  // namespace

std::string Mailbox::ToHeader() const {
  return display.empty() ? address : display + " <" + address + ">";
}

std::optional<Mailbox> ParseMailbox(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  text = trim(text);
  Mailbox m;
  const size_t open = text.find('<');
  if (open == std::string_view::npos) {
    if (!IsAddress(text)) return std::nullopt;
    m.address = std::string(text);
    return m;
  }
  if (text.back() != '>') return std::nullopt;
  const std::string_view display = trim(text.substr(0, open));
  for (char c : display) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < ' ' || u >= 0x7f || c == '"' || c == '<' || c == '>' || c == ',' || c == ';' ||
        c == '\\') {
      return std::nullopt;
    }
  }
  const std::string_view address = text.substr(open + 1, text.size() - open - 2);
  if (!IsAddress(address)) return std::nullopt;
  m.display = std::string(display);
  m.address = std::string(address);
  return m;
}

using namespace config_internal;

void ParseEmailSettings(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  auto settings = std::make_shared<EmailSettings>();
  if (r.Require("url") && r.SecretRef("url", &rc->url)) {
    const std::string& ref = rc->url.ref();
    const bool indirect = ref.rfind("env:", 0) == 0 || ref.rfind("file:", 0) == 0;
    if (!indirect && ref.rfind("smtp://", 0) != 0 && ref.rfind("smtps://", 0) != 0) {
      diag.Add(r.Find("url")->mark,
               "url: expected an smtp:// or smtps:// URL, env:NAME or "
               "file:/path");
    }
    if (!indirect && ref.rfind("smtps://", 0) == 0 && r.Has("starttls")) {
      diag.Add(r.Find("starttls")->mark,
               "starttls: applies to smtp:// URLs only (smtps:// is TLS from the start)");
    }
  }
  r.Bool("starttls", &settings->starttls);

  auto mailbox = [&](const Value& v, Mailbox* out) {
    std::string text;
    if (!ReadNonEmpty(v, diag, &text)) return;
    std::optional<Mailbox> m = ParseMailbox(text);
    if (!m) {
      diag.Add(v.mark, v.path + ": " + Describe(v.node) +
                           " is not an address like ops@example.com or \"Ops <ops@example.com>\"");
      return;
    }
    *out = std::move(*m);
  };
  if (r.Require("from")) mailbox(*r.Find("from"), &settings->from);
  if (r.Require("to")) {
    const std::vector<Value> items = ListItems(*r.Find("to"), diag);
    if (items.empty() && (r.Find("to")->node.IsSequence() || r.Find("to")->node.IsNull())) {
      diag.Add(r.Find("to")->mark, "to: needs at least one address");
    }
    for (const Value& item : items) mailbox(item, &settings->to.emplace_back());
  }
  if (const Value* v = r.Find("auth")) {
    MapReader auth(*v, {"user", "password"}, diag);
    EmailSettings::Auth a;
    const bool user = auth.Require("user") && auth.SecretRef("user", &a.user);
    const bool password = auth.Require("password") && auth.SecretRef("password", &a.password);
    if (user && password) settings->auth = std::move(a);
    const bool plain = rc->url.ref().rfind("smtp://", 0) == 0 && !settings->starttls;
    if (plain) {
      diag.Add(v->mark, "auth: would send the password in clear; use smtps:// or starttls: true");
    }
  }
  r.String("ca_file", &settings->ca_file);
  rc->settings = std::move(settings);
}

}  // namespace ab
