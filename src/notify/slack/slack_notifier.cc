#include "notify/slack/slack_notifier.h"

#include <nlohmann/json.hpp>

#include "notify/text/facts.h"
#include "notify/text/truncate.h"

namespace ab {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultTitle = "[{{severity}}] {{title}}";
constexpr std::string_view kDefaultText =
    "*Incident {{event.verb}}*{{#link}} · <{{link}}|incident {{incident.id}}>{{/link}}\n"
    "{{summary}}";

// Slack's own notion of a text object; `mrkdwn` texts are already escaped.
json Text(std::string_view type, std::string text) {
  json t = {{"type", type}, {"text", std::move(text)}};
  if (type == "plain_text") t["emoji"] = true;
  return t;
}

json Fields(const EventView& event) {
  json fields = json::array();
  for (const IncidentFact& f : IncidentFacts(event)) {
    std::string value = f.is_url ? "<" + EscapeSlackMrkdwn(f.value) + "|" + f.label + ">"
                                 : EscapeSlackMrkdwn(f.value);
    std::string text = "*" + f.label + "*\n" + value;
    fields.push_back(Text("mrkdwn", Truncate(text, SlackNotifier::kFieldChars, LengthUnit::kChars,
                                             TextFormat::kSlackMrkdwn)));
    if (fields.size() == 10) break;  // a section takes at most 10 fields
  }
  return fields;
}

}  // namespace

SlackNotifier::SlackNotifier(std::string receiver, ReceiverUrl url, Template title, Template text,
                             Duration timeout)
    : receiver_(std::move(receiver)),
      secrets_(UrlSecrets(url)),
      title_(std::move(title)),
      text_(std::move(text)),
      client_(std::move(url.endpoint), timeout) {}

std::string SlackNotifier::Body(const EventView& event) const {
  const std::string header =
      Truncate(title_.Render(event, TextFormat::kPlain), kHeaderChars, LengthUnit::kChars);
  const std::string fallback =
      Truncate(title_.Render(event, TextFormat::kSlackMrkdwn), kFallbackChars, LengthUnit::kChars,
               TextFormat::kSlackMrkdwn);
  std::string text = text_.Render(event, TextFormat::kSlackMrkdwn);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();

  json blocks = json::array();
  if (!header.empty()) blocks.push_back({{"type", "header"}, {"text", Text("plain_text", header)}});
  json section = {{"type", "section"}};
  if (!text.empty()) {
    section["text"] =
        Text("mrkdwn", Truncate(text, kSectionChars, LengthUnit::kChars, TextFormat::kSlackMrkdwn));
  }
  json fields = Fields(event);
  if (!fields.empty()) section["fields"] = std::move(fields);
  if (section.size() > 1) blocks.push_back(std::move(section));
  const std::string context = "alertbridge · " + EscapeSlackMrkdwn(event.key()) + " · " +
                              EscapeSlackMrkdwn(event.occurred_at());
  blocks.push_back({{"type", "context"}, {"elements", json::array({Text("mrkdwn", context)})}});

  json body = {{"text", fallback.empty() ? EscapeSlackMrkdwn(event.title()) : fallback},
               {"blocks", std::move(blocks)}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

SendResult SlackNotifier::Send(const OutboxEntry& entry, const SendContext& ctx) {
  const std::string what = "receiver \"" + receiver_ + "\"";
  auto event = EventView::Parse(entry.payload);
  if (!event.ok()) return SendResult::Permanent(what + ": " + event.error().message);
  const HttpResponse res =
      client_.Send("POST", client_.endpoint().path, JsonHeaders(), Body(*event));
  return ClassifyResponse(res, ctx.now, what, secrets_);
}

Result<std::unique_ptr<Notifier>> MakeSlackNotifier(const ReceiverConfig& config) {
  auto url = ResolveReceiverUrl(config, "url");
  if (!url.ok()) return url.error();
  auto title = ReceiverTemplate(config, "title", kDefaultTitle);
  if (!title.ok()) return title.error();
  auto text = ReceiverTemplate(config, "text", kDefaultText);
  if (!text.ok()) return text.error();
  return std::unique_ptr<Notifier>(
      std::make_unique<SlackNotifier>(config.name, std::move(url).value(), std::move(title).value(),
                                      std::move(text).value(), config.timeout));
}

}  // namespace ab
