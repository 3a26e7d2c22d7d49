#include "notify/text/truncate.h"

#include <cctype>

#include "notify/text/utf8.h"

namespace ab {
namespace {

bool HasEntities(TextFormat f) {
  return f == TextFormat::kSlackMrkdwn || f == TextFormat::kHtml ||
         f == TextFormat::kGithubMarkdown;
}

bool HasBackslashEscapes(TextFormat f) {
  return f == TextFormat::kGithubMarkdown || f == TextFormat::kJiraWiki;
}

// "&amp;", "&#39;", "&#x1F600;": the entity's length, or 0 when `&` does not start one.
size_t EntityLength(std::string_view t, size_t pos) {
  constexpr size_t kLongest = 12;
  for (size_t i = pos + 1; i < t.size() && i - pos <= kLongest; ++i) {
    if (t[i] == ';') return i > pos + 1 ? i - pos + 1 : 0;
    if (!std::isalnum(static_cast<unsigned char>(t[i])) && t[i] != '#') return 0;
  }
  return 0;
}

// A Slack "<https://x|label>", "<!here>" or "<@U123>" written by a template (values are escaped,
// so a raw `<` comes from the template): one unit, or 0 when it never closes on its line.
size_t SlackAngleLength(std::string_view t, size_t pos) {
  for (size_t i = pos + 1; i < t.size(); ++i) {
    if (t[i] == '>') return i - pos + 1;
    if (t[i] == '<' || t[i] == '\n') return 0;
  }
  return 0;
}

// Bytes of the smallest piece starting at `pos` that may not be split.
size_t UnitLength(std::string_view t, size_t pos, TextFormat format) {
  const char c = t[pos];
  size_t len = 0;
  if (c == '&' && HasEntities(format)) len = EntityLength(t, pos);
  if (c == '<' && format == TextFormat::kSlackMrkdwn) len = SlackAngleLength(t, pos);
  if (c == '\\' && pos + 1 < t.size()) {
    if (HasBackslashEscapes(format)) {
      len = 1 + NextCodePoint(t, pos + 1).length;
    } else if (format == TextFormat::kJsonString) {
      len = t[pos + 1] == 'u' && pos + 6 <= t.size() ? 6 : 2;
    }
  }
  if (len == 0) len = NextCodePoint(t, pos).length;
  // Keep a character together with the marks that modify it (é as e + U+0301, 👍🏽,
  // 👩‍💻).
  while (pos + len < t.size()) {
    const CodePoint next = NextCodePoint(t, pos + len);
    if (!IsGraphemeExtender(next.value)) break;
    len += next.length;
    if (next.value == 0x200D && pos + len < t.size()) len += NextCodePoint(t, pos + len).length;
  }
  return len;
}

}  // namespace

size_t TextLength(std::string_view text, LengthUnit unit) {
  switch (unit) {
    case LengthUnit::kBytes:
      return text.size();
    case LengthUnit::kChars:
      return CountCodePoints(text);
    case LengthUnit::kUtf16: {
      size_t units = 0;
      for (size_t pos = 0; pos < text.size();) {
        const CodePoint cp = NextCodePoint(text, pos);
        units += cp.value >= 0x10000 ? 2 : 1;
        pos += cp.length;
      }
      return units;
    }
  }
  return text.size();
}

std::string Truncate(std::string_view input, size_t max, LengthUnit unit, TextFormat format) {
  const std::string text = RepairUtf8(input);
  const size_t ellipsis = TextLength(kEllipsis, unit);
  const size_t budget = max >= ellipsis ? max - ellipsis : max;  // for the text before "…"
  size_t length = 0;                                             // of text[0, pos)
  size_t fit_end = 0;  // end of the longest whole-unit prefix within `budget`
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t n = UnitLength(text, pos, format);
    length += TextLength(std::string_view(text).substr(pos, n), unit);
    pos += n;
    if (length > max) break;
    if (length <= budget) fit_end = pos;
  }
  if (length <= max && pos >= text.size()) return text;
  std::string out = text.substr(0, fit_end);
  while (!out.empty() &&
         (out.back() == ' ' || out.back() == '\t' || out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  if (max >= ellipsis) out.append(kEllipsis);
  return out;
}

}  // namespace ab
