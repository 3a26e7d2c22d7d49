#include "notify/webhook/webhook_notifier.h"

#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>

#include "model/json.h"
#include "notify/http_receiver.h"
#include "notify/receiver_types.h"
#include "notify/webhook/standard_webhooks.h"
#include "notify/webhook/webhook_settings.h"

namespace ab {
namespace {

bool SameHeaderName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// A header whose value is a credential by its name: its value is redacted even when written
// inline.
bool IsCredentialHeader(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view word :
       {"authorization", "token", "key", "secret", "signature", "cookie", "password", "auth"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

bool IsReference(const Secret& s) {
  return s.ref().rfind("env:", 0) == 0 || s.ref().rfind("file:", 0) == 0;
}

// Renders `body` and checks that the result is JSON; the error says where it broke.
Result<std::string> RenderJson(const Template& body, const EventView& event) {
  std::string out = body.Render(event, TextFormat::kJsonString);
  try {
    const nlohmann::json parsed = nlohmann::json::parse(out);
  } catch (const nlohmann::json::parse_error& e) {
    return MakeError("body template did not render JSON (byte " + std::to_string(e.byte) + ")");
  }
  return out;
}

// An event with every field the view offers filled in, to try a body template on at start-up.
std::string SampleEventPayload() {
  Incident inc;
  inc.id = 1;
  inc.rule = "sample-rule";
  inc.group = LabelSet{{"service", "sample \"service\""}};
  inc.key = IncidentKey("sample-instance", inc.rule, inc.group, 1);
  inc.state = IncidentState::kDeclared;
  inc.title = "Sample \"title\" with \\ and\nline";
  inc.summary = "sample summary";
  inc.owner = Owner{"team", "commander"};
  inc.runbook = "https://runbooks.example/sample";
  inc.declared_at = FromMillis(0);
  Event ev;
  ev.seq = 1;
  ev.type = EventType::kDeclared;
  return EventEnvelope(ev, inc, "http://127.0.0.1:9095").dump();
}

}  // namespace

WebhookNotifier::WebhookNotifier(std::string receiver, HttpEndpoint endpoint,
                                 std::optional<std::string> signing_key, HttpHeaders headers,
                                 Duration timeout, std::optional<Template> body,
                                 std::vector<std::string> secrets)
    : receiver_(std::move(receiver)),
      signing_key_(std::move(signing_key)),
      headers_(std::move(headers)),
      body_(std::move(body)),
      secrets_(std::move(secrets)),
      client_(std::move(endpoint), timeout) {}

Result<std::string> WebhookNotifier::Body(const OutboxEntry& entry) const {
  if (!body_) return entry.payload;
  auto event = EventView::Parse(entry.payload);
  if (!event.ok()) return event.error();
  return RenderJson(*body_, *event);
}

SendResult WebhookNotifier::Send(const OutboxEntry& entry, const SendContext& ctx) {
  const TimePoint now = ctx.now;
  const std::string what = "receiver \"" + receiver_ + "\"";
  const Result<std::string> body = Body(entry);
  if (!body.ok()) return SendResult::Permanent(what + ": " + body.error().message);
  HttpHeaders headers = headers_;
  headers.emplace_back("Content-Type", "application/json");
  // Signed or not: the id is the consumer's idempotency key, the timestamp its replay guard.
  const std::string id = StandardWebhookId(entry.event_id);
  const int64_t ts =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  headers.emplace_back("webhook-id", id);
  headers.emplace_back("webhook-timestamp", std::to_string(ts));
  if (signing_key_) {
    headers.emplace_back("webhook-signature",
                         StandardWebhookSignature(*signing_key_, id, ts, *body));
  }
  const HttpResponse res = client_.Send("POST", client_.endpoint().path, headers, *body);
  return ClassifyResponse(res, now, what, secrets_);
}

Result<std::unique_ptr<Notifier>> MakeWebhookNotifier(const ReceiverConfig& config) {
  const std::string who = "receiver \"" + config.name + "\"";
  static const WebhookSettings kNoSettings;
  const WebhookSettings* s = config.Settings<WebhookSettings>();
  if (s == nullptr) s = &kNoSettings;
  auto url = ResolveReceiverUrl(config, "url");
  if (!url.ok()) return url.error();
  std::vector<std::string> secrets;
  if (IsReference(config.url)) secrets = UrlSecrets(*url);

  std::optional<std::string> key;
  if (!s->secret.empty()) {
    auto secret = ResolveReceiverSecret(config, s->secret, "secret");
    if (!secret.ok()) return secret.error();
    auto decoded =
        StandardWebhookKey(*secret, s->secret_format == WebhookSettings::SecretFormat::kRaw);
    if (!decoded.ok()) {
      return MakeError(
          who + ": secret " + DescribeSecretRef(s->secret) + ": " + decoded.error().message,
          "secret");
    }
    secrets.push_back(*secret);
    key = std::move(decoded).value();
  }

  // Headers we own: overriding them would break the body's type or the signature.
  static constexpr std::string_view kReserved[] = {
      "content-type", "content-length",    "host",
      "webhook-id",   "webhook-timestamp", "webhook-signature"};
  HttpHeaders headers;
  bool user_agent = false;
  for (const auto& [name, ref] : s->headers) {
    for (std::string_view reserved : kReserved) {
      if (SameHeaderName(name, reserved)) {
        return MakeError(who + ": header \"" + name + "\" is set by alertbridge", "headers");
      }
    }
    auto value = ResolveReceiverSecret(config, ref, "headers." + name);
    if (!value.ok()) return value.error();
    if (value->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return MakeError(who + ": headers." + name + " " + DescribeSecretRef(ref) +
                           " contains a line break or NUL",
                       "headers");
    }
    if (IsReference(ref) || IsCredentialHeader(name)) secrets.push_back(*value);
    user_agent = user_agent || SameHeaderName(name, "user-agent");
    headers.emplace_back(name, std::move(value).value());
  }
  if (!user_agent) headers.emplace_back("User-Agent", "alertbridge");

  std::optional<Template> body;
  if (config.templates.count("body") != 0) {
    auto compiled = ReceiverTemplate(config, "body", "");
    if (!compiled.ok()) return compiled.error();
    auto sample = EventView::Parse(SampleEventPayload());
    auto rendered = RenderJson(*compiled, *sample);
    if (!rendered.ok()) {
      return MakeError(who + ": templates.body: " + rendered.error().message +
                           " for a sample event; quote string values (\"{{title}}\")",
                       "templates");
    }
    body = std::move(compiled).value();
  }

  return std::unique_ptr<Notifier>(std::make_unique<WebhookNotifier>(
      config.name, std::move(url->endpoint), std::move(key), std::move(headers), config.timeout,
      std::move(body), std::move(secrets)));
}

const ReceiverType& WebhookReceiverType() {
  // Our own consumers: no vendor limit; each event stands alone (stateless).
  static const ReceiverType kType{{"webhook",
                                   {"url", "secret", "secret_format", "headers"},
                                   ParseWebhookSettings,
                                   {"body"},
                                   {4, std::nullopt, {}, false}},
                                  MakeWebhookNotifier};
  return kType;
}

}  // namespace ab
