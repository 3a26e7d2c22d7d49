#include "outbox_worker_fixture.h"

namespace ab::testing {
namespace {

int64_t Seconds(TimePoint t) { return ToMillis(t) / 1000; }

TEST_F(OutboxWorkerTest, WakeDeliversSignedEntryAndRecordsIt) {
  auto server = Server();
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["ops"] = Webhook("ops", server->Url());
  StartWorker(std::move(n));

  const int64_t id = store_.Add(Entry(1, "ops", 1));
  worker_->Wake();  // without it the worker would sleep: nothing was pending at start

  ASSERT_TRUE(WaitState(id, OutboxState::kDelivered));
  EXPECT_EQ(store_.Get(id).attempts, 1);
  const auto reqs = server->Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].signature_ok) << reqs[0].verify_error;
  EXPECT_EQ(reqs[0].Header("webhook-id"), EventId(1, 1));
  EXPECT_EQ(reqs[0].Header("webhook-timestamp"), std::to_string(Seconds(t0_)));
  EXPECT_TRUE(metrics_.WaitFor("ops/ok", 1));
}

TEST_F(OutboxWorkerTest, RetriesWithTheSameWebhookIdUntilDelivered) {
  auto server = Server();
  server->SetResponder([](const ReceivedRequest&, int index) {
    return index < 2 ? Reply::Status(503) : Reply::Status(200);
  });
  const int64_t id = store_.Add(Entry(1, "ops", 1));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["ops"] = Webhook("ops", server->Url());
  StartWorker(std::move(n));  // {max_attempts 12, initial 1s, max 5m} by default

  ASSERT_TRUE(WaitAttempts(id, 1));
  OutboxEntry e = store_.Get(id);
  EXPECT_EQ(e.state, OutboxState::kPending);
  EXPECT_GE(e.next_attempt_at, t0_ + Duration(500));  // backoff 1s, jitter in [0.5s, 1s]
  EXPECT_LE(e.next_attempt_at, t0_ + Duration(1000));
  EXPECT_NE(e.last_error.find("503"), std::string::npos) << e.last_error;

  clock_.set(e.next_attempt_at);
  worker_->Wake();
  ASSERT_TRUE(WaitAttempts(id, 2));
  e = store_.Get(id);
  EXPECT_GE(e.next_attempt_at, clock_.now() + Duration(1000));  // 2s, jitter in [1s, 2s]
  EXPECT_LE(e.next_attempt_at, clock_.now() + Duration(2000));

  const TimePoint third = e.next_attempt_at;
  clock_.set(third);
  worker_->Wake();
  ASSERT_TRUE(WaitState(id, OutboxState::kDelivered));
  EXPECT_EQ(store_.Get(id).attempts, 3);

  const auto reqs = server->Requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const ReceivedRequest& r : reqs) {
    EXPECT_EQ(r.Header("webhook-id"), EventId(1, 1));
    EXPECT_TRUE(r.signature_ok) << r.verify_error;
  }
  EXPECT_EQ(reqs[0].Header("webhook-timestamp"), std::to_string(Seconds(t0_)));
  EXPECT_EQ(reqs[2].Header("webhook-timestamp"), std::to_string(Seconds(third)));
  EXPECT_TRUE(metrics_.WaitFor("ops/ok", 1));
  EXPECT_EQ(metrics_.Get("ops/retry"), 2);
}

