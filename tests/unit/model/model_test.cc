#include <gtest/gtest.h>

#include <algorithm>

#include "model/alert.h"
#include "model/incident.h"
#include "model/json.h"
#include "model/labels.h"

namespace ab {
namespace {

TEST(LabelSet, FingerprintMatchesPrometheus) {
  // The vector from CONTRACTS.md, checked against the real Alertmanager's fingerprint.
  LabelSet l{{"alertname", "DiskFull"},
             {"instance", "db-1"},
             {"mountpoint", "/var/lib/postgresql"},
             {"service", "db"},
             {"severity", "warning"}};
  EXPECT_EQ(FormatFingerprint(l.Fingerprint()), "0ba6d1fd73d53af7");
}

TEST(LabelSet, KeepsSortedAndTreatsEmptyAsMissing) {
  LabelSet l;
  l.Set("b", "2");
  l.Set("a", "1");
  l.Set("c", "");
  EXPECT_EQ(l.ToString(), "{a=\"1\", b=\"2\"}");
  l.Set("a", "");
  EXPECT_FALSE(l.Has("a"));
  EXPECT_EQ(l.Get("missing"), "");
  EXPECT_EQ(LabelSet({{"x", "q\"\\\n"}}).ToString(), R"({x="q\"\\\n"})");
}

TEST(LabelSet, FromPairsEqualsSettingEachPairInOrder) {
  std::vector<Label> pairs = {{"zone", "b"}, {"alertname", "Down"}, {"zone", "a"},
                              {"team", "x"}, {"team", ""},          {"empty", ""}};
  LabelSet one_by_one;
  for (const Label& l : pairs) one_by_one.Set(l.name, l.value);
  LabelSet built = LabelSet::FromPairs(pairs);
  EXPECT_EQ(built, one_by_one);
  EXPECT_EQ(built, (LabelSet{{"alertname", "Down"}, {"zone", "a"}}));
  EXPECT_EQ(built.Fingerprint(), one_by_one.Fingerprint());
}

TEST(LabelSet, FromPairsOfManyDescendingNamesIsSorted) {
  std::vector<Label> pairs;
  for (int i = 50'000; i > 0; --i) pairs.push_back({"l" + std::to_string(i), "v"});
  LabelSet built = LabelSet::FromPairs(std::move(pairs));
  ASSERT_EQ(built.size(), 50'000u);
  EXPECT_TRUE(std::is_sorted(built.begin(), built.end(),
                             [](const Label& a, const Label& b) { return a.name < b.name; }));
}

TEST(Fingerprint, ParsesAndFormatsSixteenHexDigits) {
  uint64_t fp = 0;
  ASSERT_TRUE(ParseFingerprint("0ba6d1fd73d53af7", &fp));
  EXPECT_EQ(FormatFingerprint(fp), "0ba6d1fd73d53af7");
  EXPECT_FALSE(ParseFingerprint("xyz", &fp));
  EXPECT_FALSE(ParseFingerprint("0ba6d1fd73d53af70", &fp));
}

TEST(Severity, ParsesAndOrdersSev1AsWorst) {
  EXPECT_EQ(ParseSeverity("SEV1"), Severity::SEV1);
  EXPECT_FALSE(ParseSeverity("SEV6").has_value());
  EXPECT_FALSE(ParseSeverity("critical").has_value());
  EXPECT_EQ(Worst(Severity::SEV3, Severity::SEV1), Severity::SEV1);
  EXPECT_EQ(RaiseBy(Severity::SEV2, 3), Severity::SEV1);
  EXPECT_EQ(RaiseBy(Severity::SEV4, 1), Severity::SEV3);
}

TEST(EventType, NamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(EventType::kClosed); ++i) {
    auto t = static_cast<EventType>(i);
    EXPECT_EQ(ParseEventType(ToString(t)), t);
  }
  EXPECT_EQ(ToString(EventType::kSeverityChanged), "severity_changed");
  EXPECT_FALSE(ParseEventType("updated").has_value());
}

TEST(EventEnvelope, HasContractShapeAndDeterministicId) {
  Incident inc;
  inc.id = 42;
  inc.key = IncidentKey("", "checkout", LabelSet{{"service", "checkout"}}, 1);
  inc.rule = "checkout";
  inc.state = IncidentState::kDeclared;
  inc.base_severity = Severity::SEV2;
  inc.priority = Severity::SEV1;
  inc.declared_at = FromMillis(1000);
  Event ev{42, 3, EventType::kDeclared, FromMillis(1000), "rule:checkout", {}};
  nlohmann::json j = EventEnvelope(ev, inc, "http://bridge:9095/");
  EXPECT_EQ(j["version"], "1");
  EXPECT_EQ(j["id"], inc.key + "_3");  // no dot: Standard Webhooks forbids one in webhook-id
  EXPECT_EQ(j["type"], "declared");
  EXPECT_EQ(j["occurred_at"], "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(j["incident"]["url"], "http://bridge:9095/api/v1/incidents/42");
  EXPECT_EQ(j["incident"]["priority"], "SEV1");
  EXPECT_EQ(j["incident"]["base_severity"], "SEV2");
  EXPECT_TRUE(j["incident"]["acknowledged_at"].is_null());
  for (const char* field : {"id", "key", "rule", "group", "state", "flags", "title", "summary",
                            "owner", "runbook", "accounts", "alerts_firing", "alerts_total",
                            "declared_at", "resolved_at", "closed_at", "external_refs"}) {
    EXPECT_TRUE(j["incident"].contains(field)) << field;
  }
}

}  // namespace
}  // namespace ab
