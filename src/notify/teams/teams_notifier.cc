#include "notify/teams/teams_notifier.h"

#include <nlohmann/json.hpp>

#include "notify/text/facts.h"
#include "notify/text/truncate.h"

namespace ab {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultTitle = "[{{severity}}] {{title}}";
constexpr std::string_view kDefaultText = "**Incident {{event.verb}}**\n\n{{summary}}";

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Adaptive Card colours: red while it burns, green once it is over.
std::string_view TitleColor(const EventView& event) {
  const std::string type = event.event_type();
  if (type == "resolved" || type == "closed") return "Good";
  const std::string sev = event.severity();
  return sev == "SEV1" || sev == "SEV2" ? "Attention" : "Warning";
}

json Card(const EventView& event, const std::string& title, const std::string& text) {
  json body = json::array();
  body.push_back({{"type", "TextBlock"},
                  {"text", title},
                  {"weight", "Bolder"},
                  {"size", "Medium"},
                  {"color", TitleColor(event)},
                  {"wrap", true}});
  if (!text.empty()) body.push_back({{"type", "TextBlock"}, {"text", text}, {"wrap", true}});
  json facts = json::array();
  for (const IncidentFact& f : IncidentFacts(event)) {
    facts.push_back({{"title", f.label},
                     {"value", Truncate(EscapeMarkdown(f.value), TeamsNotifier::kFactChars,
                                        LengthUnit::kChars, TextFormat::kMarkdown)}});
  }
  if (!facts.empty()) body.push_back({{"type", "FactSet"}, {"facts", std::move(facts)}});
  json actions = json::array();
  if (const std::string link = event.link(); IsLinkableUrl(link)) {
    actions.push_back({{"type", "Action.OpenUrl"}, {"title", "View incident"}, {"url", link}});
  }
  if (const std::string runbook = event.Field("runbook"); IsLinkableUrl(runbook)) {
    actions.push_back({{"type", "Action.OpenUrl"}, {"title", "Runbook"}, {"url", runbook}});
  }
  json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"type", "AdaptiveCard"},
               {"version", "1.4"},
               {"body", std::move(body)}};
  if (!actions.empty()) card["actions"] = std::move(actions);
  return {{"type", "message"},
          {"attachments", json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                        {"contentUrl", nullptr},
                                        {"content", std::move(card)}}})}};
}

// Connectors answered 200 with "Microsoft Teams endpoint returned HTTP error 429" in the body
// when they throttled; Workflows answer 202 with an empty body.
bool SaysThrottled(const std::string& body) {
  return body.find("HTTP error 429") != std::string::npos;
}

}  // namespace

TeamsNotifier::TeamsNotifier(std::string receiver, ReceiverUrl url, Template title, Template text,
                             Duration timeout)
    : receiver_(std::move(receiver)),
      secrets_(UrlSecrets(url)),
      title_(std::move(title)),
      text_(std::move(text)),
      client_(std::move(url.endpoint), timeout) {}

std::string TeamsNotifier::Body(const EventView& event) const {
  const std::string title = Truncate(title_.Render(event, TextFormat::kMarkdown), kTitleChars,
                                     LengthUnit::kChars, TextFormat::kMarkdown);
  std::string text = text_.Render(event, TextFormat::kMarkdown);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  size_t limit = kTextChars;
  while (true) {
    std::string body =
        Dump(Card(event, title, Truncate(text, limit, LengthUnit::kChars, TextFormat::kMarkdown)));
    if (body.size() <= kMaxBodyBytes || limit == 0) return body;
    limit /= 2;  // escaping grew it past the limit: give the text less room
  }
}

SendResult TeamsNotifier::Send(const OutboxEntry& entry, const SendContext& ctx) {
  const std::string what = "receiver \"" + receiver_ + "\"";
  auto event = EventView::Parse(entry.payload);
  if (!event.ok()) return SendResult::Permanent(what + ": " + event.error().message);
  const HttpResponse res =
      client_.Send("POST", client_.endpoint().path, JsonHeaders(), Body(*event));
  if (res.status >= 200 && res.status < 300 && SaysThrottled(res.body)) {
    return SendResult::Retry(what + ": HTTP " + std::to_string(res.status) +
                             " but the body says the message was throttled (429)");
  }
  return ClassifyResponse(res, ctx.now, what, secrets_);
}

Result<std::unique_ptr<Notifier>> MakeTeamsNotifier(const ReceiverConfig& config) {
  auto url = ResolveReceiverUrl(config, "url");
  if (!url.ok()) return url.error();
  auto title = ReceiverTemplate(config, "title", kDefaultTitle);
  if (!title.ok()) return title.error();
  auto text = ReceiverTemplate(config, "text", kDefaultText);
  if (!text.ok()) return text.error();
  return std::unique_ptr<Notifier>(
      std::make_unique<TeamsNotifier>(config.name, std::move(url).value(), std::move(title).value(),
                                      std::move(text).value(), config.timeout));
}

}  // namespace ab
