// Strict reading of rule test files: unknown keys, wrong types and references to things that do
// not exist are errors with file:line:col, all reported at once, as `check` does for config.
#include "ruletest/test_file.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "config/embedded.h"
#include "config/parse.h"
#include "ruletest/expectations.h"

namespace ab {
namespace {

namespace ci = config_internal;
namespace fs = std::filesystem;

// Where every test's fake clock starts unless it says otherwise. Fixed, so that rendered times
// and date-dependent rules give the same result on every run.
constexpr const char* kDefaultStart = "2024-01-01T00:00:00Z";

// A signed offset from the test's start: "5m", "0s", "-2m" (an alert that started before it).
bool ReadOffset(const ci::Value& v, ci::Diagnostics& diag, TestOffset* out) {
  if (!v.node.IsScalar()) {
    diag.Add(v.mark,
             v.path + ": expected a duration (like 5m or -5m), got " + ci::Describe(v.node));
    return false;
  }
  std::string_view text = v.node.Scalar();
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  Result<Duration> d = ParseDuration(text);
  if (!d.ok()) {
    diag.Add(v.mark, v.path + ": " + d.error().message);
    return false;
  }
  *out = negative ? -*d : *d;
  return true;
}

// Labels or annotations of an input alert. Empty values are dropped, as Alertmanager does.
bool ReadLabels(const ci::Value& v, ci::Diagnostics& diag, LabelSet* out) {
  size_t before = diag.count();
  if (!v.node.IsMap() && !v.node.IsNull()) {
    diag.Add(v.mark, v.path + ": expected a map of names to values, got " + ci::Describe(v.node));
    return false;
  }
  for (const ci::MapEntry& e : ci::MapEntries(v, diag)) {
    if (!ci::IsValidLabelName(e.key)) {
      diag.Add(e.key_node, v.path + ": \"" + e.key + "\" is not a valid label name");
      continue;
    }
    std::string value;
    if (ci::ReadString(e.value, diag, &value)) out->Set(e.key, value);
  }
  return diag.count() == before;
}

std::vector<EmbeddedConfig::Path> ReadPaths(const ci::Value& list, const std::string& base,
                                            ci::Diagnostics& diag) {
  std::vector<EmbeddedConfig::Path> out;
  for (const ci::Value& item : ci::ListItems(list, diag)) {
    std::string p;
    if (ci::ReadNonEmpty(item, diag, &p)) {
      out.push_back({ci::ResolvePath(base, p), diag.Location(item.mark)});
    }
  }
  return out;
}

class TestFileReader {
 public:
  TestFileReader(RuleTestFile* file, ci::Diagnostics& diag) : file_(*file), diag_(diag) {}

  void ReadTest(const ci::Value& item) {
    ci::MapReader t(item, {"name", "start", "input", "expect"}, diag_);
    RuleTestCase test;
    test.location = diag_.Location(item.mark);
    test.start = *ParseRfc3339(kDefaultStart);
    if (t.Require("name") && ci::ReadNonEmpty(*t.Find("name"), diag_, &test.name)) {
      if (!names_.insert(test.name).second) {
        diag_.Add(t.Find("name")->mark, "name: a second test named \"" + test.name + "\"");
      }
    }
    if (const ci::Value* v = t.Find("start")) ReadStart(*v, &test.start);
    if (const ci::Value* v = t.Find("input")) {
      for (const ci::Value& step : ci::ListItems(*v, diag_)) ReadInput(step, &test);
    }
    if (t.Require("expect")) {
      std::vector<ci::Value> items = ci::ListItems(*t.Find("expect"), diag_);
      if (items.empty() && t.Find("expect")->node.IsSequence()) {
        diag_.Add(t.Find("expect")->mark, "expect: a test needs at least one expectation");
      }
      for (const ci::Value& e : items) ReadExpectation(e, &test);
    }
    auto by_time = [](const auto& a, const auto& b) { return a.at < b.at; };
    std::stable_sort(test.input.begin(), test.input.end(), by_time);
    std::stable_sort(test.expect.begin(), test.expect.end(), by_time);
    for (const TestInput& in : test.input) test.end = std::max(test.end, in.at);
    for (const TestExpectation& e : test.expect) test.end = std::max(test.end, e.at);
    if (test.end / file_.evaluation_interval > kMaxEvaluationSteps) {
      diag_.AddAt(test.location,
                  "test spans " + FormatDuration(test.end) + ", more than " +
                      std::to_string(kMaxEvaluationSteps) + " steps of evaluation_interval " +
                      FormatDuration(file_.evaluation_interval) + "; raise evaluation_interval");
    }
    file_.tests.push_back(std::move(test));
  }

