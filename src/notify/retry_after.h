// When a receiver tells us to come back: `Retry-After` is either delta-seconds or an HTTP date
// (RFC 9110 §10.2.3), and HTTP dates come in three historical formats that a recipient must
// accept (RFC 9110 §5.6.7).
#pragma once

#include <optional>
#include <string_view>

#include "common/time.h"

namespace ab {

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") or
// asctime ("Sun Nov  6 08:49:37 1994"). None when the text is none of them.
std::optional<TimePoint> ParseHttpDate(std::string_view text);

// A Retry-After value relative to `now`: seconds as given, or the time until the date (0 when the
// date has passed). None when the value is empty or malformed.
std::optional<Duration> ParseRetryAfter(std::string_view value, TimePoint now);

}  // namespace ab
