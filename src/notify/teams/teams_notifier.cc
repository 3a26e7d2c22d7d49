#include "notify/teams/teams_notifier.h"

#include <nlohmann/json.hpp>

#include "notify/receiver_types.h"
#include "notify/text/facts.h"
#include "notify/text/truncate.h"

namespace ab {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultTitle = "[{{severity}}] {{title}}";
constexpr std::string_view kDefaultText = "**{{event.headline}}**\n\n{{summary}}";

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

// What Teams needs of a card to post it (the Adaptive Card 1.4 subset this receiver builds):
// Workflows answer 202 to anything and report a card they cannot post only in the flow's run
// history, so a bad card must be caught here. "" when the card is fine.
std::string CardProblem(const json& message, size_t bytes) {
  if (bytes > TeamsNotifier::kMaxBodyBytes) {
    return "message is " + std::to_string(bytes) + " bytes; Teams posts at most 28 KB";
  }
  const json& att = message.value("attachments", json());
  if (message.value("type", "") != "message" || !att.is_array() || att.size() != 1) {
    return "not a {\"type\":\"message\",\"attachments\":[card]} envelope";
  }
  if (att[0].value("contentType", "") != "application/vnd.microsoft.card.adaptive") {
    return "attachment is not an Adaptive Card";
  }
  const json& card = att[0].value("content", json());
  if (!card.is_object() || card.value("type", "") != "AdaptiveCard" ||
      card.value("version", "") != "1.4" || !card.contains("body") || !card["body"].is_array()) {
    return "card lacks type AdaptiveCard, version 1.4 or a body";
  }
  for (const json& e : card["body"]) {
    const std::string type = e.value("type", "");
    if (type == "TextBlock") {
      if (!e.contains("text") || !e["text"].is_string()) return "a TextBlock without text";
    } else if (type == "FactSet") {
      if (!e.contains("facts") || !e["facts"].is_array() || e["facts"].empty()) {
        return "a FactSet without facts";
      }
      for (const json& f : e["facts"]) {
        if (!f.contains("title") || !f["title"].is_string() || !f.contains("value") ||
            !f["value"].is_string()) {
          return "a fact without a string title and value";
        }
      }
    } else {
      return "element type \"" + type + "\" is not one this receiver may send";
    }
  }
  for (const json& a : card.value("actions", json::array())) {
    if (a.value("type", "") != "Action.OpenUrl" || !a.contains("title") ||
        !IsLinkableUrl(a.value("url", ""))) {
      return "an action that is not an Action.OpenUrl with a title and an absolute URL";
    }
  }
  return {};
}

// Connectors answered 200 with "Microsoft Teams endpoint returned HTTP error 429" in the body
// when they throttled; Workflows answer 202 with an empty body.
bool SaysThrottled(const std::string& body) {
  return body.find("HTTP error 429") != std::string::npos;
}

}  // namespace

TeamsNotifier::TeamsNotifier(JsonPostTarget target, TemplateSet templates)
    : JsonPostNotifier(std::move(target)), title_(templates["title"]), text_(templates["text"]) {}

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

std::optional<JsonPostNotifier::Request> TeamsNotifier::RequestFor(const EventView& event) const {
  return Request{.body = Body(event)};
}

std::string TeamsNotifier::Validate(const std::string& body) {
  const json message = json::parse(body, nullptr, false);
  if (message.is_discarded()) return "message is not JSON";
  return CardProblem(message, body.size());
}

SendResult TeamsNotifier::Check(const Request& req) const {
  if (const std::string problem = Validate(req.body); !problem.empty()) {
    // Teams would answer 202 and drop it silently: refuse it here, where it is seen and counted.
    return SendResult::Permanent(What() + ": card not sent, Teams would not post it: " + problem);
  }
  return SendResult::Ok();
}

SendResult TeamsNotifier::OnAnswer(const Request&, const HttpResponse& res,
                                   SendResult result) const {
  if (res.status >= 200 && res.status < 300 && SaysThrottled(res.body)) {
    return SendResult::Retry(What() + ": HTTP " + std::to_string(res.status) +
                             " but the body says the message was throttled (429)");
  }
  return result;
}

Result<std::unique_ptr<Notifier>> MakeTeamsNotifier(const ReceiverConfig& config) {
  return MakeJsonPostNotifier<TeamsNotifier>(config, WebhookUrlTarget(config),
                                             {{"title", kDefaultTitle}, {"text", kDefaultText}});
}

const ReceiverType& TeamsReceiverType() {
  // A Workflows webhook documents no per-URL limit a bridge would reach; stateless.
  static const ReceiverType kType{
      {"teams",
       {"url"},
       [](const config_internal::MapReader& r, config_internal::Diagnostics& diag,
          ReceiverConfig* rc) { config_internal::ReadReceiverUrl(r, diag, rc); },
       {"title", "text"},
       {2, std::nullopt, {}, false}},
      MakeTeamsNotifier};
  return kType;
}

}  // namespace ab
