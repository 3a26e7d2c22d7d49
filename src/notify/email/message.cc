#include "notify/email/message.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "notify/text/escape.h"
#include "notify/text/event_words.h"

namespace ab {
namespace {

constexpr std::string_view kCrlf = "\r\n";
// Header lines are folded well before RFC 5322's 998-byte limit (78 is its "should").
constexpr size_t kFoldAt = 78;

std::string Str(const nlohmann::json& j, std::string_view key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// Cuts at `max` bytes without splitting a UTF-8 sequence.
std::string_view CutUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

// Base64 in lines of 76 characters (RFC 2045).
std::string Base64Lines(std::string_view data) {
  const std::string b64 = Base64Encode(data);
  std::string out;
  for (size_t i = 0; i < b64.size(); i += 76) {
    out += b64.substr(i, 76);
    out += kCrlf;
  }
  return out;
}

// What the mail says about the incident, as (label, value) rows.
struct Facts {
  std::string headline;  // what this message is about: the subject stays the same
  std::string title;
  std::vector<std::pair<std::string, std::string>> rows;
  std::string url;
};

Facts Describe(const nlohmann::json& env) {
  const nlohmann::json& inc = env.contains("incident") ? env["incident"] : nlohmann::json::object();
  Facts f;
  f.title = Str(inc, "title");
  f.url = Str(inc, "url");
  std::string group;
  if (auto g = inc.find("group"); g != inc.end() && g->is_object()) {
    for (const auto& [k, v] : g->items()) {
      group +=
          (group.empty() ? "" : ", ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  const nlohmann::json owner = inc.contains("owner") ? inc["owner"] : nlohmann::json::object();
  std::string owner_text = Str(owner, "team");
  if (std::string c = Str(owner, "commander"); !c.empty()) {
    owner_text += (owner_text.empty() ? "" : ", commander ") + c;
  }
  auto add = [&](std::string label, std::string value) {
    if (!value.empty()) f.rows.emplace_back(std::move(label), std::move(value));
  };
  add("Event", Str(env, "type"));
  add("Incident", Str(inc, "key") + " (#" + Str(inc, "id") + ")");
  add("State", Str(inc, "state"));
  add("Priority", Str(inc, "priority") + " (base severity " + Str(inc, "base_severity") + ")");
  add("Owner", owner_text);
  add("Summary", Str(inc, "summary"));
  add("Alerts firing", Str(inc, "alerts_firing") + " of " + Str(inc, "alerts_total"));
  add("Group", group);
  add("Rule", Str(inc, "rule"));
  add("Runbook", Str(inc, "runbook"));
  add("Occurred at", Str(env, "occurred_at"));
  return f;
}

std::string TextPart(const Facts& f) {
  std::string out = f.headline + "\n\n" + f.title + "\n\n";
  for (const auto& [label, value] : f.rows) out += label + ": " + value + "\n";
  if (!f.url.empty()) out += "\n" + f.url + "\n";
  out += "\n-- \nSent by alertbridge\n";
  return out;
}

std::string HtmlPart(const Facts& f) {
  std::string out =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n<p><strong>" +
      EscapeHtml(f.headline) + "</strong></p>\n<h2>" + EscapeHtml(f.title) + "</h2>\n<table>\n";
  for (const auto& [label, value] : f.rows) {
    out += "<tr><th align=\"left\">" + EscapeHtml(label) + "</th><td>" + EscapeHtml(value) +
           "</td></tr>\n";
  }
  out += "</table>\n";
  if (!f.url.empty()) {
    out += "<p><a href=\"" + EscapeHtml(f.url) + "\">Open the incident</a></p>\n";
  }
  out += "<p style=\"color:#888\">Sent by alertbridge</p>\n</body></html>\n";
  return out;
}

std::string Domain(const std::string& address) { return address.substr(address.find('@') + 1); }

}  // namespace

std::string FormatMailDate(TimePoint t) {
  const std::time_t secs = static_cast<std::time_t>(ToMillis(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string MailHeaderText(std::string_view text, size_t max) {
  std::string clean;
  bool ascii = true;
  for (char c : CutUtf8(text, max)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < ' ' || u == 0x7f) {
      clean += ' ';
      continue;
    }
    ascii = ascii && u < 0x80;
    clean += c;
  }
  // "=?" could start an encoded-word of our own making: encode such text too.
  if (ascii && clean.find("=?") == std::string::npos) return clean;
  // Encoded-words of at most 75 characters: 45 bytes of UTF-8 each, cut on character starts.
  std::string out;
  std::string_view rest = clean;
  while (!rest.empty()) {
    std::string_view chunk = CutUtf8(rest, 45);
    if (chunk.empty()) chunk = rest.substr(0, 1);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64Encode(chunk) + "?=";
    rest.remove_prefix(chunk.size());
  }
  return out;
}

Result<EmailMessage> BuildEmail(const EmailSettings& settings, const Template& subject,
                                const OutboxEntry& entry, TimePoint now,
                                const std::optional<std::string>& thread_to) {
  Result<EventView> view = EventView::Parse(entry.payload);
  if (!view.ok()) {
    return MakeError("outbox entry " + std::to_string(entry.id) + ": " + view.error().message);
  }
  Facts facts = Describe(view->envelope());
  facts.headline = EventHeadline(*view);
  EmailMessage m;
  m.message_id = "<" + entry.event_id + "@" + Domain(settings.from.address) + ">";
  const std::string boundary = "=_alertbridge_" + HexEncode(Sha256(entry.event_id)).substr(0, 24);

  // RFC 5322 2.1.1: a line is at most 998 bytes; a long list folds after its commas.
  std::string to;
  size_t line = 4;  // "To: "
  for (const Mailbox& mb : settings.to) {
    const std::string item = mb.ToHeader();
    if (!to.empty()) {
      to += ",";
      ++line;
      if (line + 1 + item.size() > kFoldAt) {
        to += "\r\n";
        line = 0;
      }
      to += " ";
      ++line;
    }
    to += item;
    line += item.size();
  }
  std::string& d = m.data;
  auto header = [&](std::string_view name, std::string_view value) {
    d += name;
    d += ": ";
    d += value;
    d += kCrlf;
  };
  header("Date", FormatMailDate(now));
  header("From", settings.from.ToHeader());
  header("To", to);
  header("Subject", MailHeaderText(subject.Render(*view, TextFormat::kPlain)));
  header("Message-ID", m.message_id);
  if (thread_to && *thread_to != m.message_id) {
    header("In-Reply-To", *thread_to);
    header("References", *thread_to);
  }
  header("MIME-Version", "1.0");
  header("Auto-Submitted", "auto-generated");
  header("X-Alertbridge-Event", MailHeaderText(entry.event_type, 64));
  header("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  d += kCrlf;
  d += "This is a MIME message: a text and an HTML version of the same content.";
  d += kCrlf;
  auto part = [&](std::string_view type, const std::string& body) {
    d += "--" + boundary + std::string(kCrlf);
    header("Content-Type", std::string(type) + "; charset=utf-8");
    header("Content-Transfer-Encoding", "base64");
    d += kCrlf;
    d += Base64Lines(body);
  };
  part("text/plain", TextPart(facts));
  part("text/html", HtmlPart(facts));
  d += "--" + boundary + "--" + std::string(kCrlf);
  return m;
}

}  // namespace ab
