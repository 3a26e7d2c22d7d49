#include "rules/matcher.h"

#include <re2/re2.h>

#include <mutex>
#include <unordered_map>

namespace ab {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// The label names Alertmanager 0.25's matcher parser accepts ([a-zA-Z_:][a-zA-Z0-9_:]*). Create
// holds to the same set so that every matcher prints as text ParseMatchers reads back.
bool IsMatcherLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// OpenMetrics escaping, as Alertmanager prints matcher values.
void AppendQuoted(std::string_view value, std::string* out) {
  out->push_back('"');
  for (char c : value) {
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '"':
        *out += "\\\"";
        break;
      default:
        out->push_back(c);
    }
  }
  out->push_back('"');
}

// Rule sets repeat the same few regexes (severity=~"critical|warning") across thousands of
// rules. Sharing one compiled RE2 per pattern saves its memory and, more to the point, keeps the
// one DFA it builds hot in cache instead of warming thousands of them. RE2 is safe to share
// across threads. Entries are weak so that patterns from a replaced config are freed.
class RegexCache {
 public:
  std::shared_ptr<const RE2> Get(const std::string& pattern) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(pattern);
    if (it != cache_.end()) {
      if (std::shared_ptr<const RE2> re = it->second.lock()) return re;
    }
    RE2::Options options;
    options.set_log_errors(false);  // the error travels back in the Result instead
    auto re = std::make_shared<const RE2>(pattern, options);
    if (!re->ok()) return re;  // not cached: an invalid pattern is rare and cheap to recompile
    if (cache_.size() >= sweep_at_) Sweep();
    cache_[pattern] = re;
    return re;
  }

 private:
  void Sweep() {
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = it->second.expired() ? cache_.erase(it) : std::next(it);
    }
    sweep_at_ = cache_.size() * 2 + 64;  // amortised: sweep again after the live set doubles
  }

  std::mutex mu_;
  std::unordered_map<std::string, std::weak_ptr<const RE2>> cache_;
  size_t sweep_at_ = 64;
};

// Go's regexp package, which Alertmanager compiles matchers with, takes RE2's syntax except the
// \C escape (any byte, which can split a UTF-8 sequence). RE2 accepts it, so reject it here to
// keep the same accept/reject decisions. Text quoted with \Q...\E is literal.
bool HasByteEscape(std::string_view re) {
  for (size_t i = 0; i + 1 < re.size(); ++i) {
    if (re[i] != '\\') continue;
    if (re[i + 1] == 'C') return true;
    if (re[i + 1] == 'Q') {
      size_t end = re.find("\\E", i + 2);
      if (end == std::string_view::npos) return false;
      i = end;
    }
    ++i;  // skip the escaped character
  }
  return false;
}

RegexCache& SharedRegexes() {
  static RegexCache* cache = new RegexCache();  // never destroyed: matchers may outlive main()
  return *cache;
}

}  // namespace

std::string_view ToString(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual:
      return "=";
    case MatchOp::kNotEqual:
      return "!=";
    case MatchOp::kRegexMatch:
      return "=~";
    case MatchOp::kRegexNoMatch:
      return "!~";
  }
  return "?";
}

Result<Matcher> Matcher::Create(std::string name, MatchOp op, std::string value) {
  if (!IsMatcherLabelName(name)) {
    std::string shown;
    AppendQuoted(name, &shown);
    return MakeError("invalid label name " + shown +
                     " in matcher: a name must match [a-zA-Z_:][a-zA-Z0-9_:]*");
  }
  Matcher m;
  if (op == MatchOp::kRegexMatch || op == MatchOp::kRegexNoMatch) {
    if (HasByteEscape(value)) {
      std::string shown;
      AppendQuoted(value, &shown);
      return MakeError("invalid regular expression in matcher " + name +
                       std::string(ab::ToString(op)) + shown +
                       ": invalid escape sequence: \\C (not supported, as in Alertmanager)");
    }
    // Anchored like Alertmanager: foo=~"ba" must not match "bar".
    std::shared_ptr<const RE2> re = SharedRegexes().Get("^(?:" + value + ")$");
    if (!re->ok()) {
      std::string shown;
      AppendQuoted(value, &shown);
      return MakeError("invalid regular expression in matcher " + name +
                       std::string(ab::ToString(op)) + shown + ": " + re->error());
    }
    m.re_ = std::move(re);
  } else if (op != MatchOp::kEqual && op != MatchOp::kNotEqual) {
    return MakeError("unknown match operator in matcher for label " + name);
  }
  m.name_ = std::move(name);
  m.op_ = op;
  m.value_ = std::move(value);
  return m;
}

bool Matcher::Matches(std::string_view label_value) const {
  switch (op_) {
    case MatchOp::kEqual:
      return label_value == value_;
    case MatchOp::kNotEqual:
      return label_value != value_;
    case MatchOp::kRegexMatch:
      return RE2::FullMatch(label_value, *re_);
    case MatchOp::kRegexNoMatch:
      return !RE2::FullMatch(label_value, *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  std::string out = name_;
  out += ab::ToString(op_);
  AppendQuoted(value_, &out);
  return out;
}

bool MatchesAll(const std::vector<Matcher>& matchers, const LabelSet& labels) {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels)) return false;
  }
  return true;
}

}  // namespace ab
