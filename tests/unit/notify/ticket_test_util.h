// Helpers for the ticket receivers' contract tests: event envelopes of one incident as the engine
// and store would write them (CONTRACTS.md "Events out"), and a stand-in for the outbox worker
// that keeps the refs a receiver returned, as the store does.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "model/incident.h"
#include "model/outbox.h"
#include "notify/notifier.h"
#include "notify/receiver_types.h"

namespace ab::testing {

// One incident's events, numbered like the timeline.
struct IncidentScript {
  std::string key = "ab-abcdefghijklmnop-1";
  int64_t seq = 0;
  std::string state = "declared";
  std::string priority = "SEV2";
  std::string title = "checkout degraded in eu-1";
  std::string summary = "Error rate above 5% for 10 minutes";
  std::string team = "payments";
  std::string commander = "alice";
  std::string runbook = "https://wiki.example/runbooks/checkout";
  std::vector<std::string> accounts = {"globex"};
  int alerts_firing = 2;
  int alerts_total = 3;
  // The next event's actor and details (reset after each event).
  std::string actor = "rule:checkout-outage";
  nlohmann::json details = nlohmann::json::object();
  int attempts = 0;  // the entry's attempts so far (a retried create sees > 0)
  TimePoint created_at = SystemClock().now();

  OutboxEntry Event(EventType type, const std::string& receiver = "tickets") {
    ++seq;
    nlohmann::json incident = {{"id", 42},
                               {"key", key},
                               {"state", state},
                               {"priority", priority},
                               {"base_severity", priority},
                               {"title", title},
                               {"summary", summary},
                               {"owner", {{"team", team}, {"commander", commander}}},
                               {"runbook", runbook},
                               {"accounts", accounts},
                               {"alerts_firing", alerts_firing},
                               {"alerts_total", alerts_total},
                               {"external_refs", nlohmann::json::array()},
                               {"url", "http://alertbridge.example:9095/api/v1/incidents/42"}};
    nlohmann::json envelope = {{"version", "1"},
                               {"id", key + "." + std::to_string(seq)},
                               {"type", std::string(ToString(type))},
                               {"occurred_at", FormatRfc3339(SystemClock().now())},
                               {"actor", actor},
                               {"details", details},
                               {"incident", incident}};
    actor = "rule:checkout-outage";
    details = nlohmann::json::object();
    OutboxEntry e;
    e.id = seq;
    e.incident_id = 42;
    e.event_seq = seq;
    e.receiver = receiver;
    e.event_id = envelope["id"];
    e.event_type = std::string(ToString(type));
    e.payload = envelope.dump();
    e.attempts = attempts;
    e.created_at = created_at;
    return e;
  }
};

// Plays the outbox worker for one incident and one receiver: passes the refs stored so far and
// stores the one a successful send returns.
struct RefStore {
  std::vector<ExternalRef> refs;

  SendResult Send(Notifier& n, const OutboxEntry& e) {
    SendResult r = n.Send(e, {SystemClock().now(), refs});
    if (r.kind == SendResult::Kind::kOk && r.ref) refs.push_back(*r.ref);
    return r;
  }
  // Sends until the result is not a retry (at most `attempts` times), like the worker would.
  SendResult SendUntilDone(Notifier& n, const OutboxEntry& e, int attempts = 5) {
    SendResult r;
    for (int i = 0; i < attempts; ++i) {
      r = Send(n, e);
      if (r.kind != SendResult::Kind::kRetry) break;
    }
    return r;
  }
};

inline std::unique_ptr<Notifier> BuildNotifier(const ReceiverConfig& c) {
  auto n = MakeNotifier(c);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? std::move(n).value() : nullptr;
}

inline int Count(const std::vector<std::string>& calls, const std::string& call) {
  int n = 0;
  for (const std::string& c : calls) n += c == call;
  return n;
}

}  // namespace ab::testing
