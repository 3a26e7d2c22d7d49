// Behaviour that depends on reading the Alertmanager payloads as a stream: document order,
// repeated keys, ignored nested values, and a malformed tail after a semantic error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "ingest/decode.h"

namespace ab {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

const TimePoint kNow = *ParseRfc3339("2026-11-22T23:00:00Z");

constexpr const char* kAlert =
    R"({"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-11-22T22:00:00Z",)"
    R"("endsAt":"0001-01-01T00:00:00Z"})";

TEST(AlertStream, WrongVersionWinsOverAnEarlierBadAlert) {
  std::string body = R"({"alerts":[{"status":"bogus"}],"version":"3"})";
  DecodeResult r = DecodeAlertmanagerWebhook(body, "am");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].field, "/version");
}

TEST(AlertStream, VersionMayFollowTheAlerts) {
  std::string body = std::string(R"({"alerts":[)") + kAlert + R"(],"version":"4"})";
  DecodeResult r = DecodeAlertmanagerWebhook(body, "am");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.alerts.size(), 1u);
}

TEST(AlertStream, MalformedTailWinsOverAnEarlierBadAlert) {
  DecodeResult r =
      DecodeApiV2Alerts(R"([{"labels":{"a":1}}, {"labels":{"a":"b"}} oops)", "p", kNow);
  EXPECT_THAT(r.alerts, IsEmpty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("malformed JSON"));
  EXPECT_EQ(r.errors[0].field, "");

  r = DecodeAlertmanagerWebhook(std::string(R"({"version":"4","alerts":[)") + kAlert + "]", "am");
  EXPECT_THAT(r.alerts, IsEmpty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("malformed JSON"));
}

TEST(AlertStream, RepeatedKeysKeepTheLastValue) {
  std::string body = std::string(R"({"version":"4","alerts":[)") + kAlert + "," + kAlert +
                     R"(],"alerts":[{"status":"resolved","labels":{"x":"1"},"labels":{"y":"2"},)"
                     R"("startsAt":"2026-11-22T22:00:00Z","endsAt":"2026-11-22T22:30:00Z"}]})";
  DecodeResult r = DecodeAlertmanagerWebhook(body, "am");
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].labels, (LabelSet{{"y", "2"}}));
  EXPECT_EQ(r.alerts[0].status, AlertStatus::kResolved);
}

TEST(AlertStream, IgnoresUnknownKeysWithNestedValues) {
  std::string body =
      R"({"version":"4","extra":{"alerts":[1,{"version":"9"}],"labels":[[]]},"alerts":[)"
      R"({"status":"firing","labels":{"alertname":"A"},"silenceURL":{"labels":{"bad":1}},)"
      R"("values":[{"B":1.5}],"startsAt":"2026-11-22T22:00:00Z",)"
      R"("endsAt":"0001-01-01T00:00:00Z"}]})";
  DecodeResult r = DecodeAlertmanagerWebhook(body, "am");
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].labels, (LabelSet{{"alertname", "A"}}));
}

TEST(AlertStream, NullLabelsAreRejected) {
  DecodeResult r = DecodeApiV2Alerts(R"([{"labels":null}])", "p", kNow);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].field, "/0/labels");
  EXPECT_THAT(r.errors[0].message, HasSubstr("got null"));
}

TEST(AlertStream, ScalarBodiesAreRejected) {
  for (const char* body : {"4", "\"x\"", "null", "true"}) {
    DecodeResult webhook = DecodeAlertmanagerWebhook(body, "am");
    ASSERT_EQ(webhook.errors.size(), 1u) << body;
    EXPECT_THAT(webhook.errors[0].message, HasSubstr("expected an object")) << body;
    DecodeResult v2 = DecodeApiV2Alerts(body, "p", kNow);
    ASSERT_EQ(v2.errors.size(), 1u) << body;
    EXPECT_THAT(v2.errors[0].message, HasSubstr("expected an array")) << body;
  }
}

TEST(AlertStream, IndexesCountNonObjectElements) {
  DecodeResult r =
      DecodeApiV2Alerts(R"([[1,[2]], {"labels":{"a":"b"}}, "x", {"labels":{"-":"c"}}])", "p", kNow);
  ASSERT_EQ(r.alerts.size(), 1u);
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].field, "/0");
  EXPECT_EQ(r.errors[1].field, "/2");
  EXPECT_EQ(r.errors[2].field, "/3/labels/-");
}

}  // namespace
}  // namespace ab
