#include "common/time.h"

#include <gtest/gtest.h>

namespace ab {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsPrometheusSyntax) {
  EXPECT_EQ(*ParseDuration("1h30m"), hours(1) + minutes(30));
  EXPECT_EQ(*ParseDuration("5m"), minutes(5));
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("1d"), hours(24));
  EXPECT_EQ(*ParseDuration("2w"), hours(24 * 14));
  EXPECT_EQ(*ParseDuration("1y"), hours(24 * 365));
  EXPECT_EQ(*ParseDuration("0"), milliseconds(0));
  EXPECT_EQ(*ParseDuration("0s"), milliseconds(0));
  EXPECT_EQ(*ParseDuration("1m1s1ms"), minutes(1) + seconds(1) + milliseconds(1));
}

TEST(ParseDuration, RejectsWhatPrometheusRejects) {
  for (const char* bad : {"", "5", "1.5h", "5 m", " 5m", "5m ", "m", "-5m", "5M", "1s1h", "1m1m",
                          "5mm", "1hh", "99999999999999999999s"}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("invalid duration"), std::string::npos);
    }
  }
}

// Durations are added to times (now + stale_after, dedup windows, `for`, timeouts): anything
// past 10 years is a typo, and rejecting it keeps every such sum far from overflowing.
TEST(ParseDuration, RejectsMoreThanTenYears) {
  EXPECT_EQ(*ParseDuration("10y"), hours(24 * 365 * 10));
  EXPECT_EQ(*ParseDuration("520w"), hours(24 * 7 * 520));
  for (const char* big : {"11y", "10y1ms", "3651d", "106751991167d", "9223372036854775s"}) {
    auto r = ParseDuration(big);
    EXPECT_FALSE(r.ok()) << big;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("at most 10y"), std::string::npos) << big;
    }
  }
}

TEST(SaturatingAdd, StopsAtTheEndsOfTime) {
  const TimePoint t = FromMillis(1'790'000'000'000);
  EXPECT_EQ(SaturatingAdd(t, Duration(5)), FromMillis(1'790'000'000'005));
  EXPECT_EQ(SaturatingAdd(TimePoint::max(), Duration(1)), TimePoint::max());
  EXPECT_EQ(SaturatingAdd(t, Duration::max()), TimePoint::max());
  EXPECT_EQ(SaturatingAdd(TimePoint::min(), Duration(-1)), TimePoint::min());
  EXPECT_EQ(SaturatingAdd(FromMillis(-1), Duration::min()), TimePoint::min());
}

TEST(FormatDuration, IsShortestForm) {
  EXPECT_EQ(FormatDuration(minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1s500ms");
  EXPECT_EQ(*ParseDuration(FormatDuration(hours(49) + seconds(3))), hours(49) + seconds(3));
}

TEST(Rfc3339, ParsesFractionsAndOffsets) {
  auto t = ParseRfc3339("2026-11-22T22:44:03.65557Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-22T22:44:03.655Z");
  EXPECT_EQ(*ParseRfc3339("2026-11-22T23:44:03.655+01:00"), *t);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00Z"), FromMillis(0));
  EXPECT_EQ(ToMillis(*ParseRfc3339("1970-01-01T00:00:01.5Z")), 1500);
}

TEST(Rfc3339, RepresentsAlertmanagersZeroTime) {
  auto t = ParseRfc3339("0001-01-01T00:00:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(ToMillis(*t), -62135596800000LL);
  EXPECT_EQ(FormatRfc3339(*t), "0001-01-01T00:00:00.000Z");
}

TEST(Rfc3339, RejectsMalformedTimes) {
  for (const char* bad : {"", "2026-11-22", "2026-11-22T22:44:03", "2026-13-01T00:00:00Z",
                          "2026-11-22T25:00:00Z", "2026-11-22T22:44:03.Z",
                          "2026-11-22T22:44:03Zjunk", "2026-11-22T22:44:03+0100", "yesterday"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

TEST(FakeClock, OnlyMovesWhenTold) {
  FakeClock clock(FromMillis(1000));
  EXPECT_EQ(ToMillis(clock.now()), 1000);
  clock.advance(seconds(5));
  EXPECT_EQ(ToMillis(clock.now()), 6000);
  clock.set(FromMillis(42));
  EXPECT_EQ(ToMillis(clock.now()), 42);
}

}  // namespace
}  // namespace ab
