// ParseMatchers against Alertmanager 0.25's own table (pkg/labels/parse_test.go, TestMatchers):
// every case, with the same accept/reject outcome and the same parsed matchers. Errors must start
// with Alertmanager's message (we may append a hint) — except the regex one, whose text comes
// from RE2 instead of Go's regexp package.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rules/matcher.h"

namespace ab {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Want {
  std::string name;
  MatchOp op;
  std::string value;
};

struct Case {
  std::string input;
  std::vector<Want> want;
  std::string err;  // Alertmanager's error text; empty = must parse
};

constexpr MatchOp kEq = MatchOp::kEqual;
constexpr MatchOp kNe = MatchOp::kNotEqual;
constexpr MatchOp kRe = MatchOp::kRegexMatch;
constexpr MatchOp kNre = MatchOp::kRegexNoMatch;

const std::vector<Case>& AlertmanagerCases() {
  static const std::vector<Case> cases = {
      {R"({})", {}, ""},
      {R"(,)", {}, "bad matcher format: "},
      {R"({,})", {}, "bad matcher format: "},
      {R"({foo='})", {{"foo", kEq, "'"}}, ""},
      {"{foo=`}", {{"foo", kEq, "`"}}, ""},
      {R"({foo=\"})", {{"foo", kEq, "\""}}, ""},
      {R"({foo=bar})", {{"foo", kEq, "bar"}}, ""},
      {R"({foo="bar"})", {{"foo", kEq, "bar"}}, ""},
      {R"({foo=~bar.*})", {{"foo", kRe, "bar.*"}}, ""},
      {R"({foo=~"bar.*"})", {{"foo", kRe, "bar.*"}}, ""},
      {R"({foo!=bar})", {{"foo", kNe, "bar"}}, ""},
      {R"({foo!="bar"})", {{"foo", kNe, "bar"}}, ""},
      {R"({foo!~bar.*})", {{"foo", kNre, "bar.*"}}, ""},
      {R"({foo!~"bar.*"})", {{"foo", kNre, "bar.*"}}, ""},
      {R"({foo="bar", baz!="quux"})", {{"foo", kEq, "bar"}, {"baz", kNe, "quux"}}, ""},
      {R"({foo="bar", baz!~"quux.*"})", {{"foo", kEq, "bar"}, {"baz", kNre, "quux.*"}}, ""},
      {R"({foo="bar",baz!~".*quux", derp="wat"})",
       {{"foo", kEq, "bar"}, {"baz", kNre, ".*quux"}, {"derp", kEq, "wat"}},
       ""},
      {R"({foo="bar", baz!="quux", derp="wat"})",
       {{"foo", kEq, "bar"}, {"baz", kNe, "quux"}, {"derp", kEq, "wat"}},
       ""},
      {R"({foo="bar", baz!~".*quux.*", derp="wat"})",
       {{"foo", kEq, "bar"}, {"baz", kNre, ".*quux.*"}, {"derp", kEq, "wat"}},
       ""},
      {R"({foo="bar", instance=~"some-api.*"})",
       {{"foo", kEq, "bar"}, {"instance", kRe, "some-api.*"}},
       ""},
      {R"({foo=""})", {{"foo", kEq, ""}}, ""},
      {R"({foo="bar,quux", job="job1"})", {{"foo", kEq, "bar,quux"}, {"job", kEq, "job1"}}, ""},
      {R"({foo = "bar", dings != "bums", })", {{"foo", kEq, "bar"}, {"dings", kNe, "bums"}}, ""},
      {R"(foo=bar,dings!=bums)", {{"foo", kEq, "bar"}, {"dings", kNe, "bums"}}, ""},
      {R"({quote="She said: \"Hi, ladies! That's gender-neutral…\""})",
       {{"quote", kEq, R"(She said: "Hi, ladies! That's gender-neutral…")"}},
       ""},
      {R"(statuscode=~"5..")", {{"statuscode", kRe, "5.."}}, ""},
      {R"(tricky=~~~)", {{"tricky", kRe, "~~"}}, ""},
      {R"(trickier==\\=\=\")", {{"trickier", kEq, R"(=\=\=")"}}, ""},
      {R"(contains_quote != "\"" , contains_comma !~ "foo,bar" , )",
       {{"contains_quote", kNe, "\""}, {"contains_comma", kNre, "foo,bar"}},
       ""},
      {R"({foo=bar}})", {{"foo", kEq, "bar}"}}, ""},
      {R"({foo=bar}},})", {{"foo", kEq, "bar}}"}}, ""},
      {R"({foo=,bar=}})", {{"foo", kEq, ""}, {"bar", kEq, "}"}}, ""},
      {R"({foo=bar\t})", {{"foo", kEq, R"(bar\t)"}}, ""},
      {R"({foo=bar\n})", {{"foo", kEq, "bar\n"}}, ""},
      {R"({foo=bar\})", {{"foo", kEq, R"(bar\)"}}, ""},
      {R"({foo=bar\\})", {{"foo", kEq, R"(bar\)"}}, ""},
      {R"({foo=bar\"})", {{"foo", kEq, "bar\""}}, ""},
      // 0.25 (PR #2968) settled on "an absent value is the empty value"; an intermediate commit
      // of that PR rejected it with "matcher value is not present", which never shipped.
      {R"(job=)", {{"job", kEq, ""}}, ""},
      {R"(job="value)", {}, R"(matcher value contains unescaped double quote: "value)"},
      {R"(job=value")", {}, R"(matcher value contains unescaped double quote: value")"},
      {R"(trickier==\\=\=\"")", {}, R"(matcher value contains unescaped double quote: =\\=\=\"")"},
      {R"(contains_unescaped_quote = foo"bar)",
       {},
       R"(matcher value contains unescaped double quote: foo"bar)"},
      {R"({invalid-name = "valid label"})",
       {},
       R"(bad matcher format: invalid-name = "valid label")"},
      {R"({foo=~"invalid[regexp"})", {}, "error parsing regexp: missing closing ]: `[regexp)$`"},
      // Double escaped strings.
      {R"("{foo=\"bar"})", {}, R"(bad matcher format: "{foo=\"bar")"},
      {R"("foo=\"bar")", {}, R"(bad matcher format: "foo=\"bar")"},
      {R"("foo=\"bar\"")", {}, R"(bad matcher format: "foo=\"bar\"")"},
      {R"("foo=\"bar\")", {}, R"(bad matcher format: "foo=\"bar\")"},
      {R"("{foo=\"bar\"}")", {}, R"(bad matcher format: "{foo=\"bar\"}")"},
      {R"("foo="bar"")", {}, R"(bad matcher format: "foo="bar"")"},
      {R"({{foo=)", {}, R"(bad matcher format: {foo=)"},
      {R"({foo=)", {{"foo", kEq, ""}}, ""},
      {R"({foo=}b)", {{"foo", kEq, "}b"}}, ""},
  };
  return cases;
}

TEST(MatcherParseTest, AcceptsAndRejectsWhatAlertmanagerDoes) {
  for (const Case& c : AlertmanagerCases()) {
    SCOPED_TRACE("input: " + c.input);
    Result<std::vector<Matcher>> got = ParseMatchers(c.input);
    if (!c.err.empty()) {
      ASSERT_FALSE(got.ok()) << "expected error: " << c.err;
      if (c.err.rfind("error parsing regexp", 0) == 0) {
        // Go's regexp and RE2 word it differently; ours must name the regex and the problem.
        EXPECT_THAT(got.error().message, HasSubstr("invalid[regexp"));
        EXPECT_THAT(got.error().message, HasSubstr("missing ]"));
      } else {
        EXPECT_THAT(got.error().message, StartsWith(c.err));
      }
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_EQ(got->size(), c.want.size());
    for (size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_EQ((*got)[i].name(), c.want[i].name);
      EXPECT_EQ((*got)[i].op(), c.want[i].op);
      EXPECT_EQ((*got)[i].value(), c.want[i].value);
    }
  }
}

// Behaviour of the Go code that its table does not pin, checked here so the port stays exact.

TEST(MatcherParseTest, EmptyInputIsNoMatchers) {
  for (const char* in : {"", "{}", "  ", "{ }"}) {
    Result<std::vector<Matcher>> got = ParseMatchers(in);
    ASSERT_TRUE(got.ok()) << in << ": " << got.error().message;
    EXPECT_TRUE(got->empty()) << in;
  }
}

TEST(MatcherParseTest, OnlyOneBraceIsTrimmedAndOnlyAtTheVeryEnds) {
  EXPECT_FALSE(ParseMatchers(R"( {foo="bar"})").ok());  // Go: TrimPrefix without TrimSpace
  Result<std::vector<Matcher>> got = ParseMatchers(R"({foo="bar"} )");
  EXPECT_FALSE(got.ok());  // the '}' is not last, so the value is "bar"} (stray quote)
  got = ParseMatchers(R"(foo="bar"})");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].value(), "bar");
}

TEST(MatcherParseTest, RejectsEmptyTokenBetweenCommas) {
  Result<std::vector<Matcher>> got = ParseMatchers("a=b,,c=d");
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.error().message, HasSubstr("stray or doubled comma"));
  EXPECT_FALSE(ParseMatchers(",a=b").ok());
  EXPECT_TRUE(ParseMatchers("a=b,").ok());
  EXPECT_TRUE(ParseMatchers("a=b , \t").ok());
}

TEST(MatcherParseTest, TrimsWhitespaceAroundEveryPart) {
  Result<std::vector<Matcher>> got = ParseMatchers(" \tfoo \n=~\r \"a b\"  \f, bar != baz qux ");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].name(), "foo");
  EXPECT_EQ((*got)[0].op(), MatchOp::kRegexMatch);
  EXPECT_EQ((*got)[0].value(), "a b");
  EXPECT_EQ((*got)[1].value(), "baz qux");
}