TEST_F(OutboxWorkerTest, HonoursRetryAfterSecondsOn429) {
  auto server = Server();
  server->SetResponder([](const ReceivedRequest&, int index) {
    return index == 0 ? Reply::Status(429, "120") : Reply::Status(200);
  });
  const int64_t id = store_.Add(Entry(1, "ops", 1));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["ops"] = Webhook("ops", server->Url());
  StartWorker(std::move(n));

  ASSERT_TRUE(WaitAttempts(id, 1));
  const OutboxEntry e = store_.Get(id);
  EXPECT_GE(e.next_attempt_at, t0_ + Duration(120'000));
  EXPECT_LT(e.next_attempt_at, t0_ + Duration(121'000));

  clock_.set(e.next_attempt_at);
  worker_->Wake();
  ASSERT_TRUE(WaitState(id, OutboxState::kDelivered));
  EXPECT_EQ(server->Requests().size(), 2u);
}

TEST_F(OutboxWorkerTest, HonoursRetryAfterHttpDate) {
  auto server = Server();
  server->SetResponder([](const ReceivedRequest&, int index) {
    // t0 is Sunday 2026-03-01 12:00:00 UTC: come back in five minutes.
    return index == 0 ? Reply::Status(503, "Sun, 01 Mar 2026 12:05:00 GMT") : Reply::Status(200);
  });
  const int64_t id = store_.Add(Entry(1, "ops", 1));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["ops"] = Webhook("ops", server->Url());
  StartWorker(std::move(n));

  ASSERT_TRUE(WaitAttempts(id, 1));
  EXPECT_EQ(store_.Get(id).next_attempt_at, t0_ + Duration(300'000));
}

TEST_F(OutboxWorkerTest, PermanentErrorIsDeadAfterOneAttempt) {
  auto server = Server();
  server->SetResponder([](const ReceivedRequest&, int) { return Reply::Status(400); });
  const int64_t id = store_.Add(Entry(1, "ops", 1));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["ops"] = Webhook("ops", server->Url("/hook/tok-s3cr3t"));
  StartWorker(std::move(n));

  ASSERT_TRUE(WaitState(id, OutboxState::kDead));
  const OutboxEntry e = store_.Get(id);
  EXPECT_EQ(e.attempts, 1);
  EXPECT_NE(e.last_error.find("HTTP 400"), std::string::npos) << e.last_error;
  EXPECT_NE(e.last_error.find("ops"), std::string::npos) << e.last_error;
  EXPECT_EQ(e.last_error.find("s3cr3t"), std::string::npos) << e.last_error;
  EXPECT_TRUE(metrics_.WaitFor("ops/dead", 1));
  EXPECT_EQ(server->Requests().size(), 1u);
}

// Issue 16 item 1: an optional step that failed for good is counted and noted, and the entry is
// delivered: a stateful receiver's later entries of the incident are not held behind it.
TEST_F(OutboxWorkerTest, ADegradedDeliveryIsCountedNotedAndHoldsNothing) {
  const int64_t first = store_.Add(Entry(1, "tickets", 1));
  const int64_t second = store_.Add(Entry(1, "tickets", 2));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  auto owned = std::make_unique<ScriptedNotifier>([](const OutboxEntry& e) {
    SendResult r;
    if (e.event_seq == 1) r.degraded.push_back({"priority", "field priority left out: no screen"});
    return r;
  });
  ScriptedNotifier* tickets = owned.get();
  n["tickets"] = std::move(owned);
  ReceiverDelivery stateful;
  stateful.pacing.stateful = true;
  StartWorker(std::move(n), {{"tickets", stateful}});

  ASSERT_TRUE(WaitState(second, OutboxState::kDelivered));
  ASSERT_TRUE(WaitState(first, OutboxState::kDelivered));
  EXPECT_TRUE(metrics_.WaitFor("tickets/degraded_priority", 1));
  EXPECT_EQ(store_.Get(first).last_error,
            "delivered without: priority (field priority left out: no screen)");
  EXPECT_EQ(store_.Get(second).last_error, "");
  EXPECT_EQ(tickets->Seen(), (std::vector<std::string>{EventId(1, 1), EventId(1, 2)}));
}

TEST_F(OutboxWorkerTest, GivesUpAfterMaxAttempts) {
  auto server = Server();
  server->SetResponder([](const ReceivedRequest&, int) { return Reply::Status(500); });
  const int64_t id = store_.Add(Entry(1, "ops", 1));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["ops"] = Webhook("ops", server->Url());
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff = Duration(1000);
  policy.max_backoff = Duration(4000);
  StartWorker(std::move(n), {{"ops", Retry(policy)}});

  for (int attempt = 1; attempt < 3; ++attempt) {
    ASSERT_TRUE(WaitAttempts(id, attempt));
    ASSERT_EQ(store_.Get(id).state, OutboxState::kPending);
    clock_.set(store_.Get(id).next_attempt_at);
    worker_->Wake();
  }
  ASSERT_TRUE(WaitState(id, OutboxState::kDead));
  const OutboxEntry e = store_.Get(id);
  EXPECT_EQ(e.attempts, 3);
  EXPECT_NE(e.last_error.find("gave up after 3 attempts"), std::string::npos) << e.last_error;
  EXPECT_EQ(server->Requests().size(), 3u);
  EXPECT_TRUE(metrics_.WaitFor("ops/dead", 1));
  EXPECT_EQ(metrics_.Get("ops/retry"), 2);
}

TEST_F(OutboxWorkerTest, KeepsOrderPerIncidentAndReceiverBehindARetry) {
  auto server = Server();
  // The responder runs under the server's lock and may outlive this scope.
  auto failed_once = std::make_shared<bool>(false);
  server->SetResponder([failed_once](const ReceivedRequest& r, int) {
    if (r.Header("webhook-id") == EventId(1, 2) && !*failed_once) {
      *failed_once = true;
      return Reply::Status(500);
    }
    return Reply::Status(200);
  });
  // Two incidents to one receiver, interleaved as commits would interleave them.
  std::map<std::string, int64_t> ids;
  for (auto [incident, seq] : std::vector<std::pair<int, int>>{
           {1, 1}, {2, 1}, {1, 2}, {2, 2}, {1, 3}, {2, 3}, {1, 4}, {1, 5}}) {
    ids[EventId(incident, seq)] = store_.Add(Entry(incident, "ops", seq));
  }
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["ops"] = Webhook("ops", server->Url());
  StartWorker(std::move(n), {{"ops", Concurrency(4)}});

  // Incident 2 carries on; incident 1 stops behind its failed second entry. Its followers wait
  // in memory, untouched in the store (no rewrite to push them back).
  ASSERT_TRUE(store_.WaitFor(
      [&](const FakeStore::State& s) {
        auto at = [&](int inc, int seq) { return s.outbox.at(ids[EventId(inc, seq)]); };
        const OutboxEntry head = at(1, 2);
        if (head.attempts != 1 || head.state != OutboxState::kPending) return false;
        return at(1, 1).state == OutboxState::kDelivered &&
               at(2, 3).state == OutboxState::kDelivered;
      },
      kDeadline));
  for (int seq = 3; seq <= 5; ++seq) {
    const OutboxEntry e = store_.Get(ids[EventId(1, seq)]);
    EXPECT_EQ(e.state, OutboxState::kPending) << seq;
    EXPECT_EQ(e.attempts, 0) << seq;
    EXPECT_EQ(e.next_attempt_at, t0_) << seq;
  }
  std::vector<std::string> incident1;
  for (const auto& r : server->Requests()) {
    if (r.Header("webhook-id").rfind("ab-inc1-", 0) == 0)
      incident1.push_back(r.Header("webhook-id"));
  }
  EXPECT_EQ(incident1, (std::vector<std::string>{EventId(1, 1), EventId(1, 2)}));

  clock_.set(store_.Get(ids[EventId(1, 2)]).next_attempt_at);
  worker_->Wake();
  ASSERT_TRUE(store_.WaitFor(
      [](const FakeStore::State& s) {
        for (const auto& [id, e] : s.outbox) {
          if (e.state != OutboxState::kDelivered) return false;
        }
        return true;
      },
      kDeadline));

  std::map<std::string, std::vector<std::string>> order;
  for (const auto& r : server->Requests()) {
    const std::string id = r.Header("webhook-id");
    order[id.substr(0, id.rfind('.'))].push_back(id);
  }
  EXPECT_EQ(order["ab-inc1-1"],
            (std::vector<std::string>{EventId(1, 1), EventId(1, 2), EventId(1, 2), EventId(1, 3),
                                      EventId(1, 4), EventId(1, 5)}));
  EXPECT_EQ(order["ab-inc2-1"],
            (std::vector<std::string>{EventId(2, 1), EventId(2, 2), EventId(2, 3)}));
  EXPECT_EQ(server->MaxConcurrencyPerKey(), 1);
  EXPECT_EQ(store_.Snapshot().rejected_updates, 0);
}

TEST_F(OutboxWorkerTest, HungReceiverDoesNotDelayAnotherReceiver) {
  auto slow = Server();
  auto fast = Server();
  slow->SetResponder([](const ReceivedRequest&, int) { return Reply::Hang(); });
  // More hung incidents than sender threads, all older than the other receiver's entry.
  const int64_t s1 = store_.Add(Entry(1, "slow", 1));
  const int64_t s2 = store_.Add(Entry(2, "slow", 1));
  const int64_t s3 = store_.Add(Entry(3, "slow", 1));
  const int64_t f1 = store_.Add(Entry(4, "fast", 1));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["slow"] = Webhook("slow", slow->Url(), Duration(60'000));
  n["fast"] = Webhook("fast", fast->Url());
  StartWorker(std::move(n), {{"slow", Concurrency(2)}});

  ASSERT_TRUE(slow->WaitForHanging(2));
  ASSERT_TRUE(WaitState(f1, OutboxState::kDelivered));
  for (int64_t id : {s1, s2, s3}) EXPECT_EQ(store_.Get(id).state, OutboxState::kPending);

  slow->ReleaseHangs();
  for (int64_t id : {s1, s2, s3}) EXPECT_TRUE(WaitState(id, OutboxState::kDelivered)) << id;
}

TEST_F(OutboxWorkerTest, EntryForRemovedReceiverIsDead) {
  const int64_t id = store_.Add(Entry(1, "gone", 1));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["ops"] =
      std::make_unique<ScriptedNotifier>([](const OutboxEntry&) { return SendResult::Ok(); });
  StartWorker(std::move(n));

  ASSERT_TRUE(WaitState(id, OutboxState::kDead));
  const OutboxEntry e = store_.Get(id);
  EXPECT_NE(e.last_error.find("\"gone\""), std::string::npos) << e.last_error;
  EXPECT_NE(e.last_error.find("not configured"), std::string::npos) << e.last_error;
  EXPECT_EQ(e.attempts, 0);
  EXPECT_TRUE(metrics_.WaitFor("gone/dead_letter", 1));
  EXPECT_EQ(metrics_.Get("gone/dead"), 0);  // no attempt was made
}

TEST_F(OutboxWorkerTest, StoresTheExternalRefTheReceiverReturns) {
  const int64_t id = store_.Add(Entry(9, "jira", 1));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["jira"] = std::make_unique<ScriptedNotifier>([](const OutboxEntry&) {
    SendResult r = SendResult::Ok();
    r.ref = ExternalRef{"", "issue", "OPS-17", "https://jira.example/browse/OPS-17"};
    return r;
  });
  StartWorker(std::move(n));

  ASSERT_TRUE(WaitState(id, OutboxState::kDelivered));
  ASSERT_TRUE(
      store_.WaitFor([](const FakeStore::State& s) { return s.refs.count(9) == 1; }, kDeadline));
  const auto refs = store_.Snapshot().refs.at(9);
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].receiver, "jira");
  EXPECT_EQ(refs[0].id, "OPS-17");
}

// A notifier that creates a ticket on its first event and reports which refs it was given.
class TicketNotifier final : public Notifier {
 public:
  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) override {
    std::lock_guard<std::mutex> lock(mu_);
    given_[entry.event_id] = ctx.refs;
    SendResult r = SendResult::Ok();
    if (ctx.refs.empty()) r.ref = ExternalRef{"", "issue", "OPS-" + entry.event_id, ""};
    return r;
  }
  std::map<std::string, std::vector<ExternalRef>> Given() const {
    std::lock_guard<std::mutex> lock(mu_);
    return given_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<ExternalRef>> given_;
};

TEST_F(OutboxWorkerTest, LaterEntriesOfAnIncidentSeeTheRefsOfEarlierOnes) {
  const int64_t first = store_.Add(Entry(4, "jira", 1));
  const int64_t second = store_.Add(Entry(4, "jira", 2));
  auto ticket = std::make_unique<TicketNotifier>();
  TicketNotifier* seen = ticket.get();
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["jira"] = std::move(ticket);
  StartWorker(std::move(n));

  ASSERT_TRUE(WaitState(first, OutboxState::kDelivered));
  ASSERT_TRUE(WaitState(second, OutboxState::kDelivered));
  const auto given = seen->Given();
  ASSERT_EQ(given.size(), 2u);
  EXPECT_TRUE(given.at(EventId(4, 1)).empty());
  ASSERT_EQ(given.at(EventId(4, 2)).size(), 1u);
  EXPECT_EQ(given.at(EventId(4, 2))[0].id, "OPS-" + EventId(4, 1));
  EXPECT_EQ(given.at(EventId(4, 2))[0].receiver, "jira");
}

TEST_F(OutboxWorkerTest, RestoresOrderAfterRestart) {
  // As a previous process left it: the first entry is backing off, the second is due now.
  OutboxEntry first = Entry(5, "rec", 1);
  first.attempts = 2;
  first.next_attempt_at = t0_ + Duration(10'000);
  const int64_t id1 = store_.Add(first);
  const int64_t id2 = store_.Add(Entry(5, "rec", 2));
  const int64_t other = store_.Add(Entry(6, "rec", 1));
  auto scripted =
      std::make_unique<ScriptedNotifier>([](const OutboxEntry&) { return SendResult::Ok(); });
  ScriptedNotifier* notifier = scripted.get();
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["rec"] = std::move(scripted);
  StartWorker(std::move(n));

  // Another incident's entry goes at once; the second entry of incident 5 waits for its first.
  ASSERT_TRUE(WaitState(other, OutboxState::kDelivered));
  clock_.set(t0_ + Duration(10'000));
  worker_->Wake();
  ASSERT_TRUE(WaitState(id2, OutboxState::kDelivered));
  EXPECT_EQ(store_.Get(id1).state, OutboxState::kDelivered);
  EXPECT_EQ(store_.Get(id2).next_attempt_at, t0_);  // never rewritten while it waited
  EXPECT_EQ(notifier->Seen(),
            (std::vector<std::string>{EventId(6, 1), EventId(5, 1), EventId(5, 2)}));
  // ctx.now of each send: the second entry went when the first could, not before.
  EXPECT_EQ(notifier->Times(),
            (std::vector<TimePoint>{t0_, t0_ + Duration(10'000), t0_ + Duration(10'000)}));
}

TEST_F(OutboxWorkerTest, StopFinishesTheInFlightSend) {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  const int64_t id = store_.Add(Entry(1, "rec", 1));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["rec"] = std::make_unique<ScriptedNotifier>([&](const OutboxEntry&) {
    std::unique_lock<std::mutex> lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return SendResult::Ok();
  });
  StartWorker(std::move(n));
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return entered; }));
  }
  std::thread stopper([this] { worker_->Stop(); });
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
    cv.notify_all();
  }
  stopper.join();
  // Stop returned, so the send finished and its outcome is already recorded.
  EXPECT_EQ(store_.Get(id).state, OutboxState::kDelivered);
}

// Issue 15 item 5: SIGTERM must not wait for a hung receiver's whole timeout. Past the deadline
// the send is abandoned; its entry stays pending and goes out after the restart, with the same
// event id.
TEST_F(OutboxWorkerTest, StopAbandonsASendStillOutAtTheDeadline) {
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool entered = false;
    bool release = false;
  };
  auto gate = std::make_shared<Gate>();
  const int64_t id = store_.Add(Entry(1, "rec", 1));
  std::map<std::string, std::unique_ptr<Notifier>> n;
  n["rec"] = std::make_unique<ScriptedNotifier>([gate](const OutboxEntry&) {
    std::unique_lock<std::mutex> lock(gate->mu);
    gate->entered = true;
    gate->cv.notify_all();
    gate->cv.wait(lock, [&] { return gate->release; });
    return SendResult::Ok();
  });
  StartWorker(std::move(n));
  {
    std::unique_lock<std::mutex> lock(gate->mu);
    ASSERT_TRUE(gate->cv.wait_for(lock, kDeadline, [&] { return gate->entered; }));
  }

  worker_->Stop(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
  // Stop returned with the send still hanging: nothing recorded.
  EXPECT_EQ(store_.Get(id).state, OutboxState::kPending);
  EXPECT_EQ(store_.Get(id).attempts, 0);
  worker_.reset();
  {
    std::lock_guard<std::mutex> lock(gate->mu);
    gate->release = true;  // the abandoned send returns to a worker that is gone
    gate->cv.notify_all();
  }

  auto again =
      std::make_unique<ScriptedNotifier>([](const OutboxEntry&) { return SendResult::Ok(); });
  ScriptedNotifier* restarted = again.get();
  std::map<std::string, std::unique_ptr<Notifier>> n2;
  n2["rec"] = std::move(again);
  StartWorker(std::move(n2));
  ASSERT_TRUE(WaitState(id, OutboxState::kDelivered));
  EXPECT_EQ(restarted->Seen(), std::vector<std::string>{EventId(1, 1)});
  EXPECT_EQ(store_.Get(id).attempts, 1);
}

}  // namespace
}  // namespace ab::testing
