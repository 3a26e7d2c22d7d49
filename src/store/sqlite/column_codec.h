// Text encodings of the columns that hold more than one value (labels, receivers, member
// fingerprints). Labels and lists are JSON so that an operator can read them with the sqlite3
// shell and query them with json_extract(); they are encoded and decoded by hand because a
// restart decodes two label sets per alert (1,000,000 alerts in < 5 s, DESIGN.md §9), and a
// general JSON parser with a DOM is several times slower for these flat shapes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"

namespace ab::sqlite {

// {"name":"value",...} in label order. Never fails: bytes that are not valid UTF-8 are kept as
// they are, so what was received is what is restored.
std::string EncodeLabels(const LabelSet& labels);
// Accepts any JSON object whose values are strings. False on anything else.
bool DecodeLabels(std::string_view text, LabelSet* out);

// ["a","b",...]
std::string EncodeStrings(const std::vector<std::string>& values);
bool DecodeStrings(std::string_view text, std::vector<std::string>* out);

// Fingerprints as Alertmanager prints them (16 hex digits), comma separated; "" when empty.
std::string EncodeFingerprints(const std::vector<uint64_t>& fps);
bool DecodeFingerprints(std::string_view text, std::vector<uint64_t>* out);

}  // namespace ab::sqlite
