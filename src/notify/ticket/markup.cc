#include "notify/ticket/markup.h"

#include <cctype>

namespace ab {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Jira wiki markup characters: text effects (* _ ? - + ^ ~), {macros} and {{monospace}},
// [links] and [~mentions], |tables|, !images!, # lists and ( ) emoticons such as (y) or (!).
constexpr std::string_view kJiraSpecial = "*_?-+^~{}[]|!#()";
// Markdown punctuation that starts or ends a construct: emphasis, code, links, headings, lists,
// tables, strikethrough, setext underlines and GitHub's $math$ (`<>&@#` are handled apart).
constexpr std::string_view kMarkdownSpecial = "\\`*_{}[]()#+-!|~=$";

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)); }

std::string EscapeJira(std::string_view line) {
  std::string out;
  out.reserve(line.size() + line.size() / 4);
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    // -strike- needs a dash at a word boundary: hyphenated words (eu-west-1, OPS-12) stay clean.
    const bool inner_dash =
        c == '-' && i > 0 && i + 1 < line.size() && IsAlnum(line[i - 1]) && IsAlnum(line[i + 1]);
    if (inner_dash) {
      out += c;
    } else if (c == '\\') {
      out += "&#92;";
    } else if (c == '&') {
      out += "&amp;";  // or "&copy;"-like entities would render as symbols
    } else {
      if (kJiraSpecial.find(c) != std::string_view::npos) out += '\\';
      out += c;
    }
  }
  return out;
}

std::string EscapeMarkdown(std::string_view line) {
  std::string out;
  out.reserve(line.size() + line.size() / 4);
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    const bool before_word = i + 1 < line.size() && IsWordChar(line[i + 1]);
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if ((c == '@' || c == '#') && before_word) {
      // A backslash does not stop GitHub's mention and reference linking (it runs on the
      // rendered text); a zero-width space between the sign and the name does.
      out += c;
      out += "&#8203;";
    } else {
      // "1." would start an ordered list; a dash inside a word starts nothing.
      const bool list_dot = c == '.' && i > 0 && std::isdigit(static_cast<unsigned char>(line[i - 1]));
      const bool inner_dash =
          c == '-' && i > 0 && i + 1 < line.size() && IsAlnum(line[i - 1]) && IsAlnum(line[i + 1]);
      if (list_dot || (!inner_dash && kMarkdownSpecial.find(c) != std::string_view::npos)) {
        out += '\\';
      }
      out += c;
    }
  }
  return out;
}

std::string EscapePlain(std::string_view line) {
  std::string out(line);
  // "[code]" (any case) switches a ServiceNow journal entry to raw HTML.
  for (size_t at = 0; (at = out.find('[', at)) != std::string::npos; ++at) {
    std::string_view rest = std::string_view(out).substr(at + 1);
    const bool slash = !rest.empty() && rest.front() == '/';
    std::string_view word = rest.substr(slash ? 1 : 0, 4);
    std::string lower;
    for (char c : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "code") out.insert(at + 1, " ");
  }
  return out;
}

}  // namespace

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += IsContinuation(c) ? 0 : 1;
  return n;
}

std::string_view Utf8Prefix(std::string_view s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsContinuation(s[i])) continue;
    if (chars == max_chars) return s.substr(0, i);
    ++chars;
  }
  return s;
}

std::string CutText(std::string_view s, size_t max_chars) {
  if (Utf8Length(s) <= max_chars) return std::string(s);
  if (max_chars == 0) return {};
  std::string out(Utf8Prefix(s, max_chars - 1));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "…";
}

std::string OneLine(std::string_view s, size_t max_chars) {
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
  return CutText(out, max_chars);
}

std::string EscapeLine(Markup markup, std::string_view line) {
  switch (markup) {
    case Markup::kJiraWiki:
      return EscapeJira(line);
    case Markup::kGitHubMarkdown:
      return EscapeMarkdown(line);
    case Markup::kPlain:
      return EscapePlain(line);
  }
  return std::string(line);
}

std::string SafeUrl(std::string_view url) {
  std::string lower;
  for (char c : url.substr(0, 8)) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (lower.rfind("http://", 0) != 0 && lower.rfind("https://", 0) != 0) return {};
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || std::string_view("[]|()<>\"'`{}\\^").find(c) != std::string_view::npos) {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

std::string CutLines(std::string_view text, size_t max_chars, std::string_view notice) {
  if (Utf8Length(text) <= max_chars) return std::string(text);
  const size_t notice_chars = Utf8Length(notice) + 1;  // and its line break
  const size_t budget = max_chars > notice_chars ? max_chars - notice_chars : 0;
  std::string_view kept = Utf8Prefix(text, budget);
  const size_t end = kept.rfind('\n');
  std::string out;
  if (end == std::string_view::npos) {
    // Not even the first line fits: cut inside it (plain text, so nothing to break).
    out = CutText(text.substr(0, text.find('\n')), budget);
  } else {
    out = std::string(kept.substr(0, end));
  }
  if (Utf8Length(out) + notice_chars > max_chars) return CutText(out, max_chars);
  return out + "\n" + std::string(notice);
}

}  // namespace ab
