#include <gtest/gtest.h>

#include "notify/text/truncate.h"
#include "notify/text/utf8.h"

namespace ab {
namespace {

bool ValidUtf8(const std::string& s) {
  for (size_t pos = 0; pos < s.size();) {
    const CodePoint cp = NextCodePoint(s, pos);
    if (!cp.valid) return false;
    pos += cp.length;
  }
  return true;
}

TEST(Truncate, KeepsTextThatFits) {
  EXPECT_EQ(Truncate("hello", 5, LengthUnit::kChars), "hello");
  EXPECT_EQ(Truncate("", 0, LengthUnit::kBytes), "");
  EXPECT_EQ(Truncate("héllo", 5, LengthUnit::kChars), "héllo");
}

TEST(Truncate, CutsWithEllipsisWithinTheLimit) {
  EXPECT_EQ(Truncate("hello world", 8, LengthUnit::kChars), "hello w…");
  EXPECT_EQ(Truncate("hello world", 8, LengthUnit::kBytes), "hello…");  // "…" is 3 bytes
  EXPECT_EQ(Truncate("hello world", 7, LengthUnit::kChars), "hello…");  // trailing space dropped
  EXPECT_EQ(
      TextLength(Truncate(std::string(5000, 'x'), 3000, LengthUnit::kChars), LengthUnit::kChars),
      3000u);
}

TEST(Truncate, NeverSplitsAMultiByteCharacter) {
  const std::string text = "ééééé";  // 10 bytes
  for (size_t max = 0; max <= text.size(); ++max) {
    const std::string out = Truncate(text, max, LengthUnit::kBytes);
    EXPECT_LE(out.size(), max);
    EXPECT_TRUE(ValidUtf8(out)) << max;
  }
  EXPECT_EQ(Truncate(text, 8, LengthUnit::kBytes), "éé…");
  EXPECT_EQ(Truncate("日本語テキスト", 4, LengthUnit::kChars), "日本語…");
}

TEST(Truncate, KeepsGraphemesWhole) {
  const std::string thumbs = "\U0001F44D\U0001F3FD";       // 👍🏽
  const std::string coder = "\U0001F469\u200D\U0001F4BB";  // 👩‍💻
  const std::string accented = "e\u0301";                  // é as e + combining acute
  EXPECT_EQ(Truncate("ab" + thumbs + "cd", 4, LengthUnit::kChars), "ab…");
  EXPECT_EQ(Truncate("ab" + coder + "cd", 5, LengthUnit::kChars), "ab…");
  EXPECT_EQ(Truncate("ab" + coder + "cd", 6, LengthUnit::kChars), "ab" + coder + "…");
  EXPECT_EQ(Truncate("x" + accented + "yz", 3, LengthUnit::kChars), "x…");
}

TEST(Truncate, NeverCutsInsideAnEntity) {
  const std::string escaped = EscapeSlackMrkdwn("a<b&c");  // a&lt;b&amp;c
  for (size_t max = 0; max <= escaped.size(); ++max) {
    const std::string out = Truncate(escaped, max, LengthUnit::kChars, TextFormat::kSlackMrkdwn);
    const size_t amp = out.rfind('&');
    if (amp != std::string::npos) {
      EXPECT_NE(out.find(';', amp), std::string::npos) << "cut inside an entity: " << out;
    }
  }
  EXPECT_EQ(Truncate(escaped, 5, LengthUnit::kChars, TextFormat::kSlackMrkdwn), "a…");
  EXPECT_EQ(Truncate(escaped, 6, LengthUnit::kChars, TextFormat::kSlackMrkdwn), "a&lt;…");
  EXPECT_EQ(Truncate(escaped, 7, LengthUnit::kChars, TextFormat::kSlackMrkdwn), "a&lt;b…");
  EXPECT_EQ(Truncate(EscapeHtml("x'y"), 6, LengthUnit::kChars, TextFormat::kHtml), "x…");
}

TEST(Truncate, NeverCutsInsideABackslashEscape) {
  const std::string escaped = EscapeGithubMarkdown("ab*cd");  // ab\*cd
  EXPECT_EQ(Truncate(escaped, 4, LengthUnit::kChars, TextFormat::kGithubMarkdown), "ab…");
  EXPECT_EQ(Truncate(escaped, 5, LengthUnit::kChars, TextFormat::kGithubMarkdown), "ab\\*…");
  const std::string json = EscapeJsonString("ab\x01z");  // ab\u0001z
  EXPECT_EQ(Truncate(json, 6, LengthUnit::kChars, TextFormat::kJsonString), "ab…");
  EXPECT_EQ(Truncate(json, 9, LengthUnit::kChars, TextFormat::kJsonString), "ab\\u0001z");
}

TEST(Truncate, KeepsASlackLinkWhole) {
  const std::string text = "see <https://x.example/incidents/1|incident 1> now";
  EXPECT_EQ(Truncate(text, 20, LengthUnit::kChars, TextFormat::kSlackMrkdwn), "see…");
  EXPECT_EQ(Truncate(text, 47, LengthUnit::kChars, TextFormat::kSlackMrkdwn),
            "see <https://x.example/incidents/1|incident 1>…");
}

TEST(Truncate, DropsTheEllipsisWhenItCannotFit) {
  EXPECT_EQ(Truncate("abcdef", 2, LengthUnit::kBytes), "ab");
  EXPECT_EQ(Truncate("abcdef", 0, LengthUnit::kChars), "");
  EXPECT_EQ(Truncate("abcdef", 1, LengthUnit::kChars), "…");
}

TEST(Truncate, RepairsInvalidUtf8) {
  const std::string out = Truncate("ab\xff\xfe", 10, LengthUnit::kBytes);
  EXPECT_TRUE(ValidUtf8(out));
  EXPECT_EQ(out, "ab\ufffd\ufffd");
}

}  // namespace
}  // namespace ab
