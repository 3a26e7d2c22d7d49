// Cutting text to a vendor's limit (Slack section 3,000 characters, PagerDuty summary 1,024,
// Opsgenie message 130, Jira summary 255, ...) without breaking it: never inside a multi-byte
// character or a grapheme (base + combining marks / emoji modifiers), never inside an escape of
// the text's format (&amp;, \*, \u00e9), and never inside a Slack <link|label>.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "notify/text/escape.h"

namespace ab {

enum class LengthUnit {
  kBytes,  // UTF-8 bytes (HTTP body limits, Jira's byte-counted fields)
  kChars,  // Unicode code points (what vendors mean by "characters")
  // UTF-16 code units, as Java counts a String's length: Jira's 255 / 32,767 limits (an emoji
  // outside the Basic Multilingual Plane counts 2).
  kUtf16,
};

// "…" (U+2026): one character, three bytes.
inline constexpr std::string_view kEllipsis = "\u2026";

size_t TextLength(std::string_view text, LengthUnit unit);

// `text` (already escaped for `format`) when it fits in `max` units; else its longest prefix that
// ends on a whole unit and leaves room for kEllipsis, with the ellipsis appended (trailing
// whitespace before it dropped). When not even the ellipsis fits, the longest whole prefix alone.
// Invalid UTF-8 is repaired first.
std::string Truncate(std::string_view text, size_t max, LengthUnit unit,
                     TextFormat format = TextFormat::kPlain);

}  // namespace ab
