// rules/*.yml: when alerts become an incident, how severe it is, who owns it, where it goes.
#include <algorithm>
#include <climits>

#include "config/parse.h"
#include "rules/matcher.h"
#include "rules/template.h"

namespace ab::config_internal {
namespace {

void ParseMatch(const Value& v, Diagnostics& diag, Rule* rule) {
  std::vector<Value> items = ListItems(v, diag);
  if ((v.node.IsSequence() || v.node.IsNull()) && items.empty()) {
    diag.Add(v.mark, "match: a rule needs at least one matcher");
  }
  for (const Value& item : items) {
    std::string text;
    if (!ReadString(item, diag, &text)) continue;
    Result<std::vector<Matcher>> m = ParseMatchers(text);
    if (!m.ok()) {
      diag.Add(item.mark, item.path + ": " + m.error().message);
      continue;
    }
    if (m->empty()) {
      // '' or '{}' (a template that rendered nothing, say): no condition at all.
      diag.Add(item.mark, item.path + ": an empty matcher would match every alert");
      continue;
    }
    for (Matcher& matcher : *m) rule->match.push_back(std::move(matcher));
  }
}

void ParseGroupBy(const Value& v, Diagnostics& diag, Rule* rule) {
  for (const Value& item : ListItems(v, diag)) {
    std::string name;
    if (!ReadString(item, diag, &name)) continue;
    if (!IsValidLabelName(name)) {
      diag.Add(item.mark, item.path + ": " + Describe(item.node) + " is not a valid label name");
      continue;
    }
    bool seen = false;
    for (const std::string& g : rule->group_by) seen = seen || g == name;
    if (seen) {
      diag.Add(item.mark, item.path + ": label \"" + name + "\" is listed twice");
      continue;
    }
    rule->group_by.push_back(std::move(name));
  }
}

void ParseTrigger(const Value& v, Diagnostics& diag, Trigger* trigger) {
  MapReader t(v, {"min_alerts", "within", "for"}, diag);
  t.Int("min_alerts", 1, INT_MAX, &trigger->min_alerts);
  t.Dur("within", &trigger->within);
  t.Dur("for", &trigger->hold);
}

// One `severity.raise` entry: {when: {...}, to: SEVx} or {when: {...}, by: N}.
void ParseRaise(const Value& item, Diagnostics& diag, std::vector<SeverityRaise>* out) {
  MapReader r(item, {"when", "to", "by"}, diag);
  SeverityRaise raise;
  raise.location = diag.Location(item.mark);
  bool ok = r.Require("when");
  if (const Value* when = r.Find("when")) {
    MapReader w(*when, {"min_alerts", "account_tier", "account_arr_over", "renewal_within"}, diag);
    int min_alerts = 0;
    if (w.Int("min_alerts", 1, INT_MAX, &min_alerts)) raise.min_alerts = min_alerts;
    if (const Value* tier = w.Find("account_tier")) {
      ok = ReadNonEmpty(*tier, diag, &raise.account_tier) && ok;
      raise.location = diag.Location(tier->mark);  // unknown tiers are reported here
    }
    int64_t arr = 0;
    if (w.Int("account_arr_over", int64_t{0}, INT64_MAX, &arr)) raise.account_arr_over = arr;
    Duration within{0};
    if (w.PositiveDur("renewal_within", &within)) raise.renewal_within = within;
    if (when->node.IsMap() && when->node.size() == 0) {
      diag.Add(when->mark, when->path +
                               ": needs at least one condition (min_alerts, "
                               "account_tier, account_arr_over, renewal_within)");
      ok = false;
    }
  }
  Severity to = Severity::SEV5;
  if (r.Sev("to", &to)) raise.to = to;
  r.Int("by", 1, 4, &raise.by);
  if (r.Has("to") == r.Has("by")) {
    diag.Add(item.mark, (item.path.empty() ? std::string() : item.path + ": ") +
                            "a raise needs exactly one of to: (a severity) or by: (levels)");
    ok = false;
  }
  if (ok) out->push_back(std::move(raise));
}

void ParseSeverity(const Value& v, bool heartbeat, Diagnostics& diag, SeveritySpec* spec) {
  MapReader s(v, {"default", "from_label", "raise"}, diag);
  s.Sev("default", &spec->default_severity);
  if (heartbeat) {
    for (const char* key : {"from_label", "raise"}) {
      if (const YAML::Node* k = s.KeyNode(key)) {
        diag.Add(*k, std::string("severity.") + key +
                         ": a heartbeat rule has no alerts to grade; use severity.default");
      }
    }
    return;
  }
  if (const Value* raise = s.Find("raise")) {
    for (const Value& item : ListItems(*raise, diag)) ParseRaise(item, diag, &spec->raise);
  }
  const Value* fl = s.Find("from_label");
  if (fl == nullptr) return;
  MapReader f(*fl, {"label", "map"}, diag);
  SeverityFromLabel from;
  bool ok = f.Require("label") && f.String("label", &from.label);
  if (ok && !IsValidLabelName(from.label)) {
    diag.Add(f.Find("label")->mark,
             "severity.from_label.label: " + Describe(f.Find("label")->node) +
                 " is not a valid label name");
    ok = false;
  }
  if (f.Require("map")) {
    const Value& map = *f.Find("map");
    std::vector<MapEntry> entries = MapEntries(map, diag);
    if (map.node.IsNull() || (map.node.IsMap() && entries.empty() && map.node.size() == 0)) {
      diag.Add(map.mark, map.path + ": must map at least one label value to a severity");
      ok = false;
    }
    for (const MapEntry& e : entries) {
      Severity sev = Severity::SEV5;
      if (ReadSeverity(e.value, diag, &sev)) {
        from.map[e.key] = sev;
      } else {
        ok = false;
      }
    }
  } else {
    ok = false;
  }
  if (ok) spec->from_label = std::move(from);
}

// A Mustache template value: read, then checked, so a broken template fails `check`, not a
// 3 a.m. declaration.
void ReadTemplate(const MapReader& m, std::string_view key, Diagnostics& diag, std::string* out) {
  if (!m.String(key, out)) return;
  std::optional<TemplateError> err = CheckTemplate(*out);
  if (!err) return;
  const Value& v = *m.Find(key);
  YAML::Mark mark = v.mark;
  std::string message = v.path + ": " + err->message;
  size_t line_start = out->rfind('\n', err->offset);
  if (out->find('\n') == std::string::npos) {
    // One line: point at the tag itself (a quoted value starts one column after its quote;
    // escapes inside quotes can shift this a little).
    bool quoted = v.node.Tag() == "!";
    mark.column += static_cast<int>(err->offset) + (quoted ? 1 : 0);
  } else {
    size_t line = 1 + static_cast<size_t>(std::count(
                          out->begin(), out->begin() + static_cast<ptrdiff_t>(err->offset), '\n'));
    size_t col = err->offset - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
    message += " (template line " + std::to_string(line) + ", column " + std::to_string(col) + ")";
  }
  diag.Add(mark, std::move(message));
}

void ParseReceiverRefs(const Value& v, Diagnostics& diag, ParsedRule* parsed) {
  for (const Value& item : ListItems(v, diag)) {
    std::string name;
    if (!ReadNonEmpty(item, diag, &name)) continue;
    bool seen = false;
    for (const std::string& r : parsed->rule.receivers) seen = seen || r == name;
    if (seen) {
      diag.Add(item.mark, item.path + ": receiver \"" + name + "\" is listed twice");
      continue;
    }
    parsed->rule.receivers.push_back(name);
    parsed->receiver_refs.push_back(ReceiverRef{name, diag.Location(item.mark)});
  }
}

// Keys an incident rule has that a heartbeat rule has not (and the other way round: interval).
constexpr std::string_view kIncidentOnlyKeys[] = {"trigger", "dedup_window", "resolve", "continue"};

void ParseRule(const Value& item, Diagnostics& diag, std::vector<ParsedRule>* out) {
  MapReader r(item,
              {"name", "type", "match", "group_by", "trigger", "dedup_window", "severity", "owner",
               "title", "summary", "runbook", "receivers", "resolve", "continue", "interval"},
              diag);
  ParsedRule parsed;
  Rule& rule = parsed.rule;
  rule.location = diag.Location(item.mark);
  bool named = r.Require("name") && ReadNonEmpty(*r.Find("name"), diag, &rule.name);
  if (named) parsed.name_location = diag.Location(r.Find("name")->mark);
  std::string type = "incident";
  r.OneOf("type", {"incident", "heartbeat"}, &type);
  const bool heartbeat = type == "heartbeat";
  if (heartbeat) {
    rule.type = RuleType::kHeartbeat;
    if (r.Require("interval")) r.PositiveDur("interval", &rule.interval);
    for (std::string_view key : kIncidentOnlyKeys) {
      if (const YAML::Node* k = r.KeyNode(key)) {
        diag.Add(*k, std::string(key) + ": not used by a heartbeat rule (type: heartbeat)");
      }
    }
  } else if (const YAML::Node* k = r.KeyNode("interval")) {
    diag.Add(*k, "interval: only heartbeat rules (type: heartbeat) have an interval");
  }
  if (r.Require("match")) ParseMatch(*r.Find("match"), diag, &rule);
  if (const Value* v = r.Find("group_by")) ParseGroupBy(*v, diag, &rule);
  if (const Value* v = r.Find("trigger"); v && !heartbeat) ParseTrigger(*v, diag, &rule.trigger);
  if (!heartbeat) r.Dur("dedup_window", &rule.dedup_window);
  if (const Value* v = r.Find("severity")) ParseSeverity(*v, heartbeat, diag, &rule.severity);
  if (const Value* v = r.Find("owner")) {
    MapReader owner(*v, {"team", "commander", "communications"}, diag);
    ReadTemplate(owner, "team", diag, &rule.owner.team);
    ReadTemplate(owner, "commander", diag, &rule.owner.commander);
    ReadTemplate(owner, "communications", diag, &rule.owner.communications);
  }
  ReadTemplate(r, "title", diag, &rule.title);
  ReadTemplate(r, "summary", diag, &rule.summary);
  ReadTemplate(r, "runbook", diag, &rule.runbook);
  if (const Value* v = r.Find("receivers")) ParseReceiverRefs(*v, diag, &parsed);
  if (const Value* v = r.Find("resolve"); v && !heartbeat) {
    MapReader resolve(*v, {"when_alerts_resolved", "after"}, diag);
    resolve.Bool("when_alerts_resolved", &rule.resolve.when_alerts_resolved);
    resolve.Dur("after", &rule.resolve.after);
  }
  if (!heartbeat) r.Bool("continue", &rule.continue_matching);
  // A rule without a name cannot be referred to or checked for duplicates; its other errors are
  // reported above all the same.
  if (named) out->push_back(std::move(parsed));
}

}  // namespace

void ParseRulesFile(const YAML::Node& root, Diagnostics& diag, std::vector<ParsedRule>* out) {
  MapReader top(Root(root), {"rules"}, diag);
  const Value* rules = top.Find("rules");
  if (rules == nullptr) return;
  for (const Value& item : EntryItems(*rules, diag)) ParseRule(item, diag, out);
}

}  // namespace ab::config_internal
