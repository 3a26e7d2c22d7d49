#include "ruletest/runner.h"

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>

#include "config/yaml_reader.h"
#include "engine/engine.h"
#include "ingest/staleness.h"
#include "ruletest/expectations.h"

namespace ab {
namespace {

class TestRun {
 public:
  TestRun(const RuleTestFile& file, const RuleTestCase& test)
      : file_(file), test_(test), engine_(NewEngine(file)) {}

  std::vector<std::string> Run() {
    const std::vector<TestInput>& inputs = test_.input;
    const std::vector<TestExpectation>& expects = test_.expect;
    size_t next_input = 0, next_expect = 0;
    TestOffset next_tick{0};
    while (next_input < inputs.size() || next_expect < expects.size()) {
      TestOffset t = next_tick;
      if (next_input < inputs.size()) t = std::min(t, inputs[next_input].at);
      if (next_expect < expects.size()) t = std::min(t, expects[next_expect].at);
      TimePoint now = test_.start + t;
      events_.clear();  // expectations see the events of exactly this moment
      for (; next_input < inputs.size() && inputs[next_input].at == t; ++next_input) {
        const TestInput& in = inputs[next_input];
        if (in.restart) Restart();
        if (!in.alerts.empty()) Apply(engine_->Ingest(Batch(in, now), now));
        for (const TestAction& a : in.actions) Act(a, t, now);
      }
      if (t == next_tick) {
        Apply(engine_->Tick(now));
        next_tick += file_.evaluation_interval;
      }
      for (; next_expect < expects.size() && expects[next_expect].at == t; ++next_expect) {
        Check(expects[next_expect]);
      }
    }
    return std::move(failures_);
  }

 private:
  static std::unique_ptr<Engine> NewEngine(const RuleTestFile& file) {
    auto engine = std::make_unique<Engine>(RuleSetOf(file.config));
    engine->SetResponsePolicy(file.config.severities);
    engine->SetSilences(file.config.silences);
    return engine;
  }

  // A restart: a new engine restored from what the store holds, as `serve` does on start.
  void Restart() {
    std::vector<TrackedAlert> alerts;
    for (const auto& [fp, a] : alerts_) alerts.push_back(a);
    std::vector<Incident> incidents;
    for (const auto& [id, inc] : incidents_) {
      incidents.push_back(inc);
      auto m = members_.find(id);
      if (m != members_.end()) {
        incidents.back().alerts = m->second;
        std::sort(incidents.back().alerts.begin(), incidents.back().alerts.end());
      }
    }
    engine_ = NewEngine(file_);
    engine_->Restore(std::move(alerts), std::move(incidents));
  }

  // The alerts as the server hands them to the engine, staleness deadline included (decided by
  // ingest, as in the server): a firing alert of an `alertmanager` source that carries an ends_at
  // came through /api/v2/alerts; one of a `webhook` source is a generic webhook alert.
  std::vector<Alert> Batch(const TestInput& in, TimePoint now) const {
    std::vector<Alert> batch;
    for (const TestAlert& ta : in.alerts) {
      Alert a;
      a.labels = ta.labels;
      a.fingerprint = a.labels.Fingerprint();
      a.annotations = ta.annotations;
      a.status = ta.status;
      a.starts_at = test_.start + ta.starts_at.value_or(in.at);
      if (ta.ends_at) {
        a.ends_at = test_.start + *ta.ends_at;
      } else if (ta.status == AlertStatus::kResolved) {
        a.ends_at = test_.start + in.at;
      }
      a.generator_url = ta.generator_url;
      a.source = ta.source;
      if (const SourceConfig* source = file_.config.FindSource(ta.source)) {
        AlertRoute route = source->type == "webhook" ? AlertRoute::kGenericWebhook
                           : ta.ends_at              ? AlertRoute::kApiV2
                                                     : AlertRoute::kAlertmanagerWebhook;
        a.stale_at = StaleDeadline(route, a, source->stale_after, now);
      }
      batch.push_back(std::move(a));
    }
    return batch;
  }

  // A person's action, as the server runs it: an incident the engine no longer holds (an older
  // occurrence) is acted on from its stored row. One the engine refuses fails the test.
  void Act(const TestAction& a, TestOffset t, TimePoint now) {
    auto stored = incidents_.find(a.action.incident_id);
    ActionOutcome out =
        engine_->Act(a.action, now, stored == incidents_.end() ? nullptr : &stored->second);
    if (out.code == ActionOutcome::Code::kOk) {
      Apply(std::move(out.changes));
      return;
    }
    failures_.push_back("test \"" + test_.name + "\" at " + FormatDuration(t) + " (" +
                        config_internal::FormatLocation(a.location) + "): action " +
                        std::string(ToString(a.action.type)) + " refused: " + out.error + "\n");
  }

