// receivers/*.yml: where incident events go. One entry per receiver, its kind chosen by `type:`.
#include <cctype>
#include <climits>

#include "config/parse.h"

namespace ab::config_internal {
namespace {

constexpr std::string_view kFutureTypes[] = {"slack",    "teams", "email",  "pagerduty",
                                             "opsgenie", "jira",  "github", "servicenow"};

// Receiver names appear in URLs (/api/v1/inbound/{receiver}), so keep them path-safe.
bool IsValidReceiverName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

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

void ParseType(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  if (!r.Require("type")) return;
  const Value& v = *r.Find("type");
  std::string type;
  if (!ReadString(v, diag, &type)) return;
  if (type == "console" || type == "webhook") {
    rc->type = type;
    return;
  }
  for (std::string_view future : kFutureTypes) {
    if (future == type) {
      diag.Add(v.mark, "receiver type " + type + " is not supported yet");
      return;
    }
  }
  diag.Add(v.mark,
           "type: unknown receiver type " + Describe(v.node) + " (valid: console, webhook)");
}

void ParseHeaders(const Value& v, Diagnostics& diag, ReceiverConfig* rc) {
  for (const MapEntry& e : MapEntries(v, diag)) {
    if (!IsHeaderName(e.key)) {
      diag.Add(e.key_node, v.path + ": \"" + e.key + "\" is not a valid header name");
      continue;
    }
    if (IsReservedHeader(e.key)) {
      diag.Add(e.key_node, v.path + ": \"" + e.key + "\" is set by alertbridge itself");
      continue;
    }
    std::string value;
    if (ReadString(e.value, diag, &value)) rc->headers[e.key] = std::move(value);
  }
}

void ParseEvents(const Value& v, Diagnostics& diag, ReceiverConfig* rc) {
  for (const Value& item : ListItems(v, diag)) {
    std::string name;
    if (!ReadString(item, diag, &name)) continue;
    std::optional<EventType> t = ParseEventType(name);
    if (!t) {
      diag.Add(item.mark, item.path + ": unknown event " + Describe(item.node));
      continue;
    }
    bool seen = false;
    for (EventType e : rc->events) seen = seen || e == *t;
    if (!seen) rc->events.push_back(*t);
  }
}

void ParseRetry(const Value& v, Diagnostics& diag, RetryPolicy* retry) {
  MapReader r(v, {"max_attempts", "initial_backoff", "max_backoff"}, diag);
  r.Int("max_attempts", 1, INT_MAX, &retry->max_attempts);
  bool initial = r.PositiveDur("initial_backoff", &retry->initial_backoff);
  bool max = r.PositiveDur("max_backoff", &retry->max_backoff);
  if ((initial || max) && retry->max_backoff < retry->initial_backoff) {
    const Value& at = *r.Find(max ? "max_backoff" : "initial_backoff");
    diag.Add(at.mark, "retry: max_backoff (" + FormatDuration(retry->max_backoff) +
                          ") is shorter than initial_backoff (" +
                          FormatDuration(retry->initial_backoff) + ")");
  }
}

void ParseReceiver(const Value& item, Diagnostics& diag, std::vector<ParsedReceiver>* out) {
  MapReader r(item, {"name", "type", "url", "secret", "headers", "events", "retry", "timeout"},
              diag);
  ParsedReceiver parsed;
  ReceiverConfig& rc = parsed.receiver;
  rc.location = diag.Location(item.mark);
  bool named = false;
  if (r.Require("name") && r.String("name", &rc.name)) {
    named = IsValidReceiverName(rc.name);
    if (named) {
      parsed.name_location = diag.Location(r.Find("name")->mark);
    } else {
      diag.Add(r.Find("name")->mark, "name: " + Describe(r.Find("name")->node) +
                                         " may only contain letters, digits, _, - and .");
    }
  }
  ParseType(r, diag, &rc);
  if (rc.type == "console") {
    for (std::string_view key : {"url", "secret", "headers"}) {
      if (const YAML::Node* k = r.KeyNode(key)) {
        diag.Add(*k, std::string(key) + ": console receivers take no " + std::string(key));
      }
    }
  } else if (rc.type == "webhook") {
    if (r.Require("url") && r.SecretRef("url", &rc.url)) {
      const std::string& ref = rc.url.ref();
      bool indirect = ref.rfind("env:", 0) == 0 || ref.rfind("file:", 0) == 0;
      if (!indirect && !IsHttpUrl(ref)) {
        // Not echoed: a webhook URL often carries its own token.
        diag.Add(r.Find("url")->mark,
                 "url: expected an http:// or https:// URL, env:NAME or file:/path");
      }
    }
    r.SecretRef("secret", &rc.secret);
    if (const Value* v = r.Find("headers")) ParseHeaders(*v, diag, &rc);
  }
  if (const Value* v = r.Find("events")) ParseEvents(*v, diag, &rc);
  if (const Value* v = r.Find("retry")) ParseRetry(*v, diag, &rc.retry);
  r.PositiveDur("timeout", &rc.timeout);
  if (named) out->push_back(std::move(parsed));
}

}  // namespace

void ParseReceiversFile(const YAML::Node& root, Diagnostics& diag,
                        std::vector<ParsedReceiver>* out) {
  MapReader top(Root(root), {"receivers"}, diag);
  const Value* receivers = top.Find("receivers");
  if (receivers == nullptr) return;
  for (const Value& item : EntryItems(*receivers, diag)) ParseReceiver(item, diag, out);
}

}  // namespace ab::config_internal
