// Warnings `check` prints for valid rules that are likely wrong.
#include "rules/rule_lint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ab {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Rule Grouped(const std::string& match, std::string title) {
  Rule r;
  r.name = "r";
  r.match = *ParseMatchers(match);
  r.group_by = {"alertname", "service"};
  r.title = std::move(title);
  return r;
}

TEST(RuleLintTest, WarnsWhenAGroupLabelUsedInTextIsNotGuaranteedByTheMatchers) {
  std::vector<std::string> w =
      GroupLabelWarnings(Grouped("{severity=\"critical\"}", "G on {{group.service}}"));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("title uses group.service, but no matcher requires \"service\""));
}

TEST(RuleLintTest, AMatcherThatFailsOnAMissingLabelGuaranteesIt) {
  for (const char* m : {"{severity=\"critical\", service!=\"\"}", "{service=\"db\"}",
                        "{service=~\"db|web\"}", "{service=~\".+\"}"}) {
    EXPECT_THAT(GroupLabelWarnings(Grouped(m, "G on {{group.service}}")), IsEmpty()) << m;
  }
  // These match a missing label, so they guarantee nothing.
  for (const char* m : {"{service!=\"db\"}", "{service=~\".*\"}", "{service!~\"db\"}"}) {
    EXPECT_THAT(GroupLabelWarnings(Grouped(m, "G on {{group.service}}")),
                ElementsAre(HasSubstr("no matcher")))
        << m;
  }
}

TEST(RuleLintTest, AUseGuardedByASectionOnTheSameNameIsFine) {
  EXPECT_THAT(
      GroupLabelWarnings(Grouped("{severity=\"critical\"}",
                                 "G{{#group.service}} on {{group.service}}{{/group.service}}")),
      IsEmpty());
}

TEST(RuleLintTest, AGroupLabelOutsideGroupByIsAlwaysEmpty) {
  Rule r = Grouped("{cluster=\"eu\"}", "");
  r.summary = "in {{group.cluster}}";
  EXPECT_THAT(GroupLabelWarnings(r),
              ElementsAre(HasSubstr("summary uses group.cluster, but \"cluster\" is not in "
                                    "group_by")));
}

}  // namespace
}  // namespace ab
