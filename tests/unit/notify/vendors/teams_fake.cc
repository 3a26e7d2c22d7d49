// Teams Workflows webhook trigger, as the real one behaves: 202 Accepted for any well-formed JSON
// (the flow runs later: a card Teams cannot post fails only in the flow's run history, which this
// fake keeps as Rejections()); 401 for a wrong signature; 400 for a body that is not JSON.
#include "fakes.h"
#include "json_checks.h"

namespace ab::testing {
namespace {

using nlohmann::json;

constexpr const char* kPath = "/workflows/wf1/triggers/manual/paths/invoke";
constexpr size_t kMaxBytes = 28 * 1024;

bool IsAbsoluteUrl(const json& v) {
  if (!v.is_string()) return false;
  const std::string s = v;
  return s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0;
}

void CheckElement(JsonChecks& c, const json& e, const std::string& path) {
  if (!e.is_object()) return c.Fail(path + " must be an object");
  if (!c.Enum(e, path + ".", "type", true, {"TextBlock", "FactSet", "Container", "ColumnSet"})) {
    return;
  }
  if (e["type"] == "TextBlock") {
    c.OnlyKeys(e, path + ".", {"type", "text", "wrap", "weight", "size", "color", "isSubtle"});
    c.String(e, path + ".", "text", true);
    c.Type(e, path + ".", "wrap", false, json::value_t::boolean);
    c.Enum(e, path + ".", "weight", false, {"Default", "Lighter", "Bolder"});
    c.Enum(e, path + ".", "size", false, {"Default", "Small", "Medium", "Large", "ExtraLarge"});
    c.Enum(e, path + ".", "color", false,
           {"Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"});
  } else if (e["type"] == "FactSet") {
    c.OnlyKeys(e, path + ".", {"type", "facts"});
    const json& facts = e.value("facts", json());
    if (!facts.is_array() || facts.empty())
      return c.Fail(path + ".facts must be a non-empty array");
    for (size_t i = 0; i < facts.size(); ++i) {
      const std::string p = path + ".facts[" + std::to_string(i) + "].";
      if (!facts[i].is_object()) return c.Fail(p + " must be an object");
      c.OnlyKeys(facts[i], p, {"title", "value"});
      c.String(facts[i], p, "title", true);
      c.String(facts[i], p, "value", true);
    }
  }
}

void CheckCard(JsonChecks& c, const json& card) {
  if (!card.is_object()) return c.Fail("attachments[0].content must be an object");
  c.Enum(card, "content.", "type", true, {"AdaptiveCard"});
  c.Enum(card, "content.", "version", true, {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"});
  c.String(card, "content.", "$schema", false);
  c.OnlyKeys(card, "content.", {"$schema", "type", "version", "body", "actions", "msteams"});
  const json& body = card.value("body", json());
  if (!body.is_array()) return c.Fail("content.body must be an array");
  for (size_t i = 0; i < body.size(); ++i) {
    CheckElement(c, body[i], "content.body[" + std::to_string(i) + "]");
  }
  if (!card.contains("actions")) return;
  const json& actions = card["actions"];
  if (!actions.is_array()) return c.Fail("content.actions must be an array");
  for (size_t i = 0; i < actions.size(); ++i) {
    const std::string p = "content.actions[" + std::to_string(i) + "].";
    c.Enum(actions[i], p, "type", true, {"Action.OpenUrl"});
    c.String(actions[i], p, "title", true);
    if (!IsAbsoluteUrl(actions[i].value("url", json()))) c.Fail(p + "url must be an absolute URL");
  }
}

}  // namespace

TeamsFake::TeamsFake()
    : server_(
          std::make_unique<VendorServer>([this](const VendorRequest& r) { return Handle(r); })) {}

std::string TeamsFake::WorkflowUrl() const {
  return server_->Url(std::string(kPath) +
                      "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + kSig);
}

void TeamsFake::ThrottleNext(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  throttle_ = n;
}

VendorReply TeamsFake::Handle(const VendorRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (r.method != "POST" || r.path != kPath) {
    Reject("not found");
    return VendorReply::Json(404, R"({"error":{"code":"TriggerNotFound"}})");
  }
  if (r.Query("sig") != kSig || r.Query("api-version").empty()) {
    Reject("unauthorized");
    return VendorReply::Json(401, R"({"error":{"code":"DirectApiAuthorizationRequired",)"
                                  R"("message":"The request must be authenticated"}})");
  }
  JsonChecks c;
  json msg;
  const json parsed = json::parse(r.body, nullptr, false);
  if (parsed.is_discarded()) {
    Reject("body is not JSON");
    return VendorReply::Json(400, R"({"error":{"code":"InvalidRequestContent",)"
                                  R"("message":"The request content is not valid JSON"}})");
  }
  if (r.body.size() > kMaxBytes) c.Fail("message larger than 28 KB: Teams will not post it");
  if (r.Header("content-type").rfind("application/json", 0) == 0 && c.Object(r.body, &msg)) {
    c.Enum(msg, "", "type", true, {"message"});
    const json& att = msg.value("attachments", json());
    if (!att.is_array() || att.empty()) {
      c.Fail("attachments must be a non-empty array");
    } else {
      c.Enum(att[0], "attachments[0].", "contentType", true,
             {"application/vnd.microsoft.card.adaptive"});
      if (!att[0].contains("content")) c.Fail("attachments[0].content is required");
      if (att[0].contains("content")) CheckCard(c, att[0]["content"]);
    }
  } else if (c.ok()) {
    c.Fail("content-type must be application/json");
  }
  if (!c.ok()) {
    // Accepted all the same: the failure shows only in the flow's run history.
    Reject("flow run failed: " + c.Joined());
    received_.push_back(parsed);
    return VendorReply::Text(202, "");
  }
  if (throttle_ > 0) {
    --throttle_;
    return VendorReply::Text(200,
                             "Webhook message delivery failed with error: Microsoft Teams endpoint "
                             "returned HTTP error 429 with ContextId tcid=0,server=msgapi");
  }
  cards_.push_back(msg["attachments"][0]["content"]);
  received_.push_back(parsed);
  return VendorReply::Text(202, "");
}

std::vector<nlohmann::json> TeamsFake::Received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

std::vector<nlohmann::json> TeamsFake::Cards() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cards_;
}

}  // namespace ab::testing
