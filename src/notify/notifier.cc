#include "notify/notifier.h"

#include <set>

#include "notify/console/console_notifier.h"
#include "notify/email/email_notifier.h"
#include "notify/github/github_notifier.h"
#include "notify/jira/jira_notifier.h"
#include "notify/opsgenie/opsgenie_notifier.h"
#include "notify/pagerduty/pagerduty_notifier.h"
#include "notify/retry_after.h"
#include "notify/servicenow/servicenow_notifier.h"
#include "notify/slack/slack_notifier.h"
#include "notify/teams/teams_notifier.h"
#include "notify/webhook/webhook_notifier.h"

namespace ab {

const std::map<std::string, NotifierFactory>& NotifierTypes() {
  // The one place a receiver type is registered; each lives in its own folder.
  static const std::map<std::string, NotifierFactory> kTypes = {
      {"console", MakeConsoleNotifier},
      {"email", MakeEmailNotifier},
      {"webhook", MakeWebhookNotifier},
      {"slack", MakeSlackNotifier},
      {"teams", MakeTeamsNotifier},
      {"pagerduty", MakePagerDutyNotifier},
      {"opsgenie", MakeOpsgenieNotifier},
      {"jira", MakeJiraNotifier},
      {"github", MakeGitHubNotifier},
      {"servicenow", MakeServiceNowNotifier},
  };
  return kTypes;
}

Result<std::map<std::string, std::unique_ptr<Notifier>>> BuildNotifiers(
    const std::vector<ReceiverConfig>& receivers) {
  std::map<std::string, std::unique_ptr<Notifier>> out;
  std::string errors;
  auto add_error = [&](const std::string& message) {
    if (!errors.empty()) errors += "; ";
    errors += message;
  };
  const auto& types = NotifierTypes();
  for (const ReceiverConfig& r : receivers) {
    if (out.count(r.name) != 0) {
      add_error("receiver \"" + r.name + "\" is defined twice");
      continue;
    }
    auto type = types.find(r.type);
    if (type == types.end()) {
      std::string known;
      for (const auto& [name, factory] : types) known += (known.empty() ? "" : ", ") + name;
      add_error("receiver \"" + r.name + "\": unknown type \"" + r.type + "\" (known: " + known +
                ")");
      continue;
    }
    auto notifier = type->second(r);
    if (!notifier.ok()) {
      add_error(notifier.error().message);
      continue;
    }
    out.emplace(r.name, std::move(notifier).value());
  }
  if (!errors.empty()) return MakeError(errors, "receivers");
  return out;
}

SendResult ClassifyHttp(int status, const std::string& retry_after_header, TimePoint now,
                        const std::string& what) {
  if (status >= 200 && status < 300) return SendResult::Ok();
  std::string reason =
      what + ": " + (status == 0 ? std::string("no response (connection error or timeout)")
                                 : "HTTP " + std::to_string(status));
  const bool retry = status == 0 || status == 408 || status == 425 || status == 429 ||
                     (status >= 500 && status <= 599);
  if (retry) {
    std::optional<Duration> after;
    if (!retry_after_header.empty()) after = ParseRetryAfter(retry_after_header, now);
    if (after) reason += ", Retry-After " + FormatDuration(*after);
    return SendResult::Retry(std::move(reason), after);
  }
  // We never follow redirects: a moved endpoint is a configuration problem, not a blip.
  if (status >= 300 && status <= 399) reason += " (redirects are not followed)";
  return SendResult::Permanent(std::move(reason));
}

}  // namespace ab
