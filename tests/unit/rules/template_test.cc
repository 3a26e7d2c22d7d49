// The rule template check: what mstch would render silently is an error here.
#include "rules/template.h"

#include <gtest/gtest.h>

namespace ab {
namespace {

std::string ErrorOf(std::string_view tmpl) {
  std::optional<TemplateError> e = CheckTemplate(tmpl);
  return e ? std::to_string(e->offset) + ": " + e->message : "";
}

TEST(TemplateTest, AcceptsWhatTheEngineProvides) {
  for (const char* ok :
       {"", "plain text", "{{labels.service}} in {{ labels.cluster }}", "{{{annotations.summary}}}",
        "{{&group.service}}", "{{alert_count}} alerts for {{rule}}", "{{! a comment }}",
        "{{#accounts}}{{name}} ({{tier}}, {{arr}}, {{renewal}}) {{/accounts}}",
        "{{#labels}}{{anything}}{{/labels}}", "{{^account_count}}none{{/account_count}}",
        "{{#labels.team}}team {{.}}{{/labels.team}}", "{{account_names}}: {{account_count}}"}) {
    EXPECT_EQ(ErrorOf(ok), "") << ok;
  }
}

TEST(TemplateTest, ReportsTheFirstProblemWithItsOffset) {
  EXPECT_EQ(ErrorOf("a {{labels.x"), "2: unclosed tag: \"{{\" without a matching \"}}\"");
  EXPECT_EQ(ErrorOf("{{{labels.x}}"), "0: unclosed tag: \"{{{\" without a matching \"}}}\"");
  EXPECT_EQ(ErrorOf("x }} y"), "2: stray \"}}\" without an opening \"{{\"");
  EXPECT_EQ(ErrorOf("{{#labels}}x"), "0: section \"labels\" is never closed (add {{/labels}})");
  EXPECT_EQ(ErrorOf("{{#labels}}{{/group}}"),
            "11: closing \"group\" but section \"labels\" is open");
  EXPECT_EQ(ErrorOf("{{/labels}}"), "0: closing \"labels\" but no section is open");
  EXPECT_EQ(ErrorOf("ok {{}}"), "3: empty tag");
  EXPECT_EQ(ErrorOf("{{> partial}}"),
            "0: partials ({{>name}}) are not supported in rule templates");
  EXPECT_EQ(ErrorOf("{{=<% %>=}}"),
            "0: changing delimiters ({{=...=}}) is not supported in rule templates");
  EXPECT_EQ(ErrorOf("{{labels..x}}"), "0: invalid name \"labels..x\"");
  EXPECT_EQ(ErrorOf("{{a b}}"), "0: invalid name \"a b\"");
}

TEST(TemplateTest, UnknownNamesAreErrorsOutsideTheSectionsThatProvideThem) {
  const std::string known =
      " (known: labels, annotations, group, alert_count, alert_count_plural, rule, accounts, "
      "account_names, account_count, account_count_plural)";
  EXPECT_EQ(ErrorOf("{{alerts_firing}}"), "0: unknown name \"alerts_firing\"" + known);
  EXPECT_EQ(ErrorOf("{{#accounts}}{{/accounts}}{{tier}}"), "26: unknown name \"tier\"" + known);
  EXPECT_EQ(ErrorOf("{{#alert_count}}{{tier}}{{/alert_count}}"),
            "16: unknown name \"tier\"" + known);
  EXPECT_EQ(ErrorOf("{{^accounts}}{{name}}{{/accounts}}"), "13: unknown name \"name\"" + known);
}

}  // namespace
}  // namespace ab
