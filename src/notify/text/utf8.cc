#include "notify/text/utf8.h"

namespace ab {

CodePoint NextCodePoint(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) return {b0, 1, true};
  size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return {kReplacementChar, 1, false};
  }
  if (pos + len > text.size()) return {kReplacementChar, 1, false};
  for (size_t i = 1; i < len; ++i) {
    const unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return {kReplacementChar, 1, false};
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return {kReplacementChar, 1, false};
  }
  return {cp, len, true};
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t CountCodePoints(std::string_view text) {
  size_t n = 0;
  for (size_t pos = 0; pos < text.size(); pos += NextCodePoint(text, pos).length) ++n;
  return n;
}

bool IsGraphemeExtender(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) ||    // combining diacritical marks
         (cp >= 0x1AB0 && cp <= 0x1AFF) ||    // combining diacritical marks extended
         (cp >= 0x1DC0 && cp <= 0x1DFF) ||    // combining diacritical marks supplement
         (cp >= 0x20D0 && cp <= 0x20FF) ||    // combining marks for symbols (keycaps)
         (cp >= 0xFE00 && cp <= 0xFE0F) ||    // variation selectors
         (cp >= 0xFE20 && cp <= 0xFE2F) ||    // combining half marks
         cp == 0x200D ||                      // zero-width joiner
         (cp >= 0x1F3FB && cp <= 0x1F3FF) ||  // emoji skin tone modifiers
         (cp >= 0xE0020 && cp <= 0xE007F);    // emoji tag sequences (flags of regions)
}

}  // namespace ab
