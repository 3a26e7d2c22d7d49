// Slack incoming webhooks: 200 "ok"; 400 invalid_payload / no_text / invalid_blocks; 404
// no_service for an unknown hook. Block Kit limits from the Block Kit reference.
#include "fakes.h"
#include "json_checks.h"

namespace ab::testing {
namespace {

using nlohmann::json;

void CheckTextObject(JsonChecks& c, const json& t, const std::string& path, size_t max_chars,
                     bool plain_only) {
  if (!t.is_object()) return c.Fail(path + " must be a text object");
  if (plain_only) {
    c.Enum(t, path + ".", "type", true, {"plain_text"});
  } else {
    c.Enum(t, path + ".", "type", true, {"plain_text", "mrkdwn"});
  }
  c.String(t, path + ".", "text", true, max_chars);
  if (t.value("type", "") == "plain_text") {
    c.OnlyKeys(t, path + ".", {"type", "text", "emoji"});
  } else {
    c.OnlyKeys(t, path + ".", {"type", "text", "verbatim"});
  }
}

void CheckBlock(JsonChecks& c, const json& b, const std::string& path) {
  if (!b.is_object()) return c.Fail(path + " must be an object");
  if (!c.Enum(b, path + ".", "type", true, {"header", "section", "context", "divider"})) return;
  const std::string type = b["type"];
  if (type == "header") {
    c.OnlyKeys(b, path + ".", {"type", "text", "block_id"});
    if (!b.contains("text")) return c.Fail(path + ".text is required");
    CheckTextObject(c, b["text"], path + ".text", 150, true);
  } else if (type == "section") {
    c.OnlyKeys(b, path + ".", {"type", "text", "fields", "block_id", "accessory"});
    if (!b.contains("text") && !b.contains("fields")) {
      return c.Fail(path + " needs text or fields");
    }
    if (b.contains("text")) CheckTextObject(c, b["text"], path + ".text", 3000, false);
    if (b.contains("fields")) {
      const json& f = b["fields"];
      if (!f.is_array() || f.empty() || f.size() > 10) {
        return c.Fail(path + ".fields must have 1 to 10 items");
      }
      for (size_t i = 0; i < f.size(); ++i) {
        CheckTextObject(c, f[i], path + ".fields[" + std::to_string(i) + "]", 2000, false);
      }
    }
  } else if (type == "context") {
    c.OnlyKeys(b, path + ".", {"type", "elements", "block_id"});
    const json& e = b.value("elements", json());
    if (!e.is_array() || e.empty() || e.size() > 10) {
      return c.Fail(path + ".elements must have 1 to 10 items");
    }
    for (size_t i = 0; i < e.size(); ++i) {
      CheckTextObject(c, e[i], path + ".elements[" + std::to_string(i) + "]", 3000, false);
    }
  }
}

}  // namespace

SlackFake::SlackFake(std::string path)
    : path_(std::move(path)),
      server_(
          std::make_unique<VendorServer>([this](const VendorRequest& r) { return Handle(r); })) {}

VendorReply SlackFake::Handle(const VendorRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (r.method != "POST" || r.path != path_) {
    Reject("no_service");
    return VendorReply::Text(404, "no_service");
  }
  JsonChecks c;
  json body;
  if (r.Header("content-type").rfind("application/json", 0) != 0 || !c.Object(r.body, &body)) {
    Reject("invalid_payload");
    return VendorReply::Text(400, "invalid_payload");
  }
  const bool has_text =
      body.contains("text") && body["text"].is_string() && !body["text"].get<std::string>().empty();
  if (!has_text && !body.contains("blocks")) {
    Reject("no_text");
    return VendorReply::Text(400, "no_text");
  }
  if (body.contains("text")) c.String(body, "", "text", false, 40'000);
  if (body.contains("blocks")) {
    const json& blocks = body["blocks"];
    if (!blocks.is_array() || blocks.size() > 50) c.Fail("blocks must be an array of at most 50");
    for (size_t i = 0; blocks.is_array() && i < blocks.size(); ++i) {
      CheckBlock(c, blocks[i], "blocks[" + std::to_string(i) + "]");
    }
  }
  if (!c.ok()) {
    Reject("invalid_blocks: " + c.Joined());
    return VendorReply::Text(400, "invalid_blocks");
  }
  messages_.push_back(std::move(body));
  return VendorReply::Text(200, "ok");
}

std::vector<nlohmann::json> SlackFake::Messages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return messages_;
}

}  // namespace ab::testing
