#include "notify/jira/jira_notifier.h"

#include "common/ascii.h"
#include "config/receivers/jira.h"
#include "notify/ticket/ticket_notifier.h"
#include "notify/ticket/ticket_text.h"
#include "notify/ticket/vendor_api.h"

namespace ab {
namespace {

using Json = nlohmann::json;

// Jira's limits (characters): summary 255, text fields (description, comment body) 32,767.
constexpr TicketWording::Limits kLimits{255, 32'767, 32'767};
// Enough to see our own comment for an event: it is among the newest.
constexpr int kCommentsChecked = 50;

std::string StringAt(const Json& j, const Json::json_pointer& p) {
  return j.contains(p) && j[p].is_string() ? j[p].get<std::string>() : std::string();
}

// JQL string literal: backslash and double quote escaped.
std::string JqlString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

class JiraSystem final : public TicketSystem {
 public:
  JiraSystem(TicketParts parts, const JiraSettings& s)
      : api_(std::move(parts.api)), s_(s), wording_(std::move(parts.wording)) {}

  std::string RefType() const override { return "issue"; }

  ExternalRef RefOf(const Ticket& t) const override { return {"", "issue", t.id, t.url}; }

  SendResult FindByKey(TimePoint now, const std::string& key, std::vector<Ticket>* out) override {
    const std::string jql = "project = " + JqlString(s_.project) +
                            " AND labels = " + JqlString(key) + " ORDER BY created DESC";
    VendorApi::Reply reply;
    SendResult r;
    if (s_.flavor == JiraSettings::Flavor::kCloud) {
      const Json body = {
          {"jql", jql}, {"fields", {"status", "resolution", "labels"}}, {"maxResults", 20}};
      r = api_->Call(now, "POST", "/rest/api/3/search/jql", &body, {200}, &reply);
    } else {
      r = api_->Call(now, "GET",
                     "/rest/api/2/search?jql=" + UrlEncode(jql) +
                         "&fields=status,resolution,labels&maxResults=20",
                     nullptr, {200}, &reply);
    }
    if (Failed(r)) return r;
    if (!reply.json.is_object() || !reply.json.contains("issues") ||
        !reply.json["issues"].is_array()) {
      return SendResult::Retry(api_->who() + ": search answered without an issues list");
    }
    for (const Json& issue : reply.json["issues"]) {
      Ticket t;
      if (Parse(issue, &t)) out->push_back(std::move(t));
    }
    return r;
  }

  SendResult Get(TimePoint now, const ExternalRef& ref, std::optional<Ticket>* out) override {
    VendorApi::Reply reply;
    SendResult r = api_->Call(
        now, "GET", "/rest/api/2/issue/" + UrlEncode(ref.id) + "?fields=status,resolution,labels",
        nullptr, {200, 404}, &reply);
    if (Failed(r) || reply.status == 404) return r;
    Ticket t;
    if (!Parse(reply.json, &t)) {
      return SendResult::Retry(api_->who() + ": issue " + ref.id + " answered without a key");
    }
    *out = std::move(t);
    return r;
  }

  SendResult Create(TimePoint now, const IncidentEvent& ev, const Ticket* previous,
                    Ticket* out) override {
    Json fields = s_.custom_fields;
    fields["project"] = {{"key", s_.project}};
    fields["issuetype"] = {{"name", s_.issue_type}};
    fields["summary"] = wording_.Title(ev);
    std::optional<TicketLink> follows;
    if (previous != nullptr) follows = TicketLink{previous->display, previous->url};
    fields["description"] = wording_.Body(ev, follows);
    Json labels = Json::array({ev.key});
    for (const std::string& l : s_.labels) {
      if (l != ev.key) labels.push_back(l);
    }
    fields["labels"] = labels;
    if (const std::string& p = s_.priorities.at(ev.priority); !p.empty()) {
      fields["priority"] = {{"name", p}};
    }
    Json body = {{"fields", fields}};
    if (previous != nullptr) {
      // In the create itself, so that the link cannot be lost between two calls.
      body["update"] = {
          {"issuelinks",
           {{{"add",
              {{"type", {{"name", "Relates"}}}, {"outwardIssue", {{"key", previous->id}}}}}}}}};
    }
    VendorApi::Reply reply;
    SendResult r = api_->Call(now, "POST", "/rest/api/2/issue", &body, {201}, &reply);
    if (Failed(r)) return r;
    const std::string key = StringAt(reply.json, Json::json_pointer("/key"));
    if (key.empty()) return SendResult::Retry(api_->who() + ": create answered without a key");
    *out = Ticket{key, key, Browse(key), false, "", false};
    return r;
  }

  SendResult HasComment(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                        bool* found) override {
    VendorApi::Reply reply;
    SendResult r =
        api_->Call(now, "GET",
                   "/rest/api/2/issue/" + UrlEncode(t.id) +
                       "/comment?orderBy=-created&maxResults=" + std::to_string(kCommentsChecked),
                   nullptr, {200}, &reply);
    if (Failed(r)) return r;
    *found = reply.json.is_object() && reply.json.contains("comments") &&
             CommentsHaveEventMarker(reply.json["comments"], ev.id);
    return r;
  }

