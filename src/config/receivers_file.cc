// receivers/*.yml: where incident events go. One entry per receiver, its kind chosen by `type:`.
#include <algorithm>
#include <cctype>
#include <iterator>

#include "config/parse.h"
#include "config/receiver_type.h"

namespace ab::config_internal {
namespace {

// Receiver names appear in URLs (/api/v1/inbound/{receiver}), so keep them path-safe.
bool IsValidReceiverName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string TypeNames() {
  std::string out;
  for (const ReceiverTypeSpec* t : InstalledReceiverTypes()) {
    if (!out.empty()) out += ", ";
    out += t->name;
  }
  return out.empty() ? "none installed" : out;
}

// The entry's `type:`, read before its other keys because it decides which keys are valid.
// Reports a missing, malformed or unknown type and returns null then.
const ReceiverTypeSpec* PeekType(const Value& item, Diagnostics& diag) {
  if (!item.node.IsMap()) return nullptr;  // reported by the MapReader
  YAML::Node type = item.node["type"];
  if (!type) {
    diag.Add(item.mark, "missing required key \"type\" (valid: " + TypeNames() + ")");
    return nullptr;
  }
  Value v{type, type.Mark(), "type"};
  std::string name;
  if (!ReadString(v, diag, &name)) return nullptr;
  const ReceiverTypeSpec* t = FindReceiverType(name);
  if (t == nullptr) {
    diag.Add(v.mark,
             "type: unknown receiver type " + Describe(type) + " (valid: " + TypeNames() + ")");
  }
  return t;
}

// Keys valid for the entry: the common ones plus its type's (every type's when the type is
// unusable, so that only the type itself is reported).
std::vector<std::string_view> KeysFor(const ReceiverTypeSpec* type) {
  std::vector<std::string_view> keys(std::begin(kCommonReceiverKeys),
                                     std::end(kCommonReceiverKeys));
  for (const ReceiverTypeSpec* t : InstalledReceiverTypes()) {
    if (type != nullptr && t != type) continue;
    for (std::string_view k : t->keys) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
  }
  return keys;
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

void ParseReceiver(const Value& item, Diagnostics& diag, std::vector<ParsedReceiver>* out) {
  const ReceiverTypeSpec* type = PeekType(item, diag);
  MapReader r(item, KeysFor(type), diag);
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
  if (type != nullptr) {
    rc.type = std::string(type->name);
    rc.delivery = type->delivery;
    if (type->parse != nullptr) type->parse(r, diag, &rc);
    if (const Value* v = r.Find("templates")) ReadReceiverTemplates(*v, *type, diag, &rc);
  }
  if (const Value* v = r.Find("events")) ParseEvents(*v, diag, &rc);
  if (r.Bool("attach_review", &rc.attach_review) && rc.attach_review &&
      !rc.Wants(EventType::kClosed)) {
    diag.Add(*r.KeyNode("attach_review"),
             "attach_review: the review draft comes with the closed event, which events: leaves "
             "out");
  }
  ReadDelivery(r, diag, &rc);
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
