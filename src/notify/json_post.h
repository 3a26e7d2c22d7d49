// The shape Slack, Teams, PagerDuty and Opsgenie share: one JSON request per event to one HTTP
// API, the answer classified with the vendor's own words and every secret redacted. A type says
// what to send for an event (RequestFor) and, if it must, how to read the answer (OnAnswer);
// Send, the factory's plumbing and the optional-step rule live here once.
#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "notify/http_client.h"
#include "notify/http_receiver.h"
#include "notify/notifier.h"
#include "notify/text/event_view.h"
#include "notify/text/template.h"

namespace ab {

// Where a JSON receiver sends: its endpoint, the values to redact from every reason, the timeout.
struct JsonPostTarget {
  std::string receiver;
  HttpEndpoint endpoint;
  std::vector<std::string> secrets;
  Duration timeout{10'000};
};
// A webhook whose URL is the secret (Slack, Teams): `url`, redacted with its path.
Result<JsonPostTarget> WebhookUrlTarget(const ReceiverConfig& rc);
// A vendor API at `base_url` authenticated by `key` (written under `key_name`); the key's value
// is returned in `*key_value` and redacted.
Result<JsonPostTarget> ApiKeyTarget(const ReceiverConfig& rc, const Secret& key,
                                    std::string_view key_name, std::string* key_value);

// A receiver's templates by name, each the user's `templates:` entry or the type's default.
struct NamedTemplate {
  std::string_view name;
  std::string_view default_text;
};
class TemplateSet {
 public:
  static Result<TemplateSet> Make(const ReceiverConfig& rc,
                                  std::initializer_list<NamedTemplate> templates);
  // A name given to Make(); anything else is a bug.
  const Template& operator[](std::string_view name) const;

 private:
  std::map<std::string, Template, std::less<>> templates_;
};

class JsonPostNotifier : public Notifier {
 public:
  struct Request {
    std::string method = "POST";
    std::string path = {};  // "" = the endpoint's own path
    std::string body = {};
    HttpHeaders headers = {};  // besides Content-Type and User-Agent
    // An optional step (issue 16 item 1): a permanent failure degrades the delivery under this
    // name instead of dead-lettering it. "" = essential.
    std::string optional_step = {};
  };

  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) final;

  // The request for one event; none = the event asks nothing of this receiver.
  virtual std::optional<Request> RequestFor(const EventView& event) const = 0;

 protected:
  explicit JsonPostNotifier(JsonPostTarget target);

  // A last look at the request before it goes out: not Ok = it is not sent, and this is the result.
  virtual SendResult Check(const Request& req) const {
    (void)req;
    return SendResult::Ok();
  }

  // The answer read by the type; `result` is it classified (ClassifyResponse).
  virtual SendResult OnAnswer(const Request& req, const HttpResponse& res,
                              SendResult result) const {
    (void)req;
    (void)res;
    return result;
  }

  const std::string& receiver() const { return target_.receiver; }
  const HttpEndpoint& endpoint() const { return client_.endpoint(); }
  // `receiver "name"`, how reasons start.
  std::string What() const { return "receiver \"" + target_.receiver + "\""; }

 private:
  JsonPostTarget target_;
  mutable HttpClient client_;
};

// The factory every JSON receiver type shares: `target` resolved, `templates` compiled, then
// T(target, templates, extra...).
template <typename T, typename... Extra>
Result<std::unique_ptr<Notifier>> MakeJsonPostNotifier(
    const ReceiverConfig& rc, Result<JsonPostTarget> target,
    std::initializer_list<NamedTemplate> templates, Extra&&... extra) {
  if (!target.ok()) return target.error();
  auto set = TemplateSet::Make(rc, templates);
  if (!set.ok()) return set.error();
  return std::unique_ptr<Notifier>(std::make_unique<T>(
      std::move(target).value(), std::move(set).value(), std::forward<Extra>(extra)...));
}

}  // namespace ab
