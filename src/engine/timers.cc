// SLA timers (CONTRACTS.md "Config", `severities:`): the acknowledgement and resolution deadlines
// of an open incident, its escalation steps, and its periodic status updates. Every deadline is
// computed from stored incident fields (rules/response_policy.h), so a restart finds the same
// ones; each once-deadline that fires is recorded on the incident (deadlines_fired) in the same
// commit as its event, so it fires at most once, and a restart after it passed fires it once.
// Tick looks only at incidents whose next deadline came due (sla_at_), never at all of them.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_step.h"

namespace ab {

namespace {

constexpr const char* kSystem = "system";

nlohmann::json RolesJson(const Owner& owner) {
  return {{"team", owner.team},
          {"commander", owner.commander},
          {"communications", owner.communications}};
}

}  // namespace

void Engine::SetResponsePolicy(ResponsePolicy policy) {
  response_ = std::move(policy);
  for (const auto& [id, inc] : incidents_) WatchSla(id);
}

// Keeps sla_at_ holding the next deadline of every open incident whose priority has a policy.
// Called for each incident a step touched (its state, priority, mute or times may have changed).
void Engine::WatchSla(int64_t id) {
  if (auto due = sla_due_.find(id); due != sla_due_.end()) {
    sla_at_.erase({due->second, id});
    sla_due_.erase(due);
  }
  auto it = incidents_.find(id);
  if (it == incidents_.end()) return;
  const Incident& inc = it->second;
  if (!IsOpen(inc.state) || inc.muted) return;
  const SeverityPolicy* policy = response_.For(inc.priority);
  if (policy == nullptr) return;
  std::vector<Deadline> ahead = PendingDeadlines(inc, *policy);
  if (ahead.empty()) return;
  sla_at_.insert({ahead.front().at, id});
  sla_due_[id] = ahead.front().at;
}

void Engine::RestartSla(Incident& inc, TimePoint now) {
  inc.sla_started_at = now;
  inc.deadlines_fired.clear();
  inc.paused = Duration(0);
  inc.last_update_at.reset();
  if (inc.muted) inc.muted_at = now;
}

void Engine::RunOperations(TimePoint now, Step& step) {
  SilenceDue(now, step);
  MuteTouched(now, step);
  SlaDue(now, step);
}

// Fires what came due, in deadline order; firing may change what is due next (an escalation step
// that raises the priority brings in that level's deadlines, measured from the same start).
void Engine::SlaDue(TimePoint now, Step& step) {
  std::vector<int64_t> due;
  while (!sla_at_.empty() && sla_at_.begin()->first <= now) {
    int64_t id = sla_at_.begin()->second;
    sla_at_.erase(sla_at_.begin());
    sla_due_.erase(id);
    due.push_back(id);
  }
  for (int64_t id : due) {
    auto it = incidents_.find(id);
    if (it == incidents_.end()) continue;
    Incident& inc = it->second;
    // Each round fires one deadline: a once-deadline is recorded as fired and a status update
    // moves last_update_at to now, so the rounds end; the bound is a guard, never reached.
    for (int round = 0; round < 64; ++round) {
      const SeverityPolicy* policy = response_.For(inc.priority);
      if (policy == nullptr) break;
      std::vector<Deadline> ahead = PendingDeadlines(inc, *policy);
      if (ahead.empty() || ahead.front().at > now) break;
      FireDeadline(inc, ahead.front(), *policy, now, step);
    }
    step.touched_incidents.insert(id);  // reschedules it (Finish -> UpdateTimers)
  }
}

void Engine::FireDeadline(Incident& inc, const Deadline& d, const SeverityPolicy& policy,
                          TimePoint now, Step& step) {
  const std::string level(ToString(inc.priority));
  switch (d.kind) {
    case DeadlineKind::kAck:
    case DeadlineKind::kResolve: {
      inc.deadlines_fired.push_back(d.id);
      const bool ack = d.kind == DeadlineKind::kAck;
      const Duration within = ack ? *policy.ack_within : *policy.resolve_within;
      Emit(inc, EventType::kSlaBreached, now,
           {{"deadline", ack ? "ack_within" : "resolve_within"},
            {"within", FormatDuration(within)},
            {"due_at", FormatRfc3339(d.at)},
            {"severity", level}},
           step, kSystem);
      break;
    }
    case DeadlineKind::kEscalation: {
      inc.deadlines_fired.push_back(d.id);
      const EscalationStep& s = policy.escalation[d.step];
      // The step's receivers hear this event and, from now on, the incident's later ones (so a
      // page they got is acknowledged and resolved with it).
      for (const std::string& r : s.notify) {
        if (std::find(inc.receivers.begin(), inc.receivers.end(), r) == inc.receivers.end()) {
          inc.receivers.push_back(r);
        }
      }
      nlohmann::json details = {{"step", d.step + 1},
                                {"of", policy.escalation.size()},
                                {"after", FormatDuration(s.after)},
                                {"notify", s.notify},
                                {"severity", level}};
      if (s.raise_to) details["raise_to"] = ToString(*s.raise_to);
      Emit(inc, EventType::kEscalated, now, std::move(details), step, kSystem);
      if (s.raise_to && *s.raise_to < inc.priority) {
        const Severity from = inc.priority;
        inc.priority = *s.raise_to;
        Emit(inc, EventType::kSeverityChanged, now,
             {{"field", "priority"},
              {"from", ToString(from)},
              {"to", ToString(inc.priority)},
              {"cause", "escalation step " + std::to_string(d.step + 1)}},
             step, kSystem);
      }
      break;
    }
    case DeadlineKind::kStatusUpdate: {
      inc.last_update_at = now;
      const Duration open_for = now - *inc.declared_at;
      nlohmann::json details = {{"state", ToString(inc.state)},
                                {"alerts_firing", inc.alerts_firing},
                                {"alerts_total", inc.alerts_total},
                                {"open_for", FormatDuration(open_for - open_for % 1000)},
                                {"latest_note", inc.latest_note},
                                {"roles", RolesJson(inc.owner)},
                                {"next_update_at", FormatRfc3339(now + *policy.update_every)}};
      Emit(inc, EventType::kStatusUpdate, now, std::move(details), step, kSystem);
      break;
    }
  }
}

}  // namespace ab
