// A fake Jira (Cloud or Data Center flavour) for the jira receiver's contract tests: REST v2
// issues, comments, transitions and issue links, JQL search on the flavour's own endpoint (Cloud:
// /rest/api/3/search/jql, the old /rest/api/2/search answers 410; Data Center: GET
// /rest/api/2/search), validated as Jira validates them (VENDORS.md). Project OPS, issue types
// Incident and Task, the five default priorities, one custom field (customfield_10010), and a
// workflow To Do -> In Progress -> Done with transitions Done and Won't Do (each setting the
// resolution of that name) and Reopen (clearing it).
//
// Real installations differ from those defaults; each difference can be switched on per test:
// a create/edit screen lacking fields (Jira answers 400 naming the field), a simplified workflow
// (transitions named after their target status, no Reopen), a search index that lags creates,
// and people deleting issues. Create metadata (/rest/api/2/issue/createmeta/{project}/issuetypes
// [/{id}]) answers what the screen has, in the flavour's shape.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "fake_ticket_api.h"

namespace ab::testing {

class FakeJira final : public FakeTicketApi {
 public:
  struct Issue {
    std::string id;
    std::string key;
    nlohmann::json fields;  // as created (summary, description, labels, priority, ...)
    std::string status = "To Do";
    std::string resolution;  // "" = unresolved
    std::vector<std::string> comments;
    std::vector<std::string> links;  // keys of linked issues
    std::chrono::steady_clock::time_point created{};
  };

  FakeJira(bool cloud, std::string authorization);
  ~FakeJira() override;

  std::vector<Issue> Issues() const;
  Issue Get(const std::string& key) const;
  // A person moving the issue through the workflow in the UI.
  void HumanTransition(const std::string& key, const std::string& transition);
  // A person editing the description.
  void HumanEditDescription(const std::string& key, const std::string& text);
  // A person deleting the issue.
  void HumanDelete(const std::string& key);

  // The project's create and edit screens lack these fields (e.g. "priority", "issuelinks").
  void ScreenLacks(std::vector<std::string> fields);
  // A simplified workflow: statuses To Do, In Progress, Done; one transition into each, named
  // after it, from every other status; no Reopen.
  void UseSimplifiedWorkflow();
  // Searches see an issue only this long after its create.
  void SetSearchLag(std::chrono::milliseconds lag);

 private:
  ApiAnswer Handle(const ApiRequest& req) override;
  nlohmann::json ErrorBody(const std::string& message) const override;

  ApiAnswer CreateIssue(const ApiRequest& req);
  ApiAnswer EditIssue(Issue& issue, const ApiRequest& req);
  ApiAnswer Search(const ApiRequest& req, const std::string& jql);
  ApiAnswer AddComment(Issue& issue, const ApiRequest& req);
  ApiAnswer ListComments(const Issue& issue, const ApiRequest& req);
  ApiAnswer Transition(Issue& issue, const ApiRequest& req);
  nlohmann::json IssueJson(const Issue& issue) const;
  nlohmann::json TransitionsFrom(const Issue& issue) const;
  // The label problems of `labels`, or "".
  std::string CheckLabels(const nlohmann::json& labels) const;
  void Apply(Issue& issue, const std::string& transition_id);

  ApiAnswer CreateMeta(const ApiRequest& req, const std::vector<std::string>& p);
  ApiAnswer LinkIssues(const ApiRequest& req);
  bool OnScreen(const std::string& field) const;
  ApiAnswer NotOnScreen(const std::string& field) const;

  bool cloud_;
  std::vector<std::string> screen_lacks_;
  bool simplified_ = false;
  std::chrono::milliseconds search_lag_{0};
  std::map<std::string, Issue> issues_;  // by key
  int next_id_ = 10000;
  int next_number_ = 1;
};

}  // namespace ab::testing
