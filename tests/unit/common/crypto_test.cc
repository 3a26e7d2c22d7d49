#include "common/crypto.h"

#include <gtest/gtest.h>

#include <vector>

namespace ab {
namespace {

TEST(Crypto, HmacSha256MatchesGitHubTestVector) {
  // From GitHub's webhook documentation (VENDORS.md).
  EXPECT_EQ(HexEncode(HmacSha256("It's a Secret to Everybody", "Hello, World!")),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST(Crypto, Sha256OfEmptyString) {
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, Base64RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(*Base64Decode(Base64Encode(s)), s);
  }
  EXPECT_FALSE(Base64Decode("Zm9").has_value());
  EXPECT_FALSE(Base64Decode("Zm9*").has_value());
  EXPECT_FALSE(Base64Decode("Z===").has_value());
}

TEST(Crypto, Base32LowerFollowsRfc4648) {
  EXPECT_EQ(Base32Lower("foobar"), "mzxw6ytboi");
  EXPECT_EQ(Base32Lower("f"), "my");
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEqual("", "a"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  // Embedded NULs are part of the value, not its end.
  EXPECT_FALSE(ConstantTimeEqual(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  EXPECT_FALSE(ConstantTimeEqual(std::string_view("a\0", 2), "a"));
}

}  // namespace
}  // namespace ab
