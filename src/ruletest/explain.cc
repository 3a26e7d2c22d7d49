#include "ruletest/explain.h"

#include "config/config.h"
#include "config/yaml_reader.h"
#include "engine/incident_text.h"

namespace ab {

std::vector<RuleExplanation> ExplainAlert(const RuleSet& rules, const LabelSet& labels,
                                          TimePoint now) {
  std::vector<size_t> matched;
  rules.Match(labels, &matched);
  std::string account;
  AccountImpact impact;
  bool unknown = false;
  if (const AccountTable* table = rules.accounts()) {
    account = std::string(labels.Get(table->key_label()));
    if (!account.empty()) {
      unknown = table->Find(account) == nullptr;
      impact = table->ImpactOf({account});
    }
  }
  std::vector<RuleExplanation> out;
  for (size_t i : matched) {
    const Rule& rule = rules.rules()[i];
    RuleExplanation e;
    e.rule = &rule;
    e.severity = rule.heartbeat() ? rule.severity.default_severity : rule.SeverityOf(labels);
    e.priority = e.severity;
    if (!rule.heartbeat()) {
      // As the engine: one firing alert, its account's impact (none without accounts.yml).
      e.raises = rule.PriorityTrace(e.severity, 1, impact, now);
      if (!e.raises.empty()) e.priority = e.raises.back().after;
    }
    e.account = account;
    e.account_unknown = unknown;
    e.group = rule.GroupOf(labels);
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

std::string DescribeTrigger(const Trigger& t) {
  if (t.min_alerts <= 1 && t.hold.count() == 0) return "this alert alone declares an incident";
  std::string s = "pending until " + std::to_string(t.min_alerts) +
                  (t.min_alerts == 1 ? " alert fires" : " alerts fire");
  if (t.within.count() > 0) s += " within " + FormatDuration(t.within);
  if (t.hold.count() > 0) s += " for " + FormatDuration(t.hold);
  return s + ", then declared";
}

}  // namespace

std::string DescribeExplanation(const RuleExplanation& e) {
  const Rule& rule = *e.rule;
  const std::string where = " (" + config_internal::FormatLocation(rule.location) + ")";
  std::string s = rule.name + ": ";
  if (rule.heartbeat()) {
    // What a beat does, and what its absence declares (the text serve would render).
    TextContext ctx;
    ctx.common_labels = e.group;
    IncidentText text = RenderHeartbeatText(rule, e.group, std::nullopt, ctx);
    s += "heartbeat, group " + e.group.ToString() + where +
         "; this beat declares nothing; when no beat comes for " + FormatDuration(rule.interval) +
         ", declares " + std::string(ToString(e.priority)) + " \"" + text.title +
         "\", resolved when the beat returns";
  } else {
    s += "priority " + std::string(ToString(e.priority));
    if (!e.raises.empty()) {
      s += " (severity " + std::string(ToString(e.severity));
      for (const PriorityStep& step : e.raises) {
        s += ", raise " + step.raise->Describe() + " -> " + std::string(ToString(step.after));
      }
      s += ")";
    }
    s += ", group " + e.group.ToString() + where + "; " + DescribeTrigger(rule.trigger);
  }
  if (!e.account.empty() && e.account_unknown) {
    s += "; account \"" + e.account + "\" is not in accounts.yml";
  }
  s += rule.continue_matching ? "; next rules evaluated too (continue: true, the default)"
                              : "; continue: false, later rules are not tried";
  return s;
}

Result<LabelSet> ParseLabelArgs(const std::vector<std::string>& args) {
  if (args.empty()) return MakeError("name the alert's labels: alertbridge explain name=value ...");
  LabelSet labels;
  std::vector<std::string> seen;
  for (const std::string& arg : args) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos) {
      return MakeError("\"" + arg + "\" is not name=value");
    }
    std::string name = arg.substr(0, eq);
    if (!config_internal::IsValidLabelName(name)) {
      return MakeError("\"" + name + "\" in \"" + arg +
                       "\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    }
    for (const std::string& s : seen) {
      if (s == name) return MakeError("label \"" + name + "\" is given twice");
    }
    seen.push_back(name);
    labels.Set(name, std::string_view(arg).substr(eq + 1));  // empty = absent, as in Alertmanager
  }
  return labels;
}

int RunExplain(const std::string& config_file, const std::vector<std::string>& args,
               std::ostream& out, std::ostream& err, TimePoint now) {
  Result<LabelSet> labels = ParseLabelArgs(args);
  if (!labels.ok()) {
    err << "alertbridge explain: " << labels.error().message << "\n";
    return 2;
  }
  LoadResult loaded = LoadConfig(config_file);
  if (!loaded.ok()) {
    for (const ConfigError& e : loaded.errors) err << e.ToString() << "\n";
    err << loaded.errors.size() << (loaded.errors.size() == 1 ? " error" : " errors") << "\n";
    return 2;
  }
  RuleSet rules(loaded.config.rules, loaded.config.accounts);
  std::vector<RuleExplanation> taken = ExplainAlert(rules, *labels, now);
  if (taken.empty()) {
    out << "no rule takes " << labels->ToString() << " (" << rules.rules().size()
        << (rules.rules().size() == 1 ? " rule" : " rules") << " checked)\n";
    return 1;
  }
  for (const RuleExplanation& e : taken) out << DescribeExplanation(e) << "\n";
  return 0;
}

}  // namespace ab
