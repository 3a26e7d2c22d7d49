#include "fake_jira.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

namespace ab::testing {
namespace {

using Json = nlohmann::json;

const std::set<std::string> kIssueTypes = {"Incident", "Task"};
const std::set<std::string> kPriorities = {"Highest", "High", "Medium", "Low", "Lowest"};
const std::set<std::string> kResolutions = {"Done", "Won't Do", "Duplicate"};
const std::set<std::string> kSettableFields = {
    "project", "issuetype", "summary", "description", "labels", "priority", "customfield_10010"};
// The create screen of the default project: the settable fields and Linked Issues.
const char* const kScreenFields[] = {"project", "issuetype", "summary",           "description",
                                     "labels",  "priority",  "customfield_10010", "issuelinks"};
const std::map<std::string, std::string> kIssueTypeIds = {{"Incident", "10001"}, {"Task", "10002"}};
constexpr size_t kTextLimit = 32'767;

struct JqlQuery {
  std::vector<std::pair<std::string, std::string>> clauses;  // field = value, ANDed
  bool newest_first = false;
  std::string error;
};

// The JQL the receiver may send: `field = value` clauses joined by AND, values bare or quoted
// (with \" and \\ escapes), then an optional ORDER BY created [ASC|DESC].
JqlQuery ParseJql(const std::string& jql) {
  JqlQuery q;
  size_t i = 0;
  auto skip = [&] {
    while (i < jql.size() && jql[i] == ' ') ++i;
  };
  auto word = [&] {
    skip();
    size_t start = i;
    while (i < jql.size() && (std::isalnum(static_cast<unsigned char>(jql[i])) || jql[i] == '_'))
      ++i;
    return jql.substr(start, i - start);
  };
  auto value = [&](std::string* out) {
    skip();
    if (i < jql.size() && jql[i] == '"') {
      ++i;
      while (i < jql.size() && jql[i] != '"') {
        if (jql[i] == '\\' && i + 1 < jql.size()) ++i;
        *out += jql[i++];
      }
      if (i >= jql.size()) return false;
      ++i;
      return true;
    }
    size_t start = i;
    while (i < jql.size() && jql[i] != ' ') ++i;
    *out = jql.substr(start, i - start);
    // Unquoted values with characters such as '-' are reserved in JQL and rejected.
    return !out->empty() && std::all_of(out->begin(), out->end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
  };
  while (true) {
    std::string field = word();
    if (field.empty()) {
      q.error = "expected a field at position " + std::to_string(i);
      return q;
    }
    skip();
    if (i >= jql.size() || jql[i] != '=') {
      q.error = "expected '=' after " + field;
      return q;
    }
    ++i;
    std::string v;
    if (!value(&v)) {
      q.error = "bad value for " + field + " (quote values with reserved characters)";
      return q;
    }
    q.clauses.emplace_back(field, v);
    const std::string next = word();
    if (next.empty()) break;
    if (next == "AND") continue;
    if (next == "ORDER" && word() == "BY" && word() == "created") {
      const std::string dir = word();
      q.newest_first = dir == "DESC";
      if (!dir.empty() && dir != "DESC" && dir != "ASC") q.error = "bad ORDER BY direction";
      break;
    }
    q.error = "unexpected '" + next + "'";
    return q;
  }
  skip();
  if (i != jql.size() && q.error.empty()) q.error = "trailing text";
  return q;
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string Category(const std::string& status) {
  if (status == "Done") return "done";
  return status == "In Progress" ? "indeterminate" : "new";
}

}  // namespace

FakeJira::FakeJira(bool cloud, std::string authorization)
    : FakeTicketApi(std::move(authorization)), cloud_(cloud) {
  Start();
}

FakeJira::~FakeJira() { Stop(); }

Json FakeJira::ErrorBody(const std::string& message) const {
  return {{"errorMessages", {message}}, {"errors", Json::object()}};
}

std::vector<FakeJira::Issue> FakeJira::Issues() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Issue> out;
  for (const auto& [key, issue] : issues_) out.push_back(issue);
  std::sort(out.begin(), out.end(), [](const Issue& a, const Issue& b) { return a.id < b.id; });
  return out;
}

FakeJira::Issue FakeJira::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = issues_.find(key);
  if (it == issues_.end()) throw std::runtime_error("no issue " + key);
  return it->second;
}

void FakeJira::HumanTransition(const std::string& key, const std::string& transition) {
  std::lock_guard<std::mutex> lock(mu_);
  Issue& issue = issues_.at(key);
  const Json transitions = TransitionsFrom(issue);
  for (const Json& t : transitions["transitions"]) {
    if (t["name"] == transition) return Apply(issue, t["id"]);
  }
  throw std::runtime_error("transition " + transition + " not available for " + key);
}

void FakeJira::HumanDelete(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  issues_.erase(key);
}

void FakeJira::ScreenLacks(std::vector<std::string> fields) {
  std::lock_guard<std::mutex> lock(mu_);
  screen_lacks_ = std::move(fields);
}

void FakeJira::UseSimplifiedWorkflow() {
  std::lock_guard<std::mutex> lock(mu_);
  simplified_ = true;
}

void FakeJira::SetSearchLag(std::chrono::milliseconds lag) {
  std::lock_guard<std::mutex> lock(mu_);
  search_lag_ = lag;
}

bool FakeJira::OnScreen(const std::string& field) const {
  return std::find(screen_lacks_.begin(), screen_lacks_.end(), field) == screen_lacks_.end();
}

// Jira's answer to a field its screen lacks: a 400 naming the field, not a violation of the API.
ApiAnswer FakeJira::NotOnScreen(const std::string& field) const {
  return ApiAnswer::Json(
      400, {{"errorMessages", Json::array()},
            {"errors",
             {{field, "Field '" + field +
                          "' cannot be set. It is not on the appropriate screen, or unknown."}}}});
}

void FakeJira::HumanEditDescription(const std::string& key, const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  issues_.at(key).fields["description"] = text;
}

ApiAnswer FakeJira::Handle(const ApiRequest& req) {
  const std::vector<std::string> p = Split(req.path);
  const bool v2 = p.size() >= 3 && p[0] == "rest" && p[1] == "api" && p[2] == "2";
  const bool v3 = p.size() >= 3 && p[0] == "rest" && p[1] == "api" && p[2] == "3";
  if (v3 && p.size() == 5 && p[3] == "search" && p[4] == "jql") {
    if (!cloud_) return Violation(404, "Data Center has no /rest/api/3/search/jql");
    if (req.method == "GET") return Search(req, req.Param("jql"));
    if (req.method != "POST" || !req.json.is_object() || !req.json.contains("jql") ||
        !req.json["jql"].is_string()) {
      return Violation(400, "search/jql: POST {jql, fields, maxResults} expected");
    }
    return Search(req, req.json["jql"]);
  }
  if (v2 && p.size() == 4 && p[3] == "search") {
    if (cloud_) return Violation(410, "/rest/api/2/search was removed from Jira Cloud");
    if (req.method != "GET") return Violation(405, "use GET /rest/api/2/search?jql=");
    return Search(req, req.Param("jql"));
  }
  if (v2 && p.size() == 4 && p[3] == "issueLink") {
    if (req.method != "POST") return Violation(405, "issueLink: POST only");
    return LinkIssues(req);
  }
  if (v2 && p.size() >= 7 && p[3] == "issue" && p[4] == "createmeta" && p[6] == "issuetypes") {
    if (req.method != "GET") return Violation(405, "createmeta: GET only");
    return CreateMeta(req, p);
  }
  if (!v2 || p.size() < 4 || p[3] != "issue") return Violation(404, "unknown path " + req.path);
  if (p.size() == 4) {
    if (req.method != "POST") return Violation(405, "issue: POST only");
    return CreateIssue(req);
  }
  auto it = issues_.find(p[4]);
  if (it == issues_.end()) {
    return ApiAnswer::Json(
        404, ErrorBody("Issue does not exist or you do not have permission to see it."));
  }
  Issue& issue = it->second;
  if (p.size() == 5) {
    if (req.method == "GET") return ApiAnswer::Json(200, IssueJson(issue));
    if (req.method == "PUT") return EditIssue(issue, req);
    return Violation(405, "issue/{key}: GET or PUT");
  }
  if (p.size() == 6 && p[5] == "comment") {
    if (req.method == "GET") return ListComments(issue, req);
    if (req.method == "POST") return AddComment(issue, req);
  }
  if (p.size() == 6 && p[5] == "transitions") {
    if (req.method == "GET") return ApiAnswer::Json(200, TransitionsFrom(issue));
    if (req.method == "POST") return Transition(issue, req);
  }
  return Violation(404, "unknown path " + req.method + " " + req.path);
}

std::string FakeJira::CheckLabels(const Json& labels) const {
  if (!labels.is_array()) return "labels must be an array of strings";
  for (const Json& l : labels) {
    if (!l.is_string() || l.get<std::string>().empty()) return "labels must be non-empty strings";
    const std::string s = l.get<std::string>();
    if (s.find(' ') != std::string::npos) return "label '" + s + "' contains a space";
    if (Chars(s) > 255) return "label longer than 255 characters";
  }
  return {};
}

ApiAnswer FakeJira::CreateIssue(const ApiRequest& req) {
  if (!req.json.is_object() || !req.json.contains("fields") || !req.json["fields"].is_object()) {
    return Violation(400, "create: body must be {fields: {...}}");
  }
  const Json& f = req.json["fields"];
  for (auto it = f.begin(); it != f.end(); ++it) {
    if (!OnScreen(it.key())) return NotOnScreen(it.key());
    if (kSettableFields.count(it.key()) == 0) {
      return Violation(400, "Field '" + it.key() +
                                "' cannot be set. It is not on the "
                                "appropriate screen, or unknown.");
    }
  }
  if (!f.contains("project") || f["project"].value("key", "") != "OPS") {
    return Violation(400, "project: valid project is required");
  }
  if (!f.contains("issuetype") || kIssueTypes.count(f["issuetype"].value("name", "")) == 0) {
    return Violation(400, "issuetype: valid issue type is required");
  }
  if (!f.contains("summary") || !f["summary"].is_string() ||
      f["summary"].get<std::string>().empty()) {
    return Violation(400, "summary: You must specify a summary of the issue.");
  }
  const std::string summary = f["summary"];
  if (Chars(summary) > 255) return Violation(400, "summary: must be less than 255 characters.");
  if (summary.find('\n') != std::string::npos) {
    return Violation(400,
                     "summary: The summary is invalid because it contains newline characters.");
  }
  if (f.contains("description") &&
      (!f["description"].is_string() || Chars(f["description"].get<std::string>()) > kTextLimit)) {
    return Violation(400, "description: must be a string of at most 32767 characters");
  }
  if (f.contains("labels")) {
    if (std::string bad = CheckLabels(f["labels"]); !bad.empty()) return Violation(400, bad);
  }
  if (f.contains("priority") && kPriorities.count(f["priority"].value("name", "")) == 0) {
    return Violation(400, "priority: Specify the Priority (name) in the string format");
  }
  if (f.contains("customfield_10010") && !f["customfield_10010"].is_object()) {
    return Violation(400, "customfield_10010: Specify a valid option {value}");
  }
  Issue issue;
  issue.id = std::to_string(next_id_++);
  issue.key = "OPS-" + std::to_string(next_number_++);
  issue.fields = f;
  if (req.json.contains("update")) {
    if (req.json["update"].contains("issuelinks") && !OnScreen("issuelinks")) {
      return NotOnScreen("issuelinks");
    }
    for (const Json& link : req.json["update"].value("issuelinks", Json::array())) {
      const Json& add = link.value("add", Json::object());
      const std::string other = add.value("outwardIssue", Json::object()).value("key", "");
      if (add.value("type", Json::object()).value("name", "") != "Relates" ||
          issues_.count(other) == 0) {
        return Violation(400,
                         "issuelinks: {add: {type: {name}, outwardIssue: {key}}} with an "
                         "existing issue expected");
      }
      issue.links.push_back(other);
    }
  }
  issue.created = std::chrono::steady_clock::now();
  issues_[issue.key] = issue;
  return ApiAnswer::Json(
      201, {{"id", issue.id}, {"key", issue.key}, {"self", Url("/rest/api/2/issue/" + issue.id)}});
}

ApiAnswer FakeJira::EditIssue(Issue& issue, const ApiRequest& req) {
  if (!req.json.is_object()) return Violation(400, "edit: JSON object expected");
  if (req.json.contains("fields")) {
    for (auto it = req.json["fields"].begin(); it != req.json["fields"].end(); ++it) {
      if (!OnScreen(it.key())) return NotOnScreen(it.key());
      if (it.key() != "priority" || kPriorities.count(it->value("name", "")) == 0) {
        return Violation(400, "edit: only a valid priority is expected, got " + it.key());
      }
      issue.fields["priority"] = *it;
    }
  }
  if (req.json.contains("update")) {
    for (const Json& op : req.json["update"].value("labels", Json::array())) {
      if (!op.contains("add") || !CheckLabels(Json::array({op["add"]})).empty()) {
        return Violation(400, "update.labels: [{add: label}] expected");
      }
      Json& labels = issue.fields["labels"];
      if (std::find(labels.begin(), labels.end(), op["add"]) == labels.end()) {
        labels.push_back(op["add"]);
      }
    }
  }
  return ApiAnswer::Empty(204);
}

ApiAnswer FakeJira::Search(const ApiRequest&, const std::string& jql) {
  JqlQuery q = ParseJql(jql);
  if (!q.error.empty()) return Violation(400, "JQL: " + q.error + " in: " + jql);
  std::vector<const Issue*> hits;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [key, issue] : issues_) {
    if (now < issue.created + search_lag_) continue;  // not in the index yet
    bool match = true;
    for (const auto& [field, value] : q.clauses) {
      if (field == "project") {
        match = match && issue.key.rfind(value + "-", 0) == 0;
      } else if (field == "labels") {
        const Json& labels = issue.fields.value("labels", Json::array());
        match = match && std::find(labels.begin(), labels.end(), value) != labels.end();
      } else {
        return Violation(400, "JQL: field " + field + " not supported by the fake");
      }
    }
    if (match) hits.push_back(&issue);
  }
  std::sort(hits.begin(), hits.end(), [&](const Issue* a, const Issue* b) {
    return q.newest_first ? std::stoi(a->id) > std::stoi(b->id)
                          : std::stoi(a->id) < std::stoi(b->id);
  });
  Json issues = Json::array();
  for (const Issue* i : hits) issues.push_back(IssueJson(*i));
  if (cloud_) return ApiAnswer::Json(200, {{"issues", issues}, {"isLast", true}});
  return ApiAnswer::Json(
      200, {{"startAt", 0}, {"maxResults", 50}, {"total", issues.size()}, {"issues", issues}});
}

