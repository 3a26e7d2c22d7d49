// rules/*.yml: when alerts become an incident, how severe it is, who owns it, where it goes.
#include <climits>

#include "config/parse.h"
#include "rules/matcher.h"

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

void ParseSeverity(const Value& v, Diagnostics& diag, SeveritySpec* spec) {
  MapReader s(v, {"default", "from_label", "raise"}, diag);
  s.Sev("default", &spec->default_severity);
  if (const YAML::Node* raise = s.KeyNode("raise")) {
    // Customer-impact raises need accounts.yml; accepting the key now would silently do nothing.
    diag.Add(*raise, "severity.raise is not supported yet");
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

void ParseRule(const Value& item, Diagnostics& diag, std::vector<ParsedRule>* out) {
  MapReader r(item,
              {"name", "match", "group_by", "trigger", "dedup_window", "severity", "owner", "title",
               "summary", "runbook", "receivers", "resolve", "continue"},
              diag);
  ParsedRule parsed;
  Rule& rule = parsed.rule;
  rule.location = diag.Location(item.mark);
  bool named = r.Require("name") && ReadNonEmpty(*r.Find("name"), diag, &rule.name);
  if (named) parsed.name_location = diag.Location(r.Find("name")->mark);
  if (r.Require("match")) ParseMatch(*r.Find("match"), diag, &rule);
  if (const Value* v = r.Find("group_by")) ParseGroupBy(*v, diag, &rule);
  if (const Value* v = r.Find("trigger")) ParseTrigger(*v, diag, &rule.trigger);
  r.Dur("dedup_window", &rule.dedup_window);
  if (const Value* v = r.Find("severity")) ParseSeverity(*v, diag, &rule.severity);
  if (const Value* v = r.Find("owner")) {
    MapReader owner(*v, {"team", "commander"}, diag);
    owner.String("team", &rule.owner.team);
    owner.String("commander", &rule.owner.commander);
  }
  r.String("title", &rule.title);
  r.String("summary", &rule.summary);
  r.String("runbook", &rule.runbook);
  if (const Value* v = r.Find("receivers")) ParseReceiverRefs(*v, diag, &parsed);
  if (const Value* v = r.Find("resolve")) {
    MapReader resolve(*v, {"when_alerts_resolved", "after"}, diag);
    resolve.Bool("when_alerts_resolved", &rule.resolve.when_alerts_resolved);
    resolve.Dur("after", &rule.resolve.after);
  }
  r.Bool("continue", &rule.continue_matching);
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
