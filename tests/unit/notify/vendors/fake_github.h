// A fake GitHub REST API (Issues) for the github receiver's contract tests: repository acme/ops,
// issues with labels, comments, state and state_reason, the list filter by labels and state,
// validated as GitHub validates them (VENDORS.md): Bearer token, Accept
// application/vnd.github+json, X-GitHub-Api-Version 2022-11-28, a User-Agent, title <= 256 and
// body <= 65,536 characters, labels <= 50 characters, state/state_reason pairs. Pull requests
// share the issue numbers and appear in the issue list, as on GitHub.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fake_ticket_api.h"

namespace ab::testing {

class FakeGitHub final : public FakeTicketApi {
 public:
  struct Issue {
    int number = 0;
    std::string title;
    std::string body;
    std::vector<std::string> labels;
    std::string state = "open";
    std::string state_reason;  // "" = null
    bool pull_request = false;
    std::vector<std::string> comments;
    std::vector<std::string> comment_times;  // RFC 3339, as GitHub's created_at/updated_at
  };

  explicit FakeGitHub(std::string token);
  ~FakeGitHub() override;

  std::vector<Issue> Issues() const;  // pull requests left out
  Issue Get(int number) const;
  // A person closing the issue in the UI ("completed", "not_planned", "duplicate").
  void HumanClose(int number, const std::string& reason);
  // A pull request carrying `label` (the issues list returns it too).
  void AddPullRequest(const std::string& label);

 private:
  ApiAnswer Handle(const ApiRequest& req) override;
  std::string CheckHeaders(const ApiRequest& req) const override;
  nlohmann::json ErrorBody(const std::string& message) const override;

  ApiAnswer Create(const ApiRequest& req);
  ApiAnswer List(const ApiRequest& req) const;
  ApiAnswer Update(Issue& issue, const ApiRequest& req);
  ApiAnswer AddComment(Issue& issue, const ApiRequest& req);
  ApiAnswer ListComments(const Issue& issue, const ApiRequest& req) const;
  ApiAnswer AddLabels(Issue& issue, const ApiRequest& req);
  nlohmann::json IssueJson(const Issue& issue) const;
  // The problem with `labels` (a list of names), or "".
  static std::string CheckLabels(const nlohmann::json& labels);

  std::map<int, Issue> issues_;
  int next_number_ = 1;
};

}  // namespace ab::testing
