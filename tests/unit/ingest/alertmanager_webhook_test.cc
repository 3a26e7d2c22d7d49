#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fixtures.h"
#include "ingest/decode.h"

namespace ab {
namespace {

using ::ab::testing::MutatedFixture;
using ::ab::testing::ReadAlertmanagerFixture;
using ::ab::testing::Removed;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

std::vector<std::pair<std::string, std::string>> Pairs(const LabelSet& set) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& l : set) out.emplace_back(l.name, l.value);
  return out;
}

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// The fingerprints Alertmanager itself printed in a fixture, in alert order.
std::vector<std::string> SenderFingerprints(const std::string& fixture) {
  std::vector<std::string> out;
  nlohmann::json doc = nlohmann::json::parse(ReadAlertmanagerFixture(fixture));
  for (const auto& a : doc["alerts"]) {
    out.push_back(a["fingerprint"].get<std::string>());
  }
  return out;
}

TEST(AlertmanagerWebhook, DecodesFiringSingleFixture) {
  DecodeResult r = DecodeAlertmanagerWebhook(ReadAlertmanagerFixture("webhook-firing-single.json"),
                                             "alertmanager");
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  const Alert& a = r.alerts[0];
  EXPECT_EQ(a.status, AlertStatus::kFiring);
  EXPECT_THAT(Pairs(a.labels), ElementsAre(Pair("alertname", "DiskFull"), Pair("instance", "db-1"),
                                           Pair("mountpoint", "/var/lib/postgresql"),
                                           Pair("service", "db"), Pair("severity", "warning")));
  EXPECT_EQ(a.annotations.Get("summary"), "disk almost full");
  EXPECT_EQ(a.annotations.Get("description"),
            "Disk \"/var/lib/postgresql\" is 97% full \u2014 \u00fcn\u00efcode \u2713");
  // 22:44:03.65557 truncated to milliseconds.
  EXPECT_EQ(a.starts_at, At("2026-11-22T22:44:03.655Z"));
  EXPECT_EQ(a.ends_at, std::nullopt) << "0001-01-01T00:00:00Z means no end";
  EXPECT_EQ(a.generator_url, "");
  EXPECT_EQ(a.source, "alertmanager");
  EXPECT_EQ(FormatFingerprint(a.fingerprint), "0ba6d1fd73d53af7");
  EXPECT_EQ(r.truncated_alerts, 0);
  EXPECT_EQ(r.fingerprint_mismatches, 0);
}

TEST(AlertmanagerWebhook, DecodesFiringTruncatedFixture) {
  const std::string fixture = "webhook-firing-truncated.json";
  DecodeResult r = DecodeAlertmanagerWebhook(ReadAlertmanagerFixture(fixture), "am-eu");
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 3u);
  EXPECT_EQ(r.truncated_alerts, 2);
  EXPECT_EQ(r.fingerprint_mismatches, 0);
  std::vector<std::string> ours;
  const char* customers[] = {"globex", "initech", "umbrella"};
  for (size_t i = 0; i < r.alerts.size(); ++i) {
    const Alert& a = r.alerts[i];
    EXPECT_EQ(a.status, AlertStatus::kFiring);
    EXPECT_EQ(a.labels.Get("alertname"), "HighErrorRate");
    EXPECT_EQ(a.labels.Get("customer"), customers[i]);
    EXPECT_EQ(a.labels.size(), 5u);
    EXPECT_EQ(a.ends_at, std::nullopt);
    EXPECT_EQ(a.starts_at, At("2026-11-22T22:44:03.655Z"));
    EXPECT_EQ(a.annotations.Get("runbook_url"), "https://wiki.example/runbooks/high-error-rate");
    EXPECT_THAT(a.generator_url, HasSubstr("http://prometheus:9090/graph?g0.expr=rate%28"));
    EXPECT_EQ(a.source, "am-eu");
    ours.push_back(FormatFingerprint(a.fingerprint));
  }
  EXPECT_EQ(ours, SenderFingerprints(fixture));
}

TEST(AlertmanagerWebhook, DecodesResolvedSingleFixture) {
  DecodeResult r = DecodeAlertmanagerWebhook(
      ReadAlertmanagerFixture("webhook-resolved-single.json"), "alertmanager");
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  const Alert& a = r.alerts[0];
  EXPECT_EQ(a.status, AlertStatus::kResolved);
  EXPECT_EQ(a.labels.Get("mountpoint"), "/var/lib/postgresql");
  EXPECT_EQ(a.starts_at, At("2026-11-22T22:44:03.655Z"));
  EXPECT_EQ(a.ends_at, At("2026-11-22T22:47:06.659Z"));
  EXPECT_EQ(FormatFingerprint(a.fingerprint), "0ba6d1fd73d53af7");
  EXPECT_EQ(r.truncated_alerts, 0);
}

