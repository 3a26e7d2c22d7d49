#include "notify/ticket/ticket_text.h"

#include <cctype>
#include <vector>

namespace ab {
namespace {

// One untrusted line never exceeds this before escaping, so that cutting a text at a line
// boundary loses little and escaping (at most ~8x) cannot blow a single line past any limit.
constexpr size_t kMaxLineChars = 1000;
constexpr std::string_view kMarkerPrefix = "alertbridge event ";
constexpr std::string_view kCutNotice = "(cut to the ticket system's size limit)";

// Renders the few constructs tickets use; every line it produces is self-contained markup.
class Writer {
 public:
  explicit Writer(Markup m) : m_(m) {}

  // A trusted line of our own words (escaped anyway: it may name tickets or resolutions).
  void Line(std::string_view text) { Add(Esc(text)); }
  void Blank() { Add(""); }
  void Heading(std::string_view text) {
    switch (m_) {
      case Markup::kJiraWiki:
        return Add("*" + Esc(text) + "*");
      case Markup::kGitHubMarkdown:
        return Add("**" + Esc(text) + "**");
      case Markup::kPlain:
        return Add(OneLine(text, kMaxLineChars));
    }
  }
  // "Label: value", the value untrusted and already in markup when `raw` (a link).
  void Fact(std::string_view label, std::string_view value, bool raw = false) {
    const std::string v = raw ? std::string(value) : Esc(value);
    switch (m_) {
      case Markup::kJiraWiki:
        return Add("*" + std::string(label) + ":* " + v);
      case Markup::kGitHubMarkdown:
        return Add("- **" + std::string(label) + ":** " + v);
      case Markup::kPlain:
        return Add(std::string(label) + ": " + v);
    }
  }
  std::string Link(std::string_view text, std::string_view url) const {
    const std::string safe = SafeUrl(url);
    if (safe.empty()) return Esc(text);
    switch (m_) {
      case Markup::kJiraWiki:
        return "[" + Esc(text) + "|" + safe + "]";
      case Markup::kGitHubMarkdown:
        return "[" + Esc(text) + "](" + safe + ")";
      case Markup::kPlain:
        return OneLine(text, kMaxLineChars) + " (" + safe + ")";
    }
    return Esc(text);
  }
  // Untrusted multi-line text, quoted line by line (so that no line of it starts a construct).
  void Quote(std::string_view text) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      const std::string line = OneLine(text.substr(start, end - start), kMaxLineChars);
      if (!line.empty()) {
        switch (m_) {
          case Markup::kJiraWiki:
            Add("bq. " + EscapeLine(m_, line));
            break;
          case Markup::kGitHubMarkdown:
            Add("> " + EscapeLine(m_, line));
            break;
          case Markup::kPlain:
            Add(EscapeLine(m_, line));
            break;
        }
      }
      start = end + 1;
    }
  }
  // The footer that lets a retry recognise its own comment; GitHub hides it.
  static std::string Marker(Markup m, std::string_view event_id) {
    const std::string text = std::string(kMarkerPrefix) + std::string(event_id);
    return m == Markup::kGitHubMarkdown ? "<!-- " + text + " -->" : text;
  }

  std::string Text() const { return out_; }

 private:
  std::string Esc(std::string_view text) const {
    return EscapeLine(m_, OneLine(text, kMaxLineChars));
  }
  void Add(const std::string& line) {
    if (!out_.empty()) out_ += '\n';
    out_ += line;
  }

  Markup m_;
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

std::string TicketTitle(const IncidentEvent& ev, size_t max_chars) {
  std::string title = OneLine(ev.title, max_chars);
  return title.empty() ? OneLine("Incident " + ev.key, max_chars) : title;
}

std::string TicketBody(Markup markup, const IncidentEvent& ev,
                       const std::optional<TicketLink>& follows, size_t max_chars) {
  Writer w(markup);
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
  if (follows) w.Fact("Follows", w.Link(follows->display, follows->url), true);
  w.Blank();
  w.Line("Opened by alertbridge. Updates come as comments; this description is not changed again.");
  return CutLines(w.Text(), max_chars, kCutNotice);
}

std::string TicketComment(Markup markup, const IncidentEvent& ev, std::string_view headline,
                          size_t max_chars) {
  Writer w(markup);
  w.Heading(headline);
  IncidentFacts(w, ev);
  IncidentLink(w, ev);
  const std::string marker = "\n" + Writer::Marker(markup, ev.id);
  const size_t marker_chars = Utf8Length(marker);
  const size_t budget = max_chars > marker_chars ? max_chars - marker_chars : 0;
  return CutLines(w.Text(), budget, kCutNotice) + marker;
}

std::string EventHeadline(const IncidentEvent& ev) {
  switch (ev.type) {
    case EventType::kDeclared:
      return "Incident declared";
    case EventType::kAlertAdded:
      return "An alert joined the incident";
    case EventType::kAlertResolved:
      return "An alert of the incident resolved";
    case EventType::kAlertStale:
      return "An alert of the incident went stale (its source stopped reporting it)";
    case EventType::kSeverityChanged:
      return "Priority is now " + std::string(ToString(ev.priority));
    case EventType::kAcknowledged:
      return ev.commander.empty() ? "Incident acknowledged"
                                  : "Incident acknowledged (commander: " + ev.commander + ")";
    case EventType::kAssigned:
      return "Incident assigned";
    case EventType::kNoteAdded:
      return "A note was added to the incident in alertbridge";
    case EventType::kStatusUpdate:
      return "Status update: the incident is still " + std::string(ToString(ev.state));
    case EventType::kSlaBreached:
      return "Acknowledgement SLA breached: nobody acknowledged the incident in time";
    case EventType::kEscalated:
      return "Incident escalated";
    case EventType::kMuted:
      return "Incident muted: all its alerts are silenced";
    case EventType::kUnmuted:
      return "Incident unmuted";
    case EventType::kResolved:
      return "Incident resolved";
    case EventType::kReopened:
      return "Incident reopened: its alerts are firing again";
    case EventType::kClosed:
      return "Incident closed";
  }
  return "Incident updated";
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
