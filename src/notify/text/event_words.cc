#include "notify/text/event_words.h"

namespace ab {
namespace {

std::string By(const EventView& event) {
  const std::string person = PersonOf(event);
  return person.empty() ? "" : " by " + person;
}

std::string Quoted(const std::string& text) { return text.empty() ? "" : ": " + text; }

// "team payments, commander alice" from assigned details: {field, from, to}, or one change per
// field in {changes: [...]}.
std::string Assignment(const EventView& event) {
  const nlohmann::json& d = event.details();
  std::string out;
  auto add = [&](const nlohmann::json& change) {
    if (!change.is_object()) return;
    const std::string field = change.value("field", "");
    const std::string to = change.contains("to") && change["to"].is_string()
                               ? change["to"].get<std::string>()
                               : std::string();
    if (field.empty()) return;
    out += (out.empty() ? "" : ", ") + field + " " + (to.empty() ? "(none)" : to);
  };
  if (d.contains("changes") && d["changes"].is_array()) {
    for (const auto& c : d["changes"]) add(c);
  } else {
    add(d);
  }
  if (out.empty()) {
    std::string owner = event.team();
    if (!event.commander().empty())
      owner += (owner.empty() ? "" : ", commander ") + event.commander();
    out = owner;
  }
  return out;
}

}  // namespace

std::string PersonOf(const EventView& event) {
  const std::string actor = event.actor();
  constexpr std::string_view kUser = "user:";
  return actor.rfind(kUser, 0) == 0 ? actor.substr(kUser.size()) : "";
}

std::string HowResolved(const EventView& event) {
  if (const std::string person = PersonOf(event); !person.empty()) return "resolved by " + person;
  const std::string how = event.Detail("how");
  if (how == "alerts_stale") {
    return "its alerts went stale (their source stopped reporting them; they did not recover)";
  }
  if (how == "alerts_partly_stale") {
    return "its alerts recovered or went stale (some stopped being reported without recovering)";
  }
  if (event.details().contains("heartbeat")) return "its heartbeat came back";
  return "all its alerts recovered";
}

bool IsPriorityChange(const EventView& event) {
  const std::string field = event.Detail("field");
  return field.empty() || field == "priority";
}

std::string EventHeadline(const EventView& event) {
  const std::string type = event.event_type();
  const std::string by = By(event);
  if (type == "declared") return "Incident declared";
  if (type == "alert_added") return "An alert joined the incident";
  if (type == "alert_resolved") return "An alert of the incident resolved";
  if (type == "alert_stale") {
    return "An alert of the incident went stale (its source stopped reporting it)";
  }
  if (type == "severity_changed") {
    const std::string from = event.Detail("from");
    const std::string to = event.Detail("to").empty() ? event.severity() : event.Detail("to");
    const std::string what =
        event.Detail("field") == "base_severity" ? "Base severity" : "Priority";
    if (from.empty()) return what + " is now " + to + by;
    // SEV1 is the worst: a smaller number is a raise.
    return what + (to < from ? " raised" : " lowered") + " from " + from + " to " + to + by;
  }
  if (type == "acknowledged") {
    if (!by.empty()) return "Incident acknowledged" + by;
    return event.commander().empty()
               ? "Incident acknowledged"
               : "Incident acknowledged (commander: " + event.commander() + ")";
  }
  if (type == "assigned") return "Incident assigned" + by + Quoted(Assignment(event));
  if (type == "note_added") {
    const std::string person = PersonOf(event);
    return (person.empty() ? std::string("Note") : "Note by " + person) +
           Quoted(event.Detail("text"));
  }
  if (type == "status_update") {
    return "Status update: the incident is still " + event.Field("state");
  }
  if (type == "sla_breached") {
    return "Acknowledgement SLA breached: nobody acknowledged the incident in time";
  }
  if (type == "escalated") return "Incident escalated";
  if (type == "muted") return "Incident muted: all its alerts are silenced";
  if (type == "unmuted") return "Incident unmuted";
  if (type == "resolved") return "Incident resolved: " + HowResolved(event);
  if (type == "reopened") {
    if (!by.empty()) return "Incident reopened" + by;
    return "Incident reopened: its alerts are firing again";
  }
  if (type == "closed") {
    const std::string resolution = event.Detail("resolution");
    return "Incident closed" + by + (resolution.empty() ? "" : " (resolution: " + resolution + ")");
  }
  return "Incident updated";
}

}  // namespace ab
