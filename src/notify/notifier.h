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

// An optional step of a delivery (a priority change, a link, a label) that failed for good while
// the essential part went through: the entry is delivered, the step is counted
// (alertbridge_delivery_degraded_total{receiver,step}) and noted on the entry, and the incident's
// later entries are not held behind it (issue 16 item 1).
struct DegradedStep {
  std::string step;    // a short name for the metric label: priority, link, comment, ticket_gone...
  std::string reason;  // for logs and the entry's note; never contains secrets
  bool operator==(const DegradedStep&) const = default;
};

struct SendResult {
  enum class Kind { kOk, kRetry, kPermanent };
  Kind kind = Kind::kOk;
  std::optional<Duration> retry_after;  // from Retry-After & co., when the receiver said
  std::string reason;                   // for logs and last_error; never contains secrets
  std::optional<ExternalRef> ref;       // an id the receiver gave us, to store on the incident
  // Optional steps that failed for good (kind kOk only).
  std::vector<DegradedStep> degraded;

  static SendResult Ok() { return {}; }
  static SendResult Retry(std::string reason, std::optional<Duration> after = std::nullopt) {
    return {Kind::kRetry, after, std::move(reason), std::nullopt, {}};
  }
  static SendResult Permanent(std::string reason) {
    return {Kind::kPermanent, std::nullopt, std::move(reason), std::nullopt, {}};
  }
  // `r` was an optional step: a permanent failure degrades the delivery (Ok, with the step noted)
  // instead of failing it; a retry stays a retry (the vendor may take it in a moment).
  static SendResult Optional(SendResult r, std::string step) {
    if (r.kind != Kind::kPermanent) return r;
    SendResult ok;
    ok.degraded.push_back({std::move(step), std::move(r.reason)});
    return ok;
  }
  // Adds the degraded steps of `other` (an earlier step of the same delivery) to this result.
  SendResult& Merge(const SendResult& other) {
    degraded.insert(degraded.end(), other.degraded.begin(), other.degraded.end());
    return *this;
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

// Retry classification shared by all HTTP receivers (CONTRACTS.md "Events out"): retry on
// connection errors (status 0), timeouts, 408, 425, 429 and 5xx; other 4xx are permanent.
// `retry_after_header` may be seconds or an HTTP date.
SendResult ClassifyHttp(int status, const std::string& retry_after_header, TimePoint now,
                        const std::string& what);

}  // namespace ab
