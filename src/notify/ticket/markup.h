// Line-level text helpers for tickets, on top of notify/text (escapers, truncation): every line a
// ticket gets is self-contained markup, so a text can be cut between lines without breaking it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "notify/text/escape.h"
#include "notify/text/truncate.h"

namespace ab {

// One line: control characters and line breaks become spaces, runs of spaces collapse, the ends
// are trimmed; then cut to `max_chars` `unit`s (with "…").
std::string OneLine(std::string_view s, size_t max_chars, LengthUnit unit = LengthUnit::kChars);

// Escapes one line of untrusted text for a ticket in `format` (Escape()); plain text is
// ServiceNow's, where a `[code]` tag would switch a journal entry to raw HTML, so such tags are
// broken up too.
std::string EscapeTicketLine(TextFormat format, std::string_view line);

// A URL safe inside a link of any ticket markup: characters that would end the link
// ([]|() space < > " ...) are percent-encoded. Only http(s) URLs are kept; anything else
// (javascript:, relative) gives "".
std::string SafeUrl(std::string_view url);

// `text` made of complete lines, cut to at most `max_chars` code points at a line boundary, with
// `notice` appended on its own line when lines were dropped. A first line longer than the limit
// is cut with Truncate() for `format`.
std::string CutLines(std::string_view text, size_t max_chars, std::string_view notice,
                     TextFormat format, LengthUnit unit = LengthUnit::kChars);

}  // namespace ab
