// Hashes and encodings used for identities (fingerprints, incident keys) and signatures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ab {

std::string Sha256(std::string_view data);                            // 32 raw bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string HexEncode(std::string_view bytes);                        // lowercase
std::string Base64Encode(std::string_view bytes);                     // standard, padded
std::optional<std::string> Base64Decode(std::string_view text);       // standard, padded
std::string Base32Lower(std::string_view bytes);                      // RFC 4648, no padding
// Equality of secrets (tokens, signatures) in time that depends on neither their contents nor
// whether their lengths match.
bool ConstantTimeEqual(std::string_view a, std::string_view b);
// Equality of two digests of the same fixed length (e.g. Sha256 of a token), in constant time.
bool DigestsEqual(std::string_view a, std::string_view b);

// FNV-1a 64, the hash Prometheus uses for label-set fingerprints.
class Fnv1a64 {
 public:
  void Add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      h_ ^= c;
      h_ *= 1099511628211ULL;
    }
  }
  void AddByte(unsigned char c) {
    h_ ^= c;
    h_ *= 1099511628211ULL;
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 14695981039346656037ULL;
};

}  // namespace ab
