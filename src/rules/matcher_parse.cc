// ParseMatchers: a faithful port of Alertmanager 0.25's pkg/labels/parse.go (ParseMatchers and
// ParseMatcher), so that a matcher a team copies from alertmanager.yml means the same thing here,
// quirks included (`foo=` is foo="", `{foo=bar}}` is foo="bar}", a stray `\` is literal).
// The Go original runs a regular expression over each token; this port scans by hand, which keeps
// it allocation-light and easy to fuzz. Comments marked "Go:" name the behaviour being copied.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/matcher.h"

namespace ab {
namespace {

constexpr char32_t kRuneError = 0xFFFD;

// Go: utf8.DecodeRuneInString. Any byte that does not start a valid, shortest-form sequence
// decodes as (U+FFFD, width 1).
std::pair<char32_t, size_t> DecodeRune(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](size_t k, unsigned lo, unsigned hi) {
    return i + k < s.size() && b(k) >= lo && b(k) <= hi;
  };
  unsigned c0 = b(0);
  if (c0 < 0x80) return {c0, 1};
  if (c0 >= 0xC2 && c0 <= 0xDF && cont(1, 0x80, 0xBF)) {
    return {((c0 & 0x1F) << 6) | (b(1) & 0x3F), 2};
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    unsigned lo = c0 == 0xE0 ? 0xA0 : 0x80;
    unsigned hi = c0 == 0xED ? 0x9F : 0xBF;
    if (cont(1, lo, hi) && cont(2, 0x80, 0xBF)) {
      return {((c0 & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F), 3};
    }
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    unsigned lo = c0 == 0xF0 ? 0x90 : 0x80;
    unsigned hi = c0 == 0xF4 ? 0x8F : 0xBF;
    if (cont(1, lo, hi) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF)) {
      return {((c0 & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F),
              4};
    }
  }
  return {kRuneError, 1};
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto [r, w] = DecodeRune(s, i);
    if (r == kRuneError && w == 1) return false;
    i += w;
  }
  return true;
}

// Go: unicode.IsSpace (what strings.TrimSpace trims).
bool IsUnicodeSpace(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// Go: strings.TrimSpace. Input is valid UTF-8 here (the tokenizer re-encoded it).
std::string_view TrimUnicodeSpace(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    auto [r, w] = DecodeRune(s, begin);
    if (!IsUnicodeSpace(r)) break;
    begin += w;
  }
  size_t end = s.size();
  while (end > begin) {
    size_t start = end - 1;  // back up to the first byte of the last rune
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    if (!IsUnicodeSpace(DecodeRune(s, start).first)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

// Go regexp's \s: [\t\n\f\r ] (no \v).
bool IsRegexSpace(char c) { return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '; }
bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

Error BadFormat(std::string_view token) {
  if (TrimUnicodeSpace(token).empty()) {
    return MakeError("bad matcher format: " + std::string(token) +
                     "(empty matcher: look for a stray or doubled comma)");
  }
  return MakeError("bad matcher format: " + std::string(token) +
                   " (want a label name matching [a-zA-Z_:][a-zA-Z0-9_:]*, one of = != =~ !~, "
                   "then a value, e.g. severity=\"critical\")");
}

// Go: ParseMatcher. Equivalent to matching
//   ^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$
// and then unescaping the value.
Result<Matcher> ParseOne(std::string_view token) {
  size_t i = 0;
  while (i < token.size() && IsRegexSpace(token[i])) ++i;
  size_t name_begin = i;
  if (i >= token.size() || !IsNameStart(token[i])) return BadFormat(token);
  while (i < token.size() && IsNameChar(token[i])) ++i;
  std::string_view name = token.substr(name_begin, i - name_begin);
  while (i < token.size() && IsRegexSpace(token[i])) ++i;

  MatchOp op;
  if (i + 1 < token.size() && token[i] == '=' && token[i + 1] == '~') {
    op = MatchOp::kRegexMatch;  // Go: =~ is tried before =, so `a=~b` is a regex
    i += 2;
  } else if (i < token.size() && token[i] == '=') {
    op = MatchOp::kEqual;
    i += 1;
  } else if (i + 1 < token.size() && token[i] == '!' && token[i + 1] == '=') {
    op = MatchOp::kNotEqual;
    i += 2;
  } else if (i + 1 < token.size() && token[i] == '!' && token[i + 1] == '~') {
    op = MatchOp::kRegexNoMatch;
    i += 2;
  } else {
    return BadFormat(token);
  }
  while (i < token.size() && IsRegexSpace(token[i])) ++i;
  size_t end = token.size();
  while (end > i && IsRegexSpace(token[end - 1])) --end;
  const std::string_view raw_token_value = token.substr(i, end - i);  // Go: ms[3]

  std::string_view raw = raw_token_value;
  bool expect_trailing_quote = false;
  if (!raw.empty() && raw[0] == '"') {
    raw.remove_prefix(1);
    expect_trailing_quote = true;
  }
  if (!ValidUtf8(raw)) {
    return MakeError("matcher value not valid UTF-8: " + std::string(raw_token_value));
  }
  auto unescaped_quote = [&] {
    return MakeError(
        "matcher value contains unescaped double quote: " + std::string(raw_token_value) +
        " (inside a value write \\\" for a double quote)");
  };

  // Go iterates runes, but every byte the loop inspects is ASCII and the rest is copied
  // unchanged, so a byte loop gives the same result.
  std::string value;
  value.reserve(raw.size());
  bool escaped = false;
  for (size_t k = 0; k < raw.size(); ++k) {
    char c = raw[k];
    if (escaped) {
      escaped = false;
      switch (c) {
        case 'n':
          value.push_back('\n');
          break;
        case '"':
        case '\\':
          value.push_back(c);
          break;
        default:  // a spurious escape: Go keeps the backslash
          value.push_back('\\');
          value.push_back(c);
      }
      continue;
    }
    switch (c) {
      case '\\':
        if (k + 1 < raw.size()) {
          escaped = true;
          continue;
        }
        value.push_back('\\');  // a '\' as the last byte is literal
        break;
      case '"':
        if (!expect_trailing_quote || k + 1 < raw.size()) return unescaped_quote();
        expect_trailing_quote = false;
        break;
      default:
        value.push_back(c);
    }
  }
  if (expect_trailing_quote) return unescaped_quote();
  return Matcher::Create(std::string(name), op, std::move(value));
}

}  // namespace

Result<std::vector<Matcher>> ParseMatchers(std::string_view text) {
  // Go: strings.TrimPrefix(s, "{") and TrimSuffix(s, "}") — one brace each, no whitespace trim.
  if (!text.empty() && text.front() == '{') text.remove_prefix(1);
  if (!text.empty() && text.back() == '}') text.remove_suffix(1);

  // Go: split on commas outside double quotes. Ranging over a Go string turns each invalid UTF-8
  // byte into U+FFFD and the token builder re-encodes it, so such bytes become EF BF BD here too.
  std::vector<std::string> tokens;
  std::string token;
  bool inside_quotes = false;
  bool escaped = false;
  for (size_t i = 0; i < text.size();) {
    auto [r, w] = DecodeRune(text, i);
    bool invalid = r == kRuneError && w == 1;
    switch (r) {
      case ',':
        if (!inside_quotes) {
          // Go: `continue` here skips resetting `escaped`, so `\,"` does not open a quote.
          tokens.push_back(std::move(token));
          token.clear();
          i += w;
          continue;
        }
        break;
      case '"':
        if (!escaped) {
          inside_quotes = !inside_quotes;
        } else {
          escaped = false;
        }
        break;
      case '\\':
        escaped = !escaped;
        break;
      default:
        escaped = false;
    }
    if (invalid) {
      token += "\xEF\xBF\xBD";
    } else {
      token.append(text.substr(i, w));
    }
    i += w;
  }
  std::string_view last = TrimUnicodeSpace(token);
  if (!last.empty()) tokens.emplace_back(last);

  std::vector<Matcher> matchers;
  matchers.reserve(tokens.size());
  for (const std::string& t : tokens) {
    Result<Matcher> m = ParseOne(t);
    if (!m.ok()) return m.error();
    matchers.push_back(std::move(m).value());
  }
  return matchers;
}

}  // namespace ab
