#include "fake_github.h"

#include <algorithm>
#include <stdexcept>

#include "common/time.h"

namespace ab::testing {
namespace {

using Json = nlohmann::json;

constexpr char kRepo[] = "/repos/acme/ops/issues";

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

FakeGitHub::FakeGitHub(std::string token) : FakeTicketApi("Bearer " + token) { Start(); }

FakeGitHub::~FakeGitHub() { Stop(); }

Json FakeGitHub::ErrorBody(const std::string& message) const {
  return {{"message", message},
          {"documentation_url", "https://docs.github.com/rest/issues/issues"}};
}

std::string FakeGitHub::CheckHeaders(const ApiRequest& req) const {
  if (req.Header("accept") != "application/vnd.github+json") {
    return "Accept must be application/vnd.github+json";
  }
  if (req.Header("x-github-api-version") != "2022-11-28") {
    return "X-GitHub-Api-Version must be a supported version (2022-11-28)";
  }
  if (req.Header("user-agent").empty()) return "a User-Agent header is required";
  return {};
}

std::vector<FakeGitHub::Issue> FakeGitHub::Issues() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Issue> out;
  for (const auto& [n, issue] : issues_) {
    if (!issue.pull_request) out.push_back(issue);
  }
  return out;
}

FakeGitHub::Issue FakeGitHub::Get(int number) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = issues_.find(number);
  if (it == issues_.end()) throw std::runtime_error("no issue " + std::to_string(number));
  return it->second;
}

void FakeGitHub::HumanClose(int number, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  issues_.at(number).state = "closed";
  issues_.at(number).state_reason = reason;
}

void FakeGitHub::AddPullRequest(const std::string& label) {
  std::lock_guard<std::mutex> lock(mu_);
  Issue pr;
  pr.number = next_number_++;
  pr.title = "a pull request";
  pr.labels = {label};
  pr.pull_request = true;
  issues_[pr.number] = pr;
}

std::string FakeGitHub::CheckLabels(const Json& labels) {
  if (!labels.is_array()) return "labels must be an array of names";
  for (const Json& l : labels) {
    if (!l.is_string() || l.get<std::string>().empty()) return "labels must be non-empty names";
    if (Chars(l.get<std::string>()) > 50) return "label name is too long (maximum is 50)";
  }
  return {};
}

ApiAnswer FakeGitHub::Handle(const ApiRequest& req) {
  const std::string& path = req.path;
  if (path.rfind(kRepo, 0) != 0) return Violation(404, "Not Found: " + path);
  const std::string rest = path.substr(sizeof(kRepo) - 1);
  if (rest.empty()) {
    if (req.method == "POST") return Create(req);
    if (req.method == "GET") return List(req);
    return Violation(404, "Not Found");
  }
  if (rest[0] != '/') return Violation(404, "Not Found: " + path);
  const size_t slash = rest.find('/', 1);
  const std::string number =
      rest.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) {
    return Violation(404, "Not Found: " + path);
  }
  auto it = issues_.find(std::stoi(number));
  if (it == issues_.end()) return ApiAnswer::Json(404, ErrorBody("Not Found"));
  Issue& issue = it->second;
  const std::string sub = slash == std::string::npos ? "" : rest.substr(slash);
  if (sub.empty() && req.method == "GET") return ApiAnswer::Json(200, IssueJson(issue));
  if (sub.empty() && req.method == "PATCH") return Update(issue, req);
  if (sub == "/comments" && req.method == "POST") return AddComment(issue, req);
  if (sub == "/comments" && req.method == "GET") return ListComments(issue, req);
  if (sub == "/labels" && req.method == "POST") return AddLabels(issue, req);
  return Violation(404, "Not Found: " + req.method + " " + path);
}

ApiAnswer FakeGitHub::Create(const ApiRequest& req) {
  const Json& j = req.json;
  if (!j.is_object() || !j.contains("title") || !j["title"].is_string() ||
      j["title"].get<std::string>().empty()) {
    return Violation(422, "Validation Failed: title is required");
  }
  if (Chars(j["title"].get<std::string>()) > 256) {
    return Violation(422, "Validation Failed: title is too long (maximum is 256 characters)");
  }
  if (j.contains("body") &&
      (!j["body"].is_string() || Chars(j["body"].get<std::string>()) > 65'536)) {
    return Violation(422, "Validation Failed: body is too long (maximum is 65536 characters)");
  }
  Issue issue;
  if (j.contains("labels")) {
    if (std::string bad = CheckLabels(j["labels"]); !bad.empty()) return Violation(422, bad);
    for (const Json& l : j["labels"]) issue.labels.push_back(l);
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != "title" && it.key() != "body" && it.key() != "labels") {
      return Violation(422, "unexpected field " + it.key());
    }
  }
  issue.number = next_number_++;
  issue.title = j["title"];
  issue.body = j.value("body", "");
  issues_[issue.number] = issue;
  return ApiAnswer::Json(201, IssueJson(issue));
}