TEST(AlertmanagerWebhook, DecodesResolvedTruncatedFixture) {
  const std::string fixture = "webhook-resolved-truncated.json";
  DecodeResult r = DecodeAlertmanagerWebhook(ReadAlertmanagerFixture(fixture), "alertmanager");
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 3u);
  EXPECT_EQ(r.truncated_alerts, 2);
  std::vector<std::string> ours;
  for (const Alert& a : r.alerts) {
    EXPECT_EQ(a.status, AlertStatus::kResolved);
    EXPECT_EQ(a.ends_at, At("2026-11-22T22:47:06.659Z"));
    ours.push_back(FormatFingerprint(a.fingerprint));
  }
  EXPECT_EQ(ours, SenderFingerprints(fixture));
  EXPECT_EQ(r.fingerprint_mismatches, 0);
}

TEST(AlertmanagerWebhook, FingerprintIsTheContractVector) {
  LabelSet contract{{"alertname", "DiskFull"},
                    {"instance", "db-1"},
                    {"mountpoint", "/var/lib/postgresql"},
                    {"service", "db"},
                    {"severity", "warning"}};
  EXPECT_EQ(FormatFingerprint(contract.Fingerprint()), "0ba6d1fd73d53af7");
  DecodeResult r = DecodeAlertmanagerWebhook(ReadAlertmanagerFixture("webhook-firing-single.json"),
                                             "alertmanager");
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].labels, contract);
  EXPECT_EQ(r.alerts[0].fingerprint, contract.Fingerprint());
}

TEST(AlertmanagerWebhook, CountsSenderFingerprintMismatchAndKeepsOurs) {
  std::string body =
      MutatedFixture("webhook-firing-truncated.json", "/alerts/1/fingerprint", "ffffffffffffffff");
  DecodeResult r = DecodeAlertmanagerWebhook(body, "alertmanager");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.fingerprint_mismatches, 1);
  EXPECT_EQ(r.alerts[1].fingerprint, r.alerts[1].labels.Fingerprint());
  EXPECT_EQ(FormatFingerprint(r.alerts[1].fingerprint), "3bfba5be20fc1545");

  r = DecodeAlertmanagerWebhook(
      MutatedFixture("webhook-firing-single.json", "/alerts/0/fingerprint", "not-hex"), "am");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.fingerprint_mismatches, 1);
}

TEST(AlertmanagerWebhook, DropsEmptyValuedLabels) {
  std::string body = MutatedFixture("webhook-firing-single.json", "/alerts/0/labels/instance", "");
  DecodeResult r = DecodeAlertmanagerWebhook(body, "alertmanager");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_FALSE(r.alerts[0].labels.Has("instance"));
  EXPECT_EQ(r.alerts[0].labels.size(), 4u);
  EXPECT_EQ(r.alerts[0].fingerprint, r.alerts[0].labels.Fingerprint());
  EXPECT_EQ(r.fingerprint_mismatches, 1) << "the sender hashed the label set with instance";
}

TEST(AlertmanagerWebhook, AcceptsAlertWithoutOptionalFields) {
  std::string body = R"({"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},
      "startsAt":"2026-01-02T03:04:05Z","endsAt":"0001-01-01T00:00:00Z"}]})";
  DecodeResult r = DecodeAlertmanagerWebhook(body, "alertmanager");
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_TRUE(r.alerts[0].annotations.empty());
  EXPECT_EQ(r.alerts[0].generator_url, "");
  EXPECT_EQ(r.fingerprint_mismatches, 0);
  EXPECT_EQ(r.truncated_alerts, 0);
}

TEST(AlertmanagerWebhook, AcceptsEmptyAlertList) {
  DecodeResult r = DecodeAlertmanagerWebhook(R"({"version":"4","alerts":[]})", "alertmanager");
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.alerts, IsEmpty());
}

TEST(AlertmanagerWebhook, MalformedJsonNamesTheParserPosition) {
  DecodeResult r = DecodeAlertmanagerWebhook("{\"version\": \"4\",\n \"alerts\": [}", "am");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, 400);
  EXPECT_THAT(r.errors[0].message, HasSubstr("line 2, column 13"));
  EXPECT_EQ(r.errors[0].field, "");
  EXPECT_THAT(r.alerts, IsEmpty());
}

TEST(AlertmanagerWebhook, MalformedJsonMessageStaysValidUtf8) {
  DecodeResult r = DecodeAlertmanagerWebhook("{\"a\": \xff\xfe tru", "am");
  ASSERT_EQ(r.errors.size(), 1u);
  // The server serialises the message with nlohmann, which throws on invalid UTF-8.
  EXPECT_NO_THROW(nlohmann::json(r.errors[0].message).dump());
}

TEST(AlertmanagerWebhook, RejectsBodyThatIsNotAnObject) {
  DecodeResult r = DecodeAlertmanagerWebhook("[]", "am");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, 400);
  EXPECT_EQ(r.errors[0].field, "");
}

// One invalid change to a real payload; the whole request must be refused naming the field.
struct InvalidCase {
  const char* name;
  const char* fixture;
  const char* pointer;
  nlohmann::json value;
  const char* field;
  const char* message;
};

