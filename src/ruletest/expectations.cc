#include "ruletest/expectations.h"

#include <algorithm>
#include <climits>
#include <functional>
#include <nlohmann/json.hpp>

namespace ab {
namespace {

namespace ci = config_internal;

constexpr EventType kAllEvents[] = {
    EventType::kDeclared,    EventType::kAlertAdded,      EventType::kAlertResolved,
    EventType::kAlertStale,  EventType::kSeverityChanged, EventType::kAcknowledged,
    EventType::kAssigned,    EventType::kNoteAdded,       EventType::kStatusUpdate,
    EventType::kSlaBreached, EventType::kEscalated,       EventType::kMuted,
    EventType::kUnmuted,     EventType::kResolved,        EventType::kReopened,
    EventType::kClosed};

constexpr IncidentState kAllStates[] = {IncidentState::kPending, IncidentState::kDeclared,
                                        IncidentState::kAcknowledged, IncidentState::kResolved,
                                        IncidentState::kClosed};

template <class T, size_t N>
std::string NameList(const T (&values)[N]) {
  std::string out;
  for (const T& v : values) {
    if (!out.empty()) out += ", ";
    out += ToString(v);
  }
  return out;
}

std::string FormatList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& s : items) {
    if (out.size() > 1) out += ", ";
    out += QuoteText(s);
  }
  return out + "]";
}

// A map of label name -> non-empty value (a group, as the API shows it).
bool ReadLabelMap(const ci::Value& v, ci::Diagnostics& diag, LabelSet* out) {
  size_t before = diag.count();
  if (!v.node.IsMap() && !v.node.IsNull()) {
    diag.Add(v.mark,
             v.path + ": expected a map of label names to values, got " + ci::Describe(v.node));
    return false;
  }
  LabelSet labels;
  for (const ci::MapEntry& e : ci::MapEntries(v, diag)) {
    if (!ci::IsValidLabelName(e.key)) {
      diag.Add(e.key_node, v.path + ": \"" + e.key + "\" is not a valid label name");
      continue;
    }
    std::string value;
    if (ci::ReadNonEmpty(e.value, diag, &value)) labels.Set(e.key, value);
  }
  *out = std::move(labels);
  return diag.count() == before;
}

class RecordReader {
 public:
  RecordReader(const ci::Value& v, std::initializer_list<std::string_view> keys,
               ci::Diagnostics& diag)
      : r_(v, keys, diag), diag_(diag), before_(diag.count()) {
    record_.location = diag.Location(v.mark);
  }

  const ci::MapReader& map() const { return r_; }
  void Add(std::string name, std::string value) {
    record_.fields.push_back({std::move(name), std::move(value)});
  }

  void Int(std::string_view key, int64_t min) {
    int64_t n = 0;
    if (r_.Int(key, min, INT64_MAX, &n)) Add(std::string(key), std::to_string(n));
  }
  void Text(std::string_view key, const std::string& name) {
    std::string s;
    if (r_.String(key, &s)) Add(name, QuoteText(s));
  }
  void Text(std::string_view key) { Text(key, std::string(key)); }
  void Labels(std::string_view key) {
    LabelSet labels;
    if (const ci::Value* v = r_.Find(key); v != nullptr && ReadLabelMap(*v, diag_, &labels)) {
      Add(std::string(key), FormatLabelMap(labels));
    }
  }
  void Sev(std::string_view key, const std::string& name) {
    Severity s = Severity::SEV5;
    if (r_.Sev(key, &s)) Add(name, std::string(ToString(s)));
  }
  template <class T, size_t N>
  void Enum(std::string_view key, const T (&values)[N], const char* what) {
    const ci::Value* v = r_.Find(key);
    if (v == nullptr) return;
    for (const T& value : values) {
      if (v->node.IsScalar() && v->node.Scalar() == ToString(value)) {
        Add(std::string(key), std::string(ToString(value)));
        return;
      }
    }
    diag_.Add(v->mark, v->path + ": unknown " + what + " " + ci::Describe(v->node) +
                           " (valid: " + NameList(values) + ")");
  }

