#include "ingest/decode.h"

namespace ab {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  // RFC 9110 media type: type/subtype, then optional whitespace and ";"-separated parameters
  // (charset and the like), which JSON does not need.
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && IsSpace(media.front())) media.remove_prefix(1);
  while (!media.empty() && IsSpace(media.back())) media.remove_suffix(1);
  return EqualsIgnoreCase(media, "application/json");
}

}  // namespace ab