ApiAnswer FakeJira::AddComment(Issue& issue, const ApiRequest& req) {
  if (!req.json.is_object() || !req.json.contains("body") || !req.json["body"].is_string() ||
      req.json["body"].get<std::string>().empty()) {
    return Violation(400, "comment: {body: non-empty string} expected");
  }
  if (Chars(req.json["body"].get<std::string>()) > kTextLimit)
    return Violation(400, "comment: body too long");
  issue.comments.push_back(req.json["body"]);
  return ApiAnswer::Json(
      201, {{"id", std::to_string(issue.comments.size())}, {"body", req.json["body"]}});
}

ApiAnswer FakeJira::ListComments(const Issue& issue, const ApiRequest& req) {
  const std::string order = req.Param("orderBy");
  Json comments = Json::array();
  for (size_t i = 0; i < issue.comments.size(); ++i) {
    comments.push_back({{"id", std::to_string(i + 1)}, {"body", issue.comments[i]}});
  }
  if (order == "-created") std::reverse(comments.begin(), comments.end());
  const std::string max = req.Param("maxResults");
  const size_t limit = max.empty() ? 5000 : std::stoul(max);
  if (comments.size() > limit) comments.erase(comments.begin() + limit, comments.end());
  return ApiAnswer::Json(200, {{"startAt", 0},
                               {"maxResults", limit},
                               {"total", issue.comments.size()},
                               {"comments", comments}});
}

