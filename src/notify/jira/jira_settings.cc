// type: jira — issues in a Jira Cloud or Data Center project (see notify/jira/).
#include "notify/jira/jira_settings.h"

#include <cctype>

#include "config/receiver_type.h"

namespace ab {

using namespace config_internal;

namespace {

// A YAML value as JSON for a custom field: quoted scalars stay strings, plain ones become
// numbers or booleans when they read as such (yaml-cpp tags quoted scalars "!").
nlohmann::json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (auto it = n.begin(); it != n.end(); ++it) j[it->first.Scalar()] = ToJson(it->second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const YAML::Node& item : n) j.push_back(ToJson(item));
      return j;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;
      if (s == "true" || s == "false") return s == "true";
      nlohmann::json number = nlohmann::json::parse(s, nullptr, false);
      if (number.is_number()) return number;
      return s;
    }
    default:
      return nullptr;
  }
}

// Custom field ids as Jira names them: customfield_<digits>.
bool IsCustomFieldId(std::string_view s) {
  constexpr std::string_view kPrefix = "customfield_";
  if (s.size() <= kPrefix.size() || s.substr(0, kPrefix.size()) != kPrefix) return false;
  for (char c : s.substr(kPrefix.size())) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

void ReadCustomFields(const MapReader& r, Diagnostics& diag, nlohmann::json* out) {
  const Value* v = r.Find("custom_fields");
  if (v == nullptr) return;
  for (const MapEntry& e : MapEntries(*v, diag)) {
    if (!IsCustomFieldId(e.key)) {
      diag.Add(e.key_node, e.value.path + ": expected a field id like customfield_10010");
      continue;
    }
    (*out)[e.key] = ToJson(e.value.node);
  }
}

void ReadTransitions(const MapReader& r, Diagnostics& diag, JiraSettings* s) {
  const Value* v = r.Find("transitions");
  if (v == nullptr) return;
  MapReader t(*v, {"resolve", "reopen"}, diag);
  if (const Value* resolve = t.Find("resolve"))
    ReadNonEmpty(*resolve, diag, &s->resolve_transition);
  if (const Value* reopen = t.Find("reopen")) ReadNonEmpty(*reopen, diag, &s->reopen_transition);
}

}  // namespace

void ParseJiraSettings(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  auto s = std::make_shared<JiraSettings>();
  ReadReceiverUrl(r, diag, rc);
  std::string flavor;
  if (r.OneOf("flavor", {"cloud", "datacenter"}, &flavor)) {
    s->flavor =
        flavor == "cloud" ? JiraSettings::Flavor::kCloud : JiraSettings::Flavor::kDataCenter;
  }
  ReadTicketAuth(r, diag, &s->auth);
  if (r.Require("project") && ReadNonEmpty(*r.Find("project"), diag, &s->project)) {
    for (char c : s->project) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
        diag.Add(r.Find("project")->mark,
                 "project: expected a project key (letters, digits, _), got " +
                     Describe(r.Find("project")->node));
        break;
      }
    }
  }
  if (r.Require("issue_type")) ReadNonEmpty(*r.Find("issue_type"), diag, &s->issue_type);
  ReadSeverityEntries(r, "priority_map", diag, [&](Severity sev, const Value& v) {
    std::string name;
    if (ReadString(v, diag, &name)) s->priorities[sev] = name;
  });
  ReadTicketLabels(r, 255, diag, &s->labels);
  ReadCustomFields(r, diag, &s->custom_fields);
  ReadTransitions(r, diag, s.get());
  if (const Value* v = r.Find("resolution")) ReadNonEmpty(*v, diag, &s->resolution);
  ReadReopenPolicy(r, diag, &s->reopen);
  rc->settings = std::move(s);
}

}  // namespace ab
