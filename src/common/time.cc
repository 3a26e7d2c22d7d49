#include "common/time.h"

#include <cctype>
#include <cstdio>
#include <limits>

namespace ab {

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

namespace {

bool UnitMillis(std::string_view unit, int64_t* ms) {
  if (unit == "ms")
    *ms = 1;
  else if (unit == "s")
    *ms = 1000;
  else if (unit == "m")
    *ms = 60'000;
  else if (unit == "h")
    *ms = 3'600'000;
  else if (unit == "d")
    *ms = 86'400'000;
  else if (unit == "w")
    *ms = 7 * 86'400'000LL;
  else if (unit == "y")
    *ms = 365 * 86'400'000LL;
  else
    return false;
  return true;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  static constexpr const char* kTooLarge = "too large (at most 10y)";
  auto bad = [&](const char* why) {
    return MakeError("invalid duration \"" + std::string(text) + "\": " + why);
  };
  if (text.empty()) return bad("empty");
  if (text == "0") return Duration(0);
  int64_t total = 0;
  int64_t last_unit = std::numeric_limits<int64_t>::max();
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad("expected a number");
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (n > std::numeric_limits<int64_t>::max() / 10) return bad(kTooLarge);
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    size_t u = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    if (u == i) return bad("missing unit (ms, s, m, h, d, w, y)");
    int64_t unit = 0;
    if (!UnitMillis(text.substr(u, i - u), &unit)) return bad("unknown unit");
    // Like Prometheus: units must go from largest to smallest, each at most once.
    if (unit >= last_unit) return bad("units out of order");
    last_unit = unit;
    if (n > (kMaxDuration.count() - total) / unit) return bad(kTooLarge);
    total += n * unit;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  static const std::pair<const char*, int64_t> kUnits[] = {{"y", 365 * 86'400'000LL},
                                                           {"w", 7 * 86'400'000LL},
                                                           {"d", 86'400'000},
                                                           {"h", 3'600'000},
                                                           {"m", 60'000},
                                                           {"s", 1000},
                                                           {"ms", 1}};
  for (const auto& [name, size] : kUnits) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

std::string FormatRfc3339(TimePoint t) {
  int64_t ms = ToMillis(t);
  int64_t days = ms >= 0 ? ms / 86'400'000 : -((-ms + 86'399'999) / 86'400'000);
  int64_t rem = ms - days * 86'400'000;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  // Values are non-negative and bounded after the floor division above; the
  // unsigned casts tell the compiler so (and keep -Wformat-truncation quiet).
  auto u = [](int64_t v) { return static_cast<unsigned>(v); };
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", static_cast<long long>(y),
                m, d, u(rem / 3'600'000) % 24u, u(rem / 60'000 % 60) % 60u,
                u(rem / 1000 % 60) % 60u, u(rem % 1000) % 1000u);
  return buf;
}

Result<TimePoint> ParseRfc3339(std::string_view s) {
  auto bad = [&] { return MakeError("invalid RFC 3339 time \"" + std::string(s) + "\""); };
  int Y, M, D, h, mi, sec;
  if (!Digits(s, 0, 4, &Y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &M) || s[7] != '-' ||
      !Digits(s, 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return bad();
  }
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || sec > 60) return bad();
  size_t i = 19;
  int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    int digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (digits < 3) frac_ms = frac_ms * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (i == start) return bad();
    for (; digits < 3; ++digits) frac_ms *= 10;
  }
  int64_t offset_min = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!Digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, &om) || oh > 23 || om > 59) {
      return bad();
    }
    offset_min = (oh * 60 + om) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return bad();
  }
  if (i != s.size()) return bad();
  int64_t days = DaysFromCivil(Y, static_cast<unsigned>(M), static_cast<unsigned>(D));
  int64_t ms = ((days * 24 + h) * 60 + mi - offset_min) * 60'000 + (sec * 1000LL) + frac_ms;
  return FromMillis(ms);
}

}  // namespace ab
