#include "config/receiver_types.h"

#include <algorithm>
#include <cctype>
#include <optional>

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

// An http(s) URL, env:NAME or file:/path under `key`. The value is never echoed.
void ReadUrlKey(const MapReader& r, Diagnostics& diag, std::string_view key, Secret* out) {
  if (!r.SecretRef(key, out)) return;
  const std::string& ref = out->ref();
  bool indirect = ref.rfind("env:", 0) == 0 || ref.rfind("file:", 0) == 0;
  if (!indirect && !IsHttpUrl(ref)) {
    diag.Add(r.Find(key)->mark,
             std::string(key) + ": expected an http:// or https:// URL, env:NAME or file:/path");
  }
}

}  // namespace

const std::vector<ReceiverType>& ReceiverTypes() {
  // Ticket types word the title and the description (written once); comments keep their own
  // wording, which carries the marker that makes retried comments effectively once.
  const std::vector<std::string_view> kTicketTemplates = {"title", "body"};
  static const std::vector<ReceiverType> kTypes = {
      {"console", {}, ParseConsoleReceiver},
      {"webhook", {"url", "secret", "headers"}, ParseWebhookReceiver, {"body"}},
      {"email", {"url", "starttls", "auth", "ca_file", "from", "to"}, ParseEmailReceiver,
       {"subject"}},
      {"slack", {"url"}, ParseSlackReceiver, {"title", "text"}},
      {"teams", {"url"}, ParseTeamsReceiver, {"title", "text"}},
      {"pagerduty",
       {"routing_key", "base_url", "severity_map", "source"},
       ParsePagerDutyReceiver,
       {"summary"}},
      {"opsgenie",
       {"api_key", "base_url", "priority_map", "tags", "responders"},
       ParseOpsgenieReceiver,
       {"message", "description", "note"}},
      {"jira",
       {"url", "flavor", "auth", "project", "issue_type", "priority_map", "labels",
        "custom_fields", "transitions", "resolution", "reopen"},
       ParseJiraReceiver,
       kTicketTemplates},
      {"github",
       {"base_url", "repository", "token", "labels", "reopen"},
       ParseGitHubReceiver,
       kTicketTemplates},
      {"servicenow",
       {"url", "auth", "priority_map", "assignment_group", "caller_id", "category",
        "close_code", "reopen"},
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
  if (r.Require("url")) ReadUrlKey(r, diag, "url", &rc->url);
}

void ReadReceiverBaseUrl(const MapReader& r, Diagnostics& diag, std::string_view default_url,
                         ReceiverConfig* rc) {
  if (!r.Has("base_url")) {
    rc->url = Secret(std::string(default_url));
    return;
  }
  ReadUrlKey(r, diag, "base_url", &rc->url);
}

void ReadSeverityMap(const Value& v, Diagnostics& diag,
                     std::initializer_list<std::string_view> allowed,
                     std::array<std::string, 5>* levels) {
  for (const MapEntry& e : MapEntries(v, diag)) {
    std::optional<Severity> sev = ParseSeverity(e.key);
    if (!sev) {
      diag.Add(e.key_node, v.path + ": \"" + e.key + "\" is not a severity (SEV1..SEV5)");
      continue;
    }
    std::string level;
    if (!ReadNonEmpty(e.value, diag, &level)) continue;
    if (allowed.size() != 0 && std::find(allowed.begin(), allowed.end(), level) == allowed.end()) {
      std::string valid;
      for (std::string_view a : allowed) valid += (valid.empty() ? "" : ", ") + std::string(a);
      diag.Add(e.value.mark, e.value.path + ": unknown level " + Describe(e.value.node) +
                                 " (valid: " + valid + ")");
      continue;
    }
    (*levels)[static_cast<size_t>(*sev) - 1] = std::move(level);
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
