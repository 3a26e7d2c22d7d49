#include "server/review.h"

#include <algorithm>
#include <optional>
#include <sstream>

#include "model/json.h"

namespace ab {
namespace {

std::string When(const std::optional<TimePoint>& t) {
  return t ? FormatRfc3339(*t) : std::string("—");
}

std::string Took(std::optional<TimePoint> from, std::optional<TimePoint> to) {
  if (!from || !to || *to < *from) return "—";
  Duration d = *to - *from;
  return FormatDuration(d - d % 1000);
}

std::string Or(const std::string& s, std::string_view fallback) {
  return s.empty() ? std::string(fallback) : MarkdownText(s);
}

// A detail object as "key: value, ..." text (escaped).
std::string DetailsText(const nlohmann::json& details) {
  if (!details.is_object() || details.empty()) return "";
  std::string out;
  for (const auto& [k, v] : details.items()) {
    if (!out.empty()) out += ", ";
    out += k + ": " + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return MarkdownText(out);
}

}  // namespace

std::string MarkdownText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
      case '#':
      case '!':
      case '~':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ReviewDraft(const IncidentDetail& d, const ResponsePolicy& policy,
                        std::string_view external_url) {
  const Incident& inc = d.incident;
  std::ostringstream md;
  md << "# Incident " << inc.id << " review: " << MarkdownText(inc.title) << "\n\n";
  md << "_Draft by alertbridge from the incident's timeline. Blameless: describe what happened "
        "and what made sense at the time, not who to blame._\n\n";

  md << "## Summary\n\n";
  md << "- **Incident:** " << inc.id << " (`" << inc.key << "`), rule " << MarkdownText(inc.rule)
     << ", group " << MarkdownText(inc.group.ToString()) << "\n";
  md << "- **Priority:** " << ToString(inc.priority) << " (base severity "
     << ToString(inc.base_severity) << ")\n";
  md << "- **State:** " << ToString(inc.state) << "\n";
  md << "- **Declared:** " << When(inc.declared_at) << " · **Acknowledged:** "
     << When(inc.acknowledged_at) << " · **Resolved:** " << When(inc.resolved_at)
     << " · **Closed:** " << When(inc.closed_at) << "\n";
  md << "- **Resolution:** " << Or(inc.resolution, "_(not closed yet)_") << "\n";
  md << "- **Cause:** " << Or(inc.cause, "_(not closed yet)_") << "\n";
  if (!inc.summary.empty()) md << "\n" << MarkdownText(inc.summary) << "\n";
  std::string url(external_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  md << "\nIncident record: " << url << "/api/v1/incidents/" << inc.id << "\n\n";

  md << "## Impact\n\n";
  std::optional<TimePoint> first_start;
  for (const TrackedAlert& a : d.alerts) {
    if (!first_start || a.alert.starts_at < *first_start) first_start = a.alert.starts_at;
  }
  md << "- **Alerts involved:** " << inc.alerts_total << " (" << inc.alerts_firing
     << " still firing)\n";
  std::string accounts;
  for (const std::string& a : inc.accounts) accounts += (accounts.empty() ? "" : ", ") + a;
  md << "- **Affected accounts:** " << Or(accounts, "none recorded") << "\n";
  md << "- **First alert started:** " << When(first_start) << "\n";
  md << "- **Duration (declared to resolved):** " << Took(inc.declared_at, inc.resolved_at)
     << "\n\n";

  md << "## Roles\n\n| Role | Who |\n|---|---|\n";
  md << "| Team | " << Or(inc.owner.team, "—") << " |\n";
  md << "| Incident commander | " << Or(inc.owner.commander, "—") << " |\n";
  md << "| Communications | " << Or(inc.owner.communications, "—") << " |\n\n";

  md << "## Response times\n\n";
  const SeverityPolicy* level = policy.For(inc.priority);
  md << "- **Detection to acknowledgement** (declared to first ack): "
     << Took(inc.declared_at, inc.acknowledged_at);
  if (level != nullptr && level->ack_within) {
    md << " (SLA ack_within " << FormatDuration(*level->ack_within) << ")";
  }
  md << "\n- **Acknowledgement to resolution:** " << Took(inc.acknowledged_at, inc.resolved_at);
  if (level != nullptr && level->resolve_within) {
    md << " (SLA resolve_within " << FormatDuration(*level->resolve_within) << ")";
  }
  md << "\n- **Time to detect** (first alert started to declared): "
     << Took(first_start, inc.declared_at) << "\n\n";

  md << "## SLA breaches and escalations\n\n";
  int listed = 0;
  for (const Event& e : d.timeline) {
    if (e.type != EventType::kSlaBreached && e.type != EventType::kEscalated) continue;
    ++listed;
    md << "- " << FormatRfc3339(e.at) << " " << ToString(e.type) << ": " << DetailsText(e.details)
       << "\n";
  }
  if (listed == 0) md << "None.\n";
  md << "\n";

  md << "## Timeline\n\n| Time (UTC) | Event | Actor | Details |\n|---|---|---|---|\n";
  for (const Event& e : d.timeline) {
    md << "| " << FormatRfc3339(e.at) << " | " << ToString(e.type) << " | " << MarkdownText(e.actor)
       << " | " << DetailsText(e.details) << " |\n";
  }
  md << "\n";

  md << "## Alerts involved\n\n| Alert | Labels | Started | Resolved |\n|---|---|---|---|\n";
  for (const TrackedAlert& a : d.alerts) {
    md << "| " << MarkdownText(std::string(a.alert.labels.Get("alertname"))) << " | "
       << MarkdownText(a.alert.labels.ToString()) << " | " << FormatRfc3339(a.alert.starts_at)
       << " | " << When(a.resolved_at) << " |\n";
  }
  md << "\n";

  md << "## Runbook\n\n";
  md << "- **Runbook:** " << Or(inc.runbook, "none linked") << "\n";
  md << "- **Updated after this incident:** "
     << (inc.runbook_updated ? (*inc.runbook_updated ? "yes" : "no") : "not said yet") << "\n\n";

  md << "## Action items\n\n| Action | Owner | Due |\n|---|---|---|\n|  |  |  |\n";
  return md.str();
}

std::string ReviewAtClose(IncidentStore& store, const Changes& changes, const EventRecord& closed,
                          const ResponsePolicy& policy, std::string_view external_url) {
  const int64_t id = closed.event.incident_id;
  IncidentDetail detail;
  auto stored = store.GetIncident(id);
  if (stored.ok() && stored->has_value()) detail = std::move(**stored);  // else: this commit only
  detail.incident = closed.snapshot;
  const int64_t last = detail.timeline.empty() ? 0 : detail.timeline.back().seq;
  for (const EventRecord& rec : changes.events) {
    if (rec.event.incident_id == id && rec.event.seq > last && rec.event.seq <= closed.event.seq) {
      detail.timeline.push_back(rec.event);
    }
  }
  return ReviewDraft(detail, policy, external_url);
}

}  // namespace ab
