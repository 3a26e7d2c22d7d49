// `api:` of alertbridge.yml: the API's bearer tokens and their roles, and whether an open API may
// listen beyond loopback (CONTRACTS.md "Auth scope").
#include "config/parse.h"

namespace ab::config_internal {
namespace {

// Token names are actors on the timeline ("user:oncall-ui"): keep them short and plain.
bool IsValidTokenName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void ParseToken(const Value& item, Diagnostics& diag, std::vector<ApiToken>* out) {
  MapReader t(item, {"name", "token", "role"}, diag);
  ApiToken token;
  token.location = diag.Location(item.mark);
  bool ok = true;
  if (t.Require("name") && t.String("name", &token.name)) {
    if (!IsValidTokenName(token.name)) {
      diag.Add(t.Find("name")->mark, "name: " + Describe(t.Find("name")->node) +
                                         " must be 1-64 letters, digits, _, - or .");
      ok = false;
    }
  } else {
    ok = false;
  }
  if (t.Require("token") && t.SecretRef("token", &token.token)) {
    const std::string& ref = token.token.ref();
    // A token written into the file is in every copy of it (git, backups, support bundles).
    if (ref.rfind("env:", 0) != 0 && ref.rfind("file:", 0) != 0) {
      diag.Add(t.Find("token")->mark, "token: write it as env:NAME or file:/path, not inline");
      ok = false;
    }
  } else {
    ok = false;
  }
  std::string role;
  if (t.Require("role") && t.OneOf("role", {"read", "write"}, &role)) {
    token.role = role == "write" ? ApiRole::kWrite : ApiRole::kRead;
  } else {
    ok = false;
  }
  if (!ok) return;
  for (const ApiToken& other : *out) {
    if (other.name == token.name) {
      diag.Add(t.Find("name")->mark, "duplicate token name \"" + token.name +
                                         "\" (first defined at " + FormatLocation(other.location) +
                                         ")");
      return;
    }
  }
  out->push_back(std::move(token));
}

}  // namespace

void ParseApiAccess(const Value& v, Diagnostics& diag, ApiAccessConfig* api) {
  MapReader a(v, {"tokens", "insecure_listen"}, diag);
  if (const Value* tokens = a.Find("tokens")) {
    for (const Value& item : EntryItems(*tokens, diag)) ParseToken(item, diag, &api->tokens);
  }
  a.Bool("insecure_listen", &api->insecure_listen);
}

}  // namespace ab::config_internal
