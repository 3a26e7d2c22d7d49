#include "notify/github/github_notifier.h"

#include <charconv>
#include <chrono>
#include <mutex>

#include "notify/github/github_settings.h"
#include "notify/receiver_types.h"
#include "notify/retry_after.h"
#include "notify/ticket/ticket_notifier.h"
#include "notify/ticket/ticket_text.h"
#include "notify/ticket/vendor_api.h"

namespace ab {
namespace {

using Json = nlohmann::json;

// GitHub's limits (characters): title 256, body and comment 65,536.
constexpr TicketWording::Limits kLimits{256, 65'536, 65'536};

class GitHubSystem final : public TicketSystem {
 public:
  GitHubSystem(TicketParts parts, const GitHubSettings& s)
      : api_(std::move(parts.api)),
        s_(s),
        wording_(std::move(parts.wording)),
        repo_path_("/repos/" + s.owner + "/" + s.repo) {}

  std::string RefType() const override { return "issue"; }

  ExternalRef RefOf(const Ticket& t) const override { return {"", "issue", t.id, t.url}; }

  SendResult FindByKey(TimePoint now, const std::string& key, std::vector<Ticket>* out) override {
    VendorApi::Reply reply;
    SendResult r = api_->Call(now, "GET",
                              repo_path_ + "/issues?labels=" + UrlEncode(key) +
                                  "&state=all&sort=created&direction=desc&per_page=20",
                              nullptr, {200}, &reply);
    if (Failed(r)) return r;
    if (!reply.json.is_array()) {
      return SendResult::Retry(api_->who() + ": issue list answered without an array");
    }
    for (const Json& issue : reply.json) {
      if (issue.contains("pull_request")) continue;  // the issues API lists pull requests too
      Ticket t;
      if (Parse(issue, &t)) out->push_back(std::move(t));
    }
    return r;
  }

  SendResult Get(TimePoint now, const ExternalRef& ref, std::optional<Ticket>* out) override {
    VendorApi::Reply reply;
    // 404 deleted, 410 gone, 301 transferred to another repository: not ours to update.
    SendResult r = api_->Call(now, "GET", repo_path_ + "/issues/" + UrlEncode(ref.id), nullptr,
                              {200, 301, 404, 410}, &reply);
    if (Failed(r) || reply.status != 200) return r;
    Ticket t;
    if (!Parse(reply.json, &t)) {
      return SendResult::Retry(api_->who() + ": issue " + ref.id + " answered without a number");
    }
    *out = std::move(t);
    return r;
  }

  SendResult Create(TimePoint now, const IncidentEvent& ev, const Ticket* previous,
                    Ticket* out) override {
    Json labels = Json::array({ev.key});
    for (const std::string& l : s_.labels) {
      if (l != ev.key) labels.push_back(l);
    }
    std::optional<TicketLink> follows;
    if (previous != nullptr) follows = TicketLink{previous->display, previous->url};
    const Json body = {
        {"title", wording_.Title(ev)}, {"body", wording_.Body(ev, follows)}, {"labels", labels}};
    VendorApi::Reply reply;
    SendResult r = api_->Call(now, "POST", repo_path_ + "/issues", &body, {201}, &reply);
    if (Failed(r)) return r;
    if (!Parse(reply.json, out)) {
      return SendResult::Retry(api_->who() + ": create answered without an issue number");
    }
    return r;
  }

