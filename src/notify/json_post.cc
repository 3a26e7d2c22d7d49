#include "notify/json_post.h"

namespace ab {

Result<JsonPostTarget> WebhookUrlTarget(const ReceiverConfig& rc) {
  auto url = ResolveReceiverUrl(rc, "url");
  if (!url.ok()) return url.error();
  std::vector<std::string> secrets = UrlSecrets(*url);
  return JsonPostTarget{rc.name, std::move(url->endpoint), std::move(secrets), rc.timeout};
}

Result<JsonPostTarget> ApiKeyTarget(const ReceiverConfig& rc, const Secret& key,
                                    std::string_view key_name, std::string* key_value) {
  auto base = ResolveReceiverUrl(rc, "base_url");
  if (!base.ok()) return base.error();
  auto value = ResolveReceiverSecret(rc, key, key_name);
  if (!value.ok()) return value.error();
  *key_value = *value;
  return JsonPostTarget{rc.name, std::move(base->endpoint), {std::move(value).value()}, rc.timeout};
}

Result<TemplateSet> TemplateSet::Make(const ReceiverConfig& rc,
                                      std::initializer_list<NamedTemplate> templates) {
  TemplateSet set;
  for (const NamedTemplate& t : templates) {
    auto compiled = ReceiverTemplate(rc, t.name, t.default_text);
    if (!compiled.ok()) return compiled.error();
    set.templates_.emplace(std::string(t.name), std::move(compiled).value());
  }
  return set;
}

const Template& TemplateSet::operator[](std::string_view name) const {
  return templates_.find(name)->second;
}

JsonPostNotifier::JsonPostNotifier(JsonPostTarget target)
    : target_(std::move(target)), client_(target_.endpoint, target_.timeout) {}

SendResult JsonPostNotifier::Send(const OutboxEntry& entry, const SendContext& ctx) {
  auto event = EventView::Parse(entry.payload);
  if (!event.ok()) return SendResult::Permanent(What() + ": " + event.error().message);
  const std::optional<Request> req = RequestFor(*event);
  if (!req) return SendResult::Ok();
  if (SendResult checked = Check(*req); checked.kind != SendResult::Kind::kOk) return checked;
  HttpHeaders headers = JsonHeaders();
  headers.insert(headers.end(), req->headers.begin(), req->headers.end());
  const std::string& path = req->path.empty() ? client_.endpoint().path : req->path;
  const HttpResponse res = client_.Send(req->method, path, headers, req->body);
  SendResult result = OnAnswer(*req, res, ClassifyResponse(res, ctx.now, What(), target_.secrets));
  result.reason = RedactSecrets(std::move(result.reason), target_.secrets);
  if (!req->optional_step.empty())
    return SendResult::Optional(std::move(result), req->optional_step);
  return result;
}

}  // namespace ab
