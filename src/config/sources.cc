// `sources:` of alertbridge.yml: who may POST alerts, how they authenticate, and for generic
// webhooks how the payload maps onto an alert (RFC 6901 pointers).
#include "config/parse.h"

namespace ab::config_internal {
namespace {

// Source names appear in URLs (/api/v1/alerts/webhook/{source}), so keep them path-safe.
bool IsValidSourceName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool ReadPointer(const Value& v, Diagnostics& diag, JsonPointer* out) {
  std::string p;
  if (!ReadString(v, diag, &p)) return false;
  JsonPointer pointer(p);
  if (!pointer.valid()) {
    diag.Add(v.mark, v.path + ": " + Describe(v.node) +
                         " is not a JSON pointer (RFC 6901: empty or starting with \"/\", "
                         "\"~\" only as ~0 or ~1)");
    return false;
  }
  *out = std::move(pointer);
  return true;
}

bool ReadPointer(const Value& v, Diagnostics& diag, std::optional<JsonPointer>* out) {
  JsonPointer p;
  if (!ReadPointer(v, diag, &p)) return false;
  *out = std::move(p);
  return true;
}

// A pointer, or {pointer, default}: the default stands in for a missing (or null) value.
bool ReadMappedValue(const Value& v, Diagnostics& diag, MappedValue* out) {
  if (!v.node.IsMap()) return ReadPointer(v, diag, &out->pointer);
  MapReader m(v, {"pointer", "default"}, diag);
  bool ok = m.Require("pointer") && ReadPointer(*m.Find("pointer"), diag, &out->pointer);
  if (const Value* d = m.Find("default")) {
    std::string fallback;
    if (ReadString(*d, diag, &fallback)) {
      out->fallback = std::move(fallback);
    } else {
      ok = false;
    }
  }
  return ok;
}

// `labels:` / `annotations:`: a pointer to an object whose members are all taken, or a map of
// name -> pointer or {pointer, default}.
void ReadValueMap(const Value& v, bool label_names, Diagnostics& diag,
                  std::optional<JsonPointer>* from, std::map<std::string, MappedValue>* out) {
  if (v.node.IsScalar()) {
    ReadPointer(v, diag, from);
    return;
  }
  for (const MapEntry& e : MapEntries(v, diag)) {
    if (label_names && !IsValidLabelName(e.key)) {
      diag.Add(e.key_node, v.path + ": \"" + e.key + "\" is not a valid label name");
      continue;
    }
    MappedValue mapped;
    if (ReadMappedValue(e.value, diag, &mapped)) (*out)[e.key] = std::move(mapped);
  }
}

void ParseStatus(const Value& v, Diagnostics& diag, WebhookMapping::StatusMap* status) {
  MapReader s(v, {"pointer", "firing", "resolved"}, diag);
  if (s.Require("pointer")) ReadPointer(*s.Find("pointer"), diag, &status->pointer);
  for (std::string_view key : {"firing", "resolved"}) {
    auto* values = key == "firing" ? &status->firing : &status->resolved;
    if (s.StringList(key, values) && values->empty()) {
      diag.Add(s.Find(key)->mark, s.Find(key)->path + ": must list at least one value");
    }
  }
  for (const std::string& f : status->firing) {
    for (const std::string& r : status->resolved) {
      if (f == r) {
        diag.Add(v.mark, v.path + ": \"" + f + "\" is listed as both firing and resolved");
      }
    }
  }
}

// `labels: /x` and `labels_from: /y` both import an object: only one of them.
void ReadImport(const MapReader& m, std::string_view map_key, std::string_view from_key,
                Diagnostics& diag, std::optional<JsonPointer>* from) {
  const Value* v = m.Find(from_key);
  if (v == nullptr) return;
  if (from->has_value()) {
    diag.Add(*m.KeyNode(from_key), std::string(from_key) + ": " + std::string(map_key) +
                                       " already names the object to import; choose one");
    return;
  }
  ReadPointer(*v, diag, from);
}

void ParseMapping(const Value& v, Diagnostics& diag, WebhookMapping* mapping) {
  MapReader m(v,
              {"alerts", "status", "labels", "labels_from", "annotations", "annotations_from",
               "fingerprint", "starts_at", "ends_at"},
              diag);
  if (const Value* p = m.Find("alerts")) ReadPointer(*p, diag, &mapping->alerts);
  if (const Value* p = m.Find("status")) {
    mapping->status = WebhookMapping::StatusMap();
    ParseStatus(*p, diag, &*mapping->status);
  }
  const Value* labels = m.Find("labels");
  if (labels != nullptr) {
    ReadValueMap(*labels, true, diag, &mapping->labels_from, &mapping->labels);
  }
  ReadImport(m, "labels", "labels_from", diag, &mapping->labels_from);
  if (const Value* p = m.Find("annotations")) {
    ReadValueMap(*p, false, diag, &mapping->annotations_from, &mapping->annotations);
  }
  ReadImport(m, "annotations", "annotations_from", diag, &mapping->annotations_from);
  if (const Value* p = m.Find("fingerprint")) {
    MappedValue fingerprint;
    if (ReadMappedValue(*p, diag, &fingerprint)) mapping->fingerprint = std::move(fingerprint);
  }
  if (const Value* p = m.Find("starts_at")) ReadPointer(*p, diag, &mapping->starts_at);
  if (const Value* p = m.Find("ends_at")) ReadPointer(*p, diag, &mapping->ends_at);
  // Labels given but unusable were reported already; only a missing or empty map is reported here.
  bool none = !m.Has("labels_from") && (labels == nullptr || labels->node.IsNull() ||
                                        (labels->node.IsMap() && labels->node.size() == 0));
  if (none) {
    diag.Add(labels != nullptr ? labels->mark : v.mark,
             "a webhook source needs mapping.labels: an object to import (labels: /labels) or at "
             "least one label");
  }
}

void ParseAuth(const Value& v, Diagnostics& diag, SourceAuth* auth) {
  MapReader a(v, {"bearer_token", "hmac_sha256"}, diag);
  Secret token;
  if (a.SecretRef("bearer_token", &token)) auth->bearer_token = token;
  if (const Value* hv = a.Find("hmac_sha256")) {
    MapReader h(*hv, {"secret", "header"}, diag);
    SourceAuth::Hmac hmac;
    bool ok = h.Require("secret") && h.SecretRef("secret", &hmac.secret);
    if (const Value* header = h.Find("header"))
      ok = ReadNonEmpty(*header, diag, &hmac.header) && ok;
    if (ok) auth->hmac_sha256 = hmac;
    if (a.Has("bearer_token")) {
      diag.Add(*a.KeyNode("hmac_sha256"),
               "auth: bearer_token and hmac_sha256 are exclusive; choose one");
    }
  }
}

}  // namespace

void ParseSources(const Value& list, Diagnostics& diag, std::vector<SourceConfig>* out) {
  for (const Value& item : EntryItems(list, diag)) {
    MapReader s(item, {"name", "type", "auth", "mapping", "stale_after"}, diag);
    SourceConfig src;
    src.location = diag.Location(item.mark);
    bool named = false;
    if (s.Require("name") && s.String("name", &src.name)) {
      if (IsValidSourceName(src.name)) {
        named = true;
      } else {
        diag.Add(s.Find("name")->mark, "name: " + Describe(s.Find("name")->node) +
                                           " may only contain letters, digits, _, - and .");
      }
    }
    if (s.Require("type")) s.OneOf("type", {"alertmanager", "webhook"}, &src.type);
    if (const Value* v = s.Find("auth")) ParseAuth(*v, diag, &src.auth);
    if (const Value* v = s.Find("mapping")) {
      if (src.type == "webhook") {
        ParseMapping(*v, diag, &src.mapping);
      } else if (src.type == "alertmanager") {
        diag.Add(*s.KeyNode("mapping"), "mapping: only webhook sources have a mapping");
      }
    } else if (src.type == "webhook") {
      diag.Add(item.mark,
               "a webhook source needs mapping.labels: an object to import (labels: /labels) or "
               "at least one label");
    }
    s.PositiveDur("stale_after", &src.stale_after);
    if (named && src.name == "alertmanager" && !src.type.empty() && src.type != "alertmanager") {
      diag.Add(s.Find("type")->mark,
               "type: the source named alertmanager must have type alertmanager");
    }
    if (!named) continue;
    const SourceConfig* first = nullptr;
    for (const SourceConfig& other : *out) {
      if (other.name == src.name) first = &other;
    }
    if (first != nullptr) {
      diag.Add(s.Find("name")->mark, "duplicate source name \"" + src.name +
                                         "\" (first defined at " + FormatLocation(first->location) +
                                         ")");
      continue;
    }
    out->push_back(std::move(src));
  }
}

}  // namespace ab::config_internal