  SendResult HasComment(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                        bool* found) override {
    // Comments come oldest first; ours for this event cannot be older than the event (ten
    // minutes of slack for clock skew).
    std::string path = repo_path_ + "/issues/" + t.id + "/comments?per_page=100";
    if (ev.occurred_at != TimePoint{}) {
      path += "&since=" + UrlEncode(FormatRfc3339(ev.occurred_at - Duration(600'000)));
    }
    VendorApi::Reply reply;
    SendResult r = api_->Call(now, "GET", path, nullptr, {200}, &reply);
    if (Failed(r)) return r;
    *found = CommentsHaveEventMarker(reply.json, ev.id);
    return r;
  }

  SendResult Comment(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                     const std::string& headline) override {
    const Json body = {{"body", wording_.Comment(ev, headline)}};
    VendorApi::Reply reply;
    return api_->Call(now, "POST", repo_path_ + "/issues/" + t.id + "/comments", &body, {201},
                      &reply);
  }

  SendResult Close(TimePoint now, const Ticket& t, const IncidentEvent&) override {
    return SetState(now, t, "closed", "completed");
  }

  SendResult Reopen(TimePoint now, const Ticket& t, bool* reopened) override {
    SendResult r = SetState(now, t, "open", "reopened");
    *reopened = !Failed(r);
    return r;
  }

  SendResult AddKey(TimePoint now, const Ticket& t, const std::string& key) override {
    const Json body = {{"labels", {key}}};
    VendorApi::Reply reply;
    return api_->Call(now, "POST", repo_path_ + "/issues/" + t.id + "/labels", &body, {200},
                      &reply);
  }

  SendResult SetPriority(TimePoint, const Ticket&, const IncidentEvent&) override {
    return SendResult::Ok();  // issues have no priority field; the comment says it
  }

 private:
  bool Parse(const Json& issue, Ticket* t) const {
    if (!issue.is_object() || !issue.contains("number") || !issue["number"].is_number_integer()) {
      return false;
    }
    t->id = std::to_string(issue["number"].get<int64_t>());
    t->display = "#" + t->id;
    t->url = issue.contains("html_url") && issue["html_url"].is_string()
                 ? issue["html_url"].get<std::string>()
                 : std::string();
    t->closed = issue.contains("state") && issue["state"] == "closed";
    t->resolution = t->closed && issue.contains("state_reason") && issue["state_reason"].is_string()
                        ? issue["state_reason"].get<std::string>()
                        : std::string();
    return true;
  }

  SendResult SetState(TimePoint now, const Ticket& t, const char* state, const char* reason) {
    const Json body = {{"state", state}, {"state_reason", reason}};
    VendorApi::Reply reply;
    return api_->Call(now, "PATCH", repo_path_ + "/issues/" + t.id, &body, {200}, &reply);
  }

  std::unique_ptr<VendorApi> api_;
  GitHubSettings s_;
  TicketWording wording_;
  std::string repo_path_;
};

}  // namespace

Duration SecondaryLimitBackoff::Next(TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  // Quiet for as long as the last wait after it ended: the limit has been left behind.
  if (hits_ > 0 && now > until_ + wait_) hits_ = 0;
  wait_ = std::min(kFirstWait * (int64_t{1} << std::min(hits_, 6)), kMaxWait);
  ++hits_;
  until_ = now + wait_;
  return wait_;
}

SendResult ClassifyGitHub(const HttpResponse& res, TimePoint now, const std::string& what,
                          SecondaryLimitBackoff* backoff) {
  if (res.status != 403 && res.status != 429)
    return ClassifyHttp(res.status, res.retry_after, now, what);
  std::string reason = what + ": HTTP " + std::to_string(res.status);
  if (std::optional<Duration> after = ParseRetryAfter(res.retry_after, now)) {
    return SendResult::Retry(reason + " (rate limited), retry-after " + FormatDuration(*after),
                             after);
  }
  const std::string reset = res.Header("x-ratelimit-reset");
  int64_t reset_s = 0;
  const bool has_reset =
      !reset.empty() &&
      std::from_chars(reset.data(), reset.data() + reset.size(), reset_s).ec == std::errc();
  if (res.Header("x-ratelimit-remaining") == "0" && has_reset) {
    const Duration wait = std::max(Duration(0), FromMillis(reset_s * 1000) - now);
    return SendResult::Retry(reason + " (rate limit exhausted), resets in " + FormatDuration(wait),
                             wait);
  }
  if (res.status == 429 || res.body.find("rate limit") != std::string::npos) {
    // GitHub: wait at least a minute, and exponentially longer while it keeps saying so.
    const Duration wait =
        backoff != nullptr ? backoff->Next(now) : SecondaryLimitBackoff::kFirstWait;
    return SendResult::Retry(reason + " (secondary rate limit), waiting " + FormatDuration(wait),
                             wait);
  }
  return SendResult::Permanent(reason + " (forbidden: check the token's permissions)");
}

Result<std::unique_ptr<Notifier>> MakeGitHubNotifier(const ReceiverConfig& config) {
  const std::string who = "receiver \"" + config.name + "\"";
  const GitHubSettings* s = config.Settings<GitHubSettings>();
  if (s == nullptr) return MakeError(who + ": no github settings (repository, token)");
  auto token = ResolveHeaderSecret(config, s->token, "token");
  if (!token.ok()) return token.error();
  auto backoff = std::make_shared<SecondaryLimitBackoff>();
  auto parts = MakeTicketParts(
      config, "base_url", Credentials{"Bearer " + *token, {*token}},
      {{"Accept", "application/vnd.github+json"}, {"X-GitHub-Api-Version", "2022-11-28"}},
      TextFormat::kGithubMarkdown, kLimits,
      [backoff](const HttpResponse& res, TimePoint now, const std::string& what) {
        return ClassifyGitHub(res, now, what, backoff.get());
      });
  if (!parts.ok()) return parts.error();
  return std::unique_ptr<Notifier>(std::make_unique<TicketNotifier>(
      config.name, std::make_unique<GitHubSystem>(std::move(*parts), *s), s->reopen));
}

const ReceiverType& GitHubReceiverType() {
  // Secondary rate limits punish bursts of writes: at most one request a second (VENDORS.md).
  static const ReceiverType kType{{"github",
                                   {"base_url", "repository", "token", "labels", "reopen"},
                                   ParseGitHubSettings,
                                   {"title", "body"},
                                   {1, RateLimit{1, 1}, {}, true}},
                                  MakeGitHubNotifier};
  return kType;
}

}  // namespace ab
