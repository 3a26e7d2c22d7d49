#include "rules/template.h"

#include <vector>

namespace ab {
namespace {

// What a section pushes onto mstch's context stack, and so which names resolve inside it.
enum class Scope { kNone, kAnyName, kAccount };

struct Section {
  std::string name;
  size_t offset;
  Scope scope;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsKnownRoot(std::string_view root) {
  for (std::string_view n : kTemplateNames) {
    if (n == root) return true;
  }
  return false;
}

std::string KnownNames() {
  std::string out;
  for (std::string_view n : kTemplateNames) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

class Checker {
 public:
  explicit Checker(std::string_view text) : text_(text) {}

  std::optional<TemplateError> Run() {
    size_t pos = 0;
    while (!error_) {
      size_t open = text_.find("{{", pos);
      size_t stray =
          text_.substr(pos, open == std::string_view::npos ? open : open - pos).find("}}");
      if (stray != std::string_view::npos) {
        return TemplateError{pos + stray, "stray \"}}\" without an opening \"{{\""};
      }
      if (open == std::string_view::npos) break;
      bool triple = open + 2 < text_.size() && text_[open + 2] == '{';
      std::string_view close_token = triple ? "}}}" : "}}";
      size_t start = open + (triple ? 3 : 2);
      size_t close = text_.find(close_token, start);
      if (close == std::string_view::npos) {
        return TemplateError{open, "unclosed tag: \"" + std::string(triple ? "{{{" : "{{") +
                                       "\" without a matching \"" + std::string(close_token) +
                                       "\""};
      }
      Tag(open, triple, Trim(text_.substr(start, close - start)));
      pos = close + close_token.size();
    }
    if (!error_ && !open_.empty()) {
      Fail(open_.back().offset, "section \"" + open_.back().name + "\" is never closed (add {{/" +
                                    open_.back().name + "}})");
    }
    return error_;
  }

 private:
  void Fail(size_t offset, std::string message) {
    if (!error_) error_ = TemplateError{offset, std::move(message)};
  }

  void Tag(size_t at, bool triple, std::string_view inner) {
    if (inner.empty()) return Fail(at, "empty tag");
    if (triple) return Name(at, inner);
    char sigil = inner.front();
    std::string_view rest = Trim(inner.substr(1));
    switch (sigil) {
      case '!':
        return;  // comment
      case '>':
        return Fail(at, "partials ({{>name}}) are not supported in rule templates");
      case '=':
        return Fail(at, "changing delimiters ({{=...=}}) is not supported in rule templates");
      case '&':
        return Name(at, rest);
      case '#':
      case '^': {
        Name(at, rest);
        Scope scope = Scope::kNone;
        if (sigil == '#') {
          if (rest == "labels" || rest == "annotations" || rest == "group") scope = Scope::kAnyName;
          if (rest == "accounts") scope = Scope::kAccount;
        }
        open_.push_back(Section{std::string(rest), at, scope});
        return;
      }
      case '/':
        if (open_.empty()) {
          return Fail(at, "closing \"" + std::string(rest) + "\" but no section is open");
        }
        if (open_.back().name != rest) {
          return Fail(at, "closing \"" + std::string(rest) + "\" but section \"" +
                              open_.back().name + "\" is open");
        }
        open_.pop_back();
        return;
      default:
        return Name(at, inner);
    }
  }

  // A name resolves in the innermost section that provides it, else at the top level.
  void Name(size_t at, std::string_view name) {
    if (name.empty()) return Fail(at, "missing name in tag");
    if (name == ".") return;
    for (char c : name) {
      if (c == ' ' || c == '\t' || c == '{' || c == '}') {
        return Fail(at, "invalid name \"" + std::string(name) + "\"");
      }
    }
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) {
      return Fail(at, "invalid name \"" + std::string(name) + "\"");
    }
    std::string_view root = name.substr(0, name.find('.'));
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
      if (it->scope == Scope::kAnyName) return;
      if (it->scope == Scope::kAccount && (root == "name" || root == "unknown" || root == "tier" ||
                                           root == "arr" || root == "renewal")) {
        return;
      }
    }
    if (!IsKnownRoot(root)) {
      Fail(at, "unknown name \"" + std::string(name) + "\" (known: " + KnownNames() + ")");
    }
  }

  std::string_view text_;
  std::vector<Section> open_;
  std::optional<TemplateError> error_;
};

}  // namespace

std::optional<TemplateError> CheckTemplate(std::string_view text) { return Checker(text).Run(); }

}  // namespace ab