 private:
  void ReadStart(const ci::Value& v, TimePoint* out) {
    std::string text;
    if (!ci::ReadString(v, diag_, &text)) return;
    Result<TimePoint> t = ParseRfc3339(text);
    if (!t.ok()) {
      diag_.Add(v.mark, v.path + ": expected an RFC 3339 time like " + std::string(kDefaultStart) +
                            ": " + t.error().message);
      return;
    }
    *out = *t;
  }

  bool ReadAt(const ci::MapReader& m, TestOffset* at) {
    if (!m.Require("at")) return false;
    const ci::Value& v = *m.Find("at");
    if (!ci::ReadDuration(v, diag_, at)) return false;
    return true;
  }

  void ReadInput(const ci::Value& item, RuleTestCase* test) {
    ci::MapReader m(item, {"at", "alerts", "actions", "restart"}, diag_);
    TestInput in;
    ReadAt(m, &in.at);
    m.Bool("restart", &in.restart);
    if (!m.Has("alerts") && !m.Has("actions") && !in.restart &&
        (item.node.IsMap() || item.node.IsNull())) {
      diag_.Add(item.mark,
                "an input needs alerts:, actions:, restart: true or some of them (time passes by "
                "itself)");
    }
    auto read_list = [&](const char* key, const char* what, auto read_one) {
      const ci::Value* list = m.Find(key);
      if (list == nullptr) return;
      std::vector<ci::Value> items = ci::ListItems(*list, diag_);
      if (items.empty() && (list->node.IsSequence() || list->node.IsNull())) {
        diag_.Add(list->mark,
                  list->path + ": list at least one " + what + " (time passes by itself)");
      }
      for (const ci::Value& v : items) (this->*read_one)(v, &in);
    };
    read_list("alerts", "alert", &TestFileReader::ReadAlert);
    read_list("actions", "action", &TestFileReader::ReadAction);
    test->input.push_back(std::move(in));
  }

  // {incident: 1, do: ack|resolve|close|reopen|note|assign|severity, actor: alice, ...}: what a
  // person does through the API, with the same fields (CONTRACTS.md "Human actions").
  void ReadAction(const ci::Value& item, TestInput* in) {
    static const std::vector<std::string_view> kKeys = {
        "incident", "do",     "actor", "resolution", "cause",          "runbook_updated",
        "text",     "update", "team",  "commander",  "communications", "priority"};
    ci::MapReader m(item, kKeys, diag_);
    TestAction a;
    a.location = diag_.Location(item.mark);
    bool ok =
        m.Require("incident") && m.Int("incident", int64_t{1}, INT64_MAX, &a.action.incident_id);
    std::string verb;
    ok =
        m.Require("do") &&
        m.OneOf("do", {"ack", "resolve", "close", "reopen", "note", "assign", "severity"}, &verb) &&
        ok;
    if (std::optional<ActionType> type = ParseActionType(verb)) a.action.type = *type;
    std::string actor;
    if (m.String("actor", &actor)) {
      if (actor.empty()) {
        diag_.Add(m.Find("actor")->mark, "actor: must not be empty");
        ok = false;
      }
      a.action.actor = "user:" + actor;
    }
    if (verb.empty()) return;  // its other keys cannot be judged
    // The fields each action takes besides actor (the API's body fields), and the one it needs.
    std::vector<std::string_view> fields;
    std::string_view needed;
    switch (a.action.type) {
      case ActionType::kClose:
        fields = {"resolution", "cause", "runbook_updated"};
        needed = "resolution";
        break;
      case ActionType::kNote:
        fields = {"text", "update"};
        needed = "text";
        break;
      case ActionType::kAssign:
        fields = {"team", "commander", "communications"};
        break;
      case ActionType::kSeverity:
        fields = {"priority"};
        needed = "priority";
        break;
      default:
        break;
    }
    for (std::string_view key : kKeys) {
      if (key == "incident" || key == "do" || key == "actor") continue;
      const YAML::Node* k = m.KeyNode(key);
      if (k == nullptr || std::find(fields.begin(), fields.end(), key) != fields.end()) continue;
      std::string takes = "actor";
      for (std::string_view f : fields) takes += ", " + std::string(f);
      diag_.Add(*k, std::string(key) + ": " + verb + " does not take it (it takes " + takes + ")");
      ok = false;
    }
    if (!needed.empty() && !m.Require(needed)) ok = false;
    if (a.action.type == ActionType::kClose) {
      // Both are reported when both are missing.
      const bool cause = m.Require("cause");
      ok = m.Require("runbook_updated") && cause && ok;
    }
    if (a.action.type == ActionType::kAssign && !m.Has("team") && !m.Has("commander") &&
        !m.Has("communications") && item.node.IsMap()) {
      diag_.Add(item.mark, "assign needs team:, commander:, communications: or some of them");
      ok = false;
    }
    for (std::string_view key : fields) {
      const ci::Value* v = m.Find(key);
      if (v == nullptr) continue;
      if (key == "priority") {
        Severity priority = Severity::SEV5;
        ok = ci::ReadSeverity(*v, diag_, &priority) && ok;
        a.action.priority = priority;
        continue;
      }
      if (key == "update" || key == "runbook_updated") {
        bool flag = false;
        ok = ci::ReadBool(*v, diag_, &flag) && ok;
        if (key == "update") {
          a.action.update = flag;
        } else {
          a.action.runbook_updated = flag;
        }
        continue;
      }
      std::string value;
      ok = ci::ReadNonEmpty(*v, diag_, &value) && ok;
      if (key == "team") {
        a.action.team = value;
      } else if (key == "commander") {
        a.action.commander = value;
      } else if (key == "communications") {
        a.action.communications = value;
      } else if (key == "cause") {
        a.action.cause = value;
      } else {
        a.action.text = value;  // close's resolution, note's text
      }
    }
    if (ok) in->actions.push_back(std::move(a));
  }

