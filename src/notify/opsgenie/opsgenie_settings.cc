// type: opsgenie — Alert API: create with alias = incident key, acknowledge and close by alias.
#include "notify/opsgenie/opsgenie_settings.h"

#include "config/receiver_type.h"

namespace ab {

using namespace config_internal;

namespace {

// Opsgenie's limits on tags: 20 of them, 50 characters each.
constexpr size_t kMaxTags = 20;
constexpr size_t kMaxTagLength = 50;

void ReadTags(const Value& v, Diagnostics& diag, std::vector<std::string>* out) {
  std::vector<Value> items = ListItems(v, diag);
  if (items.size() > kMaxTags) {
    diag.Add(v.mark, v.path + ": at most " + std::to_string(kMaxTags) + " tags (Opsgenie's limit)");
    return;
  }
  for (const Value& item : items) {
    std::string tag;
    if (!ReadNonEmpty(item, diag, &tag)) continue;
    if (tag.size() > kMaxTagLength) {
      diag.Add(item.mark, item.path + ": longer than " + std::to_string(kMaxTagLength) +
                              " characters (Opsgenie's limit)");
      continue;
    }
    out->push_back(std::move(tag));
  }
}

void ReadResponders(const Value& v, Diagnostics& diag, std::vector<OpsgenieResponder>* out) {
  for (const Value& item : ListItems(v, diag)) {
    MapReader m(item, {"type", "name"}, diag);
    OpsgenieResponder resp;
    bool ok = m.Require("type") &&
              m.OneOf("type", {"team", "user", "escalation", "schedule"}, &resp.type);
    ok = m.Require("name") && m.String("name", &resp.name) && ok;
    if (ok) out->push_back(std::move(resp));
  }
}

}  // namespace

void ParseOpsgenieSettings(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  auto s = std::make_shared<OpsgenieSettings>();
  if (r.Require("api_key")) r.SecretRef("api_key", &s->api_key);
  ReadReceiverBaseUrl(r, diag, kOpsgenieDefaultBaseUrl, rc);
  if (const Value* v = r.Find("priority_map")) {
    ReadSeverityMap(*v, diag, {"P1", "P2", "P3", "P4", "P5"}, &s->priority);
  }
  if (const Value* v = r.Find("tags")) ReadTags(*v, diag, &s->tags);
  if (const Value* v = r.Find("responders")) ReadResponders(*v, diag, &s->responders);
  rc->settings = std::move(s);
}

}  // namespace ab
