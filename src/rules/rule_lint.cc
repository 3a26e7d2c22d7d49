#include "rules/rule_lint.h"

#include <algorithm>
#include <set>

#include "common/mustache.h"

namespace ab {
namespace {

// Whether every alert the rule takes has a non-empty `label`: some matcher fails on a missing one.
bool Guaranteed(const Rule& rule, const std::string& label) {
  return std::any_of(rule.match.begin(), rule.match.end(), [&](const Matcher& m) {
    return m.name() == label && !m.Matches(std::string_view());
  });
}

// The group.<label> names `text` uses outside a section on that same name.
std::set<std::string> UnguardedGroupNames(const std::string& text) {
  std::set<std::string> out;
  std::vector<MustacheTag> tags;
  if (TokenizeMustache(text, &tags)) return out;  // `check` reports the template itself
  std::vector<std::string> open;
  for (const MustacheTag& tag : tags) {
    switch (tag.kind) {
      case MustacheTag::Kind::kSection:
      case MustacheTag::Kind::kInverted:
        open.push_back(tag.name);
        break;
      case MustacheTag::Kind::kClose:
        if (!open.empty()) open.pop_back();
        break;
      case MustacheTag::Kind::kVariable:
      case MustacheTag::Kind::kUnescaped:
        if (tag.name.rfind("group.", 0) == 0 &&
            std::find(open.begin(), open.end(), tag.name) == open.end()) {
          out.insert(tag.name.substr(6));
        }
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> GroupLabelWarnings(const Rule& rule) {
  const std::pair<const char*, const std::string*> templates[] = {
      {"title", &rule.title},
      {"summary", &rule.summary},
      {"runbook", &rule.runbook},
      {"owner.team", &rule.owner.team},
      {"owner.commander", &rule.owner.commander}};
  std::vector<std::string> out;
  for (const auto& [field, text] : templates) {
    for (const std::string& label : UnguardedGroupNames(*text)) {
      const bool grouped =
          std::find(rule.group_by.begin(), rule.group_by.end(), label) != rule.group_by.end();
      if (!grouped) {
        out.push_back("rule \"" + rule.name + "\": " + field + " uses group." + label + ", but \"" +
                      label + "\" is not in group_by, so it is always empty");
      } else if (!Guaranteed(rule, label)) {
        out.push_back("rule \"" + rule.name + "\": " + field + " uses group." + label +
                      ", but no matcher requires \"" + label +
                      "\"; alerts without it join the "
                      "group without it and it renders as nothing (add '" +
                      label + "!=\"\"' to match, or write {{#group." + label + "}}...{{/group." +
                      label + "}})");
      }
    }
  }
  return out;
}

}  // namespace ab