  void ReadAlert(const ci::Value& item, TestInput* in) {
    ci::MapReader m(
        item,
        {"labels", "annotations", "status", "starts_at", "ends_at", "generator_url", "source"},
        diag_);
    TestAlert a;
    if (m.Require("labels") && ReadLabels(*m.Find("labels"), diag_, &a.labels) &&
        a.labels.empty()) {
      diag_.Add(m.Find("labels")->mark,
                m.Find("labels")->path + ": an alert needs at least one label with a value");
    }
    if (const ci::Value* v = m.Find("annotations")) ReadLabels(*v, diag_, &a.annotations);
    std::string status;
    if (m.OneOf("status", {"firing", "resolved"}, &status) && status == "resolved") {
      a.status = AlertStatus::kResolved;
    }
    TestOffset offset{0};
    if (const ci::Value* v = m.Find("starts_at"); v && ReadOffset(*v, diag_, &offset)) {
      a.starts_at = offset;
    }
    if (const ci::Value* v = m.Find("ends_at"); v && ReadOffset(*v, diag_, &offset)) {
      a.ends_at = offset;
    }
    m.String("generator_url", &a.generator_url);
    if (m.String("source", &a.source)) a.source_location = diag_.Location(m.Find("source")->mark);
    in->alerts.push_back(std::move(a));
  }

  void ReadExpectation(const ci::Value& item, RuleTestCase* test) {
    ci::MapReader m(item, {"at", "incidents", "events"}, diag_);
    TestExpectation e;
    e.location = diag_.Location(item.mark);
    ReadAt(m, &e.at);
    auto read_list = [&](const char* key, auto read_one) {
      std::optional<std::vector<Record>> out;
      const ci::Value* v = m.Find(key);
      if (v == nullptr) return out;
      out.emplace();
      for (const ci::Value& r : ci::ListItems(*v, diag_)) {
        Record rec;
        if (read_one(r, diag_, &rec)) out->push_back(std::move(rec));
      }
      return out;
    };
    e.incidents = read_list("incidents", ReadExpectedIncident);
    e.events = read_list("events", ReadExpectedEvent);
    if (!m.Has("incidents") && !m.Has("events") && (item.node.IsMap() || item.node.IsNull())) {
      diag_.Add(item.mark, "an expectation checks incidents:, events: or both; it names neither");
    }
    test->expect.push_back(std::move(e));
  }

