#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "ingest/decode.h"

namespace ab {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

const TimePoint kNow = At("2026-11-22T23:00:00Z");
constexpr Duration kFiveMinutes{5 * 60'000};

// What Prometheus' notifier posts for one firing alert.
constexpr const char* kPrometheusBody = R"([{
  "labels": {"alertname": "HighErrorRate", "instance": "web-1", "service": "checkout"},
  "annotations": {"summary": "5xx ratio above 5%"},
  "startsAt": "2026-11-22T22:44:03.65557Z",
  "endsAt": "2026-11-22T23:04:03.65557Z",
  "generatorURL": "http://prometheus:9090/graph?g0.expr=up"
}])";

TEST(ApiV2Alerts, DecodesPrometheusAlert) {
  DecodeResult r = DecodeApiV2Alerts(kPrometheusBody, "prometheus", kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  const Alert& a = r.alerts[0];
  EXPECT_EQ(a.status, AlertStatus::kFiring);
  EXPECT_EQ(
      a.labels,
      (LabelSet{{"alertname", "HighErrorRate"}, {"instance", "web-1"}, {"service", "checkout"}}));
  EXPECT_EQ(a.annotations.Get("summary"), "5xx ratio above 5%");
  EXPECT_EQ(a.starts_at, At("2026-11-22T22:44:03.655Z"));
  EXPECT_EQ(a.ends_at, At("2026-11-22T23:04:03.655Z"));
  EXPECT_EQ(a.generator_url, "http://prometheus:9090/graph?g0.expr=up");
  EXPECT_EQ(a.source, "prometheus");
  EXPECT_EQ(a.fingerprint, a.labels.Fingerprint());
}

TEST(ApiV2Alerts, MissingStartsAtIsNowAndMissingEndsAtIsNowPlusResolveTimeout) {
  DecodeResult r = DecodeApiV2Alerts(R"([{"labels": {"alertname": "A"}}])", "p", kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].starts_at, kNow);
  EXPECT_EQ(r.alerts[0].ends_at, kNow + kFiveMinutes);
  EXPECT_EQ(r.alerts[0].status, AlertStatus::kFiring);

  r = DecodeApiV2Alerts(R"([{"labels": {"alertname": "A"}}])", "p", kNow, Duration(90'000));
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].ends_at, kNow + Duration(90'000));
}

TEST(ApiV2Alerts, GoZeroTimesCountAsMissing) {
  DecodeResult r = DecodeApiV2Alerts(
      R"([{"labels": {"alertname": "A"}, "startsAt": "0001-01-01T00:00:00Z",
           "endsAt": "0001-01-01T00:00:00Z"}])",
      "p", kNow);
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].starts_at, kNow);
  EXPECT_EQ(r.alerts[0].ends_at, kNow + kFiveMinutes);
}

TEST(ApiV2Alerts, MissingStartsAtWithEndsAtStartsAtTheEnd) {
  DecodeResult r = DecodeApiV2Alerts(
      R"([{"labels": {"alertname": "A"}, "endsAt": "2026-11-22T22:50:00Z"}])", "p", kNow);
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].starts_at, At("2026-11-22T22:50:00Z"));
  EXPECT_EQ(r.alerts[0].status, AlertStatus::kResolved);
}

TEST(ApiV2Alerts, EndsAtNotAfterNowIsResolved) {
  DecodeResult r = DecodeApiV2Alerts(
      R"([{"labels": {"alertname": "Past"}, "startsAt": "2026-11-22T22:00:00Z",
           "endsAt": "2026-11-22T22:59:59.999Z"},
          {"labels": {"alertname": "Now"}, "startsAt": "2026-11-22T22:00:00Z",
           "endsAt": "2026-11-22T23:00:00Z"},
          {"labels": {"alertname": "Future"}, "startsAt": "2026-11-22T22:00:00Z",
           "endsAt": "2026-11-22T23:00:00.001Z"}])",
      "p", kNow);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 3u);
  EXPECT_EQ(r.alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(r.alerts[1].status, AlertStatus::kResolved);
  EXPECT_EQ(r.alerts[2].status, AlertStatus::kFiring);
  EXPECT_EQ(r.alerts[0].ends_at, At("2026-11-22T22:59:59.999Z"));
}

TEST(ApiV2Alerts, DropsEmptyValuedLabels) {
  DecodeResult r = DecodeApiV2Alerts(
      R"([{"labels": {"alertname": "A", "job": "", "bad-name": ""}}])", "p", kNow);
  ASSERT_THAT(r.errors, IsEmpty()) << "empty labels go before names are validated";
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].labels, (LabelSet{{"alertname", "A"}}));
}

