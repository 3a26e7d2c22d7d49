// alertbridge.yml `severities:` (response commitments per level) and `silences:` (planned
// maintenance windows kept in git). Rule test files accept both, with the same checks.
#include "config/parse.h"
#include "rules/matcher.h"

namespace ab::config_internal {
namespace {

// A step's or `escalate_to`'s receivers: names, checked against the receivers once every file is
// loaded (like a rule's).
void ReadNotify(const Value& v, Diagnostics& diag, std::vector<std::string>* names,
                std::vector<ReceiverRef>* refs) {
  std::vector<Value> items = ListItems(v, diag);
  if ((v.node.IsSequence() || v.node.IsNull()) && items.empty()) {
    diag.Add(v.mark, v.path + ": list at least one receiver");
  }
  for (const Value& item : items) {
    std::string name;
    if (!ReadNonEmpty(item, diag, &name)) continue;
    refs->push_back({name, diag.Location(item.mark)});
    names->push_back(std::move(name));
  }
}

void ParseStep(const Value& item, Diagnostics& diag, SeverityPolicy* policy,
               std::vector<ReceiverRef>* refs) {
  MapReader s(item, {"after", "notify", "raise_to"}, diag);
  EscalationStep step;
  step.location = diag.Location(item.mark);
  bool ok = s.Require("after") && s.Dur("after", &step.after);
  if (const Value* v = s.Find("notify")) ReadNotify(*v, diag, &step.notify, refs);
  Severity to = Severity::SEV5;
  if (s.Sev("raise_to", &to)) step.raise_to = to;
  if (!s.Has("notify") && !s.Has("raise_to") && item.node.IsMap()) {
    diag.Add(item.mark, item.path +
                            ": a step notifies receivers (notify:), raises the priority "
                            "(raise_to:) or both");
    ok = false;
  }
  if (ok && !policy->escalation.empty() && step.after < policy->escalation.back().after) {
    diag.Add(s.Find("after")->mark, item.path +
                                        ".after: steps are listed in the order they fire; " +
                                        FormatDuration(step.after) +
                                        " comes before the step "
                                        "above it (" +
                                        FormatDuration(policy->escalation.back().after) + ")");
  }
  if (ok) policy->escalation.push_back(std::move(step));
}

void ParseLevel(const Value& v, Diagnostics& diag, SeverityPolicy* policy,
                std::vector<ReceiverRef>* refs) {
  MapReader m(v, {"ack_within", "update_every", "resolve_within", "escalation", "escalate_to"},
              diag);
  Duration d{0};
  if (m.PositiveDur("ack_within", &d)) policy->ack_within = d;
  if (m.PositiveDur("update_every", &d)) policy->update_every = d;
  if (m.PositiveDur("resolve_within", &d)) policy->resolve_within = d;
  if (const Value* steps = m.Find("escalation")) {
    for (const Value& item : ListItems(*steps, diag)) ParseStep(item, diag, policy, refs);
  }
  if (const Value* to = m.Find("escalate_to")) {
    if (m.Has("escalation")) {
      diag.Add(*m.KeyNode("escalate_to"),
               v.path +
                   ".escalate_to: shorthand for one escalation step; write escalation: or "
                   "escalate_to:, not both");
      return;
    }
    if (!m.Has("ack_within")) {
      diag.Add(*m.KeyNode("escalate_to"),
               v.path + ".escalate_to: escalates when ack_within passes; it needs ack_within");
      return;
    }
    EscalationStep step;  // {after: <ack_within>, notify: [...]}
    step.location = diag.Location(to->mark);
    step.after = policy->ack_within.value_or(Duration(0));
    ReadNotify(*to, diag, &step.notify, refs);
    policy->escalation.push_back(std::move(step));
  }
}

bool ReadTime(const MapReader& m, std::string_view key, TimePoint* out) {
  if (!m.Require(key)) return false;
  const Value& v = *m.Find(key);
  std::string text;
  if (!ReadString(v, m.diag(), &text)) return false;
  Result<TimePoint> t = ParseRfc3339(text);
  if (!t.ok()) {
    m.diag().Add(v.mark, v.path + ": expected an RFC 3339 time like 2026-01-10T22:00:00Z: " +
                             t.error().message);
    return false;
  }
  *out = *t;
  return true;
}

void ParseSilence(const Value& item, Diagnostics& diag, std::vector<Silence>* out) {
  MapReader m(item, {"matchers", "start", "end", "comment", "created_by"}, diag);
  Silence s;
  s.origin = SilenceOrigin::kConfig;
  s.location = diag.Location(item.mark);
  bool ok = m.Require("matchers");
  if (const Value* list = m.Find("matchers")) {
    std::vector<Value> items = ListItems(*list, diag);
    if ((list->node.IsSequence() || list->node.IsNull()) && items.empty()) {
      diag.Add(list->mark, list->path + ": a silence needs at least one matcher");
      ok = false;
    }
    for (const Value& v : items) {
      std::string text;
      if (!ReadString(v, diag, &text)) {
        ok = false;
        continue;
      }
      Result<std::vector<Matcher>> parsed = ParseMatchers(text);
      if (!parsed.ok()) {
        diag.Add(v.mark, v.path + ": " + parsed.error().message);
        ok = false;
        continue;
      }
      for (Matcher& matcher : *parsed) s.matchers.push_back(std::move(matcher));
    }
    bool selective = false;  // Alertmanager refuses silences that would match every alert
    for (const Matcher& matcher : s.matchers) selective = selective || !matcher.Matches("");
    if (ok && !s.matchers.empty() && !selective) {
      diag.Add(list->mark, list->path +
                               ": every matcher matches the empty string, so the silence "
                               "would mute every alert");
      ok = false;
    }
  }
  ok = ReadTime(m, "start", &s.starts_at) && ok;
  ok = ReadTime(m, "end", &s.ends_at) && ok;
  if (ok && s.ends_at <= s.starts_at) {
    diag.Add(m.Find("end")->mark, "end: must be after start");
    ok = false;
  }
  ok = m.Require("comment") && m.String("comment", &s.comment) && ok;
  if (!m.String("created_by", &s.created_by)) s.created_by = "alertbridge.yml";
  if (!ok) return;
  s.id = ConfigSilenceId(s.matchers, s.starts_at, s.ends_at);
  s.updated_at = s.starts_at;
  out->push_back(std::move(s));
}

}  // namespace

void ParseSeverities(const Value& v, Diagnostics& diag, ResponsePolicy* out,
                     std::vector<ReceiverRef>* refs) {
  for (const MapEntry& e : MapEntries(v, diag)) {
    std::optional<Severity> level = ParseSeverity(e.key);
    if (!level) {
      diag.Add(e.key_node, v.path + ": \"" + e.key + "\" is not a severity (SEV1..SEV5)");
      continue;
    }
    ParseLevel(e.value, diag, &out->levels[*level], refs);
  }
}

void ParseSilences(const Value& v, Diagnostics& diag, std::vector<Silence>* out) {
  for (const Value& item : EntryItems(v, diag)) ParseSilence(item, diag, out);
}

}  // namespace ab::config_internal