TEST(MatcherParseTest, VerticalTabIsNotRegexWhitespace) {
  // Go's \s is [\t\n\f\r ]; a \v before the name makes the matcher malformed (only the last token
  // goes through TrimSpace, which does trim \v).
  EXPECT_FALSE(ParseMatchers("\va=b,c=d").ok());
  EXPECT_TRUE(ParseMatchers("c=d,\va=b").ok());
  Result<std::vector<Matcher>> got = ParseMatchers("a=b\v,c=d");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].value(), "b\v");
}

TEST(MatcherParseTest, LastTokenIsTrimmedOfUnicodeSpace) {
  // Go: strings.TrimSpace on the last token trims U+00A0; other tokens keep it.
  Result<std::vector<Matcher>> got = ParseMatchers("a=x\u00a0,b=y\u00a0");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].value(), "x\u00a0");
  EXPECT_EQ((*got)[1].value(), "y");
  got = ParseMatchers("a=x,\u3000");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 1u);
}

TEST(MatcherParseTest, KeepsUtf8Values) {
  Result<std::vector<Matcher>> got = ParseMatchers(R"({team="zürich-ops", emoji=~"🔥|💧"})");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ((*got)[0].value(), "zürich-ops");
  EXPECT_TRUE((*got)[1].Matches("💧"));
  EXPECT_FALSE((*got)[1].Matches("🔥💧"));
}