  SendResult Comment(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                     const std::string& headline) override {
    const Json body = {{"body", wording_.Comment(ev, headline)}};
    VendorApi::Reply reply;
    return api_->Call(now, "POST", "/rest/api/2/issue/" + UrlEncode(t.id) + "/comment", &body,
                      {201}, &reply);
  }

  SendResult Close(TimePoint now, const Ticket& t, const IncidentEvent&) override {
    return Transition(now, t, s_.resolve_transition, s_.resolution);
  }

  SendResult Reopen(TimePoint now, const Ticket& t) override {
    return Transition(now, t, s_.reopen_transition, "");
  }

  SendResult AddKey(TimePoint now, const Ticket& t, const std::string& key) override {
    const Json body = {{"update", {{"labels", {{{"add", key}}}}}}};
    VendorApi::Reply reply;
    return api_->Call(now, "PUT", "/rest/api/2/issue/" + UrlEncode(t.id), &body, {204}, &reply);
  }

  SendResult SetPriority(TimePoint now, const Ticket& t, const IncidentEvent& ev) override {
    const std::string& name = s_.priorities.at(ev.priority);
    if (name.empty()) return SendResult::Ok();
    const Json body = {{"fields", {{"priority", {{"name", name}}}}}};
    VendorApi::Reply reply;
    return api_->Call(now, "PUT", "/rest/api/2/issue/" + UrlEncode(t.id), &body, {204}, &reply);
  }

 private:
  std::string Browse(const std::string& key) const { return api_->base_url() + "/browse/" + key; }

  // An issue from search or GET: key, status category (done = closed) and resolution.
  bool Parse(const Json& issue, Ticket* t) const {
    const std::string key = StringAt(issue, Json::json_pointer("/key"));
    if (key.empty()) return false;
    t->id = key;
    t->display = key;
    t->url = Browse(key);
    t->closed = StringAt(issue, Json::json_pointer("/fields/status/statusCategory/key")) == "done";
    t->resolution = StringAt(issue, Json::json_pointer("/fields/resolution/name"));
    return true;
  }

  // Workflow transitions are configured by name; their ids differ per workflow and per status.
  SendResult Transition(TimePoint now, const Ticket& t, const std::string& name,
                        const std::string& resolution) {
    const std::string path = "/rest/api/2/issue/" + UrlEncode(t.id) + "/transitions";
    VendorApi::Reply reply;
    if (SendResult r = api_->Call(now, "GET", path, nullptr, {200}, &reply); Failed(r)) return r;
    std::string id;
    std::string available;
    if (reply.json.is_object() && reply.json.contains("transitions") &&
        reply.json["transitions"].is_array()) {
      for (const Json& tr : reply.json["transitions"]) {
        const std::string tr_name = StringAt(tr, Json::json_pointer("/name"));
        const std::string to = StringAt(tr, Json::json_pointer("/to/name"));
        available += (available.empty() ? "" : ", ") + tr_name;
        if (id.empty() && (EqualsIgnoreCase(tr_name, name) || EqualsIgnoreCase(to, name))) {
          id = tr.contains("id") && tr["id"].is_string() ? tr["id"].get<std::string>() : "";
        }
      }
    }
    if (id.empty()) {
      // The workflow does not offer it: a configuration problem that retrying will not fix.
      return SendResult::Permanent(
          api_->who() + ": transition \"" + name + "\" is not available for " + t.id +
          " (available: " + (available.empty() ? "none" : available) + ")");
    }
    Json body = {{"transition", {{"id", id}}}};
    if (!resolution.empty()) body["fields"] = {{"resolution", {{"name", resolution}}}};
    return api_->Call(now, "POST", path, &body, {204}, &reply);
  }

  std::unique_ptr<VendorApi> api_;
  JiraSettings s_;
  TicketWording wording_;
};

}  // namespace

Result<std::unique_ptr<Notifier>> MakeJiraNotifier(const ReceiverConfig& config) {
  const std::string who = "receiver \"" + config.name + "\"";
  const JiraSettings* s = config.Settings<JiraSettings>();
  if (s == nullptr) return MakeError(who + ": no jira settings (project, issue_type, auth)");
  auto credentials = ResolveCredentials(config, s->auth);
  if (!credentials.ok()) return credentials.error();
  auto parts = MakeTicketParts(config, "url", *credentials, {{"Accept", "application/json"}},
                               TextFormat::kJiraWiki, kLimits);
  if (!parts.ok()) return parts.error();
  return std::unique_ptr<Notifier>(std::make_unique<TicketNotifier>(
      config.name, std::make_unique<JiraSystem>(std::move(*parts), *s), s->reopen));
}

}  // namespace ab
