// The github receiver as the contract tests configure it against the fake GitHub.
#pragma once

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "notify/github/github_settings.h"
#include "ticket_test_util.h"
#include "vendors/fake_github.h"

namespace ab::testing {

constexpr char kGitHubToken[] = "ghp_s3cretTokenValue000000000000000000";

inline ReceiverConfig GitHubConfig(const FakeGitHub& fake,
                                   const std::function<void(GitHubSettings&)>& edit = nullptr) {
  ::setenv("AB_TEST_GITHUB_TOKEN", kGitHubToken, 1);
  ReceiverConfig c;
  c.name = "github-ops";
  c.type = "github";
  c.url = Secret(fake.Url());
  c.timeout = Duration(2000);
  auto s = std::make_shared<GitHubSettings>();
  s->owner = "acme";
  s->repo = "ops";
  s->token = Secret("env:AB_TEST_GITHUB_TOKEN");
  s->labels = {"incident"};
  if (edit) edit(*s);
  c.settings = s;
  return c;
}

}  // namespace ab::testing
