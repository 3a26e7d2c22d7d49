#include "notify/text/template.h"

#include <mstch/mstch.hpp>

#include "config/receiver_templates.h"
#include "notify/text/event_words.h"

namespace ab {
namespace {

// Every string of the event, escaped for `format`; numbers as text; null as an empty section.
mstch::node ToNode(const nlohmann::json& j, TextFormat format) {
  switch (j.type()) {
    case nlohmann::json::value_t::string:
      return Escape(format, j.get_ref<const std::string&>());
    case nlohmann::json::value_t::boolean:
      return j.get<bool>();
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return j.dump();
    case nlohmann::json::value_t::array: {
      mstch::array out;
      for (const auto& item : j) out.push_back(ToNode(item, format));
      return out;
    }
    case nlohmann::json::value_t::object: {
      mstch::map out;
      for (const auto& [k, v] : j.items()) out.emplace(k, ToNode(v, format));
      return out;
    }
    default:
      return nullptr;
  }
}

mstch::map LabelsNode(const LabelSet& labels, TextFormat format) {
  mstch::map out;
  for (const auto& l : labels) out.emplace(l.name, Escape(format, l.value));
  return out;
}

mstch::map Context(const EventView& ev, TextFormat format) {
  const auto esc = [&](std::string_view s) -> mstch::node { return Escape(format, s); };
  const std::string type = ev.event_type();
  std::string verb = type;
  for (char& c : verb) c = c == '_' ? ' ' : c;
  // actor: the person's name ("alice"), else who acted as stored ("rule:<name>", "system").
  const std::string person = PersonOf(ev);
  mstch::map event{{"id", esc(ev.event_id())},
                   {"type", esc(type)},
                   {"occurred_at", esc(ev.occurred_at())},
                   {"verb", esc(verb)},
                   {"actor", esc(person.empty() ? ev.actor() : person)},
                   {"details", ToNode(ev.details(), format)},
                   {"headline", esc(EventHeadline(ev))}};
  if (type == "resolved") event.emplace("how", esc(HowResolved(ev)));
  if (!type.empty()) event.emplace("is_" + type, true);

  const std::vector<std::string> names = ev.accounts();
  mstch::array accounts;
  std::string joined;
  for (const std::string& n : names) {
    accounts.push_back(mstch::map{{"name", esc(n)}});
    joined += (joined.empty() ? "" : ", ") + n;
  }
  return mstch::map{
      {"event", std::move(event)},
      {"incident", ToNode(ev.incident(), format)},
      {"labels", LabelsNode(ev.labels(), format)},
      {"annotations", LabelsNode(ev.annotations(), format)},
      {"group", LabelsNode(ev.group(), format)},
      {"accounts", std::move(accounts)},
      {"account_names", esc(joined)},
      {"account_count", std::to_string(names.size())},
      {"title", esc(ev.title())},
      {"summary", esc(ev.Field("summary"))},
      {"severity", esc(ev.severity())},
      {"runbook", esc(ev.Field("runbook"))},
      {"key", esc(ev.key())},
      {"link", esc(ev.link())},
      {"owner", mstch::map{{"team", esc(ev.team())},
                           {"commander", esc(ev.commander())},
                           {"communications", esc(ev.communications())}}},
  };
}

}  // namespace

Result<Template> Template::Compile(std::string_view text) {
  if (auto err = CheckMustache(text, ReceiverTemplateNames())) {
    return MakeError(DescribeTemplateOffset(text, err->offset) + ": " + err->message);
  }
  std::vector<MustacheTag> tags;
  (void)TokenizeMustache(text, &tags);  // cannot fail: CheckMustache tokenized it already
  Template t;
  t.source_ = std::string(text);
  size_t pos = 0;
  for (const MustacheTag& tag : tags) {
    t.mstch_text_.append(text.substr(pos, tag.offset - pos));
    if (tag.kind == MustacheTag::Kind::kVariable) {
      t.mstch_text_.append("{{&").append(tag.name).append("}}");
    } else {
      t.mstch_text_.append(text.substr(tag.offset, tag.length));
    }
    pos = tag.offset + tag.length;
  }
  t.mstch_text_.append(text.substr(pos));
  return t;
}

std::string Template::Render(const EventView& event, TextFormat format) const {
  return mstch::render(mstch_text_, Context(event, format));
}

Result<Template> ReceiverTemplate(const ReceiverConfig& rc, std::string_view name,
                                  std::string_view default_text) {
  auto it = rc.templates.find(std::string(name));
  const std::string_view text = it == rc.templates.end() ? default_text : it->second;
  auto t = Template::Compile(text);
  if (!t.ok()) {
    return MakeError(
        "receiver \"" + rc.name + "\": templates." + std::string(name) + ": " + t.error().message,
        "templates");
  }
  return t;
}

}  // namespace ab
