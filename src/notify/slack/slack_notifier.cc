#include "notify/slack/slack_notifier.h"

#include <nlohmann/json.hpp>

#include "notify/receiver_types.h"
#include "notify/text/facts.h"
#include "notify/text/truncate.h"

namespace ab {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultTitle = "[{{severity}}] {{title}}";
constexpr std::string_view kDefaultText =
    "*{{event.headline}}*{{#link}} · <{{link}}|incident {{incident.id}}>{{/link}}\n"
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

SlackNotifier::SlackNotifier(JsonPostTarget target, TemplateSet templates)
    : JsonPostNotifier(std::move(target)), title_(templates["title"]), text_(templates["text"]) {}

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

std::optional<JsonPostNotifier::Request> SlackNotifier::RequestFor(const EventView& event) const {
  return Request{.body = Body(event)};
}

Result<std::unique_ptr<Notifier>> MakeSlackNotifier(const ReceiverConfig& config) {
  return MakeJsonPostNotifier<SlackNotifier>(config, WebhookUrlTarget(config),
                                             {{"title", kDefaultTitle}, {"text", kDefaultText}});
}

const ReceiverType& SlackReceiverType() {
  // An incoming webhook takes about one message per second (VENDORS.md); stateless.
  static const ReceiverType kType{
      {"slack",
       {"url"},
       [](const config_internal::MapReader& r, config_internal::Diagnostics& diag,
          ReceiverConfig* rc) { config_internal::ReadReceiverUrl(r, diag, rc); },
       {"title", "text"},
       {1, RateLimit{1, 1}, {}, false}},
      MakeSlackNotifier};
  return kType;
}

}  // namespace ab
