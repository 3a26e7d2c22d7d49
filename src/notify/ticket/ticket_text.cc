#include "notify/ticket/ticket_text.h"

#include <cctype>
#include <vector>

#include "notify/text/event_words.h"
#include "notify/text/utf8.h"
#include "notify/ticket/markup.h"

namespace ab {
namespace {

// One untrusted line never exceeds this before escaping, so that cutting a text at a line
// boundary loses little and escaping (at most ~8x) cannot blow a single line past any limit.
constexpr size_t kMaxLineChars = 1000;
constexpr std::string_view kMarkerPrefix = "alertbridge event ";
constexpr std::string_view kCutNotice = "(cut to the ticket system's size limit)";

// Renders the few constructs tickets use, in Jira wiki markup, GitHub Markdown or (anything else)
// ServiceNow's plain text; every line it produces is self-contained markup.
class Writer {
 public:
  explicit Writer(TextFormat format)
      : jira_(format == TextFormat::kJiraWiki),
        github_(format == TextFormat::kGithubMarkdown),
        format_(jira_ || github_ ? format : TextFormat::kPlain) {}

  // A trusted line of our own words (escaped anyway: it may name tickets or resolutions).
  void Line(std::string_view text) { Add(Esc(text)); }
  void Blank() { Add(""); }
  void Heading(std::string_view text) {
    const char* strong = jira_ ? "*" : (github_ ? "**" : "");
    Add(strong + Esc(text) + strong);
  }
  // "Label: value", the value untrusted, or already markup when `raw` (a link).
  void Fact(std::string_view label, std::string_view value, bool raw = false) {
    const std::string v = raw ? std::string(value) : Esc(value);
    const std::string l(label);
    if (jira_) return Add("*" + l + ":* " + v);
    if (github_) return Add("- **" + l + ":** " + v);
    Add(l + ": " + v);
  }
  std::string Link(std::string_view text, std::string_view url) const {
    const std::string safe = SafeUrl(url);
    if (safe.empty()) return Esc(text);
    if (jira_) return "[" + Esc(text) + "|" + safe + "]";
    if (github_) return "[" + Esc(text) + "](" + safe + ")";
    return Esc(text) + " (" + safe + ")";
  }
  // Untrusted multi-line text, quoted line by line, so that no line of it is at the start of a
  // line where it could open a heading, list or block.
  void Quote(std::string_view text) {
    const char* quote = jira_ ? "bq. " : (github_ ? "> " : "");
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      const std::string line = Esc(text.substr(start, end - start));
      if (!line.empty()) Add(quote + line);
      start = end + 1;
    }
  }
  // Template output, already escaped where it holds event values.
  void Raw(std::string_view text) { Add(std::string(text)); }
  // The footer that lets a retry recognise its own comment; GitHub hides it.
  std::string Marker(std::string_view event_id) const {
    const std::string text = std::string(kMarkerPrefix) + std::string(event_id);
    return github_ ? "<!-- " + text + " -->" : text;
  }

  std::string Text() const { return out_; }

 private:
  std::string Esc(std::string_view text) const {
    return EscapeTicketLine(format_, OneLine(text, kMaxLineChars));
  }
  void Add(const std::string& line) {
    if (!out_.empty()) out_ += '\n';
    out_ += line;
  }

  bool jira_;
  bool github_;
  TextFormat format_;
  std::string out_;
};

void IncidentFacts(Writer& w, const IncidentEvent& ev) {
  w.Fact("Priority", ToString(ev.priority));
  w.Fact("State", ToString(ev.state));
  if (!ev.team.empty() || !ev.commander.empty()) {
    std::string owner = ev.team;
    if (!ev.commander.empty()) owner += (owner.empty() ? "" : " / ") + ev.commander;
    w.Fact("Owner", owner);
  }
  w.Fact("Alerts firing",
         std::to_string(ev.alerts_firing) + " of " + std::to_string(ev.alerts_total));
}

void IncidentLink(Writer& w, const IncidentEvent& ev) {
  if (ev.url.empty()) {
    w.Fact("Incident", ev.key);
  } else {
    w.Fact("Incident", w.Link(ev.key, ev.url), true);
  }
}

}  // namespace

