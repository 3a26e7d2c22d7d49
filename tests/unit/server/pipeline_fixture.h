// Shared pieces of the pipeline fault tests: a store double that fails, blocks or throws on
// demand in front of a real SQLite store, a clock that runs a hook on its next read, and a check
// of what a failure must never leave behind in the store.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "announcements.h"
#include "server/pipeline.h"
#include "store/store.h"

namespace ab::testing {

constexpr auto kDeadline = std::chrono::seconds(10);

// A one-shot gate: Wait() blocks until Open() (or the deadline).
class Gate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool Wait() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// The real store behind faults the test switches on. Error texts carry a path and SQL, as
// SQLite's do, so that a test can check they never reach an answer.
class FaultyStore final : public IncidentStore {
 public:
  static constexpr const char* kSecretDetail =
      "sqlite /var/lib/secret-path/alertbridge.db: INSERT INTO events: disk I/O error";

  // `changes` hears when each call has returned (the test's waits wake on it).
  FaultyStore(IncidentStore& real, Announcements& changes) : real_(real), changes_(changes) {}

  // Commit number n (1-based) fails; 0 = none.
  std::atomic<int> fail_commit{0};
  // Commit number n throws std::bad_alloc; 0 = none.
  std::atomic<int> throw_commit{0};
  // Commit number n waits for `commit_gate` (after `commit_entered` opens); 0 = none.
  std::atomic<int> block_commit{0};
  Gate commit_entered;
  Gate commit_gate;
  // Loads fail while this is set.
  std::atomic<bool> fail_loads{false};
  // Every commit and probe fails while this is set (a full disk, a lost lock).
  std::atomic<bool> down{false};
  // The API's reads (ListIncidents, GetIncidentPage, ListOutbox) fail while this is set, and wait
  // for `read_gate` while hold_reads is set.
  std::atomic<bool> fail_reads{false};
  std::atomic<bool> hold_reads{false};
  Gate read_gate;

  int commits() const { return commits_; }
  int loads() const { return loads_; }

  Result<StoredState> Load() override {
    ++loads_;
    AnnounceOnReturn announce{changes_};
    if (fail_loads) return MakeError(kSecretDetail);
    return real_.Load();
  }
  Status Commit(const Changes& changes, const std::vector<OutboxEntry>& outbox) override {
    const int n = ++commits_;
    AnnounceOnReturn announce{changes_};
    if (n == block_commit) {
      commit_entered.Open();
      EXPECT_TRUE(commit_gate.Wait());
    }
    if (n == throw_commit) throw std::bad_alloc();
    if (n == fail_commit || down) return MakeError(kSecretDetail);
    return real_.Commit(changes, outbox);
  }

