#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "ingest/decode.h"

namespace ab {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

const TimePoint kNow = At("2026-11-22T23:00:00Z");

// The grafana source of DESIGN.md §4, plus times.
SourceConfig GrafanaSource() {
  SourceConfig s;
  s.name = "grafana";
  s.type = "webhook";
  s.mapping.alerts = "/alerts";
  s.mapping.status =
      WebhookMapping::StatusMap{"/status", {"alerting", "firing"}, {"ok", "resolved"}};
  s.mapping.labels = {{"alertname", "/labels/alertname"},
                      {"service", MappedValue("/labels/service", "")}};
  s.mapping.annotations = {{"summary", "/annotations/summary"}};
  s.mapping.fingerprint = MappedValue("/fingerprint", "");  // optional: else the label hash
  s.mapping.starts_at = "/startsAt";
  s.mapping.ends_at = "/endsAt";
  return s;
}

constexpr const char* kGrafanaBody = R"({
  "receiver": "bridge", "status": "firing", "orgId": 1,
  "alerts": [
    {"status": "firing",
     "labels": {"alertname": "High memory usage", "service": "api", "zone": "us-1"},
     "annotations": {"summary": "memory above 90%"},
     "startsAt": "2021-10-12T09:51:03.157076+02:00", "endsAt": "0001-01-01T00:00:00Z",
     "fingerprint": "c6eadffa33fcdf37"},
    {"status": "resolved",
     "labels": {"alertname": "High CPU usage", "service": "api"},
     "annotations": {},
     "startsAt": "2021-10-12T09:56:03Z", "endsAt": "2021-10-12T10:01:03Z"}
  ]})";

TEST(GenericWebhook, MapsEachElementOfTheAlertsArray) {
  DecodeResult r = DecodeGenericWebhook(kGrafanaBody, GrafanaSource(), kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 2u);
  const Alert& a = r.alerts[0];
  EXPECT_EQ(a.status, AlertStatus::kFiring);
  EXPECT_EQ(a.labels, (LabelSet{{"alertname", "High memory usage"}, {"service", "api"}}))
      << "only mapped labels are taken";
  EXPECT_EQ(a.annotations, (LabelSet{{"summary", "memory above 90%"}}));
  EXPECT_EQ(a.starts_at, At("2021-10-12T07:51:03.157Z"));
  EXPECT_EQ(a.ends_at, std::nullopt);
  EXPECT_EQ(a.source, "grafana");
  EXPECT_EQ(FormatFingerprint(a.fingerprint), "c6eadffa33fcdf37")
      << "the mapped fingerprint is the identity";

  const Alert& b = r.alerts[1];
  EXPECT_EQ(b.status, AlertStatus::kResolved);
  EXPECT_EQ(b.labels.Get("alertname"), "High CPU usage");
  EXPECT_TRUE(b.annotations.empty());
  EXPECT_EQ(b.ends_at, At("2021-10-12T10:01:03Z"));
  EXPECT_EQ(b.fingerprint, b.labels.Fingerprint()) << "no fingerprint sent: default \"\"";
}

TEST(GenericWebhook, MapsTheBodyAsOneAlertWithoutAlertsPointer) {
  SourceConfig s;
  s.name = "uptime";
  s.mapping.labels = {{"alertname", "/check"}, {"instance", "/target/host"}};
  s.mapping.annotations = {{"summary", "/message"}};
  DecodeResult r = DecodeGenericWebhook(
      R"({"check": "HttpDown", "target": {"host": "shop.example"}, "message": "timeout"})", s,
      kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].labels,
            (LabelSet{{"alertname", "HttpDown"}, {"instance", "shop.example"}}));
  EXPECT_EQ(r.alerts[0].annotations.Get("summary"), "timeout");
  EXPECT_EQ(r.alerts[0].status, AlertStatus::kFiring) << "no status mapping: firing";
  EXPECT_EQ(r.alerts[0].starts_at, kNow) << "no starts_at mapping: now";
  EXPECT_EQ(r.alerts[0].ends_at, std::nullopt);
  EXPECT_EQ(r.alerts[0].source, "uptime");
}