class AlertmanagerWebhookRejects : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(AlertmanagerWebhookRejects, WholeRequestWithFieldPointer) {
  const InvalidCase& c = GetParam();
  DecodeResult r =
      DecodeAlertmanagerWebhook(MutatedFixture(c.fixture, c.pointer, c.value), "alertmanager");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, 400);
  EXPECT_EQ(r.errors[0].field, c.field);
  EXPECT_THAT(r.errors[0].message, HasSubstr(c.message));
  EXPECT_THAT(r.alerts, IsEmpty()) << "all or nothing";
  EXPECT_EQ(r.truncated_alerts, 0);
}

constexpr const char* kSingle = "webhook-firing-single.json";
constexpr const char* kTruncated = "webhook-firing-truncated.json";

INSTANTIATE_TEST_SUITE_P(
    Fields, AlertmanagerWebhookRejects,
    ::testing::Values(
        InvalidCase{"MissingVersion", kSingle, "/version", Removed(), "/version", "missing"},
        InvalidCase{"OtherVersion", kSingle, "/version", "3", "/version", "\"3\""},
        InvalidCase{"NumericVersion", kSingle, "/version", 4, "/version", "got number"},
        InvalidCase{"MissingAlerts", kSingle, "/alerts", Removed(), "/alerts", "missing"},
        InvalidCase{"AlertsNotArray", kSingle, "/alerts", nlohmann::json::object(), "/alerts",
                    "expected an array, got object"},
        InvalidCase{"AlertNotObject", kTruncated, "/alerts/2", "x", "/alerts/2", "got string"},
        InvalidCase{"UnknownStatus", kTruncated, "/alerts/1/status", "pending", "/alerts/1/status",
                    "\"pending\""},
        InvalidCase{"MissingStatus", kTruncated, "/alerts/1/status", Removed(), "/alerts/1/status",
                    "missing"},
        InvalidCase{"StatusNotString", kSingle, "/alerts/0/status", true, "/alerts/0/status",
                    "got boolean"},
        InvalidCase{"MissingLabels", kSingle, "/alerts/0/labels", Removed(), "/alerts/0/labels",
                    "missing"},
        InvalidCase{"LabelsNotObject", kSingle, "/alerts/0/labels", nlohmann::json::array(),
                    "/alerts/0/labels", "got array"},
        InvalidCase{"LabelValueNotString", kTruncated, "/alerts/2/labels/severity", 2,
                    "/alerts/2/labels/severity", "got number"},
        InvalidCase{"InvalidLabelName", kSingle, "/alerts/0/labels/bad-name", "x",
                    "/alerts/0/labels/bad-name", "invalid label name"},
        InvalidCase{"LabelNameEscapedInField", kSingle, "/alerts/0/labels/a~1b", "x",
                    "/alerts/0/labels/a~1b", "\"a/b\""},
        InvalidCase{"NoLabelLeft", kSingle, "/alerts/0/labels",
                    nlohmann::json::object({{"alertname", ""}}), "/alerts/0/labels",
                    "at least one"},
        InvalidCase{"AnnotationNotString", kSingle, "/alerts/0/annotations/summary", nullptr,
                    "/alerts/0/annotations/summary", "got null"},
        InvalidCase{"AnnotationsNotObject", kSingle, "/alerts/0/annotations", "x",
                    "/alerts/0/annotations", "got string"},
        InvalidCase{"InvalidStartsAt", kTruncated, "/alerts/1/startsAt", "yesterday",
                    "/alerts/1/startsAt", "RFC 3339"},
        InvalidCase{"MissingStartsAt", kSingle, "/alerts/0/startsAt", Removed(),
                    "/alerts/0/startsAt", "missing"},
        InvalidCase{"MissingEndsAt", kSingle, "/alerts/0/endsAt", Removed(), "/alerts/0/endsAt",
                    "missing"},
        InvalidCase{"EndsAtNotString", kSingle, "/alerts/0/endsAt", 0, "/alerts/0/endsAt",
                    "got number"},
        InvalidCase{"GeneratorUrlNotString", kSingle, "/alerts/0/generatorURL", 1,
                    "/alerts/0/generatorURL", "got number"},
        InvalidCase{"FingerprintNotString", kSingle, "/alerts/0/fingerprint", 7,
                    "/alerts/0/fingerprint", "got number"},
        InvalidCase{"NegativeTruncatedAlerts", kTruncated, "/truncatedAlerts", -1,
                    "/truncatedAlerts", "out of range"},
        InvalidCase{"TruncatedAlertsNotInteger", kTruncated, "/truncatedAlerts", "2",
                    "/truncatedAlerts", "got string"},
        InvalidCase{"GroupLabelNotString", kSingle, "/groupLabels/service", 1,
                    "/groupLabels/service", "got number"},
        InvalidCase{"ReceiverNotString", kSingle, "/receiver", nlohmann::json::object(),
                    "/receiver", "got object"}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) { return info.param.name; });

}  // namespace
}  // namespace ab