ApiAnswer FakeGitHub::List(const ApiRequest& req) const {
  const std::string state = req.Param("state").empty() ? "open" : req.Param("state");
  if (state != "open" && state != "closed" && state != "all") {
    return ApiAnswer::Json(422, ErrorBody("Validation Failed: state"));
  }
  std::vector<std::string> wanted;
  const std::string labels = req.Param("labels");
  for (size_t start = 0; !labels.empty() && start <= labels.size();) {
    size_t comma = labels.find(',', start);
    if (comma == std::string::npos) comma = labels.size();
    wanted.push_back(labels.substr(start, comma - start));
    start = comma + 1;
  }
  const bool newest_first = req.Param("direction") != "asc";  // GitHub's default: desc
  Json out = Json::array();
  for (const auto& [n, issue] : issues_) {
    if (state != "all" && issue.state != state) continue;
    bool match = true;
    for (const std::string& w : wanted) match = match && Has(issue.labels, w);
    if (match) out.push_back(IssueJson(issue));
  }
  if (newest_first) std::reverse(out.begin(), out.end());
  return ApiAnswer::Json(200, out);
}

ApiAnswer FakeGitHub::Update(Issue& issue, const ApiRequest& req) {
  const Json& j = req.json;
  if (!j.is_object()) return Violation(422, "Validation Failed: object expected");
  const std::string state = j.value("state", issue.state);
  if (state != "open" && state != "closed") return Violation(422, "state: open or closed");
  std::string reason;
  if (j.contains("state_reason") && !j["state_reason"].is_null()) {
    if (!j["state_reason"].is_string()) return Violation(422, "state_reason must be a string");
    reason = j["state_reason"];
    const bool closing = reason == "completed" || reason == "not_planned" || reason == "duplicate";
    if (!(state == "closed" && closing) && !(state == "open" && reason == "reopened")) {
      return Violation(422, "state_reason " + reason + " does not go with state " + state);
    }
  }
  issue.state = state;
  issue.state_reason = state == "open" ? (reason.empty() ? "" : reason) : reason;
  return ApiAnswer::Json(200, IssueJson(issue));
}

ApiAnswer FakeGitHub::AddComment(Issue& issue, const ApiRequest& req) {
  const Json& j = req.json;
  if (!j.is_object() || !j.contains("body") || !j["body"].is_string() ||
      j["body"].get<std::string>().empty()) {
    return Violation(422, "Validation Failed: body is required");
  }
  if (Chars(j["body"].get<std::string>()) > 65'536) {
    return Violation(422, "Validation Failed: body is too long (maximum is 65536 characters)");
  }
  issue.comments.push_back(j["body"]);
  issue.comment_times.push_back(FormatRfc3339(SystemClock().now()));
  return ApiAnswer::Json(201, {{"id", issue.comments.size()}, {"body", j["body"]}});
}

ApiAnswer FakeGitHub::ListComments(const Issue& issue, const ApiRequest& req) const {
  TimePoint since{};
  if (!req.Param("since").empty()) {
    Result<TimePoint> t = ParseRfc3339(req.Param("since"));
    if (!t.ok()) return ApiAnswer::Json(422, ErrorBody("since must be ISO 8601"));
    since = *t;
  }
  Json out = Json::array();
  for (size_t i = 0; i < issue.comments.size(); ++i) {
    if (*ParseRfc3339(issue.comment_times[i]) < since) continue;
    out.push_back({{"id", i + 1},
                   {"body", issue.comments[i]},
                   {"created_at", issue.comment_times[i]},
                   {"updated_at", issue.comment_times[i]}});
  }
  return ApiAnswer::Json(200, out);
}

ApiAnswer FakeGitHub::AddLabels(Issue& issue, const ApiRequest& req) {
  if (!req.json.is_object() || !req.json.contains("labels")) {
    return Violation(422, "Validation Failed: labels is required");
  }
  if (std::string bad = CheckLabels(req.json["labels"]); !bad.empty()) return Violation(422, bad);
  for (const Json& l : req.json["labels"]) {
    if (!Has(issue.labels, l.get<std::string>())) issue.labels.push_back(l);
  }
  Json out = Json::array();
  for (const std::string& l : issue.labels) out.push_back({{"name", l}});
  return ApiAnswer::Json(200, out);
}

Json FakeGitHub::IssueJson(const Issue& issue) const {
  Json labels = Json::array();
  for (const std::string& l : issue.labels) labels.push_back({{"name", l}});
  Json j = {
      {"number", issue.number},
      {"html_url", "https://github.example/acme/ops/issues/" + std::to_string(issue.number)},
      {"title", issue.title},
      {"body", issue.body},
      {"labels", labels},
      {"state", issue.state},
      {"state_reason", issue.state_reason.empty() ? Json(nullptr) : Json(issue.state_reason)}};
  if (issue.pull_request) j["pull_request"] = {{"url", "https://github.example/pr"}};
  return j;
}

}  // namespace ab::testing
