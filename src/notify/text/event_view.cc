#include "notify/text/event_view.h"

namespace ab {

Result<EventView> EventView::Parse(std::string_view payload) {
  EventView view;
  view.envelope_ = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (view.envelope_.is_discarded() || !view.envelope_.is_object()) {
    return MakeError("event payload is not a JSON object");
  }
  auto inc = view.envelope_.find("incident");
  if (inc == view.envelope_.end() || !inc->is_object()) {
    return MakeError("event payload has no \"incident\" object");
  }
  view.incident_ = *inc;
  return view;
}

std::string EventView::String(const nlohmann::json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

const nlohmann::json& EventView::details() const {
  static const nlohmann::json kNone = nlohmann::json::object();
  auto it = envelope_.find("details");
  return it != envelope_.end() && it->is_object() ? *it : kNone;
}

std::string EventView::Detail(std::string_view key) const { return String(details(), key); }

std::string EventView::severity() const {
  std::string s = Field("priority");
  return s.empty() ? Field("base_severity") : s;
}

std::string EventView::team() const {
  auto owner = incident_.find("owner");
  return owner != incident_.end() && owner->is_object() ? String(*owner, "team") : "";
}

std::string EventView::commander() const {
  auto owner = incident_.find("owner");
  return owner != incident_.end() && owner->is_object() ? String(*owner, "commander") : "";
}

std::string EventView::communications() const {
  auto owner = incident_.find("owner");
  return owner != incident_.end() && owner->is_object() ? String(*owner, "communications") : "";
}

std::string EventView::link() const {
  std::string web = Field("web_url");
  return web.empty() ? Field("url") : web;
}

LabelSet EventView::Labels(std::string_view key) const {
  LabelSet out;
  auto it = incident_.find(key);
  if (it == incident_.end() || !it->is_object()) return out;
  for (const auto& [name, value] : it->items()) {
    if (value.is_string()) out.Set(name, value.get<std::string>());
  }
  return out;
}

LabelSet EventView::labels() const {
  return incident_.contains("labels") ? Labels("labels") : Labels("group");
}

std::vector<std::string> EventView::accounts() const {
  std::vector<std::string> out;
  auto it = incident_.find("accounts");
  if (it == incident_.end() || !it->is_array()) return out;
  for (const auto& a : *it) {
    std::string name =
        a.is_string() ? a.get<std::string>() : (a.is_object() ? String(a, "name") : "");
    if (!name.empty()) out.push_back(std::move(name));
  }
  return out;
}

}  // namespace ab
