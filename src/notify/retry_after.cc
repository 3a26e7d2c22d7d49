#include "notify/retry_after.h"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>

namespace ab {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A forward-only reader over the date text; every step reports whether it matched.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool Literal(std::string_view l) {
    if (s_.substr(0, l.size()) != l) return false;
    s_.remove_prefix(l.size());
    return true;
  }
  // One or more spaces (asctime pads single-digit days with a second space).
  bool Spaces() {
    size_t n = 0;
    while (n < s_.size() && s_[n] == ' ') ++n;
    s_.remove_prefix(n);
    return n > 0;
  }
  std::optional<int> Number(size_t min_digits, size_t max_digits) {
    size_t n = 0;
    int v = 0;
    while (n < s_.size() && n < max_digits && std::isdigit(static_cast<unsigned char>(s_[n]))) {
      v = v * 10 + (s_[n] - '0');
      ++n;
    }
    if (n < min_digits) return std::nullopt;
    s_.remove_prefix(n);
    return v;
  }
  std::string_view Word() {
    size_t n = 0;
    while (n < s_.size() && std::isalpha(static_cast<unsigned char>(s_[n]))) ++n;
    std::string_view w = s_.substr(0, n);
    s_.remove_prefix(n);
    return w;
  }
  bool Done() const { return s_.empty(); }

 private:
  std::string_view s_;
};

std::optional<unsigned> MonthNumber(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (name == kMonths[i]) return static_cast<unsigned>(i + 1);
  }
  return std::nullopt;
}

struct Clock3 {
  int h, m, s;
};

std::optional<Clock3> TimeOfDay(Cursor& c) {
  auto h = c.Number(2, 2);
  if (!h || !c.Literal(":")) return std::nullopt;
  auto m = c.Number(2, 2);
  if (!m || !c.Literal(":")) return std::nullopt;
  auto s = c.Number(2, 2);
  if (!s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;  // 60: a leap second
  return Clock3{*h, *m, *s};
}

std::optional<TimePoint> Make(int year, unsigned month, int day, Clock3 t) {
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  const sys_seconds at =
      sys_days{ymd} + hours{t.h} + minutes{t.m} + seconds{t.s};
  return time_point_cast<Duration>(at);
}

// "06 Nov 1994 08:49:37 GMT" after "Sun, ".
std::optional<TimePoint> ImfFixdate(Cursor& c) {
  auto day = c.Number(2, 2);
  if (!day || !c.Spaces()) return std::nullopt;
  auto month = MonthNumber(c.Word());
  if (!month || !c.Spaces()) return std::nullopt;
  auto year = c.Number(4, 4);
  if (!year || !c.Spaces()) return std::nullopt;
  auto t = TimeOfDay(c);
  if (!t || !c.Spaces() || !c.Literal("GMT") || !c.Done()) return std::nullopt;
  return Make(*year, *month, *day, *t);
}

// "06-Nov-94 08:49:37 GMT" after "Sunday, ".
std::optional<TimePoint> Rfc850(Cursor& c) {
  auto day = c.Number(2, 2);
  if (!day || !c.Literal("-")) return std::nullopt;
  auto month = MonthNumber(c.Word());
  if (!month || !c.Literal("-")) return std::nullopt;
  auto yy = c.Number(2, 2);
  if (!yy || !c.Spaces()) return std::nullopt;
  auto t = TimeOfDay(c);
  if (!t || !c.Spaces() || !c.Literal("GMT") || !c.Done()) return std::nullopt;
  // Two-digit years: RFC 9110 says to pick the most recent past year with those digits; a
  // sliding 1970 pivot is equivalent for every date an HTTP server can still send.
  const int year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
  return Make(year, *month, *day, *t);
}

// "Nov  6 08:49:37 1994" after "Sun ".
std::optional<TimePoint> Asctime(Cursor& c) {
  auto month = MonthNumber(c.Word());
  if (!month || !c.Spaces()) return std::nullopt;
  auto day = c.Number(1, 2);
  if (!day || !c.Spaces()) return std::nullopt;
  auto t = TimeOfDay(c);
  if (!t || !c.Spaces()) return std::nullopt;
  auto year = c.Number(4, 4);
  if (!year || !c.Done()) return std::nullopt;
  return Make(*year, *month, *day, *t);
}

}  // namespace

std::optional<TimePoint> ParseHttpDate(std::string_view text) {
  Cursor c(Trim(text));
  const std::string_view weekday = c.Word();
  if (weekday.size() < 3) return std::nullopt;
  if (c.Literal(",")) {
    if (!c.Spaces()) return std::nullopt;
    if (weekday.size() == 3) return ImfFixdate(c);
    return Rfc850(c);
  }
  if (weekday.size() != 3 || !c.Spaces()) return std::nullopt;
  return Asctime(c);
}

std::optional<Duration> ParseRetryAfter(std::string_view value, TimePoint now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    // Ten digits is over 300 years: anything longer is garbage, and int64 stays safe.
    if (value.size() > 10) return std::nullopt;
    int64_t seconds = 0;
    for (char ch : value) {
      if (!std::isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
      seconds = seconds * 10 + (ch - '0');
    }
    return Duration(seconds * 1000);
  }
  auto at = ParseHttpDate(value);
  if (!at) return std::nullopt;
  return *at > now ? *at - now : Duration(0);
}

}  // namespace ab