  RuleTestFile& file_;
  ci::Diagnostics& diag_;
  std::set<std::string> names_;
};

bool ReadFile(const std::string& path, ci::Diagnostics& diag, std::string* text) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    diag.AddAt({path, 0, 0}, "expected a test file, found a folder");
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag.AddAt({path, 0, 0}, fs::exists(path, ec) ? "cannot read file" : "no such file");
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  *text = s.str();
  return true;
}

void LoadInto(const std::string& path, RuleTestFile* out, std::vector<ConfigError>* errors) {
  RuleTestFile& file = *out;
  ci::Diagnostics diag(path, errors);
  std::string text;
  if (!ReadFile(path, diag, &text)) return;
  YAML::Node root = ci::ParseYaml(text, diag);
  if (diag.count() > 0) return;
  if (root.IsNull()) {
    diag.AddAt({path, 0, 0}, "empty test file: it needs rule_files: or rules:, and tests:");
    return;
  }

  ci::MapReader top(ci::Root(root),
                    {"rule_files", "rules", "receiver_files", "receivers", "sources", "accounts",
                     "severities", "silences", "evaluation_interval", "tests"},
                    diag);
  if (const ci::Value* v = top.Find("accounts"); v && !v->node.IsMap() && !v->node.IsNull()) {
    diag.Add(v->mark,
             "accounts: expected the accounts table itself (key_label:, tiers:, "
             "accounts:, as in accounts.yml), got " +
                 ci::Describe(v->node));
  }
  std::string base = fs::path(path).parent_path().string();
  EmbeddedConfig embedded;
  embedded.file = path;
  if (const ci::Value* v = top.Find("rule_files")) embedded.rule_files = ReadPaths(*v, base, diag);
  if (const ci::Value* v = top.Find("receiver_files")) {
    embedded.receiver_files = ReadPaths(*v, base, diag);
  }
  if (const ci::Value* v = top.Find("rules")) embedded.rules = v->node;
  if (const ci::Value* v = top.Find("receivers")) embedded.receivers = v->node;
  if (const ci::Value* v = top.Find("sources")) embedded.sources = v->node;
  if (const ci::Value* v = top.Find("severities")) embedded.severities = v->node;
  if (const ci::Value* v = top.Find("silences")) embedded.silences = v->node;
  if (const ci::Value* v = top.Find("accounts"); v && v->node.IsMap()) embedded.accounts = v->node;
  // Receiver names are checked when receivers are loaded; an empty list loads none.
  auto names_receivers = [&](const char* key) {
    const ci::Value* v = top.Find(key);
    return v && !(v->node.IsSequence() && v->node.size() == 0);
  };
  embedded.check_receiver_refs = names_receivers("receivers") || names_receivers("receiver_files");
  if (!top.Has("rules") && !top.Has("rule_files") && root.IsMap()) {
    diag.Add(root.Mark(), "a test file names its rules: rule_files:, rules: or both");
  }
  LoadResult loaded = LoadEmbedded(embedded);
  errors->insert(errors->end(), loaded.errors.begin(), loaded.errors.end());
  file.config = std::move(loaded.config);

  top.PositiveDur("evaluation_interval", &file.evaluation_interval);
  TestFileReader reader(&file, diag);
  if (top.Require("tests")) {
    const ci::Value& tests = *top.Find("tests");
    std::vector<ci::Value> items = ci::EntryItems(tests, diag);
    if (items.empty() && (tests.node.IsSequence() || tests.node.IsNull())) {
      diag.Add(tests.mark, "tests: list at least one test");
    }
    for (const ci::Value& item : items) reader.ReadTest(item);
  }
  for (const RuleTestCase& test : file.tests) {
    for (const TestInput& in : test.input) {
      for (const TestAlert& a : in.alerts) {
        if (file.config.FindSource(a.source) == nullptr) {
          diag.AddAt(a.source_location,
                     "source: no source named \"" + a.source + "\" (list it under sources:)");
        }
      }
    }
  }
}

}  // namespace

RuleTestFile LoadRuleTestFile(const std::string& path, std::vector<ConfigError>* errors) {
  RuleTestFile file;
  file.path = path;
  size_t first_error = errors->size();
  LoadInto(path, &file, errors);
  // By file, then position: the order a user fixes them in.
  std::stable_sort(errors->begin() + static_cast<long>(first_error), errors->end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return std::tie(a.file, a.line, a.col) < std::tie(b.file, b.line, b.col);
                   });
  return file;
}

}  // namespace ab
