#include "engine/incident_text.h"

#include <mstch/mstch.hpp>

namespace ab {

namespace {

mstch::map ToMap(const LabelSet& labels) {
  mstch::map m;
  for (const auto& l : labels) m.emplace(l.name, l.value);
  return m;
}

struct NoEscape {
  NoEscape() {
    mstch::config::escape = [](const std::string& s) { return s; };
  }
};

std::string FormatDate(TimePoint t) { return FormatRfc3339(t).substr(0, 10); }

mstch::array AccountsArray(const TextContext& ctx) {
  mstch::array out;
  for (const std::string& name : ctx.accounts) {
    // An account accounts.yml does not list is shown all the same, marked unknown, with its
    // other fields empty: {{#tier}}...{{/tier}} sections render nothing for it. Every field is
    // set, so that none is looked up in the enclosing context instead.
    const Account* a = ctx.account_table ? ctx.account_table->Find(name) : nullptr;
    std::string tier, arr, renewal;
    if (a != nullptr) {
      tier = ctx.account_table->tiers()[static_cast<size_t>(a->tier)];
      if (a->arr) arr = std::to_string(*a->arr);
      if (a->renewal) renewal = FormatDate(*a->renewal);
    }
    out.push_back(mstch::map{{"name", name},
                             {"unknown", a == nullptr},
                             {"tier", tier},
                             {"arr", arr},
                             {"renewal", renewal}});
  }
  return out;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string GroupText(const LabelSet& group) {
  std::string out;
  for (const auto& l : group) {
    if (!out.empty()) out += ", ";
    out += l.name + "=" + l.value;
  }
  return out;
}

// Renders every template of the rule; `fallback_title` when the rule has none.
IncidentText Render(const Rule& rule, const LabelSet& group, const TextContext& ctx,
                    std::string fallback_title) {
  static const NoEscape no_escape;  // process-wide, set once before the first render
  (void)no_escape;
  mstch::map context{
      {"labels", ToMap(ctx.common_labels)},
      {"annotations", ToMap(ctx.common_annotations)},
      {"group", ToMap(group)},
      {"alert_count", std::to_string(ctx.alert_count)},
      {"alert_count_plural", ctx.alert_count != 1},
      {"rule", rule.name},
      {"accounts", AccountsArray(ctx)},
      {"account_names", Join(ctx.accounts)},
      {"account_count", std::to_string(ctx.accounts.size())},
      {"account_count_plural", ctx.accounts.size() != 1},
  };
  auto render = [&](const std::string& tmpl) {
    return tmpl.empty() ? std::string() : mstch::render(tmpl, context);
  };
  IncidentText text;
  text.title = rule.title.empty() ? std::move(fallback_title) : render(rule.title);
  text.summary = render(rule.summary);
  text.runbook = render(rule.runbook);
  text.owner.team = render(rule.owner.team);
  text.owner.commander = render(rule.owner.commander);
  text.owner.communications = render(rule.owner.communications);
  return text;
}

}  // namespace

LabelSet CommonLabels(const LabelSet& a, const LabelSet& b) {
  LabelSet out;
  for (const auto& l : a) {
    if (b.Get(l.name) == l.value) out.Set(l.name, l.value);
  }
  return out;
}

TextContext CommonContext(const std::vector<const TrackedAlert*>& members) {
  TextContext ctx;
  ctx.alert_count = static_cast<int>(members.size());
  bool first = true;
  for (const TrackedAlert* a : members) {
    if (first) {
      ctx.common_labels = a->alert.labels;
      ctx.common_annotations = a->alert.annotations;
      first = false;
    } else {
      ctx.common_labels = CommonLabels(ctx.common_labels, a->alert.labels);
      ctx.common_annotations = CommonLabels(ctx.common_annotations, a->alert.annotations);
    }
  }
  return ctx;
}

IncidentText RenderIncidentText(const Rule& rule, const LabelSet& group, const TextContext& ctx) {
  std::string fallback = rule.name;
  if (!group.empty()) fallback += ": " + GroupText(group);
  return Render(rule, group, ctx, std::move(fallback));
}

IncidentText RenderHeartbeatText(const Rule& rule, const LabelSet& group,
                                 std::optional<TimePoint> last_seen, const TextContext& ctx) {
  std::string fallback = "Monitoring pipeline down: no " + rule.name + " heartbeat";
  if (!group.empty()) fallback += " (" + GroupText(group) + ")";
  IncidentText text = Render(rule, group, ctx, std::move(fallback));
  if (rule.summary.empty()) {
    text.summary = "No alert matching heartbeat rule " + rule.name + " arrived for more than " +
                   FormatDuration(rule.interval) + "; last seen " +
                   (last_seen ? FormatRfc3339(*last_seen) : std::string("never since start")) + ".";
  }
  return text;
}

}  // namespace ab
