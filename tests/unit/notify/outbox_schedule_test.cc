// The outbox worker's decisions without its threads: per-key ordering (KeyOrder), pacing
// (LanePacer), attempt recording (RecordAttempt) and the schedule that ties them to reads of the
// store (OutboxSchedule), all on injected time.
#include "notify/outbox_schedule.h"

#include <gtest/gtest.h>

#include <map>

namespace ab {
namespace {

const TimePoint t0 = FromMillis(1'800'000'000'000);

OutboxEntry Entry(int64_t id, int64_t incident, int64_t seq, const std::string& receiver,
                  TimePoint due = t0) {
  OutboxEntry e;
  e.id = id;
  e.incident_id = incident;
  e.event_seq = seq;
  e.receiver = receiver;
  e.event_id = "ab-" + std::to_string(incident) + "." + std::to_string(seq);
  e.created_at = t0;
  e.next_attempt_at = due;
  return e;
}

std::vector<int64_t> TakeAll(KeyOrder& order, TimePoint now) {
  std::vector<int64_t> ids;
  while (auto e = order.TakeDue(now)) ids.push_back(e->id);
  return ids;
}

// ---- per-key ordering ----

TEST(KeyOrderTest, TheFirstInSequenceGoesFirstWhateverTheRetryTimes) {
  KeyOrder order;
  // Entry 2 (seq 2) is backing off; entry 3 (seq 3) of the same key is due now.
  order.Add(Entry(3, 1, 3, "r", t0));
  order.Add(Entry(2, 1, 2, "r", t0 + Duration(5000)));
  EXPECT_TRUE(TakeAll(order, t0).empty());
  EXPECT_EQ(order.NextDue(), t0 + Duration(5000));
  EXPECT_EQ(TakeAll(order, t0 + Duration(5000)), std::vector<int64_t>{2});
  EXPECT_TRUE(TakeAll(order, t0 + Duration(5000)).empty());  // one in flight per key
  order.Done(2);
  EXPECT_EQ(TakeAll(order, t0 + Duration(5000)), std::vector<int64_t>{3});
  order.Done(3);
  EXPECT_EQ(order.size(), 0u);
  EXPECT_FALSE(order.NextDue().has_value());
}

TEST(KeyOrderTest, AnEarlierEntryThatComesBackGoesBeforeTheOneThatWasWaiting) {
  KeyOrder order;
  order.Add(Entry(7, 1, 3, "r"));  // note_added, out
  ASSERT_EQ(TakeAll(order, t0), std::vector<int64_t>{7});
  order.Add(Entry(5, 1, 2, "r"));  // the dead acknowledged, retried by an operator
  OutboxEntry again = Entry(7, 1, 3, "r", t0 + Duration(1000));
  again.attempts = 1;
  order.Again(again);  // the note failed and backs off; the ack is first now
  EXPECT_EQ(TakeAll(order, t0), std::vector<int64_t>{5});
  order.Done(5);
  EXPECT_TRUE(TakeAll(order, t0).empty());
  EXPECT_EQ(TakeAll(order, t0 + Duration(1000)), std::vector<int64_t>{7});
}

TEST(KeyOrderTest, KeysGoOldestDueFirstAndEachKeyOnlyOnceAtATime) {
  KeyOrder order;
  order.Add(Entry(1, 1, 1, "r", t0 + Duration(20)));
  order.Add(Entry(2, 2, 1, "r", t0 + Duration(10)));
  order.Add(Entry(3, 2, 2, "r", t0));
  order.Add(Entry(4, 3, 1, "r", t0 + Duration(10)));
  EXPECT_EQ(TakeAll(order, t0 + Duration(20)), (std::vector<int64_t>{2, 4, 1}));
  EXPECT_FALSE(order.Add(Entry(2, 2, 1, "r")));  // already held
  EXPECT_EQ(order.size(), 4u);
}

TEST(KeyOrderTest, EntriesHeldInTheStoreLeaveAndFreeTheirKey) {
  KeyOrder order;
  order.Add(Entry(1, 1, 1, "r"));
  order.Add(Entry(2, 1, 2, "r"));
  order.Add(Entry(3, 2, 1, "r"));
  ASSERT_EQ(TakeAll(order, t0), (std::vector<int64_t>{1, 3}));
  order.Remove({1, 2});  // 1 found held behind a dead entry before it was sent; 2 with it
  EXPECT_EQ(order.size(), 1u);
  EXPECT_TRUE(TakeAll(order, t0).empty());
  order.Done(3);
  EXPECT_EQ(order.size(), 0u);
}

TEST(KeyOrderTest, OldestCreatedIsTheLowestIdHeld) {
  KeyOrder order;
  EXPECT_FALSE(order.OldestCreated().has_value());
  OutboxEntry a = Entry(8, 1, 1, "r");
  a.created_at = t0 + Duration(8);
  OutboxEntry b = Entry(4, 2, 1, "r");
  b.created_at = t0 + Duration(4);
  order.Add(a);
  order.Add(b);
  EXPECT_EQ(order.OldestCreated(), t0 + Duration(4));
}

// ---- pacing ----

DeliveryPolicy Pacing(int concurrency, std::optional<RateLimit> limit = std::nullopt) {
  DeliveryPolicy p;
  p.concurrency = concurrency;
  p.rate_limit = limit;
  p.circuit_breaker = CircuitBreakerPolicy{2, Duration(10'000), Duration(60'000)};
  return p;
}

TEST(LanePacerTest, ConcurrencyAndRateLimitGateTheNextSend) {
  TokenBucket bucket(RateLimit{1, 2});
  LanePacer pacer(Pacing(2, RateLimit{1, 2}), &bucket);
  ASSERT_EQ(pacer.NextSend(t0), t0);
  pacer.Start(t0);
  ASSERT_EQ(pacer.NextSend(t0), t0);
  pacer.Start(t0);
  EXPECT_FALSE(pacer.NextSend(t0).has_value());  // both senders busy: a completion decides
  pacer.Finish(false, true, false, std::nullopt, t0);
  EXPECT_EQ(pacer.NextSend(t0), t0 + Duration(1000));  // burst spent: the next token
}

TEST(LanePacerTest, AHalfOpenProbeGatesByItsOutcomeNeverByAFarTime) {
  TokenBucket bucket(std::nullopt);
  LanePacer pacer(Pacing(4), &bucket);
  for (int i = 0; i < 2; ++i) {
    pacer.Start(t0);
    pacer.Finish(false, true, true, std::nullopt, t0);
  }
  EXPECT_EQ(pacer.circuit(t0), CircuitState::kOpen);
  EXPECT_EQ(pacer.NextSend(t0), t0 + Duration(10'000));
  const TimePoint t1 = t0 + Duration(10'000);
  ASSERT_TRUE(pacer.Start(t1));                        // the probe
  EXPECT_FALSE(pacer.NextSend(t1).has_value());        // waits for its outcome, not for "never"
  pacer.Finish(true, false, false, std::nullopt, t1);  // it never reached the receiver
  EXPECT_EQ(pacer.NextSend(t1), t1);                   // the next send probes instead
  ASSERT_TRUE(pacer.Start(t1));
  pacer.Finish(true, true, false, std::nullopt, t1);
  EXPECT_EQ(pacer.circuit(t1), CircuitState::kClosed);
}

TEST(LanePacerTest, RetryAfterHoldsTheReceiver) {
  TokenBucket bucket(std::nullopt);
  LanePacer pacer(Pacing(4), &bucket);
  pacer.Start(t0);
  pacer.Finish(false, true, false, t0 + Duration(30'000), t0);
  EXPECT_EQ(pacer.NextSend(t0 + Duration(1)), t0 + Duration(30'000));
  EXPECT_EQ(pacer.circuit(t0), CircuitState::kClosed);
}

// ---- attempt recording ----

RetryPolicy Retry(int max_attempts) {
  RetryPolicy p;
  p.max_attempts = max_attempts;
  p.initial_backoff = Duration(1000);
  p.max_backoff = Duration(8000);
  return p;
}

TEST(RecordAttemptTest, DeliveredKeepsTheRefAndCountsTheAttempt) {
  OutboxEntry e = Entry(1, 1, 1, "jira");
  e.attempts = 2;
  SendResult ok = SendResult::Ok();
  ok.ref = ExternalRef{"", "issue", "OPS-1", ""};
  const AttemptRecord r = RecordAttempt(e, ok, Retry(5), t0, 0.5);
  EXPECT_EQ(r.kind, AttemptRecord::Kind::kDelivered);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.at, t0);
  ASSERT_TRUE(r.ref.has_value());
  EXPECT_EQ(r.ref->id, "OPS-1");
}

TEST(RecordAttemptTest, RetriesBackOffThenGiveUp) {
  OutboxEntry e = Entry(1, 1, 1, "hook");
  e.attempts = 1;
  AttemptRecord r = RecordAttempt(e, SendResult::Retry("HTTP 503"), Retry(3), t0, 1.0);
  EXPECT_EQ(r.kind, AttemptRecord::Kind::kRetry);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.next, t0 + Duration(2000));  // attempt 2: 2s (jitter at its top)
  EXPECT_TRUE(r.endpoint_failed);
  EXPECT_EQ(r.error, "HTTP 503");

  e.attempts = 2;
  r = RecordAttempt(e, SendResult::Retry("HTTP 503"), Retry(3), t0, 0.0);
  EXPECT_EQ(r.kind, AttemptRecord::Kind::kDead);
  EXPECT_EQ(r.error, "HTTP 503 (gave up after 3 attempts)");

  r = RecordAttempt(e, SendResult::Permanent("HTTP 400"), Retry(10), t0, 0.0);
  EXPECT_EQ(r.kind, AttemptRecord::Kind::kDead);
  EXPECT_FALSE(r.endpoint_failed);  // an answer: the endpoint is alive
  EXPECT_EQ(r.error, "HTTP 400");
}

TEST(RecordAttemptTest, RetryAfterIsHonouredUpToAnHourAndHoldsTheReceiver) {
  const OutboxEntry e = Entry(1, 1, 1, "slack");
  AttemptRecord r =
      RecordAttempt(e, SendResult::Retry("HTTP 429", Duration(30'000)), Retry(5), t0, 0.0);
  EXPECT_EQ(r.next, t0 + Duration(30'000));
  EXPECT_EQ(r.hold_until, t0 + Duration(30'000));
  EXPECT_FALSE(r.endpoint_failed);
  r = RecordAttempt(e, SendResult::Retry("HTTP 503", Duration(int64_t{48} * 3'600'000)), Retry(5),
                    t0, 0.0);
  EXPECT_EQ(r.next, t0 + kMaxRetryAfter);
}

// ---- the schedule ----

// The pending rows of a store, answering the schedule's reads as PendingOutbox does.
class Table {
 public:
  int64_t Add(int64_t incident, int64_t seq, const std::string& receiver, TimePoint due = t0) {
    const int64_t id = ++last_;
    rows_[id] = Entry(id, incident, seq, receiver, due);
    return id;
  }
  void Finish(int64_t id) { rows_.erase(id); }
  void Requeue(const OutboxEntry& e) { rows_[e.id] = e; }
  std::vector<OutboxEntry> Answer(const OutboxRead& r) const {
    std::vector<OutboxEntry> out;
    for (auto it = rows_.upper_bound(r.after_id);
         it != rows_.end() && out.size() < static_cast<size_t>(r.limit); ++it) {
      if (r.receiver.empty() || it->second.receiver == r.receiver) out.push_back(it->second);
    }
    return out;
  }
  // Runs every read the schedule asks for; returns the rows read and those it gave back as
  // unknown.
  std::pair<int, std::vector<OutboxEntry>> ReadAll(OutboxSchedule& s, TimePoint now) {
    int read = 0;
    std::vector<OutboxEntry> unknown;
    while (auto r = s.NextRead()) {
      const std::vector<OutboxEntry> rows = Answer(*r);
      read += static_cast<int>(rows.size());
      for (OutboxEntry& e : s.ApplyRead(*r, rows, now)) unknown.push_back(std::move(e));
    }
    return {read, unknown};
  }

 private:
  std::map<int64_t, OutboxEntry> rows_;
  int64_t last_ = 0;
};

ReceiverDelivery Lane(int concurrency = 64) {
  ReceiverDelivery d;
  d.pacing.concurrency = concurrency;
  return d;
}

// Delivers every job now, as a sender would, and returns their ids.
std::vector<int64_t> DeliverDue(OutboxSchedule& s, Table& table, TimePoint now) {
  std::vector<int64_t> ids;
  for (const SendJob& job : s.Dispatch(now)) {
    AttemptRecord r = RecordAttempt(job.entry, SendResult::Ok(), {}, now, 0.5);
    table.Finish(job.entry.id);
    s.Sent(job, r, true, {});
    ids.push_back(job.entry.id);
  }
  return ids;
}

TEST(OutboxScheduleTest, AFullWindowLeavesTheRestInTheStoreAndOthersGoOn) {
  OutboxSchedule s({{"slow", Lane(1)}, {"fast", Lane()}}, /*window=*/4);
  Table table;
  for (int i = 1; i <= 10; ++i) table.Add(i, 1, "slow");
  for (int i = 11; i <= 13; ++i) table.Add(i, 1, "fast");
  s.Committed();
  table.ReadAll(s, t0);
  auto view = s.View(t0);
  EXPECT_EQ(view["slow"].in_memory, 4u);  // the window; 6 wait in the store, untouched
  EXPECT_EQ(view["fast"].in_memory, 3u);

  const std::vector<SendJob> jobs = s.Dispatch(t0);
  ASSERT_EQ(jobs.size(), 4u);  // slow sends one at a time, fast all three
  std::vector<int64_t> fast;
  for (const SendJob& j : jobs) {
    if (j.receiver == "fast") fast.push_back(j.entry.id);
  }
  EXPECT_EQ(fast, (std::vector<int64_t>{11, 12, 13}));
}

TEST(OutboxScheduleTest, ALaggingReceiverCatchesUpInIdOrderReadingEachRowAtMostTwice) {
  OutboxSchedule s({{"slow", Lane(1)}, {"fast", Lane()}}, /*window=*/64);
  Table table;
  for (int i = 1; i <= 1000; ++i) {
    table.Add(i, 1, "slow");
    table.Add(i, 1, "fast");
  }
  s.Committed();
  int rows_read = 0;
  std::vector<int64_t> slow_order;
  for (int round = 0; round < 5000 && slow_order.size() < 1000; ++round) {
    rows_read += table.ReadAll(s, t0).first;
    for (int64_t id : DeliverDue(s, table, t0)) {
      if (id % 2 == 1) slow_order.push_back(id);  // slow's rows have odd ids
    }
  }
  ASSERT_EQ(slow_order.size(), 1000u);
  EXPECT_TRUE(std::is_sorted(slow_order.begin(), slow_order.end()));
  EXPECT_LE(rows_read, 2 * 2000);
}

TEST(OutboxScheduleTest, ALaterEntryOfAKeyNeverOvertakesOneBackingOffAfterARestart) {
  OutboxSchedule s({{"r", Lane()}});
  Table table;
  const int64_t first = table.Add(5, 1, "r", t0 + Duration(10'000));  // backing off
  const int64_t second = table.Add(5, 2, "r", t0);
  const int64_t other = table.Add(6, 1, "r", t0);
  table.ReadAll(s, t0);
  EXPECT_EQ(DeliverDue(s, table, t0), std::vector<int64_t>{other});
  EXPECT_EQ(s.NextWake(t0), t0 + Duration(10'000));
  EXPECT_EQ(DeliverDue(s, table, t0 + Duration(10'000)), std::vector<int64_t>{first});
  EXPECT_EQ(DeliverDue(s, table, t0 + Duration(10'000)), std::vector<int64_t>{second});
}

TEST(OutboxScheduleTest, NeverIsReadAsTheLongestLegitimateWait) {
  OutboxSchedule s({{"r", Lane()}});
  Table table;
  table.Add(1, 1, "r", TimePoint::max());
  table.ReadAll(s, t0);
  const TimePoint latest = t0 + LongestWait(RetryPolicy{});
  EXPECT_EQ(s.NextWake(t0), latest);
  EXPECT_EQ(DeliverDue(s, table, latest).size(), 1u);
}

TEST(OutboxScheduleTest, EntriesOfReceiversNoLongerConfiguredAreHandedBack) {
  OutboxSchedule s({{"r", Lane()}});
  Table table;
  table.Add(1, 1, "gone");
  table.Add(1, 1, "r");
  const auto [read, unknown] = table.ReadAll(s, t0);
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].receiver, "gone");
  EXPECT_EQ(s.View(t0)["r"].in_memory, 1u);
}

TEST(OutboxScheduleTest, ARescanFindsEntriesPendingAgainBelowWhatWasRead) {
  OutboxSchedule s({{"r", Lane()}});
  Table table;
  const int64_t ack = table.Add(1, 2, "r");
  table.ReadAll(s, t0);
  std::vector<SendJob> jobs = s.Dispatch(t0);
  ASSERT_EQ(jobs.size(), 1u);
  table.Finish(ack);  // dead
  s.Sent(jobs[0], RecordAttempt(jobs[0].entry, SendResult::Permanent("HTTP 400"), {}, t0, 0), true,
         {});
  const int64_t note = table.Add(1, 3, "r", t0 + Duration(1));
  s.Committed();
  table.ReadAll(s, t0);

  table.Requeue(Entry(ack, 1, 2, "r"));  // an operator retried it
  s.Rescan();
  table.ReadAll(s, t0);
  EXPECT_EQ(DeliverDue(s, table, t0 + Duration(1)), std::vector<int64_t>{ack});
  EXPECT_EQ(DeliverDue(s, table, t0 + Duration(1)), std::vector<int64_t>{note});
}

TEST(OutboxScheduleTest, AnUnrecordedDeliveryBlocksItsKeyAndOnlyItsRecordIsRetried) {
  OutboxSchedule s({{"r", Lane()}});
  Table table;
  const int64_t a = table.Add(1, 1, "r");
  const int64_t b = table.Add(1, 2, "r");
  table.ReadAll(s, t0);
  std::vector<SendJob> jobs = s.Dispatch(t0);
  ASSERT_EQ(jobs.size(), 1u);
  const AttemptRecord delivered = RecordAttempt(jobs[0].entry, SendResult::Ok(), {}, t0, 0);
  s.Sent(jobs[0], delivered, /*recorded=*/false, {});

  EXPECT_TRUE(s.Dispatch(t0 + Duration(999)).empty());  // neither re-sent nor overtaken
  EXPECT_TRUE(s.DueRecords(t0 + Duration(999)).empty());
  EXPECT_EQ(s.NextWake(t0), t0 + Duration(1000));  // from the refused write, not from later
  std::vector<PendingRecord> due = s.DueRecords(t0 + Duration(1000));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].entry.id, a);
  s.Recorded(due[0], false, {}, t0 + Duration(1000));
  EXPECT_TRUE(s.DueRecords(t0 + Duration(2999)).empty());  // the backoff grows: 2s
  due = s.DueRecords(t0 + Duration(3000));
  ASSERT_EQ(due.size(), 1u);
  s.Recorded(due[0], true, {}, t0 + Duration(3000));
  table.Finish(a);
  EXPECT_EQ(DeliverDue(s, table, t0 + Duration(3000)), std::vector<int64_t>{b});
}

TEST(OutboxScheduleTest, NothingIsDueWhileAProbeIsOut) {
  ReceiverDelivery d = Lane(4);
  d.pacing.circuit_breaker = CircuitBreakerPolicy{1, Duration(10'000), Duration(60'000)};
  OutboxSchedule s({{"pd", d}});
  Table table;
  for (int i = 1; i <= 3; ++i) table.Add(i, 1, "pd");
  table.ReadAll(s, t0);
  std::vector<SendJob> jobs = s.Dispatch(t0);
  ASSERT_EQ(jobs.size(), 3u);
  for (size_t i = 1; i < jobs.size(); ++i) {
    s.Sent(jobs[i], RecordAttempt(jobs[i].entry, SendResult::Ok(), {}, t0, 0), true, {});
    table.Finish(jobs[i].entry.id);
  }
  const AttemptRecord failed =
      RecordAttempt(jobs[0].entry, SendResult::Retry("refused"), {}, t0, 1.0);
  s.Sent(jobs[0], failed, true, {});  // the last answer: the circuit opens
  EXPECT_EQ(s.NextWake(t0 + Duration(1000)), t0 + Duration(10'000));  // the cool-down
  const TimePoint t1 = t0 + Duration(10'000);
  std::vector<SendJob> probe = s.Dispatch(t1);
  ASSERT_EQ(probe.size(), 1u);
  EXPECT_TRUE(probe[0].probe);
  EXPECT_FALSE(s.NextWake(t1).has_value());  // its outcome, not a time, moves things
  EXPECT_EQ(s.CircuitChanges(t1),
            (std::vector<std::pair<std::string, CircuitState>>{{"pd", CircuitState::kHalfOpen}}));
}

// An operator retried the entry right after it died, before its outcome reached the schedule:
// the rescan then still saw it in flight and skipped it. The outcome, arriving after that rescan,
// makes the receiver read again, so the retried entry is not lost.
TEST(OutboxScheduleTest, AnEntryRetriedBeforeItsDeathWasHandledIsReadAgain) {
  OutboxSchedule s({{"r", Lane()}});
  Table table;
  const int64_t ack = table.Add(1, 2, "r");
  table.ReadAll(s, t0);
  std::vector<SendJob> jobs = s.Dispatch(t0);
  ASSERT_EQ(jobs.size(), 1u);
  // The sender marked it dead and the operator retried it: pending again in the store...
  s.Rescan();
  table.ReadAll(s, t0);  // ...but held in memory (in flight): skipped
  s.Sent(jobs[0], RecordAttempt(jobs[0].entry, SendResult::Permanent("HTTP 400"), {}, t0, 0), true,
         {});
  table.ReadAll(s, t0);
  EXPECT_EQ(DeliverDue(s, table, t0), std::vector<int64_t>{ack});
}

}  // namespace
}  // namespace ab
