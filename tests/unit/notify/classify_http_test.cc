#include <gtest/gtest.h>

#include "notify/notifier.h"
#include "notify/retry_after.h"

namespace ab {
namespace {

using Kind = SendResult::Kind;

TimePoint At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

struct ClassifyCase {
  int status;
  Kind kind;
};

class ClassifyHttpTable : public ::testing::TestWithParam<ClassifyCase> {};

TEST_P(ClassifyHttpTable, ClassifiesStatus) {
  const ClassifyCase c = GetParam();
  const SendResult r = ClassifyHttp(c.status, "", At("2026-01-01T00:00:00Z"), "receiver \"ops\"");
  EXPECT_EQ(r.kind, c.kind) << "status " << c.status;
  EXPECT_FALSE(r.retry_after.has_value());
  if (c.kind != Kind::kOk) {
    EXPECT_NE(r.reason.find("receiver \"ops\""), std::string::npos) << r.reason;
  }
}

INSTANTIATE_TEST_SUITE_P(
    ContractTable, ClassifyHttpTable,
    ::testing::Values(ClassifyCase{200, Kind::kOk}, ClassifyCase{201, Kind::kOk},
                      ClassifyCase{202, Kind::kOk}, ClassifyCase{204, Kind::kOk},
                      ClassifyCase{0, Kind::kRetry}, ClassifyCase{408, Kind::kRetry},
                      ClassifyCase{425, Kind::kRetry}, ClassifyCase{429, Kind::kRetry},
                      ClassifyCase{500, Kind::kRetry}, ClassifyCase{502, Kind::kRetry},
                      ClassifyCase{503, Kind::kRetry}, ClassifyCase{504, Kind::kRetry},
                      ClassifyCase{599, Kind::kRetry}, ClassifyCase{400, Kind::kPermanent},
                      ClassifyCase{401, Kind::kPermanent}, ClassifyCase{403, Kind::kPermanent},
                      ClassifyCase{404, Kind::kPermanent}, ClassifyCase{409, Kind::kPermanent},
                      ClassifyCase{410, Kind::kPermanent}, ClassifyCase{413, Kind::kPermanent},
                      ClassifyCase{422, Kind::kPermanent}, ClassifyCase{301, Kind::kPermanent},
                      ClassifyCase{302, Kind::kPermanent}));

TEST(ClassifyHttp, ReasonNamesReceiverAndStatusOnly) {
  const SendResult r = ClassifyHttp(503, "", At("2026-01-01T00:00:00Z"), "receiver \"ops\"");
  EXPECT_EQ(r.reason, "receiver \"ops\": HTTP 503");
}

TEST(ClassifyHttp, HonoursRetryAfterSeconds) {
  const SendResult r = ClassifyHttp(429, "120", At("2026-01-01T00:00:00Z"), "receiver \"ops\"");
  ASSERT_EQ(r.kind, Kind::kRetry);
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(*r.retry_after, Duration(120'000));
}

TEST(ClassifyHttp, HonoursRetryAfterHttpDateRelativeToNow) {
  const SendResult r = ClassifyHttp(503, "Thu, 01 Jan 2026 00:01:30 GMT",
                                    At("2026-01-01T00:00:00Z"), "receiver \"ops\"");
  ASSERT_EQ(r.kind, Kind::kRetry);
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(*r.retry_after, Duration(90'000));
}

TEST(ClassifyHttp, RetryAfterDateInThePastMeansNoExtraWait) {
  const SendResult r = ClassifyHttp(503, "Wed, 31 Dec 2025 23:00:00 GMT",
                                    At("2026-01-01T00:00:00Z"), "receiver \"ops\"");
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(*r.retry_after, Duration(0));
}

TEST(ClassifyHttp, IgnoresMalformedRetryAfter) {
  const SendResult r = ClassifyHttp(429, "soon", At("2026-01-01T00:00:00Z"), "receiver \"ops\"");
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_FALSE(r.retry_after.has_value());
}

TEST(ClassifyHttp, IgnoresRetryAfterOnPermanentErrors) {
  const SendResult r = ClassifyHttp(400, "30", At("2026-01-01T00:00:00Z"), "receiver \"ops\"");
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_FALSE(r.retry_after.has_value());
}

TEST(ParseHttpDate, AcceptsTheThreeFormatsOfRfc9110) {
  const TimePoint want = At("1994-11-06T08:49:37Z");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), want);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), want);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), want);
}

TEST(ParseHttpDate, RejectsMalformedDates) {
  EXPECT_FALSE(ParseHttpDate(""));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37"));       // no zone
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 PST"));   // not GMT
  EXPECT_FALSE(ParseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT"));   // no such day
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));   // no such month
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT"));   // no such hour
  EXPECT_FALSE(ParseHttpDate("2026-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT junk"));
}

TEST(ParseRetryAfter, ParsesSecondsAndRejectsJunk) {
  const TimePoint now = At("2026-01-01T00:00:00Z");
  EXPECT_EQ(ParseRetryAfter("0", now), Duration(0));
  EXPECT_EQ(ParseRetryAfter(" 7 ", now), Duration(7000));
  EXPECT_FALSE(ParseRetryAfter("", now));
  EXPECT_FALSE(ParseRetryAfter("-5", now));
  EXPECT_FALSE(ParseRetryAfter("1.5", now));
  EXPECT_FALSE(ParseRetryAfter("99999999999999999999", now));
}

}  // namespace
}  // namespace ab