  Result<std::vector<OutboxEntry>> DueOutbox(TimePoint now, int limit) override {
    return real_.DueOutbox(now, limit);
  }
  Result<std::optional<TimePoint>> NextOutboxDue() override { return real_.NextOutboxDue(); }
  Status MarkDelivered(int64_t id, int attempts, TimePoint now,
                       const std::string& note = {}) override {
    return real_.MarkDelivered(id, attempts, now, note);
  }
  Status MarkRetry(int64_t id, int attempts, TimePoint next_attempt,
                   const std::string& error) override {
    return real_.MarkRetry(id, attempts, next_attempt, error);
  }
  Status MarkDead(int64_t id, int attempts, const std::string& error) override {
    return real_.MarkDead(id, attempts, error);
  }
  Status AddExternalRef(int64_t incident_id, const ExternalRef& ref) override {
    return real_.AddExternalRef(incident_id, ref);
  }
  Result<std::vector<ExternalRef>> ExternalRefs(int64_t incident_id,
                                                const std::string& receiver) override {
    return real_.ExternalRefs(incident_id, receiver);
  }
  Result<std::vector<int64_t>> HoldBehindDead(int64_t incident_id,
                                              const std::string& receiver) override {
    return real_.HoldBehindDead(incident_id, receiver);
  }
  Result<OutboxCounts> CountOutbox() override { return real_.CountOutbox(); }
  Result<std::vector<OutboxEntry>> ListOutbox(const OutboxQuery& q) override {
    if (Status s = Read(); !s.ok()) return s.error();
    return real_.ListOutbox(q);
  }
  Result<std::optional<OutboxState>> RetryOutbox(int64_t id, TimePoint now) override {
    return real_.RetryOutbox(id, now);
  }
  Result<std::optional<OutboxState>> DiscardOutbox(int64_t id, TimePoint now) override {
    return real_.DiscardOutbox(id, now);
  }
  Result<IncidentPage> ListIncidents(const IncidentQuery& q) override {
    if (Status s = Read(); !s.ok()) return s.error();
    return real_.ListIncidents(q);
  }
  Result<std::optional<IncidentDetail>> GetIncidentPage(int64_t id,
                                                        const IncidentDetailQuery& q) override {
    if (Status s = Read(); !s.ok()) return s.error();
    return real_.GetIncidentPage(id, q);
  }
  Result<std::optional<IncidentDetail>> GetIncident(int64_t id) override {
    return real_.GetIncident(id);
  }
  Result<std::vector<IncidentDetail>> IncidentHistory(TimePoint from, TimePoint to) override {
    return real_.IncidentHistory(from, to);
  }
  Result<std::vector<Silence>> ListSilences() override { return real_.ListSilences(); }
  Status Flush() override { return real_.Flush(); }
  Status Probe() override {
    ++probes_;
    AnnounceOnReturn announce{changes_};
    if (down) return MakeError(kSecretDetail);
    return real_.Probe();
  }
  int probes() const { return probes_; }

 private:
  struct AnnounceOnReturn {
    Announcements& changes;
    ~AnnounceOnReturn() { changes.Announce(); }
  };
  Status Read() {
    if (hold_reads) {
      EXPECT_TRUE(read_gate.Wait());
    }
    if (fail_reads) return MakeError(kSecretDetail);
    return Status::Ok();
  }

 public:
 private:
  IncidentStore& real_;
  Announcements& changes_;
  std::atomic<int> commits_{0};
  std::atomic<int> loads_{0};
  std::atomic<int> probes_{0};
};

// A clock that runs a hook once, on the first read after it is armed (from whichever thread
// reads it: the tests arm it when only the engine thread can be the next reader).
class HookClock final : public Clock {
 public:
  explicit HookClock(TimePoint t) : now_(ToMillis(t)) {}
  TimePoint now() const override {
    std::function<void()> hook;
    {
      std::lock_guard lock(mu_);
      hook.swap(hook_);
    }
    if (hook) hook();
    return FromMillis(now_.load());
  }
  void Arm(std::function<void()> hook) {
    std::lock_guard lock(mu_);
    hook_ = std::move(hook);
  }
  void advance(Duration d) { now_ += d.count(); }

