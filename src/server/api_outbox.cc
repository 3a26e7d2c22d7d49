// The outbox as operators see it: list entries by state or receiver, retry or discard a dead one.
#include <nlohmann/json.hpp>

#include "model/json.h"
#include "server/api.h"
#include "server/api_helpers.h"

namespace ab {

using api_internal::ParseId;
using api_internal::StoreUnavailable;

HttpResponse Api::ListOutbox(const HttpRequest& req) {
  if (auto repeated = req.RepeatedQuery({})) return api_internal::RepeatedParameter(*repeated);
  OutboxQuery q;
  if (std::string state = req.Query("state"); !state.empty()) {
    q.state = ParseOutboxState(state);
    if (!q.state) {
      return HttpResponse::Error(
          400,
          "unknown outbox state \"" + state +
              "\" (valid: pending, held, delivered, dead, discarded)",
          "state");
    }
  }
  q.receiver = req.Query("receiver");
  if (std::string limit = req.Query("limit"); !limit.empty()) {
    auto n = ParseId(limit);
    if (!n || *n > 1000) return HttpResponse::Error(400, "limit must be 1..1000", "limit");
    q.limit = static_cast<int>(*n);
  }
  auto entries = deps_.store->ListOutbox(q);
  if (!entries.ok()) return StoreUnavailable("listing the outbox", entries.error().message);
  nlohmann::json list = nlohmann::json::array();
  for (const OutboxEntry& e : *entries) {
    list.push_back({{"id", e.id},
                    {"incident_id", e.incident_id},
                    {"event_id", e.event_id},
                    {"type", e.event_type},
                    {"receiver", e.receiver},
                    {"state", ToString(e.state)},
                    {"attempts", e.attempts},
                    {"created_at", FormatRfc3339(e.created_at)},
                    {"next_attempt_at", FormatRfc3339(e.next_attempt_at)},
                    {"last_error", e.last_error}});
  }
  return HttpResponse::Json(200, nlohmann::json{{"entries", std::move(list)}}.dump());
}

HttpResponse Api::OutboxAction(std::string_view id_text, std::string_view action) {
  auto id = ParseId(id_text);
  if (!id) return HttpResponse::Error(400, "outbox id must be a positive integer", "id");
  const bool retry = action == "retry";
  const TimePoint now = deps_.clock->now();
  auto before = retry ? deps_.store->RetryOutbox(*id, now) : deps_.store->DiscardOutbox(*id, now);
  if (!before.ok()) {
    return StoreUnavailable(retry ? "retrying the entry" : "discarding the entry",
                            before.error().message);
  }
  if (!before->has_value()) {
    return HttpResponse::Error(404, "no outbox entry " + std::to_string(*id), "id");
  }
  const OutboxState was = **before;
  const bool applies =
      was == OutboxState::kDead || (!retry && was == OutboxState::kHeld);
  if (!applies) {
    return HttpResponse::Error(409,
                               "outbox entry " + std::to_string(*id) + " is " +
                                   std::string(ToString(was)) + "; only " +
                                   (retry ? "a dead entry" : "a dead or held entry") + " can be " +
                                   (retry ? "retried" : "discarded"),
                               "state");
  }
  if (deps_.wake_outbox) deps_.wake_outbox();
  return HttpResponse::Json(
      200, nlohmann::json{{"id", *id}, {"state", retry ? "pending" : "discarded"}}.dump());
}

}  // namespace ab