TEST(GenericWebhook, ResolvesEscapedTokensAndArrayIndexes) {
  SourceConfig s;
  s.name = "x";
  s.mapping.labels = {{"alertname", "/tags/1"}, {"path", "/meta/a~1b"}, {"tilde", "/meta/c~0d"}};
  DecodeResult r = DecodeGenericWebhook(
      R"({"tags": ["first", "second"], "meta": {"a/b": "slash", "c~d": "tilde"}})", s, kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].labels,
            (LabelSet{{"alertname", "second"}, {"path", "slash"}, {"tilde", "tilde"}}));
}

TEST(GenericWebhook, ConvertsNumbersAndBooleansToStrings) {
  SourceConfig s;
  s.name = "x";
  s.mapping.labels = {{"alertname", "/name"}, {"code", "/code"}, {"canary", "/canary"}};
  s.mapping.annotations = {{"value", "/value"}};
  DecodeResult r =
      DecodeGenericWebhook(R"({"name": "A", "code": 503, "canary": false, "value": 0.5})", s, kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].labels.Get("code"), "503");
  EXPECT_EQ(r.alerts[0].labels.Get("canary"), "false");
  EXPECT_EQ(r.alerts[0].annotations.Get("value"), "0.5");
}

// Issue 18 item 7: a label that is silently absent gives the alert another identity.
TEST(GenericWebhook, MissingOrNullMappedLabelIs422NamingThePointer) {
  SourceConfig required = GrafanaSource();
  required.mapping.labels["service"] = "/labels/service";
  for (const char* service : {"", R"(, "service": null)"}) {
    DecodeResult r = DecodeGenericWebhook(
        std::string(R"({"alerts": [{"status": "ok", "labels": {"alertname": "A")") + service +
            "}}]}",
        required, kNow);
    EXPECT_THAT(r.alerts, IsEmpty());
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].status, 422);
    EXPECT_EQ(r.errors[0].field, "/alerts/0/labels/service");
    EXPECT_THAT(r.errors[0].message,
                HasSubstr("label service: nothing at /alerts/0/labels/service"));
    EXPECT_THAT(r.errors[0].message, HasSubstr("default"));
  }
}

TEST(GenericWebhook, DefaultStandsInForAMissingLabel) {
  SourceConfig s = GrafanaSource();
  s.mapping.labels["service"] = MappedValue("/labels/service", "unknown");
  s.mapping.labels["zone"] = MappedValue("/labels/zone", "");
  DecodeResult r = DecodeGenericWebhook(
      R"({"alerts": [{"status": "ok", "labels": {"alertname": "A", "service": null}},
                     {"status": "ok", "labels": {"alertname": "B", "zone": "eu"}}]})",
      s, kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0].labels, (LabelSet{{"alertname", "A"}, {"service", "unknown"}}));
  EXPECT_EQ(r.alerts[1].labels,
            (LabelSet{{"alertname", "B"}, {"service", "unknown"}, {"zone", "eu"}}));
}

// Issue 18 item 7: with Grafana's mapping, two alerts differing only in an unmapped label were
// one alert, and one resolving resolved the incident while the other still fired.
TEST(GenericWebhook, MappedFingerprintKeepsAlertsThatDifferInUnmappedLabelsApart) {
  const char* body = R"({"alerts": [
    {"status": "firing", "labels": {"alertname": "Down", "service": "api", "instance": "a"},
     "fingerprint": "1111111111111111"},
    {"status": "resolved", "labels": {"alertname": "Down", "service": "api", "instance": "b"},
     "fingerprint": "2222222222222222"}]})";
  DecodeResult r = DecodeGenericWebhook(body, GrafanaSource(), kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0].labels, r.alerts[1].labels);
  EXPECT_EQ(FormatFingerprint(r.alerts[0].fingerprint), "1111111111111111");
  EXPECT_EQ(FormatFingerprint(r.alerts[1].fingerprint), "2222222222222222");
}

