#include "notify/ticket/markup.h"

#include <cctype>

#include "common/ascii.h"
#include "notify/text/truncate.h"
#include "notify/text/utf8.h"

namespace ab {

std::string OneLine(std::string_view s, size_t max_chars, LengthUnit unit) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const bool space = static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ';
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return Truncate(out, max_chars, unit);
}

std::string EscapeTicketLine(TextFormat format, std::string_view line) {
  std::string out = Escape(format, line);
  if (format != TextFormat::kPlain) return out;
  // "[code]" / "[/code]" in any case.
  for (size_t at = 0; (at = out.find('[', at)) != std::string::npos; ++at) {
    std::string_view rest = std::string_view(out).substr(at + 1);
    if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    if (EqualsIgnoreCase(rest.substr(0, 4), "code")) out.insert(at + 1, " ");
  }
  return out;
}

std::string SafeUrl(std::string_view url) {
  const std::string scheme = AsciiLower(url.substr(0, 8));
  if (scheme.rfind("http://", 0) != 0 && scheme.rfind("https://", 0) != 0) return {};
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f ||
        std::string_view("[]|()<>\"'`{}\\^").find(c) != std::string_view::npos) {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

std::string CutLines(std::string_view text, size_t max_chars, std::string_view notice,
                     TextFormat format, LengthUnit unit) {
  if (TextLength(text, unit) <= max_chars) return std::string(text);
  const size_t notice_chars = TextLength(notice, unit) + 1;  // and its line break
  const size_t budget = max_chars > notice_chars ? max_chars - notice_chars : 0;
  // The end of the last whole line within the budget.
  size_t chars = 0;
  size_t end = std::string_view::npos;
  for (size_t i = 0; i < text.size() && chars <= budget;) {
    const CodePoint cp = NextCodePoint(text, i);
    if (text[i] == '\n') end = i;
    chars += TextLength(text.substr(i, cp.length), unit);
    i += cp.length;
  }
  std::string out = end == std::string_view::npos
                        ? Truncate(text.substr(0, text.find('\n')), budget, unit, format)
                        : std::string(text.substr(0, end));
  if (TextLength(out, unit) + notice_chars > max_chars) {
    return Truncate(out, max_chars, unit, format);
  }
  return out + "\n" + std::string(notice);
}

}  // namespace ab
