// type: github — issues in one GitHub repository (see notify/github/).
#include "notify/github/github_settings.h"

#include <cctype>

#include "config/receiver_type.h"

namespace ab {

using namespace config_internal;

namespace {

// GitHub owner and repository names: letters, digits, '-', '_' and '.'.
bool IsRepoPart(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

void ParseGitHubSettings(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  auto s = std::make_shared<GitHubSettings>();
  // The API base URL: api.github.com unless GitHub Enterprise Server (or a test) says otherwise.
  ReadReceiverBaseUrl(r, diag, GitHubSettings::kDefaultApiUrl, rc);
  std::string repository;
  if (r.Require("repository") && r.String("repository", &repository)) {
    const size_t slash = repository.find('/');
    if (slash == std::string::npos || !IsRepoPart(repository.substr(0, slash)) ||
        !IsRepoPart(repository.substr(slash + 1))) {
      diag.Add(r.Find("repository")->mark,
               "repository: expected owner/name, got " + Describe(r.Find("repository")->node));
    } else {
      s->owner = repository.substr(0, slash);
      s->repo = repository.substr(slash + 1);
    }
  }
  if (r.Require("token")) r.SecretRef("token", &s->token);
  ReadTicketLabels(r, 50, diag, &s->labels);
  ReadReopenPolicy(r, diag, &s->reopen);
  rc->settings = std::move(s);
}

}  // namespace ab