  bool Finish(Record* out) {
    *out = std::move(record_);
    return diag_.count() == before_;
  }

 private:
  ci::MapReader r_;
  ci::Diagnostics& diag_;
  size_t before_;
  Record record_;
};

const std::string* FindField(const Record& r, std::string_view name) {
  for (const RecordField& f : r.fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

bool Matches(const Record& expected, const Record& got) {
  for (const RecordField& f : expected.fields) {
    const std::string* v = FindField(got, f.name);
    if (v == nullptr || *v != f.value) return false;
  }
  return true;
}

// A detail value as text: strings as they are, anything else as JSON ({"n": 2} -> "2").
std::string DetailText(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string QuoteText(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string FormatLabelMap(const LabelSet& labels) {
  std::string out = "{";
  for (const Label& l : labels) {
    if (out.size() > 1) out += ", ";
    out += l.name + ": " + QuoteText(l.value);
  }
  return out + "}";
}

bool ReadExpectedIncident(const ci::Value& v, ci::Diagnostics& diag, Record* out) {
  RecordReader r(v,
                 {"id", "key", "rule", "group", "occurrence", "state", "severity", "base_severity",
                  "priority", "title", "summary", "owner", "runbook", "receivers", "alerts_firing",
                  "alerts_total", "flags"},
                 diag);
  const ci::MapReader& m = r.map();
  r.Int("id", 1);
  r.Text("key");
  r.Text("rule");
  r.Labels("group");
  r.Int("occurrence", 1);
  r.Enum("state", kAllStates, "incident state");
  // `severity` is the short name of base_severity (the API's name): the severity the alerts give,
  // before customer-impact raises, which make the priority.
  if (m.Has("severity") && m.Has("base_severity")) {
    diag.Add(*m.KeyNode("base_severity"),
             "severity and base_severity name the same field; write one of them");
  } else {
    r.Sev("severity", "base_severity");
    r.Sev("base_severity", "base_severity");
  }
  r.Sev("priority", "priority");
  r.Text("title");
  r.Text("summary");
  if (const ci::Value* owner = m.Find("owner")) {
    RecordReader o(*owner, {"team", "commander", "communications"}, diag);
    o.Text("team", "owner.team");
    o.Text("commander", "owner.commander");
    o.Text("communications", "owner.communications");
    Record fields;
    o.Finish(&fields);
    for (RecordField& f : fields.fields) r.Add(std::move(f.name), std::move(f.value));
  }
  r.Text("runbook");
  std::vector<std::string> receivers;
  if (m.StringList("receivers", &receivers)) r.Add("receivers", FormatList(receivers));
  r.Int("alerts_firing", 0);
  r.Int("alerts_total", 0);
  std::vector<std::string> flags;  // "muted"
  if (m.StringList("flags", &flags)) r.Add("flags", FormatList(flags));
  return r.Finish(out);
}

bool ReadExpectedEvent(const ci::Value& v, ci::Diagnostics& diag, Record* out) {
  RecordReader r(v, {"type", "incident", "key", "rule", "group", "actor", "notify", "details"},
                 diag);
  const ci::MapReader& m = r.map();
  m.Require("type");
  r.Enum("type", kAllEvents, "event type");
  r.Int("incident", 1);
  r.Text("key");
  r.Text("rule");
  r.Labels("group");
  r.Text("actor");  // "rule:<name>" when the engine did it, "user:<name>" for a person
  std::vector<std::string> notify;  // the receivers it goes to (before their `events` filter)
  if (m.StringList("notify", &notify)) {
    std::sort(notify.begin(), notify.end());
    r.Add("notify", FormatList(notify));
  }
  if (const ci::Value* details = m.Find("details")) {
    for (const ci::MapEntry& e : ci::MapEntries(*details, diag)) {
      std::string text;
      if (ci::ReadString(e.value, diag, &text)) r.Add("details." + e.key, QuoteText(text));
    }
  }
  return r.Finish(out);
}

Record IncidentRecord(const Incident& inc) {
  Record r;
  auto add = [&r](std::string name, std::string value) {
    r.fields.push_back({std::move(name), std::move(value)});
  };
  add("id", std::to_string(inc.id));
  add("key", QuoteText(inc.key));
  add("rule", QuoteText(inc.rule));
  add("group", FormatLabelMap(inc.group));
  add("occurrence", std::to_string(inc.occurrence));
  add("state", std::string(ToString(inc.state)));
  add("base_severity", std::string(ToString(inc.base_severity)));
  add("priority", std::string(ToString(inc.priority)));
  add("title", QuoteText(inc.title));
  add("summary", QuoteText(inc.summary));
  add("owner.team", QuoteText(inc.owner.team));
  add("owner.commander", QuoteText(inc.owner.commander));
  add("owner.communications", QuoteText(inc.owner.communications));
  add("runbook", QuoteText(inc.runbook));
  add("receivers", FormatList(inc.receivers));
  add("alerts_firing", std::to_string(inc.alerts_firing));
  add("alerts_total", std::to_string(inc.alerts_total));
  add("flags",
      FormatList(inc.muted ? std::vector<std::string>{"muted"} : std::vector<std::string>{}));
  return r;
}

Record EventRecordOf(const Event& event, const Incident& snapshot,
                     std::vector<std::string> notify) {
  Record r;
  r.fields.push_back({"type", std::string(ToString(event.type))});
  r.fields.push_back({"incident", std::to_string(event.incident_id)});
  r.fields.push_back({"key", QuoteText(snapshot.key)});
  r.fields.push_back({"rule", QuoteText(snapshot.rule)});
  r.fields.push_back({"group", FormatLabelMap(snapshot.group)});
  r.fields.push_back({"actor", QuoteText(event.actor)});
  std::sort(notify.begin(), notify.end());
  r.fields.push_back({"notify", FormatList(notify)});
  if (event.details.is_object()) {
    for (const auto& [name, value] : event.details.items()) {
      r.fields.push_back({"details." + name, QuoteText(DetailText(value))});
    }
  }
  return r;
}

bool MatchRecords(const std::vector<Record>& expected, const std::vector<Record>& got,
                  std::vector<size_t>* unmatched) {
  unmatched->clear();
  // Bipartite matching (augmenting paths): a loose expectation must not take the one record a
  // stricter expectation needs, whatever order they are written in. Lists are short.
  std::vector<long> owner(got.size(), -1);  // got index -> expected index
  std::function<bool(size_t, std::vector<bool>&)> augment = [&](size_t e, std::vector<bool>& seen) {
    for (size_t g = 0; g < got.size(); ++g) {
      if (seen[g] || !Matches(expected[e], got[g])) continue;
      seen[g] = true;
      if (owner[g] < 0 || augment(static_cast<size_t>(owner[g]), seen)) {
        owner[g] = static_cast<long>(e);
        return true;
      }
    }
    return false;
  };
  for (size_t e = 0; e < expected.size(); ++e) {
    std::vector<bool> seen(got.size(), false);
    if (!augment(e, seen)) unmatched->push_back(e);
  }
  return unmatched->empty() && expected.size() == got.size();
}

std::string FormatRecord(const Record& record, bool skip_empty) {
  std::string out = "{";
  auto append = [&out](const std::string& name, const std::string& value) {
    if (out.size() > 1) out += ", ";
    out += name + ": " + value;
  };
  const std::vector<RecordField>& f = record.fields;
  for (size_t i = 0; i < f.size();) {
    size_t dot = f[i].name.find('.');
    if (dot == std::string::npos) {
      if (!skip_empty || (f[i].value != "\"\"" && f[i].value != "[]")) {
        append(f[i].name, f[i].value);
      }
      ++i;
      continue;
    }
    // owner.team, owner.commander -> owner: {team: ..., commander: ...}
    std::string prefix = f[i].name.substr(0, dot + 1);
    Record nested;
    for (; i < f.size() && f[i].name.rfind(prefix, 0) == 0; ++i) {
      nested.fields.push_back({f[i].name.substr(prefix.size()), f[i].value});
    }
    std::string inner = FormatRecord(nested, skip_empty);
    if (!skip_empty || inner != "{}") append(prefix.substr(0, dot), inner);
  }
  return out + "}";
}

}  // namespace ab