Json FakeJira::TransitionsFrom(const Issue& issue) const {
  auto t = [](const char* id, const char* name, const char* to) {
    return Json{{"id", id},
                {"name", name},
                {"to", {{"name", to}, {"statusCategory", {{"key", Category(to)}}}}}};
  };
  Json list = Json::array();
  if (simplified_) {
    // Simplified workflows: a transition into every other status, named after it.
    if (issue.status != "To Do") list.push_back(t("11", "To Do", "To Do"));
    if (issue.status != "In Progress") list.push_back(t("21", "In Progress", "In Progress"));
    if (issue.status != "Done") list.push_back(t("31", "Done", "Done"));
    return {{"expand", "transitions"}, {"transitions", list}};
  }
  if (issue.status == "Done") {
    list.push_back(t("51", "Reopen", "To Do"));
  } else {
    if (issue.status == "To Do") list.push_back(t("11", "Start Progress", "In Progress"));
    list.push_back(t("31", "Done", "Done"));
    list.push_back(t("41", "Won't Do", "Done"));
  }
  return {{"expand", "transitions"}, {"transitions", list}};
}

void FakeJira::Apply(Issue& issue, const std::string& id) {
  if (simplified_) {
    issue.status = id == "11" ? "To Do" : (id == "21" ? "In Progress" : "Done");
    issue.resolution = id == "31" ? "Done" : "";
    return;
  }
  if (id == "11") issue.status = "In Progress";
  if (id == "31" || id == "41") {
    issue.status = "Done";
    issue.resolution = id == "31" ? "Done" : "Won't Do";
  }
  if (id == "51") {
    issue.status = "To Do";
    issue.resolution.clear();
  }
}

