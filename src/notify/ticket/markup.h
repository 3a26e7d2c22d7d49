// Text for ticket systems: untrusted values (label and annotation values, titles a rule built
// from them) escaped for each system's markup, and cut to the system's limits without breaking
// that markup or a UTF-8 character (CONTRACTS.md "Events out").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ab {

enum class Markup {
  kJiraWiki,        // Jira wiki markup (REST v2 text fields)
  kGitHubMarkdown,  // GitHub Flavored Markdown
  kPlain,           // ServiceNow string and journal fields
};

// Unicode code points in UTF-8 `s` (vendors count characters, not bytes).
size_t Utf8Length(std::string_view s);
// The longest prefix of `s` with at most `max_chars` code points, never splitting one.
std::string_view Utf8Prefix(std::string_view s, size_t max_chars);
// `s` cut to `max_chars` code points, ending in "…" when something was cut.
std::string CutText(std::string_view s, size_t max_chars);
// One line: control characters and line breaks become spaces, runs of spaces collapse, the ends
// are trimmed; then cut to `max_chars`.
std::string OneLine(std::string_view s, size_t max_chars);

// Escapes one line of untrusted text so that it renders literally inside `markup`:
// - Jira: every markup character is backslash-escaped (a backslash itself becomes &#92;, as "\\"
//   is a line break), so `[~user]` mentions, `{code}`, `!image!` and `h1.` do nothing;
// - GitHub: ASCII punctuation is backslash-escaped, `<`, `>` and `&` become entities, and `@` and
//   `#` before a word get a zero-width space so that mentions and issue references do not fire;
// - plain: ServiceNow `[code]` tags (which render HTML in journal fields) are broken up.
// Line breaks are not allowed in `line`: pass OneLine() text or split first.
std::string EscapeLine(Markup markup, std::string_view line);

// A URL safe inside a link of `markup`: characters that would end the link ([]|() space < > ")
// are percent-encoded. Only http(s) URLs are kept; anything else (javascript:, relative) gives "".
std::string SafeUrl(std::string_view url);

// `text` made of complete lines, cut to at most `max_chars` code points at a line boundary (so no
// markup construct is split; every line this module renders is self-contained), with `notice`
// appended on its own line when lines were dropped. A first line longer than the limit is cut
// with CutText().
std::string CutLines(std::string_view text, size_t max_chars, std::string_view notice);

}  // namespace ab
