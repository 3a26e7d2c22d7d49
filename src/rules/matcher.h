// Alertmanager label matchers: name op "value" with op one of = != =~ !~. Regexes are RE2, fully
// anchored (^(?:value)$) exactly as Alertmanager does, so they run in linear time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}

namespace ab {

enum class MatchOp : uint8_t { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };
std::string_view ToString(MatchOp op);  // "=", "!=", "=~", "!~"

class Matcher {
 public:
  // Compiles the regex for =~ / !~; an invalid regex is an error naming it.
  static Result<Matcher> Create(std::string name, MatchOp op, std::string value);

  const std::string& name() const { return name_; }
  MatchOp op() const { return op_; }
  const std::string& value() const { return value_; }

  // A missing label matches as the empty string (so foo="" matches a missing label).
  bool Matches(std::string_view label_value) const;
  bool Matches(const LabelSet& labels) const { return Matches(labels.Get(name_)); }
  // name="value" with the value quoted and escaped as Alertmanager prints it.
  std::string ToString() const;

 private:
  std::string name_;
  MatchOp op_ = MatchOp::kEqual;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;
};

// Parses what users write in alertmanager.yml `matchers:` — one matcher (`severity=~"crit.*"`) or
// several in braces (`{a="b", c!=d}`); values quoted or unquoted, escapes \" \\ \n, UTF-8.
// Accepts and rejects the same inputs as Alertmanager 0.25's parser (pkg/labels/parse.go).
Result<std::vector<Matcher>> ParseMatchers(std::string_view text);

bool MatchesAll(const std::vector<Matcher>& matchers, const LabelSet& labels);

}  // namespace ab
