#include "notify/ticket/vendor_api.h"

#include <cctype>

#include "common/crypto.h"
#include "notify/http_receiver.h"
#include "notify/ticket/markup.h"

namespace ab {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxErrorChars = 300;

void AppendText(const Json& j, std::string* out) {
  auto add = [&](const std::string& s) {
    if (s.empty()) return;
    if (!out->empty()) *out += "; ";
    *out += s;
  };
  if (j.is_string()) {
    add(j.get<std::string>());
  } else if (j.is_array()) {
    for (const Json& item : j) AppendText(item, out);
  } else if (j.is_object()) {
    // GitHub: {"resource","field","code","message"}; Jira: {"field": "message"}.
    if (j.contains("message") && j["message"].is_string()) {
      add(j["message"].get<std::string>());
    } else if (j.contains("field") && j.contains("code")) {
      add(j["field"].dump() + " " + j["code"].dump());
    } else {
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it->is_string()) add(it.key() + ": " + it->get<std::string>());
      }
    }
  }
}

}  // namespace

VendorApi::VendorApi(std::string who, HttpEndpoint base, Duration timeout, HttpHeaders headers,
                     std::vector<std::string> secrets, Classifier classify)
    : who_(std::move(who)),
      headers_(std::move(headers)),
      secrets_(std::move(secrets)),
      classify_(std::move(classify)),
      client_(base, timeout) {
  base_path_ = base.path;
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  const bool default_port =
      (base.scheme == "https" && base.port == 443) || (base.scheme == "http" && base.port == 80);
  const bool v6 = base.host.find(':') != std::string::npos;
  base_url_ = base.scheme + "://" + (v6 ? "[" + base.host + "]" : base.host) +
              (default_port ? "" : ":" + std::to_string(base.port)) + base_path_;
  if (!classify_) {
    classify_ = [](const HttpResponse& res, TimePoint now, const std::string& what) {
      return ClassifyHttp(res.status, res.retry_after, now, what);
    };
  }
}

SendResult VendorApi::Call(TimePoint now, std::string_view method, const std::string& path,
                           const Json* body, std::initializer_list<int> accept, Reply* out) {
  HttpHeaders headers = headers_;
  std::string payload;
  if (body != nullptr) {
    headers.emplace_back("Content-Type", "application/json");
    payload = body->dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  const HttpResponse res = client_.Send(std::string(method), base_path_ + path, headers, payload);
  const std::string what = who_ + ": " + std::string(method) + " " + path.substr(0, path.find('?'));
  for (int status : accept) {
    if (res.status != status) continue;
    out->status = res.status;
    out->json = nullptr;
    if (res.body.find_first_not_of(" \t\r\n") == std::string::npos) return SendResult::Ok();
    out->json = Json::parse(res.body, nullptr, false);
    if (out->json.is_discarded()) {
      // A proxy's or login page's HTML: not the API we were promised, maybe not for long.
      return SendResult::Retry(what + ": HTTP " + std::to_string(res.status) +
                               " with a body that is not JSON");
    }
    return SendResult::Ok();
  }
  // What the vendor said, for callers that act on a refusal (Jira naming a field).
  out->status = res.status;
  out->json = Json::parse(res.body, nullptr, false);
  if (out->json.is_discarded()) out->json = nullptr;
  SendResult r = classify_(res, now, what);
  if (r.kind == SendResult::Kind::kOk) {
    // A 2xx we did not ask for (201 where 200 was documented, ...) is still not what we expect.
    r = SendResult::Permanent(what + ": unexpected HTTP " + std::to_string(res.status));
  }
  if (res.status == 0 && !res.error.empty()) r.reason += " [" + res.error + "]";
  // A vendor that echoes the request (a debugging proxy, an error page) must not leak the
  // credentials into logs and the outbox's last_error: redacted before the text is cut, so that
  // no part of a secret survives at the cut.
  const std::string detail = VendorErrorText(res.body, secrets_);
  if (!detail.empty()) r.reason += ": " + detail;
  r.reason = RedactSecrets(std::move(r.reason), secrets_);
  return r;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

std::string VendorErrorText(std::string_view body, const std::vector<std::string>& secrets) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {};
  std::string out;
  for (const char* field : {"errorMessages", "errors", "message", "error"}) {
    if (j.contains(field)) AppendText(j[field], &out);
  }
  if (j.contains("error") && j["error"].is_object() && j["error"].contains("detail")) {
    AppendText(j["error"]["detail"], &out);
  }
  return OneLine(RedactSecrets(std::move(out), secrets), kMaxErrorChars);
}

// Resolves a credential that goes into a header: a line break would end the header and start
// another.
Result<std::string> ResolveHeaderSecret(const ReceiverConfig& config, const Secret& secret,
                                        std::string_view key) {
  Result<std::string> value = ResolveReceiverSecret(config, secret, key);
  if (!value.ok()) return value;
  if (value->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return MakeError("receiver \"" + config.name + "\": " + std::string(key) + " " +
                         DescribeSecretRef(secret) + " contains a line break or NUL",
                     std::string(key));
  }
  return value;
}

Result<Credentials> ResolveCredentials(const ReceiverConfig& config, const TicketAuth& auth) {
  if (auth.kind == TicketAuth::Kind::kBearer) {
    auto token = ResolveHeaderSecret(config, auth.token, "auth.bearer");
    if (!token.ok()) return token.error();
    return Credentials{"Bearer " + *token, {*token}};
  }
  auto user = ResolveHeaderSecret(config, auth.user, "auth.basic.user");
  if (!user.ok()) return user.error();
  auto password = ResolveHeaderSecret(config, auth.password, "auth.basic.password");
  if (!password.ok()) return password.error();
  if (user->find(':') != std::string::npos) {
    return MakeError("receiver \"" + config.name + "\": auth.basic.user " +
                         DescribeSecretRef(auth.user) + " contains ':'",
                     "auth.basic.user");
  }
  const std::string basic = Base64Encode(*user + ":" + *password);
  return Credentials{"Basic " + basic, {*password, basic}};
}

Result<TicketParts> MakeTicketParts(const ReceiverConfig& config, std::string_view url_key,
                                    const Credentials& credentials, HttpHeaders headers,
                                    TextFormat format, TicketWording::Limits limits,
                                    VendorApi::Classifier classify) {
  auto url = ResolveReceiverUrl(config, url_key);
  if (!url.ok()) return url.error();
  if (url->endpoint.path.find('?') != std::string::npos) {
    return MakeError("receiver \"" + config.name + "\": " + std::string(url_key) + " " +
                         DescribeSecretRef(config.url) + " must not have a query",
                     std::string(url_key));
  }
  auto wording = TicketWording::Make(config, format, limits);
  if (!wording.ok()) return wording.error();
  headers.emplace_back("Authorization", credentials.authorization);
  headers.emplace_back("User-Agent", "alertbridge");
  return TicketParts{
      std::make_unique<VendorApi>("receiver \"" + config.name + "\"", std::move(url->endpoint),
                                  config.timeout, std::move(headers), credentials.secrets,
                                  std::move(classify)),
      std::move(*wording)};
}

}  // namespace ab