TEST(MatcherParseTest, InvalidUtf8BecomesReplacementCharacter) {
  // Go ranges over the string rune by rune and re-encodes each invalid byte as U+FFFD.
  Result<std::vector<Matcher>> got = ParseMatchers("foo=\"a\xff\xc3\"");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ((*got)[0].value(), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  got = ParseMatchers("foo=\xed\xa0\x80");  // an encoded surrogate: three invalid bytes
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].value(), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(MatcherParseTest, EscapedCommaDoesNotResetEscapeState) {
  // Go's tokenizer `continue`s on a separating comma without clearing `escaped`, so the quote
  // after `\,` does not open a quoted part and the next comma still separates.
  Result<std::vector<Matcher>> got = ParseMatchers(R"(a=\,"b=c,d=e)");
  ASSERT_FALSE(got.ok());  // tokens: a=\ | "b=c | d=e
  EXPECT_THAT(got.error().message, HasSubstr(R"(bad matcher format: "b=c ()"));
}

TEST(MatcherParseTest, QuotedCommaDoesNotSplit) {
  Result<std::vector<Matcher>> got = ParseMatchers(R"(a="x,y\",z", b=c)");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].value(), R"(x,y",z)");
}

TEST(MatcherParseTest, ValidatesLabelNames) {
  EXPECT_TRUE(ParseMatchers("_a:b9=x").ok());
  EXPECT_TRUE(ParseMatchers(":x=y").ok());
  EXPECT_FALSE(ParseMatchers("9a=x").ok());
  EXPECT_FALSE(ParseMatchers("a.b=x").ok());
  EXPECT_FALSE(ParseMatchers("é=x").ok());
  EXPECT_FALSE(ParseMatchers("=x").ok());
  Result<std::vector<Matcher>> got = ParseMatchers("a==");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].value(), "=");
}

TEST(MatcherParseTest, RejectsUnknownOperators) {
  for (const char* in : {"a!b", "a~=b", "a<b", "a", "a!"}) {
    Result<std::vector<Matcher>> got = ParseMatchers(in);
    ASSERT_FALSE(got.ok()) << in;
    EXPECT_THAT(got.error().message, StartsWith(std::string("bad matcher format: ") + in));
  }
}

TEST(MatcherParseTest, RegexOperatorWinsOverEqualThenTilde) {
  Result<std::vector<Matcher>> got = ParseMatchers("a=~");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].op(), MatchOp::kRegexMatch);
  EXPECT_EQ((*got)[0].value(), "");
  got = ParseMatchers("a= ~x");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].op(), MatchOp::kEqual);
  EXPECT_EQ((*got)[0].value(), "~x");
}

