// A Notifier turns one outbox entry into requests to one receiver and classifies the answer.
// It owns no timing: the OutboxWorker decides retries, backoff and ordering (like Alertmanager's
// integrations returning (retry, err) to its retry stage).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "config/config.h"
#include "model/incident.h"
#include "model/outbox.h"

namespace ab {

struct SendResult {
  enum class Kind { kOk, kRetry, kPermanent };
  Kind kind = Kind::kOk;
  std::optional<Duration> retry_after;  // from Retry-After & co., when the receiver said
  std::string reason;                   // for logs and last_error; never contains secrets
  std::optional<ExternalRef> ref;       // an id the receiver gave us, to store on the incident

  static SendResult Ok() { return {}; }
  static SendResult Retry(std::string reason, std::optional<Duration> after = std::nullopt) {
    return {Kind::kRetry, after, std::move(reason), std::nullopt};
  }
  static SendResult Permanent(std::string reason) {
    return {Kind::kPermanent, std::nullopt, std::move(reason), std::nullopt};
  }
};

// What a notifier knows besides the entry itself.
struct SendContext {
  TimePoint now{};
  // The ids this receiver got back earlier for the entry's incident (Jira key, GitHub issue
  // number, ...), oldest first: how an update finds the ticket it comments on. Empty when the
  // receiver never returned one, e.g. when a crash came between its create and our record of it;
  // stateful notifiers then look the ticket up by the incident key before creating one.
  std::vector<ExternalRef> refs;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Called from a worker thread; may block (with the receiver's timeout).
  virtual SendResult Send(const OutboxEntry& entry, const SendContext& ctx) = 0;
};

// Registered receiver types, by their `type:` name. A factory validates the type-specific settings
// and resolves secrets; its error names the receiver.
using NotifierFactory = std::function<Result<std::unique_ptr<Notifier>>(const ReceiverConfig&)>;
const std::map<std::string, NotifierFactory>& NotifierTypes();

// Builds one Notifier per configured receiver.
Result<std::map<std::string, std::unique_ptr<Notifier>>> BuildNotifiers(
    const std::vector<ReceiverConfig>& receivers);

// Retry classification shared by all HTTP receivers (CONTRACTS.md "Events out"): retry on
// connection errors (status 0), timeouts, 408, 425, 429 and 5xx; other 4xx are permanent.
// `retry_after_header` may be seconds or an HTTP date.
SendResult ClassifyHttp(int status, const std::string& retry_after_header, TimePoint now,
                        const std::string& what);

}  // namespace ab
