#include "notify/jira/jira_notifier.h"

#include <algorithm>
#include <functional>
#include <mutex>

#include "common/ascii.h"
#include "notify/jira/jira_settings.h"
#include "notify/receiver_types.h"
#include "notify/ticket/ticket_notifier.h"
#include "notify/ticket/ticket_text.h"
#include "notify/ticket/vendor_api.h"

namespace ab {
namespace {

using Json = nlohmann::json;

// Jira's limits: summary 255, text fields (description, comment body) 32,767, counted as Java
// counts a String: UTF-16 code units (an emoji outside the BMP counts 2).
constexpr TicketWording::Limits kLimits{255, 32'767, 32'767, LengthUnit::kUtf16};
// Fields every create screen has: leaving one out is not an option.
constexpr std::string_view kRequiredFields[] = {"project", "issuetype", "summary"};
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

// The field named by a 400 answer (`{"errors": {"priority": "Field 'priority' cannot be set. It
// is not on the appropriate screen, or unknown."}}`), or "".
std::string RejectedField(const Json& body) {
  if (!body.is_object() || !body.contains("errors") || !body["errors"].is_object()) return {};
  for (auto it = body["errors"].begin(); it != body["errors"].end(); ++it) return it.key();
  return {};
}

class JiraSystem final : public TicketSystem {
 public:
  JiraSystem(TicketParts parts, const JiraSettings& s)
      : api_(std::move(parts.api)), s_(s), wording_(std::move(parts.wording)) {}

  Duration SearchLag() const override {
    return s_.flavor == JiraSettings::Flavor::kCloud ? s_.search_lag : Duration(0);
  }

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
    SendResult result;
    // Only the fields the project's create screen has: a real project's screen often lacks
    // Priority (or Labels), and Jira answers 400 to the whole create for one such field.
    if (SendResult r = LeaveOutFieldsNotOnScreen(now, &fields, &result); Failed(r)) return r;
    VendorApi::Reply reply;
    SendResult r = CreateCall(now, fields, &reply);
    for (int tries = 0; Failed(r) && reply.status == 400 && tries < 3; ++tries) {
      // The screen changed since we read it: read it again and leave out what it now lacks.
      const std::string field = RejectedField(reply.json);
      if (field.empty() || IsRequired(field) || !fields.contains(field)) break;
      {
        std::lock_guard<std::mutex> lock(meta_mu_);
        screen_.reset();
      }
      fields.erase(field);
      Note(&result, field, "not on the create screen of " + s_.project + "/" + s_.issue_type);
      if (SendResult m = LeaveOutFieldsNotOnScreen(now, &fields, &result); Failed(m)) return m;
      r = CreateCall(now, fields, &reply);
    }
    if (Failed(r)) return r;
    const std::string key = StringAt(reply.json, Json::json_pointer("/key"));
    if (key.empty()) return SendResult::Retry(api_->who() + ": create answered without a key");
    *out = Ticket{key, key, Browse(key), false, "", false};
    if (previous != nullptr) {
      // A link of its own, after the create: a screen without Linked Issues must not cost the
      // ticket, and a failed link must not hold the incident's later events.
      const Json link = {{"type", {{"name", "Relates"}}},
                         {"inwardIssue", {{"key", key}}},
                         {"outwardIssue", {{"key", previous->id}}}};
      VendorApi::Reply ignored;
      const SendResult l =
          api_->Call(now, "POST", "/rest/api/2/issueLink", &link, {200, 201}, &ignored);
      // Retrying the whole entry for it would cost more than the link is worth.
      if (Failed(l)) result.degraded.push_back({"link", l.reason});
    }
    return result;
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
    return Transition(now, t, s_.resolve_transition, s_.resolution, nullptr);
  }

