#include <gtest/gtest.h>

#include "notify/text/escape.h"
#include "notify/text/utf8.h"

namespace ab {
namespace {

TEST(EscapeSlack, NeutralisesSpecialMentionsAndLinks) {
  EXPECT_EQ(EscapeSlackMrkdwn("<!channel> ping"), "&lt;!channel&gt; ping");
  EXPECT_EQ(EscapeSlackMrkdwn("<!here|here> <@U123> <#C42>"),
            "&lt;!here|here&gt; &lt;@U123&gt; &lt;#C42&gt;");
  EXPECT_EQ(EscapeSlackMrkdwn("<https://evil.example|click me>"),
            "&lt;https://evil.example|click me&gt;");
}

TEST(EscapeSlack, EscapesAmpersandFirstAndOnlyTheThreeCharacters) {
  EXPECT_EQ(EscapeSlackMrkdwn("a & b &amp; c"), "a &amp; b &amp;amp; c");
  // Quotes and mrkdwn emphasis are left alone: Slack decodes only &amp; &lt; &gt;.
  EXPECT_EQ(EscapeSlackMrkdwn("\"x\" *bold* 'y'"), "\"x\" *bold* 'y'");
}

TEST(EscapeHtml, EscapesMarkupAndQuotes) {
  EXPECT_EQ(EscapeHtml("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
}

// Teams mobile shows backslash escapes literally: markup is disarmed with look-alike characters.
TEST(EscapeMarkdown, DisarmsInlineMarkupWithoutBackslashes) {
  EXPECT_EQ(EscapeMarkdown("**bold** _it_ [a](http://x) `c`"),
            "\u2217\u2217bold\u2217\u2217 \uFF3Fit\uFF3F \uFF3Ba\uFF3D(http://x) \u02CBc\u02CB");
  EXPECT_EQ(EscapeMarkdown("back\\slash"), "back\u2216slash");
  EXPECT_EQ(EscapeMarkdown("a\\*b").find('\\'), std::string::npos);
}

TEST(EscapeMarkdown, PushesBlockMarkersOffTheLineStartOnly) {
  const std::string zw = "\u200b";
  EXPECT_EQ(EscapeMarkdown("# head\n- item\n  + more\n12. num\napi-gw v1.2 #3"),
            zw + "# head\n" + zw + "- item\n  " + zw + "+ more\n12" + zw + ". num\napi-gw v1.2 #3");
}

TEST(EscapeGithubMarkdown, BreaksMentionsAndIssueReferences) {
  const std::string zw = "\u200b";
  EXPECT_EQ(EscapeGithubMarkdown("@octocat see #12 and org/repo#7"),
            "@" + zw + "octocat see #" + zw + "12 and org/repo#" + zw + "7");
  // Emails and anchors are not mentions or references.
  EXPECT_EQ(EscapeGithubMarkdown("ops@example.com page#top"), "ops@example.com page#top");
  EXPECT_EQ(EscapeGithubMarkdown("<img src=x onerror=y>"), "&lt;img src=x onerror=y&gt;");
}

TEST(EscapeJiraWiki, DisarmsMacrosLinksAndMentions) {
  EXPECT_EQ(EscapeJiraWiki("{code}x{code} [~admin] *b* -s- |t|"),
            "\\{code\\}x\\{code\\} \\[\\~admin\\] \\*b\\* \\-s\\- \\|t\\|");
}

TEST(EscapeJsonString, ProducesAValidStringBody) {
  EXPECT_EQ(EscapeJsonString("a\"b\\c\nd\te\x01"), "a\\\"b\\\\c\\nd\\te\\u0001");
  EXPECT_EQ(EscapeJsonString("héllo ✓"), "héllo ✓");
}

TEST(Escape, RepairsInvalidUtf8InEveryFormat) {
  const std::string bad = "a\xff\xc3(b\xed\xa0\x80z\xe2\x82";  // stray, bad tail, surrogate, cut
  const std::string fffd = "\ufffd";
  for (TextFormat f : {TextFormat::kPlain, TextFormat::kSlackMrkdwn, TextFormat::kHtml,
                       TextFormat::kMarkdown, TextFormat::kJsonString}) {
    const std::string out = Escape(f, bad);
    size_t pos = 0;
    while (pos < out.size()) {
      const CodePoint cp = NextCodePoint(out, pos);
      ASSERT_TRUE(cp.valid) << ToString(f) << " left invalid UTF-8 at byte " << pos;
      pos += cp.length;
    }
    EXPECT_NE(out.find(fffd), std::string::npos) << ToString(f);
  }
  EXPECT_EQ(RepairUtf8("ok \xc3\xa9"), "ok é");
  EXPECT_EQ(RepairUtf8("\xc0\xaf"), fffd + fffd);  // overlong '/'
}

TEST(Escape, DispatchesOnFormat) {
  EXPECT_EQ(Escape(TextFormat::kPlain, "<!channel>"), "<!channel>");
  EXPECT_EQ(Escape(TextFormat::kSlackMrkdwn, "<!channel>"), "&lt;!channel&gt;");
  EXPECT_EQ(Escape(TextFormat::kHtml, "'"), "&#39;");
  EXPECT_EQ(Escape(TextFormat::kMarkdown, "*"), "\u2217");
  EXPECT_EQ(Escape(TextFormat::kJiraWiki, "{"), "\\{");
  EXPECT_EQ(Escape(TextFormat::kJsonString, "\""), "\\\"");
}

}  // namespace
}  // namespace ab