ApiAnswer FakeJira::Transition(Issue& issue, const ApiRequest& req) {
  if (!req.json.is_object() || !req.json.contains("transition") ||
      !req.json["transition"].contains("id") || !req.json["transition"]["id"].is_string()) {
    return Violation(400, "transition: {transition: {id: \"<id>\"}} expected");
  }
  const std::string id = req.json["transition"]["id"];
  bool available = false;
  const Json transitions = TransitionsFrom(issue);
  for (const Json& t : transitions["transitions"]) available = available || t["id"] == id;
  if (!available) {
    return Violation(400, "Transition id '" + id + "' is not valid for this issue.");
  }
  std::string resolution;
  if (req.json.contains("fields")) {
    resolution = req.json["fields"].value("resolution", Json::object()).value("name", "");
    if (kResolutions.count(resolution) == 0 || (id != "31" && id != "41")) {
      return Violation(400, "resolution: Field 'resolution' cannot be set here");
    }
  }
  Apply(issue, id);
  if (!resolution.empty()) issue.resolution = resolution;
  return ApiAnswer::Empty(204);
}

ApiAnswer FakeJira::CreateMeta(const ApiRequest& req, const std::vector<std::string>& p) {
  if (p[5] != "OPS")
    return ApiAnswer::Json(404, ErrorBody("No project could be found with key '" + p[5] + "'."));
  const int start = req.Param("startAt").empty() ? 0 : std::stoi(req.Param("startAt"));
  const int max = req.Param("maxResults").empty() ? 50 : std::stoi(req.Param("maxResults"));
  Json items = Json::array();
  if (p.size() == 7) {
    for (const auto& [name, id] : kIssueTypeIds) items.push_back({{"id", id}, {"name", name}});
  } else if (p.size() == 8) {
    bool known = false;
    for (const auto& [name, id] : kIssueTypeIds) known = known || id == p[7];
    if (!known) return ApiAnswer::Json(404, ErrorBody("Issue type not found: " + p[7]));
    for (const char* f : kScreenFields) {
      if (OnScreen(f))
        items.push_back({{"fieldId", f}, {"key", f}, {"name", f}, {"required", false}});
    }
  } else {
    return Violation(404, "unknown createmeta path " + req.path);
  }
  const int total = static_cast<int>(items.size());
  Json page = Json::array();
  for (int i = start; i < total && i < start + max; ++i) page.push_back(items[i]);
  const char* list = cloud_ ? (p.size() == 7 ? "issueTypes" : "fields") : "values";
  Json body = {{"startAt", start}, {"maxResults", max}, {"total", total}, {list, page}};
  if (!cloud_) body["isLast"] = start + max >= total;
  return ApiAnswer::Json(200, body);
}