TEST(GenericWebhook, OtherSenderIdentitiesAreHashedWithTheSourceName) {
  SourceConfig s;
  s.name = "uptime";
  s.mapping.labels = {{"alertname", "/check"}};
  s.mapping.fingerprint = MappedValue("/id");
  const char* body = R"({"check": "HttpDown", "id": "incident-42"})";
  DecodeResult a = DecodeGenericWebhook(body, s, kNow);
  ASSERT_THAT(a.errors, IsEmpty());
  s.name = "other";
  DecodeResult b = DecodeGenericWebhook(body, s, kNow);
  ASSERT_THAT(b.errors, IsEmpty());
  EXPECT_NE(a.alerts[0].fingerprint, a.alerts[0].labels.Fingerprint());
  EXPECT_NE(a.alerts[0].fingerprint, b.alerts[0].fingerprint);
  s.name = "uptime";
  EXPECT_EQ(DecodeGenericWebhook(body, s, kNow).alerts[0].fingerprint, a.alerts[0].fingerprint);

  DecodeResult missing = DecodeGenericWebhook(R"({"check": "HttpDown"})", s, kNow);
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].status, 422);
  EXPECT_EQ(missing.errors[0].field, "/id");
  EXPECT_THAT(missing.errors[0].message, HasSubstr("fingerprint: nothing at /id"));
}

TEST(GenericWebhook, ImportsAnObjectOfLabelsWithOverrides) {
  SourceConfig s;
  s.name = "grafana";
  s.mapping.alerts = "/alerts";
  s.mapping.labels_from = "/labels";
  s.mapping.labels = {{"severity", "/level"}, {"zone", MappedValue("/nothing", "")}};
  s.mapping.annotations_from = "/annotations";
  DecodeResult r = DecodeGenericWebhook(
      R"({"alerts": [{"labels": {"alertname": "Down", "instance": "a", "severity": "info",
                                 "zone": "eu", "code": 503, "empty": ""},
                      "level": "critical", "annotations": {"summary": "s"}}]})",
      s, kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(
      r.alerts[0].labels,
      (LabelSet{
          {"alertname", "Down"}, {"code", "503"}, {"instance", "a"}, {"severity", "critical"}}))
      << "mapped labels override imported ones; a default of \"\" removes one";
  EXPECT_EQ(r.alerts[0].annotations, (LabelSet{{"summary", "s"}}));
}

TEST(GenericWebhook, ImportRefusesWhatCannotBeALabel) {
  SourceConfig s;
  s.name = "grafana";
  s.mapping.labels_from = "/labels";
  struct Case {
    const char* body;
    const char* field;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({"x": 1})", "/labels", "expected an object, got nothing"},
           Case{R"({"labels": ["a"]})", "/labels", "expected an object, got array"},
           Case{R"({"labels": {"a": {"b": 1}}})", "/labels/a", "got object"},
           Case{R"({"labels": {"not-a-name": "v"}})", "/labels/not-a-name", "not a label name"},
       }) {
    DecodeResult r = DecodeGenericWebhook(c.body, s, kNow);
    EXPECT_THAT(r.alerts, IsEmpty()) << c.body;
    ASSERT_EQ(r.errors.size(), 1u) << c.body;
    EXPECT_EQ(r.errors[0].status, 422) << c.body;
    EXPECT_EQ(r.errors[0].field, c.field) << c.body;
    EXPECT_THAT(r.errors[0].message, HasSubstr(c.message)) << c.body;
  }
}

// Issue 18 item 12: it said "no mapped label is present".
TEST(GenericWebhook, AnArraySentToASingleAlertSourceSaysSo) {
  SourceConfig s;
  s.name = "uptime";
  s.mapping.labels = {{"alertname", "/check"}};
  DecodeResult r = DecodeGenericWebhook(R"([{"check": "A"}, {"check": "B"}])", s, kNow);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, 400);
  EXPECT_THAT(r.errors[0].message, HasSubstr("expected one alert as a JSON object, got array"));
  EXPECT_THAT(r.errors[0].message, HasSubstr("mapping.alerts"));
}

TEST(GenericWebhook, EmptyAlertsArrayIsValid) {
  DecodeResult r = DecodeGenericWebhook(R"({"alerts": []})", GrafanaSource(), kNow);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.alerts, IsEmpty());
}

