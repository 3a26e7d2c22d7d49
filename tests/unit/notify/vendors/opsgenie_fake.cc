// Opsgenie Alert API: requests are accepted with 202 {result, took, requestId} and processed
// asynchronously (an action on a missing alert fails later: AsyncFailures); 401 without a valid
// "GenieKey" authorization; 422 {message, errors} for a body the API will not process.
#include "fakes.h"
#include "json_checks.h"

namespace ab::testing {
namespace {

using nlohmann::json;

VendorReply Unprocessable(const JsonChecks& c) {
  return VendorReply::Json(
      422, json{{"message", "Request body is not processable. Please check the errors."},
                {"errors", c.errors()},
                {"took", 0.001},
                {"requestId", "rejected"}}
               .dump());
}

void CheckCreate(JsonChecks& c, const json& b) {
  c.OnlyKeys(b, "",
             {"message", "alias", "description", "responders", "visibleTo", "actions", "tags",
              "details", "entity", "source", "priority", "user", "note"});
  c.String(b, "", "message", true, 130);
  c.String(b, "", "alias", false, 512);
  c.String(b, "", "description", false, 15'000);
  c.String(b, "", "entity", false, 512);
  c.String(b, "", "source", false, 100);
  c.String(b, "", "user", false, 100);
  c.String(b, "", "note", false, 25'000);
  c.Enum(b, "", "priority", false, {"P1", "P2", "P3", "P4", "P5"});
  if (b.contains("tags")) {
    const json& tags = b["tags"];
    if (!tags.is_array() || tags.size() > 20) c.Fail("tags must be a list of at most 20");
    for (const json& t : tags) {
      if (!t.is_string() || Utf8Chars(t.get<std::string>()) > 50) {
        c.Fail("tags must be strings of at most 50 characters");
      }
    }
  }
  if (b.contains("details")) {
    size_t total = 0;
    if (!b["details"].is_object()) c.Fail("details must be an object");
    for (const auto& [k, v] : b["details"].items()) {
      if (!v.is_string()) c.Fail("details." + k + " must be a string");
      total += Utf8Chars(k) + (v.is_string() ? Utf8Chars(v.get<std::string>()) : 0);
    }
    if (total > 8000) c.Fail("details can not be longer than 8000 characters");
  }
  if (b.contains("responders")) {
    if (!b["responders"].is_array()) return c.Fail("responders must be a list");
    for (const json& r : b["responders"]) {
      if (!r.is_object()) return c.Fail("responders[] must be objects");
      c.Enum(r, "responders[].", "type", true, {"team", "user", "escalation", "schedule"});
      if (!r.contains("id") && !r.contains("name") && !r.contains("username")) {
        c.Fail("responders[] needs id, name or username");
      }
      if (r.value("type", "") == "user" && r.contains("name")) {
        c.Fail("responders[] of type user are named by username");
      }
    }
  }
}

}  // namespace

OpsgenieFake::OpsgenieFake(std::string api_key, std::string prefix)
    : api_key_(std::move(api_key)),
      prefix_(std::move(prefix)),
      server_(
          std::make_unique<VendorServer>([this](const VendorRequest& r) { return Handle(r); })) {}

OpsgenieFake::Alert* OpsgenieFake::Open(const std::string& alias) {
  for (auto it = alerts_.rbegin(); it != alerts_.rend(); ++it) {
    if (it->alias == alias && it->status == "open") return &*it;
  }
  return nullptr;
}

VendorReply OpsgenieFake::Handle(const VendorRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (r.Header("authorization") != "GenieKey " + api_key_) {
    Reject("could not authenticate");
    return VendorReply::Json(
        401, R"({"message":"Could not authenticate","took":0.0,"requestId":"unauthenticated"})");
  }
  const std::string base = prefix_ + "/v2/alerts";
  if (r.path.rfind(base, 0) != 0) {
    Reject("not found: " + r.path);
    return VendorReply::Json(404, R"({"message":"Not found"})");
  }
  JsonChecks c;
  json body;
  if (r.Header("content-type").rfind("application/json", 0) != 0) {
    c.Fail("Content-Type must be application/json");
    Reject(c.Joined());
    return VendorReply::Json(415, R"({"message":"Unsupported Media Type"})");
  }
  if (!c.Object(r.body, &body)) {
    Reject(c.Joined());
    return Unprocessable(c);
  }
  const std::string request_id = "req-" + std::to_string(next_request_++);
  const std::string rest = r.path.substr(base.size());
  if (rest.empty() && r.method == "POST") return Create(body, request_id);
  // /{identifier}/{action}
  const size_t slash = rest.rfind('/');
  if (rest.size() < 2 || rest[0] != '/' || slash == 0) {
    Reject("not found: " + r.path);
    return VendorReply::Json(404, R"({"message":"Not found"})");
  }
  const std::string identifier = rest.substr(1, slash - 1);
  const std::string action = rest.substr(slash + 1);
  // JSM Operations' integration events API documents create, acknowledge, close and add note:
  // anything else (the Opsgenie priority endpoint) is a 404 there.
  const bool jsm = prefix_.find("/jsm/ops/integration") != std::string::npos;
  const bool known =
      (r.method == "POST" && (action == "acknowledge" || action == "close" || action == "notes")) ||
      (r.method == "PUT" && action == "priority" && !jsm);
  if (!known) {
    Reject("not found: " + r.method + " " + r.path);
    return VendorReply::Json(404, R"({"message":"Not found"})");
  }
  if (r.Query("identifierType") != "alias") {
    // Opsgenie would look `identifier` up as an alert id: nothing we create has one.
    async_failures_.push_back(action + ": no alert with id " + identifier);
    return VendorReply::Json(
        202,
        json{{"result", "Request will be processed"}, {"took", 0.01}, {"requestId", request_id}}
            .dump());
  }
  return Action(identifier, action, body, request_id);
}

VendorReply OpsgenieFake::Create(const json& body, const std::string& request_id) {
  JsonChecks c;
  CheckCreate(c, body);
  if (!c.ok()) {
    Reject(c.Joined());
    return Unprocessable(c);
  }
  const std::string alias = body.value("alias", request_id);
  if (Alert* open = Open(alias)) {
    ++open->count;  // deduplicated: Opsgenie counts instead of opening a second alert
  } else {
    alerts_.push_back(
        Alert{alias, "open", false, body["message"], body.value("priority", "P3"), {}, 1});
  }
  return VendorReply::Json(
      202, json{{"result", "Request will be processed"}, {"took", 0.02}, {"requestId", request_id}}
               .dump());
}

VendorReply OpsgenieFake::Action(const std::string& alias, const std::string& action,
                                 const json& body, const std::string& request_id) {
  JsonChecks c;
  if (action == "priority") {
    c.OnlyKeys(body, "", {"priority"});
    c.Enum(body, "", "priority", true, {"P1", "P2", "P3", "P4", "P5"});
  } else {
    c.OnlyKeys(body, "", {"user", "source", "note"});
    c.String(body, "", "user", false, 100);
    c.String(body, "", "source", false, 100);
    c.String(body, "", "note", action == "notes", 25'000);
  }
  if (!c.ok()) {
    Reject(c.Joined());
    return Unprocessable(c);
  }
  Alert* alert = Open(alias);
  if (alert == nullptr && action == "notes") {
    for (Alert& a : alerts_) {
      if (a.alias == alias) alert = &a;  // notes may go on closed alerts too
    }
  }
  if (alert == nullptr) {
    async_failures_.push_back(action + ": alert with alias " + alias + " does not exist");
  } else if (action == "acknowledge") {
    alert->acknowledged = true;
  } else if (action == "close") {
    alert->status = "closed";
  } else if (action == "notes") {
    alert->notes.push_back(body["note"]);
  } else {
    alert->priority = body["priority"];
  }
  return VendorReply::Json(
      202, json{{"result", "Request will be processed"}, {"took", 0.01}, {"requestId", request_id}}
               .dump());
}

std::vector<OpsgenieFake::Alert> OpsgenieFake::Alerts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alerts_;
}

std::vector<std::string> OpsgenieFake::AsyncFailures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return async_failures_;
}

}  // namespace ab::testing
