#include "engine/incident_text.h"

#include <mstch/mstch.hpp>

namespace ab {

namespace {

mstch::map ToMap(const LabelSet& labels) {
  mstch::map m;
  for (const auto& l : labels) m.emplace(l.name, l.value);
  return m;
}

LabelSet Intersect(const LabelSet& a, const LabelSet& b) {
  LabelSet out;
  for (const auto& l : a) {
    if (b.Get(l.name) == l.value) out.Set(l.name, l.value);
  }
  return out;
}

struct NoEscape {
  NoEscape() {
    mstch::config::escape = [](const std::string& s) { return s; };
  }
};

}  // namespace

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
      ctx.common_labels = Intersect(ctx.common_labels, a->alert.labels);
      ctx.common_annotations = Intersect(ctx.common_annotations, a->alert.annotations);
    }
  }
  return ctx;
}

std::string RenderText(const std::string& tmpl, const Rule& rule, const LabelSet& group,
                       const TextContext& ctx) {
  static const NoEscape no_escape;  // process-wide, set once before the first render
  (void)no_escape;
  mstch::map context{
      {"labels", ToMap(ctx.common_labels)},
      {"annotations", ToMap(ctx.common_annotations)},
      {"group", ToMap(group)},
      {"alert_count", std::to_string(ctx.alert_count)},
      {"rule", rule.name},
  };
  return mstch::render(tmpl, context);
}

std::string DefaultTitle(const Rule& rule, const LabelSet& group) {
  std::string out = rule.name;
  const char* sep = ": ";
  for (const auto& l : group) {
    out += sep;
    out += l.name + "=" + l.value;
    sep = ", ";
  }
  return out;
}

}  // namespace ab