  SendResult Reopen(TimePoint now, const Ticket& t, bool* reopened) override {
    return Transition(now, t, s_.reopen_transition, "", reopened);
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
  // `reopened` non-null: a reopen, which may fall back to any transition into the To Do or In
  // Progress category and, with none, leaves the ticket as it is (*reopened = false).
  SendResult Transition(TimePoint now, const Ticket& t, const std::string& name,
                        const std::string& resolution, bool* reopened) {
    const std::string path = "/rest/api/2/issue/" + UrlEncode(t.id) + "/transitions";
    VendorApi::Reply reply;
    if (SendResult r = api_->Call(now, "GET", path, nullptr, {200}, &reply); Failed(r)) return r;
    std::string id;
    std::string by_category;
    std::string available;
    if (reply.json.is_object() && reply.json.contains("transitions") &&
        reply.json["transitions"].is_array()) {
      for (const Json& tr : reply.json["transitions"]) {
        const std::string tr_name = StringAt(tr, Json::json_pointer("/name"));
        const std::string to = StringAt(tr, Json::json_pointer("/to/name"));
        const std::string category = StringAt(tr, Json::json_pointer("/to/statusCategory/key"));
        const std::string tr_id =
            tr.contains("id") && tr["id"].is_string() ? tr["id"].get<std::string>() : "";
        available += (available.empty() ? "" : ", ") + tr_name;
        if (id.empty() && (EqualsIgnoreCase(tr_name, name) || EqualsIgnoreCase(to, name))) {
          id = tr_id;
        }
        // "new" (To Do) first, else "indeterminate" (In Progress).
        if (category == "new" || (category == "indeterminate" && by_category.empty())) {
          if (category == "new" || by_category.empty()) by_category = tr_id;
        }
      }
    }
    if (id.empty() && reopened != nullptr) id = by_category;
    if (id.empty()) {
      if (reopened != nullptr) {
        *reopened = false;
        return SendResult::Ok();
      }
      // The workflow does not offer it: a configuration problem that retrying will not fix.
      return SendResult::Permanent(
          api_->who() + ": transition \"" + name + "\" is not available for " + t.id +
          " (available: " + (available.empty() ? "none" : available) + ")");
    }
    Json body = {{"transition", {{"id", id}}}};
    if (!resolution.empty()) body["fields"] = {{"resolution", {{"name", resolution}}}};
    SendResult r = api_->Call(now, "POST", path, &body, {204}, &reply);
    if (reopened != nullptr) *reopened = !Failed(r);
    return r;
  }

  SendResult CreateCall(TimePoint now, const Json& fields, VendorApi::Reply* reply) {
    const Json body = {{"fields", fields}};
    return api_->Call(now, "POST", "/rest/api/2/issue", &body, {201}, reply);
  }

  static bool IsRequired(std::string_view field) {
    return std::find(std::begin(kRequiredFields), std::end(kRequiredFields), field) !=
           std::end(kRequiredFields);
  }

  static void Note(SendResult* result, const std::string& field, const std::string& why) {
    result->degraded.push_back(
        {field == "priority" ? "priority" : "field", "field " + field + " left out: " + why});
  }

  // Removes from `fields` what the create screen of the project and issue type lacks, noting each
  // in `result`. Create metadata is read once and cached (refreshed after a 400 naming a field).
  // Where it cannot be read (a Jira without the per-project endpoint), nothing is removed.
  SendResult LeaveOutFieldsNotOnScreen(TimePoint now, Json* fields, SendResult* result) {
    std::optional<std::vector<std::string>> screen;
    {
      std::lock_guard<std::mutex> lock(meta_mu_);
      screen = screen_;
    }
    if (!screen) {
      std::vector<std::string> ids;
      SendResult r = ReadCreateScreen(now, &ids);
      if (Failed(r)) {
        if (r.kind == SendResult::Kind::kRetry) return r;
        return SendResult::Ok();  // no metadata: send everything, a 400 tells us the rest
      }
      screen = std::move(ids);
      std::lock_guard<std::mutex> lock(meta_mu_);
      screen_ = screen;
    }
    std::vector<std::string> drop;
    for (auto it = fields->begin(); it != fields->end(); ++it) {
      if (IsRequired(it.key())) continue;
      if (std::find(screen->begin(), screen->end(), it.key()) == screen->end()) {
        drop.push_back(it.key());
      }
    }
    for (const std::string& f : drop) {
      fields->erase(f);
      Note(result, f, "not on the create screen of " + s_.project + "/" + s_.issue_type);
    }
    return SendResult::Ok();
  }

  // GET /rest/api/2/issue/createmeta/{project}/issuetypes (the type's id by name), then
  // .../issuetypes/{id} (its fields): Cloud answers {issueTypes|fields: [...]}, Data Center
  // {values: [...]}; both page with startAt/maxResults.
  SendResult ReadCreateScreen(TimePoint now, std::vector<std::string>* out) {
    const std::string base =
        "/rest/api/2/issue/createmeta/" + UrlEncode(s_.project) + "/issuetypes";
    std::string type_id;
    SendResult r = Pages(now, base, {"issueTypes", "values"}, [&](const Json& type) {
      if (type_id.empty() && type.value("name", "") == s_.issue_type) {
        type_id =
            type.contains("id") && type["id"].is_string() ? type["id"].get<std::string>() : "";
      }
    });
    if (Failed(r)) return r;
    if (type_id.empty()) {
      return SendResult::Permanent(api_->who() + ": issue type \"" + s_.issue_type +
                                   "\" is not in the create metadata of project " + s_.project);
    }
    return Pages(now, base + "/" + UrlEncode(type_id), {"fields", "values"}, [&](const Json& f) {
      const std::string id = f.value("fieldId", f.value("key", ""));
      if (!id.empty()) out->push_back(id);
    });
  }

  SendResult Pages(TimePoint now, const std::string& path, std::initializer_list<const char*> lists,
                   const std::function<void(const Json&)>& each) {
    constexpr int kPageSize = 100;
    constexpr int kMaxPages = 10;
    int start = 0;
    for (int page = 0; page < kMaxPages; ++page) {
      VendorApi::Reply reply;
      SendResult r = api_->Call(
          now, "GET",
          path + "?startAt=" + std::to_string(start) + "&maxResults=" + std::to_string(kPageSize),
          nullptr, {200}, &reply);
      if (Failed(r)) return r;
      const Json* items = nullptr;
      for (const char* name : lists) {
        if (reply.json.is_object() && reply.json.contains(name) && reply.json[name].is_array()) {
          items = &reply.json[name];
          break;
        }
      }
      if (items == nullptr) {
        return SendResult::Permanent(api_->who() + ": create metadata answered without a list");
      }
      for (const Json& item : *items) each(item);
      start += static_cast<int>(items->size());
      const bool last = items->empty() || reply.json.value("isLast", false) ||
                        start >= reply.json.value("total", start);
      if (last) break;
    }
    return SendResult::Ok();
  }

  std::unique_ptr<VendorApi> api_;
  JiraSettings s_;
  TicketWording wording_;
  std::mutex meta_mu_;
  // Field ids of the create screen of (project, issue type); none = not read yet.
  std::optional<std::vector<std::string>> screen_;
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

const ReceiverType& JiraReceiverType() {
  // Jira Cloud documents no per-project limit a bridge would reach; a dead create holds the
  // incident's close (stateful).
  static const ReceiverType kType{
      {"jira",
       {"url", "flavor", "auth", "project", "issue_type", "priority_map", "labels", "custom_fields",
        "transitions", "resolution", "reopen"},
       ParseJiraSettings,
       {"title", "body"},
       {4, std::nullopt, {}, true}},
      MakeJiraNotifier};
  return kType;
}

}  // namespace ab
