// People's actions on incidents (CONTRACTS.md "Incidents"): idempotent (doing what is already so
// answers changed=false and adds no event); what the state forbids is a conflict naming it.
#include "engine/engine.h"
#include "engine/engine_step.h"

namespace ab {

namespace {

constexpr std::pair<ActionType, std::string_view> kActionNames[] = {
    {ActionType::kAck, "ack"},          {ActionType::kResolve, "resolve"},
    {ActionType::kClose, "close"},      {ActionType::kReopen, "reopen"},
    {ActionType::kNote, "note"},        {ActionType::kAssign, "assign"},
    {ActionType::kSeverity, "severity"}};

// The action in words, for messages: "cannot acknowledge incident 4: it is closed".
std::string_view Verb(ActionType t) {
  switch (t) {
    case ActionType::kAck:
      return "acknowledge";
    case ActionType::kResolve:
      return "resolve";
    case ActionType::kClose:
      return "close";
    case ActionType::kReopen:
      return "reopen";
    case ActionType::kNote:
      return "add a note to";
    case ActionType::kAssign:
      return "assign";
    case ActionType::kSeverity:
      return "change the priority of";
  }
  return "act on";
}

}  // namespace

std::string_view ToString(ActionType t) {
  for (const auto& [type, name] : kActionNames) {
    if (type == t) return name;
  }
  return "ack";
}

std::optional<ActionType> ParseActionType(std::string_view text) {
  for (const auto& [type, name] : kActionNames) {
    if (name == text) return type;
  }
  return std::nullopt;
}

ActionOutcome Engine::Act(const Action& action, TimePoint now, const Incident* archived) {
  using Code = ActionOutcome::Code;
  ActionOutcome out;
  const std::string id_text = std::to_string(action.incident_id);
  Incident* inc = nullptr;
  Incident copy;
  if (auto it = incidents_.find(action.incident_id); it != incidents_.end()) {
    inc = &it->second;
  } else if (archived != nullptr && archived->id == action.incident_id) {
    copy = *archived;
    inc = &copy;
  } else {
    out.code = Code::kNotFound;
    out.error = "no incident " + id_text;
    out.field = "id";
    return out;
  }
  const bool held = inc != &copy;
  const std::string verb(Verb(action.type));
  auto fail = [&](Code code, std::string error, std::string field = {}) {
    out.code = code;
    out.error = std::move(error);
    out.field = std::move(field);
    out.incident = *inc;
    return out;
  };
  auto conflict = [&](std::string why) {
    return fail(Code::kConflict, "cannot " + verb + " incident " + id_text + ": " + why);
  };
  const IncidentState state = inc->state;
  if (state == IncidentState::kPending) return conflict("it is pending (its trigger has not held)");
  const bool closed = state == IncidentState::kClosed;

  Changes changes;
  Step step(changes);
  switch (action.type) {
    case ActionType::kAck:
      if (state == IncidentState::kAcknowledged) break;
      if (state != IncidentState::kDeclared)
        return conflict("it is " + std::string(ToString(state)));
      inc->state = IncidentState::kAcknowledged;
      if (!inc->acknowledged_at) inc->acknowledged_at = now;
      Emit(*inc, EventType::kAcknowledged, now, nlohmann::json::object(), step, action.actor);
      break;
    case ActionType::kResolve:
      if (state == IncidentState::kResolved) break;
      if (closed) return conflict("it is closed");
      Resolve(*inc, now, {{"alerts_firing", inc->alerts_firing}}, step, action.actor);
      break;
    case ActionType::kClose:
      // The closure documents the incident for its review (CONTRACTS.md "Human actions").
      if (action.text.empty()) {
        return fail(Code::kInvalid, "closing needs a resolution", "resolution");
      }
      if (closed) {
        // Closing again with the same resolution changes nothing (a retried request); another
        // resolution is not taken silently: the incident keeps the one its `closed` event has.
        if (action.text == inc->resolution) break;
        return conflict("it is closed with resolution \"" + inc->resolution +
                        "\"; add a note to record more");
      }
      if (action.cause.empty()) return fail(Code::kInvalid, "closing needs a cause", "cause");
      if (!action.runbook_updated) {
        return fail(Code::kInvalid, "closing needs runbook_updated (true or false)",
                    "runbook_updated");
      }
      if (state != IncidentState::kResolved) return conflict("it is open; resolve it first");
      inc->state = IncidentState::kClosed;
      inc->closed_at = now;
      inc->resolution = action.text;
      inc->cause = action.cause;
      inc->runbook_updated = action.runbook_updated;
      Emit(*inc, EventType::kClosed, now,
           {{"resolution", action.text},
            {"cause", action.cause},
            {"runbook_updated", *action.runbook_updated}},
           step, action.actor);
      break;
    case ActionType::kReopen:
      if (IsOpen(state)) break;
      if (closed) return conflict("it is closed; a new firing declares a new occurrence");
      if (!held || GroupOf(*inc).current_incident != inc->id) {
        return conflict("a newer occurrence of its group exists");
      }
      Reopen(*inc, now, nlohmann::json::object(), step, action.actor);
      break;
    case ActionType::kNote:
      if (action.text.empty()) return fail(Code::kInvalid, "a note needs a text", "text");
      if (action.update && !IsOpen(state)) {
        return conflict("it is " + std::string(ToString(state)) +
                        "; status updates are for open incidents");
      }
      {
        nlohmann::json details{{"text", action.text}};
        inc->latest_note = action.text;
        if (action.update) {
          // A person's status update: it counts as the update, and the cadence restarts from it.
          inc->last_update_at = now;
          details["update"] = true;
        }
        Emit(*inc, EventType::kNoteAdded, now, std::move(details), step, action.actor);
      }
      break;
    case ActionType::kAssign: {
      if (!action.team && !action.commander && !action.communications) {
        return fail(Code::kInvalid, "assign needs a team, a commander or communications",
                    "commander");
      }
      if (closed) return conflict("it is closed");
      // One request is one event listing every role it changed: downstream, one assignment is
      // one ticket comment or message (issue 16 item 8).
      nlohmann::json changed = nlohmann::json::array();
      auto assign = [&](const char* field, std::string& slot,
                        const std::optional<std::string>& to) {
        if (!to || *to == slot) return;
        changed.push_back({{"field", field}, {"from", slot}, {"to", *to}});
        slot = *to;
      };
      assign("team", inc->owner.team, action.team);
      assign("commander", inc->owner.commander, action.commander);
      assign("communications", inc->owner.communications, action.communications);
      if (changed.empty()) break;
      Emit(*inc, EventType::kAssigned, now, {{"changes", std::move(changed)}}, step, action.actor);
      break;
    }
    case ActionType::kSeverity: {
      if (!action.priority) return fail(Code::kInvalid, "severity needs a priority", "priority");
      if (closed) return conflict("it is closed");
      if (*action.priority == inc->priority) break;
      Severity from = inc->priority;
      inc->priority = *action.priority;
      inc->priority_by_hand = true;
      Emit(*inc, EventType::kSeverityChanged, now,
           {{"field", "priority"}, {"from", ToString(from)}, {"to", ToString(inc->priority)}}, step,
           action.actor);
      break;
    }
  }

  out.changed = !changes.events.empty();
  out.incident = *inc;
  if (!out.changed) return out;
  if (held) {
    Finish(step);
  } else {
    changes.incidents.push_back(copy);
  }
  out.changes = std::move(changes);
  return out;
}

}  // namespace ab
