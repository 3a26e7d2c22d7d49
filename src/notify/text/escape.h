// Escaping untrusted text (label and annotation values, titles built from them) for each target's
// markup, so that a value can never format, link or ping (CONTRACTS.md "Events out"). Every
// escaper keeps valid UTF-8 valid and replaces invalid bytes with U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace ab {

// The markup a rendered text ends up in.
enum class TextFormat {
  kPlain,           // no markup (PagerDuty summary, Opsgenie message): only UTF-8 is repaired
  kSlackMrkdwn,     // Slack mrkdwn: & < > as entities, so <!channel> and <@U123> stay text
  kHtml,            // HTML text and attribute values: & < > " '
  kMarkdown,        // Adaptive Card (Teams) Markdown subset: look-alike characters, no backslash
  kGithubMarkdown,  // GitHub Markdown: backslash escapes, @mentions and #refs broken up
  kJiraWiki,        // Jira wiki markup: backslash escapes, {macros} and [links] disarmed
  kJsonString,      // the inside of a JSON string literal (no quotes added)
};

std::string_view ToString(TextFormat f);

// & < > -> &amp; &lt; &gt; (Slack: "you shouldn't HTML-entity-encode the entire text, as only
// the specific characters shown above will be decoded").
std::string EscapeSlackMrkdwn(std::string_view text);
std::string EscapeHtml(std::string_view text);
std::string EscapeMarkdown(std::string_view text);
std::string EscapeGithubMarkdown(std::string_view text);
std::string EscapeJiraWiki(std::string_view text);
std::string EscapeJsonString(std::string_view text);

// Dispatches on `format`; kPlain only repairs UTF-8.
std::string Escape(TextFormat format, std::string_view text);

// Valid UTF-8: each invalid byte (overlong, surrogate, truncated sequence) becomes U+FFFD.
std::string RepairUtf8(std::string_view text);

}  // namespace ab
