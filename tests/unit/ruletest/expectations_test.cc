// Records of incidents and events: their canonical text, matching and printing.
#include "ruletest/expectations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ab {
namespace {

using ::testing::ElementsAre;

Record Rec(std::vector<RecordField> fields) { return Record{std::move(fields), {}}; }

TEST(RuleTestRecordsTest, IncidentRecordHasEveryFieldInCanonicalForm) {
  Incident inc;
  inc.id = 7;
  inc.key = "ab-aaaaaaaaaaaaaaaa-2";
  inc.rule = "db";
  inc.group = LabelSet{{"service", "db"}, {"cluster", "eu \"1\""}};
  inc.occurrence = 2;
  inc.state = IncidentState::kAcknowledged;
  inc.base_severity = Severity::SEV2;
  inc.priority = Severity::SEV1;
  inc.title = "db down";
  inc.owner.team = "storage";
  inc.receivers = {"console", "hook"};
  inc.alerts_total = 3;
  inc.alerts_firing = 2;
  EXPECT_EQ(FormatRecord(IncidentRecord(inc), true),
            "{id: 7, key: \"ab-aaaaaaaaaaaaaaaa-2\", rule: \"db\", "
            "group: {cluster: \"eu \\\"1\\\"\", service: \"db\"}, occurrence: 2, "
            "state: acknowledged, base_severity: SEV2, priority: SEV1, title: \"db down\", "
            "owner: {team: \"storage\"}, receivers: [\"console\", \"hook\"], alerts_firing: 2, "
            "alerts_total: 3}");
  // Without skipping, empty fields are there to compare against.
  EXPECT_EQ(FormatRecord(IncidentRecord(Incident{}), false),
            "{id: 0, key: \"\", rule: \"\", group: {}, occurrence: 1, state: pending, "
            "base_severity: SEV5, priority: SEV5, title: \"\", summary: \"\", "
            "owner: {team: \"\", commander: \"\", communications: \"\"}, runbook: \"\", "
            "receivers: [], alerts_firing: 0, alerts_total: 0, flags: []}");
}

TEST(RuleTestRecordsTest, EventRecordFlattensDetailsAsText) {
  Incident snap;
  snap.key = "ab-k-1";
  snap.rule = "r";
  Event e{3,  4,        EventType::kSeverityChanged,
          {}, "rule:r", {{"field", "priority"}, {"n", 2}, {"ok", true}}};
  EXPECT_EQ(FormatRecord(EventRecordOf(e, snap), true),
            "{type: severity_changed, incident: 3, key: \"ab-k-1\", rule: \"r\", group: {}, "
            "actor: \"rule:r\", "
            "details: {field: \"priority\", n: \"2\", ok: \"true\"}}");
}

TEST(RuleTestRecordsTest, MatchesWhenEveryNamedFieldIsEqual) {
  std::vector<Record> got = {Rec({{"rule", "\"a\""}, {"state", "declared"}})};
  std::vector<size_t> unmatched;
  EXPECT_TRUE(MatchRecords({Rec({{"state", "declared"}})}, got, &unmatched));
  EXPECT_TRUE(MatchRecords({Rec({})}, got, &unmatched));
  EXPECT_FALSE(MatchRecords({Rec({{"state", "pending"}})}, got, &unmatched));
  EXPECT_THAT(unmatched, ElementsAre(0u));
  EXPECT_FALSE(MatchRecords({Rec({{"title", "\"\""}})}, got, &unmatched));  // no such field
}

TEST(RuleTestRecordsTest, CountsMustBeEqual) {
  std::vector<Record> got = {Rec({{"rule", "\"a\""}}), Rec({{"rule", "\"a\""}})};
  std::vector<size_t> unmatched;
  EXPECT_FALSE(MatchRecords({Rec({{"rule", "\"a\""}})}, got, &unmatched));
  EXPECT_TRUE(unmatched.empty());
  EXPECT_FALSE(MatchRecords({Rec({}), Rec({}), Rec({})}, got, &unmatched));
  EXPECT_THAT(unmatched, ElementsAre(2u));
  EXPECT_TRUE(MatchRecords({}, {}, &unmatched));
}

TEST(RuleTestRecordsTest, FindsAMatchingWhateverTheOrder) {
  // The loose expectation comes first and would take x=1 if matched greedily.
  std::vector<Record> got = {Rec({{"x", "1"}, {"y", "1"}}), Rec({{"x", "2"}, {"y", "1"}})};
  std::vector<size_t> unmatched;
  EXPECT_TRUE(MatchRecords({Rec({{"y", "1"}}), Rec({{"x", "1"}})}, got, &unmatched));
  EXPECT_TRUE(MatchRecords({Rec({{"x", "1"}}), Rec({{"y", "1"}})}, got, &unmatched));
  EXPECT_FALSE(MatchRecords({Rec({{"x", "1"}}), Rec({{"x", "1"}})}, got, &unmatched));
  EXPECT_THAT(unmatched, ElementsAre(1u));
}

TEST(RuleTestRecordsTest, QuotesLikeJsonAndSurvivesBadUtf8) {
  EXPECT_EQ(QuoteText("a\"b\\c\nd"), R"("a\"b\\c\nd")");
  EXPECT_EQ(QuoteText("zürich"), "\"zürich\"");
  EXPECT_EQ(QuoteText("x\xff"), "\"x\xEF\xBF\xBD\"");
  EXPECT_EQ(FormatLabelMap(LabelSet{}), "{}");
}

}  // namespace
}  // namespace ab