TEST(MatcherParseTest, BackslashRules) {
  struct {
    const char* in;
    const char* value;
  } cases[] = {
      {R"(a="x\ny")", "x\ny"},     // \n escape
      {R"(a="x\\y")", R"(x\y)"},   // \\ escape
      {R"(a="x\"y")", R"(x"y)"},   // \" escape
      {R"(a="x\ty")", R"(x\ty)"},  // spurious escape keeps the backslash
      {R"(a=x\)", R"(x\)"},        // trailing backslash is literal
      {"a=\"x\\é\"", "x\\é"},      // spurious escape before a multi-byte rune
  };
  for (const auto& c : cases) {
    Result<std::vector<Matcher>> got = ParseMatchers(c.in);
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.error().message;
    EXPECT_EQ((*got)[0].value(), c.value) << c.in;
  }
  // A quoted value whose closing quote is escaped is unterminated.
  EXPECT_FALSE(ParseMatchers(R"(a="x\")").ok());
  EXPECT_FALSE(ParseMatchers(R"(a=")").ok());
}

TEST(MatcherParseTest, InvalidRegexErrorNamesTheRegex) {
  Result<std::vector<Matcher>> got = ParseMatchers(R"(service=~"(unclosed")");
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.error().message, HasSubstr(R"(service=~"(unclosed")"));
  EXPECT_THAT(got.error().message, HasSubstr("missing )"));
}

TEST(MatcherParseTest, RegexIsWrappedLikeAlertmanager) {
  // Go compiles "^(?:" + v + ")$", so a value that closes the group still compiles.
  Result<std::vector<Matcher>> got = ParseMatchers(R"(a=~"x)|(y")");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE((*got)[0].Matches("x"));
  EXPECT_TRUE((*got)[0].Matches("y"));
}

}  // namespace
}  // namespace ab
