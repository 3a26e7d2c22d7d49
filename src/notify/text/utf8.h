// UTF-8 walking for the escapers and truncation: code point by code point, invalid bytes one at a
// time (each to be replaced by U+FFFD), so no caller ever splits a multi-byte character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ab {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// The code point starting at text[pos] and its length in bytes (>= 1). An invalid or truncated
// sequence, an overlong form or a surrogate gives kReplacementChar with length 1.
struct CodePoint {
  char32_t value;
  size_t length;
  bool valid;
};
CodePoint NextCodePoint(std::string_view text, size_t pos);

void AppendUtf8(char32_t cp, std::string* out);

// Code points in `text` (invalid bytes count one each).
size_t CountCodePoints(std::string_view text);

// Marks that belong to the character before them: combining marks, variation selectors, emoji
// modifiers, the zero-width joiner (and the character after a joiner). Cutting before one of them
// would leave a broken glyph.
bool IsGraphemeExtender(char32_t cp);

}  // namespace ab