TEST(GenericWebhook, UnknownStatusIs422NamingValueAndPointer) {
  DecodeResult r = DecodeGenericWebhook(
      R"({"alerts": [{"status": "alerting", "labels": {"alertname": "A"}},
                     {"status": "pending", "labels": {"alertname": "B"}}]})",
      GrafanaSource(), kNow);
  EXPECT_THAT(r.alerts, IsEmpty()) << "all or nothing";
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, 422);
  EXPECT_EQ(r.errors[0].field, "/alerts/1/status");
  EXPECT_THAT(r.errors[0].message, HasSubstr("\"pending\""));
  EXPECT_THAT(r.errors[0].message, HasSubstr("/alerts/1/status"));
}

TEST(GenericWebhook, MissingStatusIs422) {
  DecodeResult r = DecodeGenericWebhook(R"({"alerts": [{"labels": {"alertname": "A"}}]})",
                                        GrafanaSource(), kNow);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, 422);
  EXPECT_EQ(r.errors[0].field, "/alerts/0/status");
}

TEST(GenericWebhook, NumericStatusIsComparedAsText) {
  SourceConfig s;
  s.name = "x";
  s.mapping.status = WebhookMapping::StatusMap{"/state", {"1"}, {"0"}};
  s.mapping.labels = {{"alertname", "/name"}};
  DecodeResult r = DecodeGenericWebhook(R"({"name": "A", "state": 0})", s, kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.alerts[0].status, AlertStatus::kResolved);
}

struct InvalidBody {
  const char* name;
  const char* body;
  int status;
  const char* field;
  const char* message;
};

class GenericWebhookRejects : public ::testing::TestWithParam<InvalidBody> {};

TEST_P(GenericWebhookRejects, WholeRequestWithFieldPointer) {
  const InvalidBody& c = GetParam();
  DecodeResult r = DecodeGenericWebhook(c.body, GrafanaSource(), kNow);
  EXPECT_THAT(r.alerts, IsEmpty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, c.status);
  EXPECT_EQ(r.errors[0].field, c.field);
  EXPECT_THAT(r.errors[0].message, HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, GenericWebhookRejects,
    ::testing::Values(
        InvalidBody{"MalformedJson", R"({"alerts": [})", 400, "", "malformed JSON"},
        InvalidBody{"MissingAlertsArray", R"({"items": []})", 400, "/alerts", "missing"},
        InvalidBody{"AlertsNotArray", R"({"alerts": {"status": "firing"}})", 400, "/alerts",
                    "expected an array, got object"},
        InvalidBody{"ObjectLabelValue",
                    R"({"alerts": [{"status": "ok", "labels": {"alertname": "A"}},
                                   {"status": "ok", "labels": {"alertname": "B",
                                                               "service": {"id": 1}}}]})",
                    422, "/alerts/1/labels/service", "got object"},
        InvalidBody{"ArrayAnnotationValue",
                    R"({"alerts": [{"status": "ok", "labels": {"alertname": "A"},
                                    "annotations": {"summary": ["a"]}}]})",
                    422, "/alerts/0/annotations/summary", "got array"},
        InvalidBody{"NoMappedLabel",
                    R"({"alerts": [{"status": "ok", "labels": {"zone": "us-1"}}]})", 422,
                    "/alerts/0/labels/alertname", "nothing at /alerts/0/labels/alertname"},
        InvalidBody{"ObjectStatus", R"({"alerts": [{"status": {}, "labels": {"alertname": "A"}}]})",
                    400, "/alerts/0/status", "got object"},
        InvalidBody{"InvalidStartsAt",
                    R"({"alerts": [{"status": "ok", "labels": {"alertname": "A"},
                                    "startsAt": "last tuesday"}]})",
                    400, "/alerts/0/startsAt", "RFC 3339"},
        InvalidBody{"EndsAtNotString",
                    R"({"alerts": [{"status": "ok", "labels": {"alertname": "A"},
                                    "endsAt": 17}]})",
                    400, "/alerts/0/endsAt", "got number"}),
    [](const ::testing::TestParamInfo<InvalidBody>& info) { return info.param.name; });

TEST(GenericWebhook, InvalidMappingPointerIsAServerError) {
  SourceConfig s = GrafanaSource();
  s.mapping.labels["alertname"] = "labels/alertname";  // no leading slash
  DecodeResult r = DecodeGenericWebhook(kGrafanaBody, s, kNow);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, 500);
  EXPECT_THAT(r.errors[0].message, HasSubstr("labels/alertname"));
}

}  // namespace
}  // namespace ab
