// Matcher semantics: anchoring, empty-value rules, negation, printing.
#include "rules/matcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace ab {
namespace {

using ::testing::HasSubstr;

Matcher Make(std::string name, MatchOp op, std::string value) {
  Result<Matcher> m = Matcher::Create(std::move(name), op, std::move(value));
  EXPECT_TRUE(m.ok()) << m.error().message;
  return std::move(m).value();
}

TEST(MatcherTest, RegexIsFullyAnchored) {
  Matcher m = Make("foo", MatchOp::kRegexMatch, "ba");
  EXPECT_FALSE(m.Matches("bar"));
  EXPECT_FALSE(m.Matches("aba"));
  EXPECT_TRUE(m.Matches("ba"));
  Matcher alt = Make("foo", MatchOp::kRegexMatch, "a|b");
  EXPECT_TRUE(alt.Matches("a"));
  EXPECT_FALSE(alt.Matches("ab"));  // anchoring wraps the whole alternation
}

TEST(MatcherTest, NegativeRegexIsAnchoredToo) {
  Matcher m = Make("foo", MatchOp::kRegexNoMatch, "ba");
  EXPECT_TRUE(m.Matches("bar"));
  EXPECT_FALSE(m.Matches("ba"));
  EXPECT_TRUE(m.Matches(""));
}

TEST(MatcherTest, DotDoesNotMatchNewlineUnlessAsked) {
  EXPECT_FALSE(Make("a", MatchOp::kRegexMatch, ".*").Matches("x\ny"));
  EXPECT_TRUE(Make("a", MatchOp::kRegexMatch, "(?s).*").Matches("x\ny"));
}

TEST(MatcherTest, EmptyEqualMatchesMissingLabel) {
  Matcher m = Make("foo", MatchOp::kEqual, "");
  EXPECT_TRUE(m.Matches(LabelSet{{"bar", "1"}}));
  EXPECT_FALSE(m.Matches(LabelSet{{"foo", "1"}}));
}

TEST(MatcherTest, EmptyNotEqualRequiresLabel) {
  Matcher m = Make("foo", MatchOp::kNotEqual, "");
  EXPECT_FALSE(m.Matches(LabelSet{{"bar", "1"}}));
  EXPECT_TRUE(m.Matches(LabelSet{{"foo", "1"}}));
}

TEST(MatcherTest, RegexSeesMissingLabelAsEmpty) {
  EXPECT_TRUE(Make("foo", MatchOp::kRegexMatch, ".*").Matches(LabelSet{}));
  EXPECT_FALSE(Make("foo", MatchOp::kRegexMatch, ".+").Matches(LabelSet{}));
  EXPECT_TRUE(Make("foo", MatchOp::kRegexNoMatch, ".+").Matches(LabelSet{}));
}

TEST(MatcherTest, NotEqualMatchesOtherValuesAndMissingLabel) {
  Matcher m = Make("env", MatchOp::kNotEqual, "prod");
  EXPECT_TRUE(m.Matches(LabelSet{{"env", "dev"}}));
  EXPECT_TRUE(m.Matches(LabelSet{}));
  EXPECT_FALSE(m.Matches(LabelSet{{"env", "prod"}}));
}

TEST(MatcherTest, InvalidRegexIsAnErrorNamingIt) {
  Result<Matcher> m = Matcher::Create("svc", MatchOp::kRegexMatch, "a(b");
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error().message, HasSubstr(R"(svc=~"a(b")"));
  EXPECT_THAT(m.error().message, HasSubstr("missing )"));
}

TEST(MatcherTest, CreateRejectsInvalidLabelName) {
  for (const char* name : {"", "1a", "a-b", "a b"}) {
    Result<Matcher> m = Matcher::Create(name, MatchOp::kEqual, "x");
    ASSERT_FALSE(m.ok()) << name;
    EXPECT_THAT(m.error().message, HasSubstr("invalid label name"));
  }
}

TEST(MatcherTest, PrintsLikeAlertmanager) {
  EXPECT_EQ(Make("a", MatchOp::kEqual, "b").ToString(), R"(a="b")");
  EXPECT_EQ(Make("a", MatchOp::kNotEqual, "").ToString(), R"(a!="")");
  EXPECT_EQ(Make("a", MatchOp::kRegexMatch, R"(x\d+)").ToString(), R"(a=~"x\\d+")");
  EXPECT_EQ(Make("a", MatchOp::kRegexNoMatch, "q\"\n").ToString(), R"(a!~"q\"\n")");
  EXPECT_EQ(ToString(MatchOp::kEqual), "=");
  EXPECT_EQ(ToString(MatchOp::kNotEqual), "!=");
  EXPECT_EQ(ToString(MatchOp::kRegexMatch), "=~");
  EXPECT_EQ(ToString(MatchOp::kRegexNoMatch), "!~");
}

TEST(MatcherTest, PrintedFormParsesBackToTheSameMatcher) {
  std::mt19937 rng(20240601);
  const std::string alphabet[] = {"a", "Z", "0", " ", ",", "\"", "\\", "\n", "{",
                                  "}", "=", "~", "!", "é", "🔥",  "n",  "\t"};
  const MatchOp ops[] = {MatchOp::kEqual, MatchOp::kNotEqual};  // any text is a valid value
  for (int iter = 0; iter < 2000; ++iter) {
    std::string value;
    int len = static_cast<int>(rng() % 12);
    for (int i = 0; i < len; ++i) value += alphabet[rng() % std::size(alphabet)];
    Matcher m = Make("label_" + std::to_string(iter % 7), ops[rng() % 2], value);
    Result<std::vector<Matcher>> back = ParseMatchers("{" + m.ToString() + "}");
    ASSERT_TRUE(back.ok()) << m.ToString() << ": " << back.error().message;
    ASSERT_EQ(back->size(), 1u) << m.ToString();
    EXPECT_EQ((*back)[0].name(), m.name());
    EXPECT_EQ((*back)[0].op(), m.op());
    EXPECT_EQ((*back)[0].value(), value) << m.ToString();
  }
}

TEST(MatcherTest, MatchesAllNeedsEveryMatcher) {
  Result<std::vector<Matcher>> ms = ParseMatchers(R"({service="checkout", severity=~"crit.*"})");
  ASSERT_TRUE(ms.ok());
  EXPECT_TRUE(MatchesAll(*ms, LabelSet{{"service", "checkout"}, {"severity", "critical"}}));
  EXPECT_FALSE(MatchesAll(*ms, LabelSet{{"service", "checkout"}, {"severity", "warning"}}));
  EXPECT_FALSE(MatchesAll(*ms, LabelSet{{"severity", "critical"}}));
  EXPECT_TRUE(MatchesAll({}, LabelSet{{"anything", "x"}}));
}

TEST(MatcherTest, CopiesShareTheCompiledRegex) {
  Matcher m = Make("a", MatchOp::kRegexMatch, "x+");
  Matcher copy = m;
  m = Make("a", MatchOp::kEqual, "y");
  EXPECT_TRUE(copy.Matches("xxx"));
}

TEST(MatcherTest, SamePatternInManyMatchersKeepsEachOperator) {
  // Compiled regexes are shared between matchers with the same pattern; the operator is not.
  Matcher pos = Make("a", MatchOp::kRegexMatch, "crit.*");
  Matcher neg = Make("b", MatchOp::kRegexNoMatch, "crit.*");
  EXPECT_TRUE(pos.Matches("critical"));
  EXPECT_FALSE(neg.Matches("critical"));
  EXPECT_TRUE(neg.Matches("warning"));
  for (int i = 0; i < 2; ++i) {  // a failed compile is reported every time, never cached
    EXPECT_FALSE(Matcher::Create("a", MatchOp::kRegexMatch, "crit(").ok());
  }
}

TEST(MatcherTest, CompilesRegexesConcurrently) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 200; ++i) {
        std::string pattern = "p" + std::to_string((i + t) % 17) + "|x";
        Result<Matcher> m = Matcher::Create("a", MatchOp::kRegexMatch, pattern);
        if (!m.ok() || !m->Matches("x") || m->Matches("y")) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

// Alertmanager 0.25's pkg/labels/matcher_test.go TestMatcher, case by case.
TEST(MatcherTest, MatchesLikeAlertmanager) {
  struct {
    MatchOp op;
    const char* value;
    const char* label;
    bool match;
  } cases[] = {
      {MatchOp::kEqual, "bar", "bar", true},
      {MatchOp::kEqual, "bar", "foo-bar", false},
      {MatchOp::kNotEqual, "bar", "bar", false},
      {MatchOp::kNotEqual, "bar", "foo-bar", true},
      {MatchOp::kRegexMatch, "bar", "bar", true},
      {MatchOp::kRegexMatch, "bar", "foo-bar", false},
      {MatchOp::kRegexMatch, ".*bar", "foo-bar", true},
      {MatchOp::kRegexNoMatch, "bar", "bar", false},
      {MatchOp::kRegexNoMatch, "bar", "foo-bar", true},
      {MatchOp::kRegexNoMatch, ".*bar", "foo-bar", false},
      {MatchOp::kRegexMatch, "foo.bar", "foo-bar", true},
      {MatchOp::kRegexMatch, R"(foo\.bar)", "foo-bar", false},
      {MatchOp::kRegexMatch, R"(foo\.bar)", "foo.bar", true},
      {MatchOp::kEqual, "foo\nbar", "foo\nbar", true},
      {MatchOp::kRegexMatch, "foo.bar", "foo\nbar", false},
      {MatchOp::kRegexMatch, "(?s)foo.bar", "foo\nbar", true},
      {MatchOp::kEqual, "~!=\"", "~!=\"", true},
  };
  for (const auto& c : cases) {
    Matcher m = Make("foo", c.op, c.value);
    EXPECT_EQ(m.Matches(c.label), c.match) << m.ToString() << " on " << c.label;
  }
}

// TestMatcherString of the same file, for the label names 0.25 accepts.
TEST(MatcherTest, PrintsValuesLikeAlertmanager) {
  struct {
    MatchOp op;
    const char* value;
    const char* want;
  } cases[] = {
      {MatchOp::kEqual, "bar", R"(foo="bar")"},
      {MatchOp::kNotEqual, "bar", R"(foo!="bar")"},
      {MatchOp::kRegexMatch, "bar", R"(foo=~"bar")"},
      {MatchOp::kRegexNoMatch, "bar", R"(foo!~"bar")"},
      {MatchOp::kEqual, R"(back\slash)", R"(foo="back\\slash")"},
      {MatchOp::kEqual, R"(double"quote)", R"(foo="double\"quote")"},
      {MatchOp::kEqual, "new\nline", R"(foo="new\nline")"},
      {MatchOp::kEqual, "tab\tstop", "foo=\"tab\tstop\""},
      {MatchOp::kEqual, "🙂", R"(foo="🙂")"},
  };
  for (const auto& c : cases) EXPECT_EQ(Make("foo", c.op, c.value).ToString(), c.want);
}

TEST(MatcherTest, RegexesWorkOnRunesNotBytes) {
  EXPECT_TRUE(Make("a", MatchOp::kRegexMatch, ".").Matches("é"));
  EXPECT_TRUE(Make("a", MatchOp::kRegexMatch, ".").Matches("🔥"));
  EXPECT_FALSE(Make("a", MatchOp::kRegexMatch, ".").Matches("ab"));
  EXPECT_TRUE(Make("a", MatchOp::kRegexMatch, "z[üu]rich").Matches("zürich"));
  EXPECT_TRUE(Make("a", MatchOp::kRegexMatch, R"(\p{Greek}+)").Matches("αβγ"));
  EXPECT_TRUE(Make("a", MatchOp::kRegexMatch, "(?i)ERROR").Matches("error"));
}

TEST(MatcherTest, RejectsTheByteEscapeGoDoesNotSupport) {
  // Go's regexp (Alertmanager) rejects \C; RE2 would accept it.
  for (const char* re : {R"(a\Cb)", R"(\C)", R"([\C])"}) {
    Result<Matcher> m = Matcher::Create("a", MatchOp::kRegexMatch, re);
    ASSERT_FALSE(m.ok()) << re;
    EXPECT_THAT(m.error().message, HasSubstr("invalid escape sequence: \\C")) << re;
  }
  // An escaped backslash before C, and \C quoted literally, are fine.
  EXPECT_TRUE(Make("a", MatchOp::kRegexMatch, R"(a\\Cb)").Matches(R"(a\Cb)"));
  EXPECT_TRUE(Make("a", MatchOp::kRegexMatch, R"(\Q\C\E)").Matches(R"(\C)"));
  EXPECT_FALSE(Matcher::Create("a", MatchOp::kRegexMatch, R"(\Qx\E\C)").ok());
}

TEST(MatcherTest, RejectsWhatGoRegexpRejects) {
  // Perl syntax beyond RE2, backreferences, and repeat counts over 1000.
  for (const char* re : {"(?<n>x)", R"(\1)", R"(\Z)", "a{1001}", "(?=x)", "a**"}) {
    EXPECT_FALSE(Matcher::Create("a", MatchOp::kRegexMatch, re).ok()) << re;
  }
  for (const char* re : {"(?P<n>x)", "a{1000}", R"(\0)", "(?U)a+", "[[:word:]]", R"(\pN)"}) {
    EXPECT_TRUE(Matcher::Create("a", MatchOp::kRegexMatch, re).ok()) << re;
  }
}

}  // namespace
}  // namespace ab
