// Mustache templates as written in config files, checked before anything renders them: mstch
// renders a malformed template silently (TOOLCHAIN.md), so config loading tokenizes each template
// here and reports unclosed tags and sections, stray "}}", partials, delimiter changes and names
// the renderer does not provide, with the offset of the tag at fault.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ab {

struct MustacheTag {
  enum class Kind {
    kVariable,   // {{name}}
    kUnescaped,  // {{{name}}} or {{&name}}
    kSection,    // {{#name}}
    kInverted,   // {{^name}}
    kClose,      // {{/name}}
    kComment,    // {{! ... }}
    kPartial,    // {{>name}}
    kDelimiter,  // {{=<% %>=}}
  };
  Kind kind = Kind::kVariable;
  std::string name;   // trimmed; the comment text for kComment
  size_t offset = 0;  // of the opening "{{"
  size_t length = 0;  // of the whole tag, braces included
};

struct MustacheError {
  size_t offset = 0;  // byte offset of the tag at fault
  std::string message;
};

// The tags of `text` in order; an unclosed tag, a stray "}}" or an empty tag is an error.
std::optional<MustacheError> TokenizeMustache(std::string_view text, std::vector<MustacheTag>* out);

// What a renderer provides. `roots`: top-level names ("incident" allows "incident.title").
// `scalars`: roots that are plain values; a section on one of them ({{#runbook}}...) leaves the
// names inside checked, while a section on any other name (a list, a map) pushes a context whose
// names are not known here, so they are not checked.
struct MustacheNames {
  std::vector<std::string_view> roots;
  std::vector<std::string_view> scalars;
};

// Tokenizes, then checks balanced sections, no partials or delimiter changes, and known names.
std::optional<MustacheError> CheckMustache(std::string_view text, const MustacheNames& names);

// "line L, column C" (1-based) of a byte offset in a template, for messages about multi-line
// templates.
std::string DescribeTemplateOffset(std::string_view text, size_t offset);

}  // namespace ab