  // Keeps what the store would hold: the latest row of every incident, minus pending groups that
  // went quiet before declaring.
  void Apply(Changes&& changes) {
    for (TrackedAlert& a : changes.alerts) alerts_[a.alert.fingerprint] = std::move(a);
    for (const Membership& m : changes.joined) members_[m.incident_id].push_back(m.fingerprint);
    for (Incident& inc : changes.incidents) {
      int64_t id = inc.id;
      incidents_[id] = std::move(inc);
    }
    for (int64_t id : changes.removed_incidents) {
      incidents_.erase(id);
      members_.erase(id);
    }
    for (const EventRecord& e : changes.events) {
      events_.push_back(EventRecordOf(e.event, e.snapshot, e.notify));
    }
  }

  void Check(const TestExpectation& e) {
    if (e.incidents) {
      std::vector<Record> got;
      for (const auto& [id, inc] : incidents_) got.push_back(IncidentRecord(inc));
      Compare(e, "incident", *e.incidents, got);
    }
    if (e.events) Compare(e, "event", *e.events, events_);
  }

  void Compare(const TestExpectation& e, const std::string& what,
               const std::vector<Record>& expected, const std::vector<Record>& got) {
    std::vector<size_t> unmatched;
    if (MatchRecords(expected, got, &unmatched)) return;
    std::ostringstream m;
    m << "test \"" << test_.name << "\" at " << FormatDuration(e.at) << " ("
      << config_internal::FormatLocation(e.location) << "): " << what << "s differ\n";
    auto list = [&m](const char* label, const std::vector<Record>& records, bool skip_empty) {
      m << "      " << label << ":" << (records.empty() ? " []" : "") << "\n";
      for (const Record& r : records) m << "        - " << FormatRecord(r, skip_empty) << "\n";
    };
    list("exp", expected, false);
    list("got", got, true);
    for (size_t i : unmatched) {
      m << "      no " << what << " matches exp[" << i << "] ("
        << config_internal::FormatLocation(expected[i].location) << ")\n";
    }
    if (unmatched.empty()) {
      m << "      " << got.size() << " " << what << (got.size() == 1 ? "" : "s") << ", expected "
        << expected.size() << "\n";
    }
    failures_.push_back(m.str());
  }

  const RuleTestFile& file_;
  const RuleTestCase& test_;
  std::unique_ptr<Engine> engine_;
  std::map<int64_t, Incident> incidents_;  // by id: the order they were created in
  // What else the store would hold, for a restart: alert rows and memberships.
  std::map<uint64_t, TrackedAlert> alerts_;
  std::map<int64_t, std::vector<uint64_t>> members_;
  std::vector<Record> events_;             // emitted at the current moment
  std::vector<std::string> failures_;
};

}  // namespace

std::vector<std::string> RunRuleTest(const RuleTestFile& file, const RuleTestCase& test) {
  return TestRun(file, test).Run();
}

RuleTestCheck CheckRuleTestFile(const std::string& path) {
  RuleTestCheck out;
  out.tests = LoadRuleTestFile(path, &out.errors).tests.size();
  return out;
}

int RunRuleTestFiles(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err) {
  if (paths.empty()) {
    err << "alertbridge test: name at least one test file\n";
    return kTestsUnusable;
  }
  bool unusable = false;
  bool failed = false;
  for (const std::string& path : paths) {
    out << "Unit Testing: " << path << "\n";
    std::vector<ConfigError> errors;
    RuleTestFile file = LoadRuleTestFile(path, &errors);
    if (!errors.empty()) {
      for (const ConfigError& e : errors) err << e.ToString() << "\n";
      out << "  FAILED: " << errors.size() << (errors.size() == 1 ? " error" : " errors")
          << " in the test file or the rules it names (listed on stderr)\n\n";
      unusable = true;
      continue;
    }
    std::vector<std::string> messages;
    size_t failed_tests = 0;
    for (const RuleTestCase& test : file.tests) {
      std::vector<std::string> m = RunRuleTest(file, test);
      if (!m.empty()) ++failed_tests;
      messages.insert(messages.end(), m.begin(), m.end());
    }
    size_t n = file.tests.size();
    std::string tests = std::to_string(n) + (n == 1 ? " test" : " tests");
    if (failed_tests == 0) {
      out << "  SUCCESS (" << tests << ")\n\n";
      continue;
    }
    failed = true;
    out << "  FAILED (" << failed_tests << " of " << tests << "):\n";
    for (const std::string& m : messages) out << "    " << m;
    out << "\n";
  }
  if (unusable) return kTestsUnusable;
  return failed ? kTestsFailed : kTestsPassed;
}

}  // namespace ab
