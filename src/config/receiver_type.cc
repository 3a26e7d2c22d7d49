#include "config/receiver_type.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace ab {
namespace {

std::vector<const ReceiverTypeSpec*>& Installed() {
  static std::vector<const ReceiverTypeSpec*> types;
  return types;
}

}  // namespace

const std::vector<const ReceiverTypeSpec*>& InstalledReceiverTypes() { return Installed(); }

const ReceiverTypeSpec* FindReceiverType(std::string_view name) {
  for (const ReceiverTypeSpec* t : Installed()) {
    if (t->name == name) return t;
  }
  return nullptr;
}

void InstallReceiverTypes(std::vector<const ReceiverTypeSpec*> types) {
  Installed() = std::move(types);
}

}  // namespace ab

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

void ReadReceiverHeaders(const MapReader& r, Diagnostics& diag,
                         std::map<std::string, Secret>* out) {
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
    Secret value;
    if (ReadSecret(e.value, diag, &value)) (*out)[e.key] = std::move(value);
  }
}

void ReadSeverityEntries(const MapReader& r, std::string_view key, Diagnostics& diag,
                         const std::function<void(Severity, const Value&)>& read) {
  const Value* v = r.Find(key);
  if (v == nullptr) return;
  for (const MapEntry& e : MapEntries(*v, diag)) {
    std::optional<Severity> sev = ParseSeverity(e.key);
    if (!sev) {
      diag.Add(e.key_node, e.value.path + ": expected a severity SEV1..SEV5 as key");
      continue;
    }
    read(*sev, e.value);
  }
}

}  // namespace ab::config_internal
