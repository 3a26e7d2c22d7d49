// Shared setup for the store tests: a fresh temp folder per test holding a real SQLite file,
// and model values with every field set to something other than its default, so that a column
// that is not written or not read shows up as a difference.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "model/json.h"
#include "store/store.h"

namespace ab::testing {

inline TimePoint At(int64_t seconds) { return FromMillis(1'767'225'600'000 + seconds * 1000); }

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ab-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "data" / "alertbridge.db").string();
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<IncidentStore> Open() {
    Result<std::unique_ptr<IncidentStore>> s = OpenSqliteStore(path_);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }

  // A new store instance on the same file, as after a restart.
  void Reopen() {
    store_.reset();
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  StoredState MustLoad() {
    Result<StoredState> s = store_->Load();
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : StoredState{};
  }

  void MustCommit(const Changes& c, const std::vector<OutboxEntry>& outbox = {}) {
    Status s = store_->Commit(c, outbox);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<IncidentStore> store_;
};

// Alert ids in the order the alerts are made, as the engine assigns them.
inline int64_t NextAlertId() {
  static int64_t next = 1;
  return next++;
}

inline TrackedAlert MakeAlert(std::string_view name, std::string_view instance) {
  TrackedAlert t;
  t.id = NextAlertId();
  t.alert.labels = {{"alertname", name}, {"instance", instance}, {"service", "checkout"}};
  t.alert.fingerprint = t.alert.labels.Fingerprint();
  t.alert.annotations = {{"summary", "disk \"/\" is 95% full"}, {"runbook", "https://x/y"}};
  t.alert.status = AlertStatus::kFiring;
  t.alert.starts_at = At(-60);
  t.alert.ends_at = At(240);
  t.alert.generator_url = "http://prometheus:9090/graph?g0.expr=up";
  t.alert.source = "alertmanager";
  t.first_received = At(1);
  t.last_received = At(2);
  t.resolved_at = At(3);
  t.alert.stale_at = At(4);
  t.stale = true;
  return t;
}

// The membership row of alert `fp` joining incident `incident_id`: the id of its alert in `c`,
// or a made-up one for a member that has no alert row.
inline Membership MemberRow(const Changes& c, int64_t incident_id, uint64_t fp) {
  for (const TrackedAlert& a : c.alerts) {
    if (a.alert.fingerprint == fp) return {incident_id, fp, a.id};
  }
  return {incident_id, fp, static_cast<int64_t>(fp >> 1)};
}

// Membership rows for every member listed on the incidents of `c`, as the engine reports them.
inline void AddMembers(Changes& c) {
  for (const Incident& inc : c.incidents) {
    for (uint64_t fp : inc.alerts) c.joined.push_back(MemberRow(c, inc.id, fp));
  }
}

inline Incident MakeIncident(int64_t id, std::string rule, LabelSet group, int occurrence = 1) {
  Incident inc;
  inc.id = id;
  inc.rule = std::move(rule);
  inc.group = std::move(group);
  inc.occurrence = occurrence;
  inc.key = IncidentKey("", inc.rule, inc.group, occurrence);
  inc.state = IncidentState::kAcknowledged;
  inc.base_severity = Severity::SEV3;
  inc.priority = Severity::SEV1;
  inc.title = "checkout degraded in \"eu-1\"";
  inc.summary = "2 alerts\nfiring";
  inc.owner = {"payments", "alice"};
  inc.runbook = "https://wiki.internal/runbooks/checkout";
  inc.receivers = {"slack-incidents", "pagerduty-payments"};
  inc.alerts = {0x0ba6d1fd73d53af7ULL, 0xfedcba9876543210ULL};
  inc.alerts_total = 2;
  inc.alerts_firing = 1;
  inc.created_at = At(10);
  inc.declared_at = At(20);
  inc.acknowledged_at = At(30);
  inc.resolved_at = At(40);
  inc.closed_at = At(50);
  inc.last_seq = 2;
  inc.accounts = {"globex", "initech"};
  inc.trigger_since = At(15);
  inc.resolution = "rolled back release 42";
  inc.resolved_by_hand = true;
  inc.held_open = true;
  inc.priority_by_hand = true;
  return inc;
}

inline EventRecord MakeEvent(const Incident& inc, int64_t seq, EventType type) {
  EventRecord r;
  r.event.incident_id = inc.id;
  r.event.seq = seq;
  r.event.type = type;
  r.event.at = At(20 + seq);
  r.event.actor = "rule:" + inc.rule;
  r.event.details = {{"alerts", 2}, {"from", "SEV3"}, {"note", "ünïcode \"quoted\""}};
  r.snapshot = inc;
  r.notify = inc.receivers;
  return r;
}

inline OutboxEntry MakeOutbox(const Incident& inc, int64_t seq, std::string receiver,
                              TimePoint due) {
  OutboxEntry e;
  e.incident_id = inc.id;
  e.event_seq = seq;
  e.receiver = std::move(receiver);
  e.event_id = EventId(inc.key, seq);
  e.event_type = "declared";
  e.payload = R"({"version":"1","id":")" + e.event_id + R"("})";
  e.state = OutboxState::kPending;
  e.created_at = due;
  e.next_attempt_at = due;
  return e;
}

inline void ExpectSameAlert(const TrackedAlert& want, const TrackedAlert& got) {
  EXPECT_EQ(want.id, got.id);
  EXPECT_EQ(want.alert.fingerprint, got.alert.fingerprint);
  EXPECT_EQ(want.alert.labels, got.alert.labels);
  EXPECT_EQ(want.alert.annotations, got.alert.annotations);
  EXPECT_EQ(want.alert.status, got.alert.status);
  EXPECT_EQ(want.alert.starts_at, got.alert.starts_at);
  EXPECT_EQ(want.alert.ends_at, got.alert.ends_at);
  EXPECT_EQ(want.alert.generator_url, got.alert.generator_url);
  EXPECT_EQ(want.alert.source, got.alert.source);
  EXPECT_EQ(want.first_received, got.first_received);
  EXPECT_EQ(want.last_received, got.last_received);
  EXPECT_EQ(want.resolved_at, got.resolved_at);
  EXPECT_EQ(want.alert.stale_at, got.alert.stale_at);
  EXPECT_EQ(want.stale, got.stale);
}

inline void ExpectSameEvent(const Event& want, const Event& got) {
  EXPECT_EQ(want.incident_id, got.incident_id);
  EXPECT_EQ(want.seq, got.seq);
  EXPECT_EQ(want.type, got.type);
  EXPECT_EQ(want.at, got.at);
  EXPECT_EQ(want.actor, got.actor);
  EXPECT_EQ(want.details, got.details);
}

inline void ExpectSameOutbox(const OutboxEntry& want, const OutboxEntry& got) {
  EXPECT_EQ(want.incident_id, got.incident_id);
  EXPECT_EQ(want.event_seq, got.event_seq);
  EXPECT_EQ(want.receiver, got.receiver);
  EXPECT_EQ(want.event_id, got.event_id);
  EXPECT_EQ(want.event_type, got.event_type);
  EXPECT_EQ(want.payload, got.payload);
  EXPECT_EQ(want.state, got.state);
  EXPECT_EQ(want.attempts, got.attempts);
  EXPECT_EQ(want.created_at, got.created_at);
  EXPECT_EQ(want.next_attempt_at, got.next_attempt_at);
  EXPECT_EQ(want.last_error, got.last_error);
}

}  // namespace ab::testing