Result<TicketWording> TicketWording::Make(const ReceiverConfig& config, TextFormat format,
                                          Limits limits) {
  TicketWording w;
  w.format_ = format;
  w.limits_ = limits;
  for (auto [name, slot] : {std::pair{"title", &w.title_}, std::pair{"body", &w.body_}}) {
    auto it = config.templates.find(name);
    if (it == config.templates.end()) continue;
    Result<Template> t = Template::Compile(it->second);
    if (!t.ok()) {
      return MakeError(
          "receiver \"" + config.name + "\": templates." + name + ": " + t.error().message,
          std::string("templates.") + name);
    }
    *slot = std::move(*t);
  }
  return w;
}

std::string TicketWording::Title(const IncidentEvent& ev) const {
  // Titles are plain text in all three systems: nothing to escape, only line breaks to drop.
  std::string title = OneLine(title_ ? title_->Render(ev.view, TextFormat::kPlain) : ev.title,
                              limits_.title, limits_.unit);
  return title.empty() ? OneLine("Incident " + ev.key, limits_.title, limits_.unit) : title;
}

std::string TicketWording::Body(const IncidentEvent& ev,
                                const std::optional<TicketLink>& follows) const {
  Writer w(format_);
  if (body_) {
    w.Raw(body_->Render(ev.view, format_));
  } else {
    if (!ev.summary.empty()) {
      w.Quote(ev.summary);
      w.Blank();
    }
    IncidentFacts(w, ev);
    if (!ev.runbook.empty()) w.Fact("Runbook", w.Link(ev.runbook, ev.runbook), true);
    if (!ev.accounts.empty()) {
      std::string names;
      for (const std::string& a : ev.accounts) names += (names.empty() ? "" : ", ") + a;
      w.Fact("Affected accounts", names);
    }
    IncidentLink(w, ev);
  }
  if (follows) w.Fact("Follows", w.Link(follows->display, follows->url), true);
  if (!body_) {
    w.Blank();
    w.Line(
        "Opened by alertbridge. Updates come as comments; this description is not changed "
        "again.");
  }
  // The cut keeps the "Follows" line only when it fits: a link in the system itself (Jira issue
  // link, ServiceNow parent) records it anyway.
  return CutLines(w.Text(), limits_.body, kCutNotice, format_, limits_.unit);
}

std::string TicketWording::Comment(const IncidentEvent& ev, std::string_view headline) const {
  Writer w(format_);
  w.Heading(headline);
  IncidentFacts(w, ev);
  IncidentLink(w, ev);
  const std::string marker = "\n" + w.Marker(ev.id);
  const size_t marker_chars = TextLength(marker, limits_.unit);
  const size_t budget = limits_.comment > marker_chars ? limits_.comment - marker_chars : 0;
  return CutLines(w.Text(), budget, kCutNotice, format_, limits_.unit) + marker;
}

std::string EventHeadline(const IncidentEvent& ev) { return EventHeadline(ev.view); }

bool CommentsHaveEventMarker(const nlohmann::json& comments, std::string_view event_id) {
  if (!comments.is_array()) return false;
  for (const nlohmann::json& c : comments) {
    if (c.is_object() && c.contains("body") && c["body"].is_string() &&
        HasEventMarker(c["body"].get_ref<const std::string&>(), event_id)) {
      return true;
    }
  }
  return false;
}

bool HasEventMarker(std::string_view text, std::string_view event_id) {
  const std::string marker = std::string(kMarkerPrefix) + std::string(event_id);
  for (size_t at = text.find(marker); at != std::string_view::npos;
       at = text.find(marker, at + 1)) {
    const size_t end = at + marker.size();
    // "…-1.5" must not match the marker of event "…-1.50".
    if (end == text.size() || !std::isdigit(static_cast<unsigned char>(text[end]))) return true;
  }
  return false;
}

}  // namespace ab