 private:
  mutable std::mutex mu_;
  mutable std::function<void()> hook_;
  std::atomic<int64_t> now_;
};

// What no failure may leave behind: every declared incident has its `declared` event first and an
// outbox row for it, and every event and outbox row of an incident carries that incident's key
// (an incident id used twice would mix two keys under one id).
inline void ExpectConsistentStore(IncidentStore& store, const std::string& receiver) {
  IncidentQuery q;
  q.limit = 1000;
  auto page = store.ListIncidents(q);
  ASSERT_TRUE(page.ok()) << page.error().message;
  OutboxQuery oq;
  oq.limit = 1000;
  auto outbox = store.ListOutbox(oq);
  ASSERT_TRUE(outbox.ok()) << outbox.error().message;
  std::map<int64_t, std::vector<const OutboxEntry*>> by_incident;
  for (const OutboxEntry& e : *outbox) by_incident[e.incident_id].push_back(&e);
  std::set<std::string> keys;
  for (const Incident& inc : page->incidents) {
    EXPECT_TRUE(keys.insert(inc.key).second) << "key " << inc.key << " used twice";
    if (inc.state == IncidentState::kPending) continue;
    auto detail = store.GetIncident(inc.id);
    ASSERT_TRUE(detail.ok() && detail->has_value());
    const std::vector<Event>& timeline = (**detail).timeline;
    ASSERT_FALSE(timeline.empty()) << "incident " << inc.id << " has no events";
    EXPECT_EQ(timeline.front().type, EventType::kDeclared)
        << "incident " << inc.id << " (" << inc.key << ") lacks its declared event";
    EXPECT_EQ(timeline.front().seq, 1);
    EXPECT_EQ(static_cast<int64_t>(timeline.size()), inc.last_seq) << "incident " << inc.id;
    bool declared_out = false;
    for (const OutboxEntry* e : by_incident[inc.id]) {
      EXPECT_EQ(e->event_id.rfind(inc.key + "_", 0), 0u)
          << "outbox entry " << e->event_id << " under incident " << inc.id << " " << inc.key;
      if (e->event_seq == 1 && e->receiver == receiver) declared_out = true;
    }
    EXPECT_TRUE(declared_out) << "incident " << inc.id << " has no outbox row for `declared`";
  }
}

// A real SQLite store in a temp folder behind a FaultyStore, and a pipeline on them.
class PipelineFaultTest : public ::testing::Test {
 protected:
  static constexpr const char* kReceiver = "console";

  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ab-faults-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = OpenSqliteStore((dir_ / "ab.db").string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    real_ = std::move(*store);
    faulty_ = std::make_unique<FaultyStore>(*real_, changes_);
    Rule r;
    r.name = "checkout";
    r.match = *ParseMatchers(R"(service=~".+")");
    r.group_by = {"service"};
    r.receivers = {kReceiver};
    rules_ = std::make_shared<RuleSet>(std::vector<Rule>{r});
    ReceiverConfig console;
    console.name = kReceiver;
    console.type = "console";
    config_.receivers.push_back(console);
    // Timers stay out of the way: every engine-thread clock read is one the test expects.
    options_.tick_interval = std::chrono::hours(1);
  }
  void TearDown() override {
    pipeline_.reset();
    faulty_.reset();
    real_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void Start() {
    pipeline_.reset();
    engine_ = std::make_unique<Engine>(rules_);
    // The engine loop's turns and health changes wake WaitUntil, after the test's own hook.
    PipelineOptions options = options_;
    options.on_loop = [this, own = options_.on_loop] {
      if (own) own();
      changes_.Announce();
    };
    options.on_health = [this](bool) { changes_.Announce(); };
    pipeline_ = std::make_unique<IngestPipeline>(*engine_, *faulty_, config_, clock_, nullptr,
                                                 nullptr, options);
    Status s = pipeline_->Start();
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  static Alert Firing(const std::string& service, const std::string& instance) {
    Alert a;
    a.labels = LabelSet{{"service", service}, {"instance", instance}};
    a.fingerprint = a.labels.Fingerprint();
    a.status = AlertStatus::kFiring;
    a.starts_at = kT0;
    return a;
  }
  // Queues one alert; the future holds the answer.
  std::future<Status> Queue(const Alert& a) {
    auto done = std::make_shared<std::promise<Status>>();
    EXPECT_TRUE(pipeline_->Submit({a}, [done](const Status& st) { done->set_value(st); }));
    return done->get_future();
  }
  static Status Wait(std::future<Status> f) {
    if (f.wait_for(kDeadline) != std::future_status::ready) {
      ADD_FAILURE() << "no answer within the deadline";
      return MakeError("no answer");
    }
    return f.get();
  }
  Status Send(const Alert& a) { return Wait(Queue(a)); }
  bool WaitUntil(const std::function<bool()>& pred) { return changes_.WaitUntil(pred, kDeadline); }
  // Sends until the pipeline takes it (it answers 503 while it recovers).
  void SendUntilAccepted(const Alert& a) {
    EXPECT_TRUE(WaitUntil([&] { return Send(a).ok(); })) << "never accepted";
  }

  static inline const TimePoint kT0 = FromMillis(1'790'000'000'000);
  std::filesystem::path dir_;
  Announcements changes_;
  Config config_;
  PipelineOptions options_;
  HookClock clock_{kT0};
  std::shared_ptr<const RuleSet> rules_;
  std::unique_ptr<IncidentStore> real_;
  std::unique_ptr<FaultyStore> faulty_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<IngestPipeline> pipeline_;
};

}  // namespace ab::testing
