// Issue 13 item 5: one request may not cost quadratic CPU or unbounded memory. Every decoder
// refuses what is beyond server.limits with 413 naming the limit, keeps at most the first
// kMaxReportedErrors errors, and does work linear in the body.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <time.h>

#include <functional>
#include <ostream>
#include <string>

#include "ingest/decode.h"

namespace ab {

// Readable failures ("413 /alerts/0: message").
void PrintTo(const DecodeError& e, std::ostream* os) {
  *os << e.status << " " << e.field << ": " << e.message;
}

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

const TimePoint kNow = FromMillis(1'795'000'000'000);

SourceConfig GenericSource() {
  SourceConfig s;
  s.name = "generic";
  s.type = "webhook";
  s.mapping.alerts = "/alerts";
  s.mapping.labels_from = "/labels";
  s.mapping.annotations_from = "/annotations";
  return s;
}

// The three decoders on the same alert list, each in its own envelope.
enum class Decoder { kWebhook, kApiV2, kGeneric };
const Decoder kAllDecoders[] = {Decoder::kWebhook, Decoder::kApiV2, Decoder::kGeneric};

const char* Name(Decoder d) {
  switch (d) {
    case Decoder::kWebhook:
      return "alertmanager webhook";
    case Decoder::kApiV2:
      return "api v2";
    case Decoder::kGeneric:
      return "generic webhook";
  }
  return "";
}

// `alerts` is the JSON text of the alerts array.
DecodeResult Decode(Decoder d, const std::string& alerts, const InputLimits& limits) {
  switch (d) {
    case Decoder::kWebhook:
      return DecodeAlertmanagerWebhook(R"({"version": "4", "alerts": )" + alerts + "}",
                                       "alertmanager", limits);
    case Decoder::kApiV2:
      return DecodeApiV2Alerts(alerts, "prometheus", kNow, Duration(300'000), limits);
    case Decoder::kGeneric:
      return DecodeGenericWebhook(R"({"alerts": )" + alerts + "}", GenericSource(), kNow, limits);
  }
  return {};
}

std::string AlertWith(const std::string& labels, const std::string& annotations = "{}") {
  return R"({"status": "firing", "labels": )" + labels + R"(, "annotations": )" + annotations +
         R"(, "startsAt": "2026-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z"})";
}

std::string Repeat(const std::string& item, size_t n) {
  std::string out = "[";
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ",";
    out += item;
  }
  return out + "]";
}

// Labels l<n>..l1: descending, the order that made one Set per label quadratic.
std::string DescendingLabels(size_t n) {
  std::string out = "{";
  for (size_t i = n; i > 0; --i) {
    out += "\"l" + std::to_string(i) + "\": \"v\"";
    if (i > 1) out += ",";
  }
  return out + "}";
}

void ExpectRefused(const DecodeResult& r, Decoder d, int status, const std::string& limit,
                   const std::string& field) {
  EXPECT_THAT(r.alerts, IsEmpty()) << Name(d) << ": nothing of a refused request is kept";
  ASSERT_EQ(r.errors.size(), 1u) << Name(d);
  EXPECT_EQ(r.errors[0].status, status) << Name(d);
  EXPECT_THAT(r.errors[0].message, HasSubstr(limit)) << Name(d);
  EXPECT_EQ(r.errors[0].field, field) << Name(d);
}

std::string AlertField(Decoder d, size_t index, const std::string& suffix) {
  return (d == Decoder::kApiV2 ? "/" : "/alerts/") + std::to_string(index) + suffix;
}

TEST(InputLimits, MoreAlertsThanTheLimitIs413BeforeAnyIsDecoded) {
  InputLimits limits;
  limits.alerts_per_request = 3;
  for (Decoder d : kAllDecoders) {
    const std::string body = Repeat(AlertWith(R"({"alertname": "A"})"), 4);
    ExpectRefused(Decode(d, body, limits), d, 413, "server.limits.alerts_per_request",
                  d == Decoder::kApiV2 ? "" : "/alerts");
    // Not "expected an object at /alerts/0": the count is checked before the elements.
    ExpectRefused(Decode(d, Repeat("0", 4), limits), d, 413, "alerts_per_request",
                  d == Decoder::kApiV2 ? "" : "/alerts");
    EXPECT_THAT(Decode(d, Repeat(AlertWith(R"({"alertname": "A"})"), 3), limits).errors, IsEmpty())
        << Name(d);
  }
}

TEST(InputLimits, MoreLabelsOrAnnotationsThanTheLimitIs413) {
  InputLimits limits;
  limits.labels_per_alert = 3;
  limits.annotations_per_alert = 1;
  for (Decoder d : kAllDecoders) {
    ExpectRefused(Decode(d, "[" + AlertWith(DescendingLabels(4)) + "]", limits), d, 413,
                  "more than 3 labels (server.limits.labels_per_alert)",
                  AlertField(d, 0, "/labels"));
    ExpectRefused(
        Decode(d, "[" + AlertWith(R"({"a": "1"})", R"({"x": "1", "y": "2"})") + "]", limits), d,
        413, "more than 1 annotations (server.limits.annotations_per_alert)",
        AlertField(d, 0, "/annotations"));
    EXPECT_THAT(
        Decode(d, "[" + AlertWith(DescendingLabels(3), R"({"x": "1"})") + "]", limits).errors,
        IsEmpty())
        << Name(d);
  }
}

TEST(InputLimits, LongNamesAndValuesAre413WithoutEchoingThem) {
  InputLimits limits;
  limits.label_name_bytes = 8;
  limits.label_value_bytes = 16;
  limits.annotation_bytes = 32;
  const std::string long_name(5000, 'n');
  for (Decoder d : kAllDecoders) {
    DecodeResult name = Decode(d, "[" + AlertWith("{\"" + long_name + "\": \"v\"}") + "]", limits);
    ExpectRefused(name, d, 413, "server.limits.label_name_bytes", AlertField(d, 0, "/labels"));
    EXPECT_LT(name.errors[0].message.size(), 300u) << Name(d) << ": the name is not echoed";

    ExpectRefused(
        Decode(d, "[" + AlertWith("{\"a\": \"" + std::string(17, 'v') + "\"}") + "]", limits), d,
        413, "server.limits.label_value_bytes", AlertField(d, 0, "/labels/a"));
    ExpectRefused(
        Decode(d,
               "[" + AlertWith(R"({"a": "1"})", "{\"summary\": \"" + std::string(33, 's') + "\"}") +
                   "]",
               limits),
        d, 413, "server.limits.annotation_bytes", AlertField(d, 0, "/annotations/summary"));
    EXPECT_THAT(Decode(d,
                       "[" +
                           AlertWith("{\"a\": \"" + std::string(16, 'v') + "\"}",
                                     "{\"summary\": \"" + std::string(32, 's') + "\"}") +
                           "]",
                       limits)
                    .errors,
                IsEmpty())
        << Name(d);
  }
}

TEST(InputLimits, DeeperJsonThanTheLimitIs413) {
  InputLimits limits;
  limits.json_depth = 10;
  // Deep inside a key nobody reads: depth is counted everywhere.
  const std::string deep = std::string(20, '[') + std::string(20, ']');
  for (Decoder d : kAllDecoders) {
    const std::string alert =
        R"({"status": "firing", "labels": {"a": "1"}, "extra": )" + deep +
        R"(, "startsAt": "2026-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z"})";
    ExpectRefused(Decode(d, "[" + alert + "]", limits), d, 413, "server.limits.json_depth", "");
  }
  // A bomb far deeper than any stack: refused at once, in every decoder.
  const std::string bomb = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  for (Decoder d : kAllDecoders) {
    ExpectRefused(Decode(d, bomb, InputLimits{}), d, 413, "json_depth", "");
  }
}

TEST(InputLimits, InvalidUtf8Is400) {
  for (Decoder d : kAllDecoders) {
    DecodeResult r = Decode(d, "[" + AlertWith("{\"a\": \"\xff\xfe\"}") + "]", InputLimits{});
    EXPECT_THAT(r.alerts, IsEmpty()) << Name(d);
    ASSERT_EQ(r.errors.size(), 1u) << Name(d);
    EXPECT_EQ(r.errors[0].status, 400) << Name(d);
    EXPECT_THAT(r.errors[0].message, HasSubstr("malformed JSON")) << Name(d);
    EXPECT_THAT(r.errors[0].message, HasSubstr("column")) << Name(d) << ": the parse position";
  }
}

// The measured case: a list of zeros made one error object per element (a 90 MB answer for a
// 3 MB body). The answer lists the first errors and counts the rest.
TEST(InputLimits, ApiV2ReportsTheFirstErrorsAndCountsTheRest) {
  InputLimits limits;
  limits.alerts_per_request = 1'000'000;
  DecodeResult r = Decode(Decoder::kApiV2, Repeat("0", 100'000), limits);
  EXPECT_THAT(r.alerts, IsEmpty());
  ASSERT_EQ(r.errors.size(), kMaxReportedErrors);
  EXPECT_EQ(r.errors_omitted, 100'000 - kMaxReportedErrors);
  EXPECT_EQ(r.errors[0].field, "/0");
  EXPECT_EQ(r.errors[19].field, "/19");

  // Valid alerts among them are still stored, as before.
  std::string mixed = "[" + AlertWith(R"({"a": "1"})") + "," + Repeat("0", 50).substr(1);
  DecodeResult partial = Decode(Decoder::kApiV2, mixed, limits);
  EXPECT_EQ(partial.alerts.size(), 1u);
  EXPECT_EQ(partial.errors.size() + partial.errors_omitted, 50u);
}

TEST(InputLimits, ErrorFieldsStayShortWhateverTheKeys) {
  // groupLabels are only type-checked; their key is part of the error's field.
  const std::string key(100'000, 'k');
  DecodeResult r = DecodeAlertmanagerWebhook(
      R"({"version": "4", "alerts": [], "groupLabels": {")" + key + R"(": 1}})", "am");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_LT(r.errors[0].field.size(), 400u);
}

// CPU time of this thread (not wall time: other processes on the box do not count).
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// How the cost grows when the input grows 8x: 8 for linear work, ~10 for n log n, up to ~16 once
// the larger input no longer fits the caches of a busy box; 64 and more for quadratic work. The
// best of a few runs, to shed a descheduling.
double GrowthOfCost(const std::function<void(size_t)>& run, size_t n) {
  auto best = [&](size_t size) {
    double min = 1e9;
    for (int i = 0; i < 5; ++i) {
      const double start = ThreadCpuSeconds();
      run(size);
      min = std::min(min, ThreadCpuSeconds() - start);
    }
    return min;
  };
  return best(8 * n) / best(n);
}

// Issue 13: one alert of tens of thousands of labels in descending order held an HTTP thread
// for seconds (one sorted insert per label). Even with the label limit raised out of the way,
// decoding stays n log n.
TEST(InputLimits, DescendingLabelsCostLinearTime) {
  InputLimits limits;
  limits.labels_per_alert = 1'000'000;
  for (Decoder d : kAllDecoders) {
    const double growth = GrowthOfCost(
        [&](size_t n) {
          DecodeResult r = Decode(d, "[" + AlertWith(DescendingLabels(n)) + "]", limits);
          ASSERT_EQ(r.alerts.size(), 1u) << Name(d);
          ASSERT_EQ(r.alerts[0].labels.size(), n);
        },
        10'000);
    EXPECT_LT(growth, 32.0) << Name(d) << ": 8x the labels cost " << growth << "x the CPU";
  }
}

TEST(InputLimits, ManyInvalidAlertsCostLinearTime) {
  InputLimits limits;
  limits.alerts_per_request = 10'000'000;
  const double growth = GrowthOfCost(
      [&](size_t n) {
        DecodeResult r = Decode(Decoder::kApiV2, Repeat("0", n), limits);
        ASSERT_EQ(r.errors.size() + r.errors_omitted, n);
      },
      100'000);
  EXPECT_LT(growth, 32.0) << "8x the invalid alerts cost " << growth << "x the CPU";
}

}  // namespace
}  // namespace ab
