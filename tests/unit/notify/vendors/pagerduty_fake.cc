// PagerDuty Events API v2 (POST /v2/enqueue): 202 {status, message, dedup_key}; 400 {status:
// "invalid event", message, errors} for anything the API rejects. Triggers with the dedup_key of
// an open alert fold into it; acknowledge and resolve act on the open alert.
#include <cctype>
#include <string_view>

#include "fakes.h"
#include "json_checks.h"

namespace ab::testing {
namespace {

using nlohmann::json;

VendorReply Invalid(const std::vector<std::string>& errors) {
  return VendorReply::Json(
      400,
      json{{"status", "invalid event"}, {"message", "Event object is invalid"}, {"errors", errors}}
          .dump());
}

// YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm). By hand, not std::regex: g++ 12 reports a
// false -Wmaybe-uninitialized inside <regex> in the sanitizer builds (-O1 + ASan).
bool IsIsoTimestamp(std::string_view t) {
  auto digits = [&](size_t at, size_t n) {
    if (at + n > t.size()) return false;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
    }
    return true;
  };
  auto at = [&](size_t i, char ch) { return i < t.size() && t[i] == ch; };
  if (!(digits(0, 4) && at(4, '-') && digits(5, 2) && at(7, '-') && digits(8, 2) && at(10, 'T') &&
        digits(11, 2) && at(13, ':') && digits(14, 2) && at(16, ':') && digits(17, 2))) {
    return false;
  }
  size_t i = 19;
  if (at(i, '.')) {
    size_t j = i + 1;
    while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
    if (j == i + 1) return false;
    i = j;
  }
  if (at(i, 'Z')) return i + 1 == t.size();
  return (at(i, '+') || at(i, '-')) && digits(i + 1, 2) && at(i + 3, ':') && digits(i + 4, 2) &&
         i + 6 == t.size();
}

void CheckTrigger(JsonChecks& c, const json& body) {
  if (!body.contains("payload") || !body["payload"].is_object()) {
    return c.Fail("'payload' is missing or not an object");
  }
  const json& p = body["payload"];
  c.OnlyKeys(p, "payload.",
             {"summary", "source", "severity", "timestamp", "component", "group", "class",
              "custom_details"});
  c.String(p, "payload.", "summary", true, 1024);
  c.String(p, "payload.", "source", true);
  c.Enum(p, "payload.", "severity", true, {"critical", "error", "warning", "info"});
  if (c.String(p, "payload.", "timestamp", false) && p.contains("timestamp")) {
    if (!IsIsoTimestamp(p["timestamp"].get<std::string>())) {
      c.Fail("payload.timestamp is not an ISO 8601 timestamp");
    }
  }
  for (const char* k : {"component", "group", "class"}) c.String(p, "payload.", k, false);
  if (body.contains("links")) {
    if (!body["links"].is_array()) return c.Fail("links must be an array");
    for (const json& l : body["links"]) {
      if (!l.is_object()) return c.Fail("links[] must be objects");
      c.OnlyKeys(l, "links[].", {"href", "text"});
      c.String(l, "links[].", "href", true);
      c.String(l, "links[].", "text", false);
    }
  }
}

}  // namespace

PagerDutyFake::PagerDutyFake(std::string routing_key)
    : routing_key_(std::move(routing_key)),
      server_(
          std::make_unique<VendorServer>([this](const VendorRequest& r) { return Handle(r); })) {}

VendorReply PagerDutyFake::Handle(const VendorRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (r.method != "POST" || r.path != "/v2/enqueue") {
    Reject("not found: " + r.method + " " + r.path);
    return VendorReply::Json(404, R"({"status":"not found"})");
  }
  JsonChecks c;
  json body;
  if (r.Header("content-type").rfind("application/json", 0) != 0) {
    c.Fail("Content-Type must be application/json");
  } else if (c.Object(r.body, &body)) {
    c.OnlyKeys(body, "",
               {"routing_key", "event_action", "dedup_key", "payload", "links", "images", "client",
                "client_url"});
    if (c.String(body, "", "routing_key", true)) {
      const std::string key = body["routing_key"];
      if (key.size() != 32) {
        c.Fail("Length of 'routing_key' is incorrect (should be 32 characters)");
      } else if (key != routing_key_) {
        c.Fail("Invalid routing key");
      }
    }
    const bool action_ok =
        c.Enum(body, "", "event_action", true, {"trigger", "acknowledge", "resolve"});
    const bool needs_key = action_ok && body["event_action"] != "trigger";
    if (c.String(body, "", "dedup_key", needs_key, 255) && needs_key &&
        !body.contains("dedup_key")) {
      c.Fail("'dedup_key' is missing or blank");
    }
    if (action_ok && body["event_action"] == "trigger") CheckTrigger(c, body);
    for (const char* k : {"client", "client_url"}) c.String(body, "", k, false);
  }
  if (!c.ok()) {
    Reject(c.Joined());
    return Invalid(c.errors());
  }

  const std::string action = body["event_action"];
  const std::string key = body["dedup_key"];
  Alert* open = nullptr;
  for (Alert& a : alerts_) {
    if (a.dedup_key == key && a.status != "resolved") open = &a;
  }
  if (action == "trigger") {
    if (open == nullptr) {
      alerts_.push_back(
          Alert{key, "triggered", body["payload"]["summary"], body["payload"]["severity"], 0});
      open = &alerts_.back();
    }
    ++open->events;
  } else if (open != nullptr) {
    open->status = action == "acknowledge" ? "acknowledged" : "resolved";
    ++open->events;
  }
  return VendorReply::Json(
      202, json{{"status", "success"}, {"message", "Event processed"}, {"dedup_key", key}}.dump());
}

std::vector<PagerDutyFake::Alert> PagerDutyFake::Alerts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alerts_;
}

}  // namespace ab::testing
