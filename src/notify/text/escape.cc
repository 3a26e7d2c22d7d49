#include "notify/text/escape.h"

#include <cctype>
#include <cstdio>

#include "notify/text/utf8.h"

namespace ab {
namespace {

// U+200B ZERO WIDTH SPACE: invisible, but enough to stop an @mention or #123 from matching.
constexpr std::string_view kZeroWidthSpace = "\u200b";

bool IsAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Walks `text` code point by code point, repairing invalid UTF-8, and lets `ascii` write each
// ASCII character (with its position, for context) however the format needs.
template <typename AsciiWriter>
std::string EscapeWith(std::string_view text, AsciiWriter ascii) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t pos = 0;
  while (pos < text.size()) {
    const CodePoint cp = NextCodePoint(text, pos);
    if (cp.valid && cp.value < 0x80) {
      ascii(text, pos, &out);
    } else if (cp.valid) {
      out.append(text.substr(pos, cp.length));
    } else {
      AppendUtf8(kReplacementChar, &out);
    }
    pos += cp.length;
  }
  return out;
}

// Whether text[pos] is the first non-blank character of its line.
bool AtLineStart(std::string_view text, size_t pos) {
  while (pos > 0 && (text[pos - 1] == ' ' || text[pos - 1] == '\t')) --pos;
  return pos == 0 || text[pos - 1] == '\n' || text[pos - 1] == '\r';
}

// CommonMark block markers that only mean something at the start of a line: "# h", "> quote",
// "- item", "+ item", "1. item", "1) item".
bool IsLineStartMarker(std::string_view text, size_t pos) {
  const char c = text[pos];
  if (c == '#' || c == '>' || c == '-' || c == '+' || c == '=') return AtLineStart(text, pos);
  if (c == '.' || c == ')') {
    size_t start = pos;
    while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1]))) --start;
    return start < pos && AtLineStart(text, start);
  }
  return false;
}

// The character as HTML text: & < > always, quotes when it may end up in an attribute.
std::string_view EntityFor(const char& c, bool quotes) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      if (quotes) return "&quot;";
      break;
    case '\'':
      if (quotes) return "&#39;";
      break;
    default:
      break;
  }
  return std::string_view(&c, 1);
}

void BackslashIf(bool escape, char c, std::string* out) {
  if (escape) out->push_back('\\');
  out->push_back(c);
}

}  // namespace

std::string_view ToString(TextFormat f) {
  switch (f) {
    case TextFormat::kPlain:
      return "plain";
    case TextFormat::kSlackMrkdwn:
      return "slack-mrkdwn";
    case TextFormat::kHtml:
      return "html";
    case TextFormat::kMarkdown:
      return "markdown";
    case TextFormat::kGithubMarkdown:
      return "github-markdown";
    case TextFormat::kJiraWiki:
      return "jira-wiki";
    case TextFormat::kJsonString:
      return "json-string";
  }
  return "plain";
}

std::string RepairUtf8(std::string_view text) {
  return EscapeWith(
      text, [](std::string_view t, size_t pos, std::string* out) { out->push_back(t[pos]); });
}

std::string EscapeSlackMrkdwn(std::string_view text) {
  return EscapeWith(text, [](std::string_view t, size_t pos, std::string* out) {
    out->append(EntityFor(t[pos], /*quotes=*/false));
  });
}

std::string EscapeHtml(std::string_view text) {
  return EscapeWith(text, [](std::string_view t, size_t pos, std::string* out) {
    out->append(EntityFor(t[pos], /*quotes=*/true));
  });
}

