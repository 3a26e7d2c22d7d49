// Keys shared by the ticket receiver types: auth, labels, reopen, severity maps.
#include "notify/ticket/ticket_settings.h"

#include <cctype>

#include "common/ascii.h"

namespace ab {

std::string_view ToString(ReopenAction a) {
  switch (a) {
    case ReopenAction::kReopen:
      return "reopen";
    case ReopenAction::kNew:
      return "new";
    case ReopenAction::kComment:
      return "comment";
  }
  return "reopen";
}

ReopenAction ReopenPolicy::For(ReopenAction action, std::string_view resolution) const {
  for (const std::string& r : keep_closed) {
    if (EqualsIgnoreCase(r, resolution)) return ReopenAction::kComment;
  }
  return action;
}

}  // namespace ab

namespace ab::config_internal {
namespace {

bool ReadReopenAction(const MapReader& r, std::string_view key, ReopenAction* out) {
  std::string s;
  if (!r.OneOf(key, {"reopen", "new", "comment"}, &s)) return false;
  *out = s == "reopen" ? ReopenAction::kReopen
                       : (s == "new" ? ReopenAction::kNew : ReopenAction::kComment);
  return true;
}

}  // namespace

void ReadTicketAuth(const MapReader& r, Diagnostics& diag, TicketAuth* out) {
  if (!r.Require("auth")) return;
  const Value& v = *r.Find("auth");
  MapReader a(v, {"basic", "bearer"}, diag);
  const bool basic = a.Has("basic");
  const bool bearer = a.Has("bearer");
  if (basic && bearer) {
    diag.Add(*a.KeyNode("bearer"), "auth: basic and bearer are exclusive; choose one");
    return;
  }
  if (!basic && !bearer) {
    if (v.node.IsMap() || v.node.IsNull()) {
      diag.Add(v.mark, "auth: expected basic: {user, password} or bearer: <token>");
    }
    return;
  }
  if (bearer) {
    if (a.SecretRef("bearer", &out->token)) out->kind = TicketAuth::Kind::kBearer;
    return;
  }
  MapReader b(*a.Find("basic"), {"user", "password"}, diag);
  bool ok = b.Require("user") && b.SecretRef("user", &out->user);
  ok = b.Require("password") && b.SecretRef("password", &out->password) && ok;
  if (ok) out->kind = TicketAuth::Kind::kBasic;
}

void ReadReopenPolicy(const MapReader& r, Diagnostics& diag, ReopenPolicy* out) {
  const Value* v = r.Find("reopen");
  if (v == nullptr) return;
  MapReader p(*v, {"reopened", "recurrence", "keep_closed"}, diag);
  ReadReopenAction(p, "reopened", &out->reopened);
  ReadReopenAction(p, "recurrence", &out->recurrence);
  p.StringList("keep_closed", &out->keep_closed);
}

void ReadTicketLabels(const MapReader& r, size_t max_chars, Diagnostics& diag,
                      std::vector<std::string>* out) {
  const Value* v = r.Find("labels");
  if (v == nullptr) return;
  for (const Value& item : ListItems(*v, diag)) {
    std::string label;
    if (!ReadNonEmpty(item, diag, &label)) continue;
    bool clean = true;
    size_t chars = 0;
    for (char c : label) {
      clean = clean && !std::isspace(static_cast<unsigned char>(c)) && c != ',';
      // Count UTF-8 code points: vendors limit characters, not bytes.
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
    }
    if (!clean) {
      diag.Add(item.mark, item.path + ": " + Describe(item.node) +
                              " must not contain spaces or commas (labels are single words)");
    } else if (chars > max_chars) {
      diag.Add(item.mark, item.path + ": longer than " + std::to_string(max_chars) + " characters");
    } else {
      out->push_back(std::move(label));
    }
  }
}

}  // namespace ab::config_internal
