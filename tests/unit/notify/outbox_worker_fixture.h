// The fixture of the outbox worker tests: a fake store, a fake clock, scripted notifiers and
// local webhook receivers.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "common/crypto.h"
#include "fake_store.h"
#include "notify/outbox_worker.h"
#include "notify/webhook/webhook_notifier.h"
#include "notify/webhook/webhook_settings.h"
#include "test_receiver.h"

namespace ab::testing {

constexpr std::chrono::seconds kDeadline{10};

// Counts metric hook calls; tests wait on it because the hook fires after the store is updated.
class MetricCounts {
 public:
  // Counts "receiver/result" per attempt, "receiver/dead_letter", "receiver/circuit_<state>",
  // "receiver/store_write" and "receiver/record_failure".
  OutboxMetrics Hook() {
    OutboxMetrics m;
    m.on_attempt = [this](const std::string& receiver, const std::string& result) {
      Count(receiver + "/" + result);
    };
    m.on_dead_letter = [this](const std::string& receiver) { Count(receiver + "/dead_letter"); };
    m.on_degraded = [this](const std::string& receiver, const std::string& step) {
      Count(receiver + "/degraded_" + step);
    };
    m.on_circuit = [this](const std::string& receiver, CircuitState state) {
      Count(receiver + "/circuit_" + std::string(ToString(state)));
    };
    m.on_store_write = [this](const std::string& receiver) { Count(receiver + "/store_write"); };
    m.on_record_failure = [this](const std::string& receiver) {
      Count(receiver + "/record_failure");
    };
    return m;
  }
  void Count(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[key];
    cv_.notify_all();
  }
  bool WaitFor(const std::string& key, int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return counts_[key] >= n; });
  }
  int Get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[key];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> counts_;
};

// A notifier whose answers the test writes; it records the order of event ids it saw.
class ScriptedNotifier final : public Notifier {
 public:
  using Script = std::function<SendResult(const OutboxEntry&)>;
  explicit ScriptedNotifier(Script script) : script_(std::move(script)) {}
  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(entry.event_id);
      times_.push_back(ctx.now);
    }
    return script_(entry);
  }
  std::vector<std::string> Seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // ctx.now of each send, in the order they started.
  std::vector<TimePoint> Times() const {
    std::lock_guard<std::mutex> lock(mu_);
    return times_;
  }

 private:
  Script script_;
  mutable std::mutex mu_;
  std::vector<std::string> seen_;
  std::vector<TimePoint> times_;
};

inline std::string EventId(int64_t incident, int seq) {
  return "ab-inc" + std::to_string(incident) + "-1_" + std::to_string(seq);
}

class OutboxWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_bytes_ = Sha256("outbox worker test key");
    ::setenv("AB_NOTIFY_WORKER_SECRET", ("whsec_" + Base64Encode(key_bytes_)).c_str(), 1);
  }
  // The worker goes first: its idle keep-alive connections would otherwise hold each server's
  // threads until the server's keep-alive timeout.
  void TearDown() override {
    worker_.reset();
    servers_.clear();
  }

  OutboxEntry Entry(int64_t incident, const std::string& receiver, int seq) {
    OutboxEntry e;
    e.incident_id = incident;
    e.event_seq = seq;
    e.receiver = receiver;
    e.event_id = EventId(incident, seq);
    e.event_type = "status_update";
    e.payload = R"({"version":"1","id":")" + e.event_id + R"(","type":"status_update"})";
    e.created_at = clock_.now();
    e.next_attempt_at = clock_.now();
    return e;
  }

  // A receiver server that verifies signatures against the fake clock; the fixture owns it.
  TestReceiver* Server() {
    servers_.push_back(std::make_unique<TestReceiver>(key_bytes_, [this] { return clock_.now(); }));
    return servers_.back().get();
  }

  std::unique_ptr<Notifier> Webhook(const std::string& name, const std::string& url,
                                    Duration timeout = Duration(5000)) {
    ReceiverConfig c;
    c.name = name;
    c.type = "webhook";
    c.url = Secret(url);
    auto settings = std::make_shared<WebhookSettings>();
    settings->secret = Secret("env:AB_NOTIFY_WORKER_SECRET");
    c.settings = settings;
    c.timeout = timeout;
    auto n = MakeWebhookNotifier(c);
    EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
    return n.ok() ? std::move(n).value() : nullptr;
  }

  void StartWorker(std::map<std::string, std::unique_ptr<Notifier>> notifiers,
                   std::map<std::string, ReceiverDelivery> policies = {}) {
    worker_ = std::make_unique<OutboxWorker>(store_, std::move(notifiers), std::move(policies),
                                             clock_, metrics_.Hook());
    worker_->Start();
  }
  // A scripted notifier for `name` in `n` that the test keeps a pointer to.
  static ScriptedNotifier* Add(std::map<std::string, std::unique_ptr<Notifier>>& n,
                               const std::string& name, ScriptedNotifier::Script script) {
    auto notifier = std::make_unique<ScriptedNotifier>(std::move(script));
    ScriptedNotifier* raw = notifier.get();
    n[name] = std::move(notifier);
    return raw;
  }
  static ReceiverDelivery Retry(RetryPolicy retry) { return ReceiverDelivery{retry, {}, {}}; }
  static ReceiverDelivery Concurrency(int n) {
    ReceiverDelivery d;
    d.pacing.concurrency = n;
    return d;
  }

  bool WaitEntry(int64_t id, const std::function<bool(const OutboxEntry&)>& pred) {
    return store_.WaitFor([&](const FakeStore::State& s) { return pred(s.outbox.at(id)); },
                          kDeadline);
  }
  bool WaitState(int64_t id, OutboxState state) {
    return WaitEntry(id, [&](const OutboxEntry& e) { return e.state == state; });
  }
  bool WaitAttempts(int64_t id, int attempts) {
    return WaitEntry(id, [&](const OutboxEntry& e) { return e.attempts == attempts; });
  }

  const TimePoint t0_ = ParseRfc3339("2026-03-01T12:00:00Z").value();
  FakeClock clock_{t0_};
  FakeStore store_;
  MetricCounts metrics_;
  std::string key_bytes_;
  std::vector<std::unique_ptr<TestReceiver>> servers_;
  std::unique_ptr<OutboxWorker> worker_;
};

}  // namespace ab::testing