std::string EscapeMarkdown(std::string_view text) {
  // Adaptive Cards render a Markdown subset (emphasis, links, lists). Teams mobile shows backslash
  // escapes literally, so whatever could open markup becomes a look-alike character instead, and
  // a block marker at a line start is pushed off it by a zero-width space.
  return EscapeWith(text, [](std::string_view t, size_t pos, std::string* out) {
    const char c = t[pos];
    switch (c) {
      case '*':
        out->append("\u2217");
        return;  // asterisk operator
      case '_':
        out->append("\uFF3F");
        return;  // fullwidth low line
      case '[':
        out->append("\uFF3B");
        return;
      case ']':
        out->append("\uFF3D");
        return;
      case '`':
        out->append("\u02CB");
        return;  // modifier letter grave accent
      case '~':
        out->append("\u223C");
        return;  // tilde operator
      case '<':
        out->append("\uFF1C");
        return;
      case '>':
        out->append("\uFF1E");
        return;
      case '|':
        out->append("\u2223");
        return;  // divides
      case '\\':
        out->append("\u2216");
        return;  // set minus
      default:
        break;
    }
    if (IsLineStartMarker(t, pos)) out->append(kZeroWidthSpace);
    out->push_back(c);
  });
}

std::string EscapeGithubMarkdown(std::string_view text) {
  return EscapeWith(text, [](std::string_view t, size_t pos, std::string* out) {
    const char c = t[pos];
    const bool prev_word = pos > 0 && (IsAsciiAlnum(t[pos - 1]) || t[pos - 1] == '_');
    const bool next_alnum = pos + 1 < t.size() && IsAsciiAlnum(t[pos + 1]);
    const bool next_digit =
        pos + 1 < t.size() && std::isdigit(static_cast<unsigned char>(t[pos + 1]));
    if (c == '<') {
      out->append("&lt;");  // GitHub renders inline HTML
    } else if (c == '>') {
      out->append("&gt;");
    } else if (c == '@' && !prev_word && next_alnum) {
      out->append("@").append(kZeroWidthSpace);  // @user, @org/team
    } else if (c == '#' && next_digit) {
      out->append("#").append(kZeroWidthSpace);  // #123, owner/repo#123
    } else {
      const bool inline_markup = std::string_view("\\*_[]()`~|!").find(c) != std::string_view::npos;
      BackslashIf(inline_markup || IsLineStartMarker(t, pos), c, out);
    }
  });
}

std::string EscapeJiraWiki(std::string_view text) {
  // Jira wiki markup: *bold* _italic_ -strike- +under+ ^sup^ ~sub~ ??cite?? {macros} [links and
  // [~mentions]] |tables| !images! #lists; a backslash makes each of them literal.
  return EscapeWith(text, [](std::string_view t, size_t pos, std::string* out) {
    const char c = t[pos];
    BackslashIf(std::string_view("\\*_-+^~?{}[]|!#").find(c) != std::string_view::npos, c, out);
  });
}

std::string EscapeJsonString(std::string_view text) {
  return EscapeWith(text, [](std::string_view t, size_t pos, std::string* out) {
    const char c = t[pos];
    switch (c) {
      case '"':
        out->append("\\\"");
        return;
      case '\\':
        out->append("\\\\");
        return;
      case '\n':
        out->append("\\n");
        return;
      case '\r':
        out->append("\\r");
        return;
      case '\t':
        out->append("\\t");
        return;
      default:
        break;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      out->append(buf);
      return;
    }
    out->push_back(c);
  });
}

std::string Escape(TextFormat format, std::string_view text) {
  switch (format) {
    case TextFormat::kPlain:
      return RepairUtf8(text);
    case TextFormat::kSlackMrkdwn:
      return EscapeSlackMrkdwn(text);
    case TextFormat::kHtml:
      return EscapeHtml(text);
    case TextFormat::kMarkdown:
      return EscapeMarkdown(text);
    case TextFormat::kGithubMarkdown:
      return EscapeGithubMarkdown(text);
    case TextFormat::kJiraWiki:
      return EscapeJiraWiki(text);
    case TextFormat::kJsonString:
      return EscapeJsonString(text);
  }
  return RepairUtf8(text);
}

}  // namespace ab
