#include "common/mustache.h"

#include <gtest/gtest.h>

namespace ab {
namespace {

const MustacheNames kNames{{"title", "labels", "accounts", "incident", "link"}, {"title", "link"}};

std::string ErrorOf(std::string_view text) {
  auto err = CheckMustache(text, kNames);
  return err ? std::to_string(err->offset) + ": " + err->message : "";
}

TEST(Mustache, TokenizesEveryKindOfTag) {
  std::vector<MustacheTag> tags;
  ASSERT_FALSE(
      TokenizeMustache("a {{x}} {{{y}}} {{& z }} {{#s}}{{^i}}{{/i}}{{/s}}{{! note }}", &tags));
  ASSERT_EQ(tags.size(), 8u);
  using Kind = MustacheTag::Kind;
  EXPECT_EQ(tags[0].kind, Kind::kVariable);
  EXPECT_EQ(tags[0].name, "x");
  EXPECT_EQ(tags[0].offset, 2u);
  EXPECT_EQ(tags[0].length, 5u);
  EXPECT_EQ(tags[1].kind, Kind::kUnescaped);
  EXPECT_EQ(tags[1].name, "y");
  EXPECT_EQ(tags[1].length, 7u);
  EXPECT_EQ(tags[2].kind, Kind::kUnescaped);
  EXPECT_EQ(tags[2].name, "z");
  EXPECT_EQ(tags[3].kind, Kind::kSection);
  EXPECT_EQ(tags[4].kind, Kind::kInverted);
  EXPECT_EQ(tags[5].kind, Kind::kClose);
  EXPECT_EQ(tags[7].kind, Kind::kComment);
}

TEST(Mustache, AcceptsKnownNamesAndSections) {
  EXPECT_EQ(ErrorOf("{{title}} {{labels.service}} {{{incident.owner.team}}}"), "");
  EXPECT_EQ(ErrorOf("{{#accounts}}{{name}} {{tier}}{{/accounts}}"), "");  // list: free names
  EXPECT_EQ(ErrorOf("{{#link}}<{{link}}>{{/link}}{{^link}}none{{/link}}"), "");
  EXPECT_EQ(ErrorOf("plain text, no tags"), "");
}

TEST(Mustache, ReportsSyntaxErrorsWithTheirOffset) {
  EXPECT_EQ(ErrorOf("ab {{title"), "3: unclosed tag: \"{{\" without a matching \"}}\"");
  EXPECT_EQ(ErrorOf("ab }} cd"), "3: stray \"}}\" without an opening \"{{\"");
  EXPECT_EQ(ErrorOf("x {{ }}"), "2: empty tag");
  EXPECT_EQ(ErrorOf("{{#link}}x"), "0: section \"link\" is never closed (add {{/link}})");
  EXPECT_EQ(ErrorOf("{{#link}}{{/title}}"), "9: closing \"title\" but section \"link\" is open");
  EXPECT_EQ(ErrorOf("{{/title}}"), "0: closing \"title\" but no section is open");
  EXPECT_EQ(ErrorOf("{{>partial}}"), "0: partials ({{>name}}) are not supported");
  EXPECT_EQ(ErrorOf("{{=<% %>=}}"), "0: changing delimiters ({{=...=}}) is not supported");
  EXPECT_EQ(ErrorOf("{{labels..x}}"), "0: invalid name \"labels..x\"");
}

TEST(Mustache, ReportsUnknownNamesOutsideFreeSections) {
  EXPECT_EQ(ErrorOf("a {{titel}}"),
            "2: unknown name \"titel\" (known: title, labels, accounts, incident, link)");
  // A section on a scalar pushes nothing: names inside are still checked.
  EXPECT_NE(ErrorOf("{{#title}}{{nope}}{{/title}}"), "");
  EXPECT_NE(ErrorOf("{{^accounts}}{{nope}}{{/accounts}}"), "");
}

TEST(Mustache, DescribesOffsetsAsLineAndColumn) {
  EXPECT_EQ(DescribeTemplateOffset("abc", 0), "line 1, column 1");
  EXPECT_EQ(DescribeTemplateOffset("abc", 2), "line 1, column 3");
  EXPECT_EQ(DescribeTemplateOffset("ab\ncd\nef", 7), "line 3, column 2");
  EXPECT_EQ(DescribeTemplateOffset("ab\n", 3), "line 2, column 1");
}

}  // namespace
}  // namespace ab
