#include "notify/http_receiver.h"

#include <nlohmann/json.hpp>

#include "notify/text/truncate.h"

namespace ab {
namespace {

constexpr size_t kMaxVendorMessage = 200;

// The vendor's own words about a failed request, from common error shapes:
// {"message": ...}, {"error": ...}, {"errors": [...]}, {"error": {"message": ...}}, or text.
// Secrets go before the cut, so that none is left half-shown.
std::string VendorMessage(const std::string& body, const std::vector<std::string>& secrets) {
  std::string out;
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    for (const char* key : {"message", "error", "errors"}) {
      auto it = j.find(key);
      if (it == j.end()) continue;
      if (it->is_object() && it->contains("message")) it = it->find("message");
      out += (out.empty() ? "" : "; ") +
             (it->is_string() ? it->get<std::string>()
                              : it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
  if (out.empty()) out = body;
  out = RedactSecrets(std::move(out), secrets);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return Truncate(out, kMaxVendorMessage, LengthUnit::kBytes);
}

}  // namespace

std::string DescribeSecretRef(const Secret& s) {
  const std::string& ref = s.ref();
  if (ref.rfind("env:", 0) == 0 || ref.rfind("file:", 0) == 0) return ref;
  return "(inline value)";
}

Result<std::string> ResolveReceiverSecret(const ReceiverConfig& rc, const Secret& secret,
                                          std::string_view key) {
  const std::string who = "receiver \"" + rc.name + "\": ";
  const std::string field(key);
  if (secret.empty()) return MakeError(who + field + " is required for type " + rc.type, field);
  auto value = secret.Resolve();
  if (!value.ok()) {
    return MakeError(who + "cannot resolve " + field + " " + DescribeSecretRef(secret) + ": " +
                         value.error().message,
                     field);
  }
  if (value->empty()) {
    return MakeError(who + field + " " + DescribeSecretRef(secret) + " is empty", field);
  }
  return value;
}

Result<ReceiverUrl> ResolveReceiverUrl(const ReceiverConfig& rc, std::string_view key) {
  auto url = ResolveReceiverSecret(rc, rc.url, key);
  if (!url.ok()) return url.error();
  auto endpoint = ParseHttpUrl(*url);
  if (!endpoint.ok()) {
    return MakeError("receiver \"" + rc.name + "\": " + std::string(key) + " " +
                         DescribeSecretRef(rc.url) + ": " + endpoint.error().message,
                     std::string(key));
  }
  return ReceiverUrl{std::move(url).value(), std::move(endpoint).value()};
}

std::vector<std::string> UrlSecrets(const ReceiverUrl& url) {
  std::vector<std::string> out{url.url};
  if (url.endpoint.path.size() > 1) out.push_back(url.endpoint.path);  // "/" alone is no secret
  return out;
}

std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) {
    if (s.empty()) continue;
    for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos)) {
      text.replace(pos, s.size(), "[redacted]");
      pos += 10;
    }
  }
  return text;
}

SendResult ClassifyResponse(const HttpResponse& res, TimePoint now, const std::string& what,
                            const std::vector<std::string>& secrets) {
  SendResult result = ClassifyHttp(res.status, res.retry_after, now, what);
  if (res.status == 0 && !res.error.empty()) result.reason += " [" + res.error + "]";
  if (result.kind != SendResult::Kind::kOk && res.status != 0 && !res.body.empty()) {
    const std::string message = VendorMessage(res.body, secrets);
    if (!message.empty()) result.reason += ": " + message;
  }
  result.reason = RedactSecrets(std::move(result.reason), secrets);
  return result;
}

HttpHeaders JsonHeaders() {
  return {{"Content-Type", "application/json"}, {"User-Agent", "alertbridge"}};
}

}  // namespace ab
