#include "common/mustache.h"

#include <algorithm>

namespace ab {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool Contains(const std::vector<std::string_view>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string Join(const std::vector<std::string_view>& list) {
  std::string out;
  for (std::string_view s : list) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

bool IsValidName(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return name == ".";
  if (name.find("..") != std::string_view::npos) return false;
  return name.find_first_of(" \t\r\n{}") == std::string_view::npos;
}

MustacheTag::Kind KindOf(char sigil) {
  using Kind = MustacheTag::Kind;
  switch (sigil) {
    case '#':
      return Kind::kSection;
    case '^':
      return Kind::kInverted;
    case '/':
      return Kind::kClose;
    case '!':
      return Kind::kComment;
    case '>':
      return Kind::kPartial;
    case '=':
      return Kind::kDelimiter;
    case '&':
      return Kind::kUnescaped;
    default:
      return Kind::kVariable;
  }
}

}  // namespace

std::optional<MustacheError> TokenizeMustache(std::string_view text,
                                              std::vector<MustacheTag>* out) {
  size_t pos = 0;
  while (true) {
    const size_t open = text.find("{{", pos);
    const std::string_view between =
        text.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos);
    if (const size_t stray = between.find("}}"); stray != std::string_view::npos) {
      return MustacheError{pos + stray, "stray \"}}\" without an opening \"{{\""};
    }
    if (open == std::string_view::npos) return std::nullopt;
    const bool triple = text.substr(open, 3) == "{{{";
    const std::string_view close_token = triple ? "}}}" : "}}";
    const size_t start = open + (triple ? 3 : 2);
    const size_t close = text.find(close_token, start);
    if (close == std::string_view::npos) {
      return MustacheError{open, "unclosed tag: \"" + std::string(triple ? "{{{" : "{{") +
                                     "\" without a matching \"" + std::string(close_token) + "\""};
    }
    std::string_view inner = Trim(text.substr(start, close - start));
    MustacheTag tag;
    tag.offset = open;
    tag.length = close + close_token.size() - open;
    if (triple) {
      tag.kind = MustacheTag::Kind::kUnescaped;
    } else if (!inner.empty()) {
      tag.kind = KindOf(inner.front());
      if (tag.kind != MustacheTag::Kind::kVariable) inner = Trim(inner.substr(1));
    }
    if (tag.kind == MustacheTag::Kind::kDelimiter && !inner.empty() && inner.back() == '=') {
      inner = Trim(inner.substr(0, inner.size() - 1));
    }
    if (inner.empty() && tag.kind != MustacheTag::Kind::kComment) {
      return MustacheError{open, "empty tag"};
    }
    tag.name = std::string(inner);
    out->push_back(std::move(tag));
    pos = close + close_token.size();
  }
}

std::optional<MustacheError> CheckMustache(std::string_view text, const MustacheNames& names) {
  std::vector<MustacheTag> tags;
  if (auto err = TokenizeMustache(text, &tags)) return err;
  struct Open {
    const MustacheTag* tag;
    bool free_scope;  // names inside are resolved against a context we do not know
  };
  std::vector<Open> open;
  using Kind = MustacheTag::Kind;
  for (const MustacheTag& tag : tags) {
    switch (tag.kind) {
      case Kind::kComment:
        continue;
      case Kind::kPartial:
        return MustacheError{tag.offset, "partials ({{>name}}) are not supported"};
      case Kind::kDelimiter:
        return MustacheError{tag.offset, "changing delimiters ({{=...=}}) is not supported"};
      case Kind::kClose:
        if (open.empty()) {
          return MustacheError{tag.offset, "closing \"" + tag.name + "\" but no section is open"};
        }
        if (open.back().tag->name != tag.name) {
          return MustacheError{tag.offset, "closing \"" + tag.name + "\" but section \"" +
                                               open.back().tag->name + "\" is open"};
        }
        open.pop_back();
        continue;
      default:
        break;
    }
    if (!IsValidName(tag.name)) {
      return MustacheError{tag.offset, "invalid name \"" + tag.name + "\""};
    }
    const bool free_scope =
        std::any_of(open.begin(), open.end(), [](const Open& o) { return o.free_scope; });
    const std::string_view root = std::string_view(tag.name).substr(0, tag.name.find('.'));
    if (!free_scope && tag.name != "." && !Contains(names.roots, root)) {
      return MustacheError{tag.offset,
                           "unknown name \"" + tag.name + "\" (known: " + Join(names.roots) + ")"};
    }
    if (tag.kind == Kind::kSection || tag.kind == Kind::kInverted) {
      // An inverted section renders only when its value is empty: it pushes no context.
      const bool pushes = tag.kind == Kind::kSection && !Contains(names.scalars, tag.name);
      open.push_back(Open{&tag, pushes});
    }
  }
  if (!open.empty()) {
    const std::string& name = open.back().tag->name;
    return MustacheError{open.back().tag->offset,
                         "section \"" + name + "\" is never closed (add {{/" + name + "}})"};
  }
  return std::nullopt;
}

std::string DescribeTemplateOffset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  const size_t line =
      1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
  const size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  const size_t col =
      offset - (line_start == std::string_view::npos || offset == 0 ? 0 : line_start + 1) + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

}  // namespace ab