ApiAnswer FakeJira::LinkIssues(const ApiRequest& req) {
  const Json& j = req.json;
  if (!j.is_object() || j.value("type", Json::object()).value("name", "").empty() ||
      !j.contains("inwardIssue") || !j.contains("outwardIssue")) {
    return Violation(400, "issueLink: {type: {name}, inwardIssue: {key}, outwardIssue: {key}}");
  }
  const std::string in = j["inwardIssue"].value("key", "");
  const std::string out = j["outwardIssue"].value("key", "");
  if (j["type"]["name"] != "Relates") {
    return ApiAnswer::Json(404, ErrorBody("No issue link type with name '" +
                                          j["type"]["name"].get<std::string>() + "' found."));
  }
  auto a = issues_.find(in);
  auto b = issues_.find(out);
  if (a == issues_.end() || b == issues_.end()) {
    return ApiAnswer::Json(404, ErrorBody("Issue Does Not Exist"));
  }
  a->second.links.push_back(out);
  return ApiAnswer::Empty(201);
}

Json FakeJira::IssueJson(const Issue& issue) const {
  Json fields = issue.fields;
  fields["status"] = {{"name", issue.status},
                      {"statusCategory", {{"key", Category(issue.status)}}}};
  fields["resolution"] =
      issue.resolution.empty() ? Json(nullptr) : Json{{"name", issue.resolution}};
  return {{"id", issue.id},
          {"key", issue.key},
          {"self", Url("/rest/api/2/issue/" + issue.id)},
          {"fields", fields}};
}

}  // namespace ab::testing
