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
  s.mapping.labels = {{"alertname", "/labels/alertname"}, {"service", "/labels/service"}};
  s.mapping.annotations = {{"summary", "/annotations/summary"}};
  s.mapping.fingerprint = "/fingerprint";
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
  EXPECT_EQ(a.fingerprint, a.labels.Fingerprint()) << "the sender's fingerprint is ignored";

  const Alert& b = r.alerts[1];
  EXPECT_EQ(b.status, AlertStatus::kResolved);
  EXPECT_EQ(b.labels.Get("alertname"), "High CPU usage");
  EXPECT_TRUE(b.annotations.empty());
  EXPECT_EQ(b.ends_at, At("2021-10-12T10:01:03Z"));
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

TEST(GenericWebhook, MissingOrNullMappedLabelIsAbsent) {
  DecodeResult r = DecodeGenericWebhook(
      R"({"alerts": [{"status": "ok", "labels": {"alertname": "A", "service": null}},
                     {"status": "ok", "labels": {"alertname": "B"}}]})",
      GrafanaSource(), kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0].labels, (LabelSet{{"alertname", "A"}}));
  EXPECT_EQ(r.alerts[1].labels, (LabelSet{{"alertname", "B"}}));
  EXPECT_EQ(r.alerts[1].status, AlertStatus::kResolved);
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
                    400, "/alerts/1/labels/service", "got object"},
        InvalidBody{"ArrayAnnotationValue",
                    R"({"alerts": [{"status": "ok", "labels": {"alertname": "A"},
                                    "annotations": {"summary": ["a"]}}]})",
                    400, "/alerts/0/annotations/summary", "got array"},
        InvalidBody{"NoMappedLabel",
                    R"({"alerts": [{"status": "ok", "labels": {"zone": "us-1"}}]})", 400,
                    "/alerts/0", "no mapped label"},
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
