#include "config/receiver_types.h"

#include <cctype>

namespace ab::config_internal {
namespace {

// RFC 9110 token characters.
bool IsHeaderName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// Headers alertbridge sets itself: overriding them would break signatures or framing.
bool IsReservedHeader(std::string_view s) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "webhook-id" || lower == "webhook-timestamp" || lower == "webhook-signature" ||
         lower == "content-length" || lower == "host";
}

}  // namespace

const std::vector<ReceiverType>& ReceiverTypes() {
  // Ticket types word the title and the description (written once); comments keep their own
  // wording, which carries the marker that makes retried comments effectively once.
  const std::vector<std::string_view> kTicketTemplates = {"title", "body"};
  static const std::vector<ReceiverType> kTypes = {
      {"console", {}, ParseConsoleReceiver},
      {"webhook", {"url", "secret", "headers"}, ParseWebhookReceiver},
      {"jira",
       {"url", "flavor", "auth", "project", "issue_type", "priorities", "labels", "custom_fields",
        "transitions", "resolution", "reopen"},
       ParseJiraReceiver,
       kTicketTemplates},
      {"github",
       {"url", "repository", "token", "labels", "reopen"},
       ParseGitHubReceiver,
       kTicketTemplates},
      {"servicenow",
       {"url", "auth", "priorities", "assignment_group", "caller_id", "category", "close_code",
        "reopen"},
       ParseServiceNowReceiver,
       kTicketTemplates},
  };
  return kTypes;
}

const ReceiverType* FindReceiverType(std::string_view name) {
  for (const ReceiverType& t : ReceiverTypes()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void ReadReceiverUrl(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  if (!r.Require("url") || !r.SecretRef("url", &rc->url)) return;
  const std::string& ref = rc->url.ref();
  bool indirect = ref.rfind("env:", 0) == 0 || ref.rfind("file:", 0) == 0;
  if (!indirect && !IsHttpUrl(ref)) {
    diag.Add(r.Find("url")->mark, "url: expected an http:// or https:// URL, env:NAME or file:/path");
  }
}

void ReadReceiverHeaders(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  const Value* v = r.Find("headers");
  if (v == nullptr) return;
  for (const MapEntry& e : MapEntries(*v, diag)) {
    if (!IsHeaderName(e.key)) {
      diag.Add(e.key_node, v->path + ": \"" + e.key + "\" is not a valid header name");
      continue;
    }
    if (IsReservedHeader(e.key)) {
      diag.Add(e.key_node, v->path + ": \"" + e.key + "\" is set by alertbridge itself");
      continue;
    }
    std::string value;
    if (ReadString(e.value, diag, &value)) rc->headers[e.key] = std::move(value);
  }
}

}  // namespace ab::config_internal