TEST(ApiV2Alerts, KeepsValidAlertsAndReportsInvalidOnesByIndex) {
  DecodeResult r = DecodeApiV2Alerts(R"([
      {"labels": {"alertname": "Ok1"}},
      {"labels": {"alertname": ""}},
      {"labels": {"alertname": "Ok2"}},
      {"labels": {"alertname": "Bad"}, "startsAt": "noon"},
      {"labels": {"alertname": "Bad", "9lives": "x"}},
      7
    ])",
                                     "p", kNow);
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0].labels.Get("alertname"), "Ok1");
  EXPECT_EQ(r.alerts[1].labels.Get("alertname"), "Ok2");
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0].field, "/1/labels");
  EXPECT_THAT(r.errors[0].message, HasSubstr("at least one"));
  EXPECT_EQ(r.errors[1].field, "/3/startsAt");
  EXPECT_EQ(r.errors[2].field, "/4/labels/9lives");
  EXPECT_EQ(r.errors[3].field, "/5");
  for (const DecodeError& e : r.errors) EXPECT_EQ(e.status, 400);
}

struct InvalidAlert {
  const char* name;
  const char* alert;  // one element of the posted array
  const char* field;
  const char* message;
};

class ApiV2AlertsRejects : public ::testing::TestWithParam<InvalidAlert> {};

TEST_P(ApiV2AlertsRejects, AlertWithFieldPointer) {
  const InvalidAlert& c = GetParam();
  std::string body = std::string("[{\"labels\": {\"alertname\": \"Fine\"}}, ") + c.alert + "]";
  DecodeResult r = DecodeApiV2Alerts(body, "p", kNow);
  ASSERT_EQ(r.alerts.size(), 1u) << "the valid alert is kept";
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, 400);
  EXPECT_EQ(r.errors[0].field, c.field);
  EXPECT_THAT(r.errors[0].message, HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, ApiV2AlertsRejects,
    ::testing::Values(
        InvalidAlert{"MissingLabels", R"({"annotations": {}})", "/1/labels", "missing"},
        InvalidAlert{"LabelsNotObject", R"({"labels": "a=b"})", "/1/labels", "got string"},
        InvalidAlert{"LabelValueNotString", R"({"labels": {"a": 1}})", "/1/labels/a", "got number"},
        InvalidAlert{"InvalidLabelName", R"({"labels": {"a.b": "x"}})", "/1/labels/a.b",
                     "invalid label name"},
        InvalidAlert{"AnnotationNotString", R"({"labels": {"a": "x"}, "annotations": {"s": []}})",
                     "/1/annotations/s", "got array"},
        InvalidAlert{"InvalidStartsAt",
                     R"({"labels": {"a": "x"}, "startsAt": "2026-13-01T00:00:00Z"})", "/1/startsAt",
                     "RFC 3339"},
        InvalidAlert{"EndsAtNotString", R"({"labels": {"a": "x"}, "endsAt": 1700000000})",
                     "/1/endsAt", "got number"},
        InvalidAlert{"EndsBeforeStarts",
                     R"({"labels": {"a": "x"}, "startsAt": "2026-11-22T22:00:00Z",
                         "endsAt": "2026-11-22T21:00:00Z"})",
                     "/1/endsAt", "before startsAt"},
        InvalidAlert{"GeneratorUrlNotString", R"({"labels": {"a": "x"}, "generatorURL": {}})",
                     "/1/generatorURL", "got object"},
        InvalidAlert{"NotAnObject", R"(["a"])", "/1", "got array"}),
    [](const ::testing::TestParamInfo<InvalidAlert>& info) { return info.param.name; });

TEST(ApiV2Alerts, BodyThatIsNotAnArrayIsOneError) {
  DecodeResult r = DecodeApiV2Alerts(R"({"labels": {"alertname": "A"}})", "p", kNow);
  EXPECT_THAT(r.alerts, IsEmpty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, 400);
  EXPECT_EQ(r.errors[0].field, "");
  EXPECT_THAT(r.errors[0].message, HasSubstr("array"));
}

TEST(ApiV2Alerts, MalformedJsonIsOneErrorWithPosition) {
  DecodeResult r = DecodeApiV2Alerts(R"([{"labels": {"alertname": "A"}},)", "p", kNow);
  EXPECT_THAT(r.alerts, IsEmpty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].status, 400);
  EXPECT_THAT(r.errors[0].message, HasSubstr("line 1, column"));
}

TEST(ApiV2Alerts, EmptyListIsValid) {
  DecodeResult r = DecodeApiV2Alerts("[]", "p", kNow);
  EXPECT_THAT(r.alerts, IsEmpty());
  EXPECT_THAT(r.errors, IsEmpty());
}

}  // namespace
}  // namespace ab
