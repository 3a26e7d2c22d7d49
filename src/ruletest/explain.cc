#include "ruletest/explain.h"

#include "config/config.h"
#include "config/yaml_reader.h"

namespace ab {

std::vector<RuleExplanation> ExplainAlert(const RuleSet& rules, const LabelSet& labels) {
  std::vector<size_t> matched;
  rules.Match(labels, &matched);
  std::vector<RuleExplanation> out;
  for (size_t i : matched) {
    const Rule& rule = rules.rules()[i];
    out.push_back({&rule, rule.SeverityOf(labels), rule.GroupOf(labels)});
  }
  return out;
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
               std::ostream& out, std::ostream& err) {
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
  std::vector<RuleExplanation> taken = ExplainAlert(rules, *labels);
  if (taken.empty()) {
    out << "no rule takes " << labels->ToString() << " (" << rules.rules().size()
        << (rules.rules().size() == 1 ? " rule" : " rules") << " checked)\n";
    return 1;
  }
  for (const RuleExplanation& e : taken) {
    out << e.rule->name << ": " << ToString(e.severity) << ", group " << e.group.ToString() << " ("
        << config_internal::FormatLocation(e.rule->location) << ")";
    if (!e.rule->continue_matching) out << "; continue: false, later rules are not tried";
    out << "\n";
  }
  return 0;
}

}  // namespace ab
