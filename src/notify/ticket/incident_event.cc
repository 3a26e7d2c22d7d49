#include "notify/ticket/incident_event.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace ab {
namespace {

using Json = nlohmann::json;

// A string member; absent or null reads as "".
Result<std::string> Text(const Json& obj, const char* name, const std::string& path) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return MakeError(path + name + " is not a string", path + name);
  return it->get<std::string>();
}

Result<std::string> Required(const Json& obj, const char* name, const std::string& path) {
  Result<std::string> s = Text(obj, name, path);
  if (s.ok() && s->empty()) return MakeError(path + name + " is missing", path + name);
  return s;
}

int Count(const Json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_number_integer() ? it->get<int>() : 0;
}

}  // namespace

std::string IncidentEvent::PreviousKey() const {
  if (occurrence <= 1) return {};
  const size_t dash = key.rfind('-');
  return key.substr(0, dash + 1) + std::to_string(occurrence - 1);
}

Result<IncidentEvent> ParseIncidentEvent(std::string_view payload) {
  Result<EventView> view = EventView::Parse(payload);
  if (!view.ok()) return view.error();
  IncidentEvent ev;
  ev.view = std::move(*view);
  const Json& j = ev.view.envelope();
  auto id = Required(j, "id", "");
  if (!id.ok()) return id.error();
  ev.id = std::move(*id);
  auto type = Required(j, "type", "");
  if (!type.ok()) return type.error();
  std::optional<EventType> t = ParseEventType(*type);
  if (!t) return MakeError("type \"" + *type + "\" is not an event type", "type");
  ev.type = *t;
  auto occurred = Text(j, "occurred_at", "");
  if (!occurred.ok()) return occurred.error();
  if (!occurred->empty()) {
    Result<TimePoint> at = ParseRfc3339(*occurred);
    if (!at.ok()) return MakeError("occurred_at is not an RFC 3339 time", "occurred_at");
    ev.occurred_at = *at;
  }

  const Json& inc = ev.view.incident();
  const std::string p = "incident.";
  auto key = Required(inc, "key", p);
  if (!key.ok()) return key.error();
  ev.key = std::move(*key);
  const size_t dash = ev.key.rfind('-');
  int occurrence = 0;
  const char* digits = ev.key.data() + (dash == std::string::npos ? 0 : dash + 1);
  auto [end, ec] = std::from_chars(digits, ev.key.data() + ev.key.size(), occurrence);
  if (dash == std::string::npos || dash == 0 || ec != std::errc() ||
      end != ev.key.data() + ev.key.size() || occurrence < 1) {
    return MakeError("incident.key \"" + ev.key + "\" does not end in -<occurrence>",
                     "incident.key");
  }
  ev.occurrence = occurrence;
  // The id marks our comments (HasEventMarker): it must be "<key>_<seq>" (or "<key>.<seq>", as
  // events stored before ids lost their dot have it) and nothing else.
  const std::string seq = ev.id.substr(std::min(ev.id.size(), ev.key.size() + 1));
  const bool prefixed = ev.id.rfind(ev.key + "_", 0) == 0 || ev.id.rfind(ev.key + ".", 0) == 0;
  if (!prefixed || seq.empty() || seq.find_first_not_of("0123456789") != std::string::npos) {
    return MakeError("id \"" + ev.id + "\" is not <incident key>_<seq>", "id");
  }

  auto state = Required(inc, "state", p);
  if (!state.ok()) return state.error();
  std::optional<IncidentState> s = ParseIncidentState(*state);
  if (!s) return MakeError("incident.state \"" + *state + "\" is not a state", "incident.state");
  ev.state = *s;
  auto priority = Required(inc, "priority", p);
  if (!priority.ok()) return priority.error();
  std::optional<Severity> sev = ParseSeverity(*priority);
  if (!sev) {
    return MakeError("incident.priority \"" + *priority + "\" is not SEV1..SEV5",
                     "incident.priority");
  }
  ev.priority = *sev;

  for (auto [field, out] : {std::pair{"title", &ev.title}, std::pair{"summary", &ev.summary},
                            std::pair{"runbook", &ev.runbook}}) {
    auto v = Text(inc, field, p);
    if (!v.ok()) return v.error();
    *out = std::move(*v);
  }
  ev.url = ev.view.link();
  ev.team = ev.view.team();
  ev.commander = ev.view.commander();
  ev.accounts = ev.view.accounts();
  ev.alerts_firing = Count(inc, "alerts_firing");
  ev.alerts_total = Count(inc, "alerts_total");
  return ev;
}

}  // namespace ab
