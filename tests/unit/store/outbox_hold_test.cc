// Stateful receivers: entries held behind a dead one, released by the operator's retry or
// discard; counts for the metrics.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace ab::testing {
namespace {

class OutboxHoldTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    inc_ = MakeIncident(1, "disk", {{"service", "db"}});
    other_ = MakeIncident(2, "cpu", {{"service", "api"}});
    Changes c;
    c.incidents = {inc_, other_};
    MustCommit(c);
  }

  // Commits entries seq 1..n of `inc` for `receiver`, due at 0, and returns their ids.
  std::vector<int64_t> Add(const Incident& inc, const std::string& receiver, int n) {
    std::vector<OutboxEntry> entries;
    for (int seq = 1; seq <= n; ++seq) entries.push_back(MakeOutbox(inc, seq, receiver, At(0)));
    MustCommit(Changes{}, entries);
    std::vector<int64_t> ids;
    for (const OutboxEntry& e : List(std::nullopt)) {
      if (e.incident_id == inc.id && e.receiver == receiver) ids.insert(ids.begin(), e.id);
    }
    return ids;
  }

  std::vector<OutboxEntry> List(std::optional<OutboxState> state) {
    Result<std::vector<OutboxEntry>> got = store_->ListOutbox({state, 1000});
    EXPECT_TRUE(got.ok()) << got.error().message;
    return got.ok() ? *got : std::vector<OutboxEntry>{};
  }

  OutboxState StateOf(int64_t id) {
    for (const OutboxEntry& e : List(std::nullopt)) {
      if (e.id == id) return e.state;
    }
    ADD_FAILURE() << "no entry " << id;
    return OutboxState::kPending;
  }

  std::vector<int64_t> Hold(const Incident& inc, const std::string& receiver) {
    Result<std::vector<int64_t>> held = store_->HoldBehindDead(inc.id, receiver);
    EXPECT_TRUE(held.ok()) << held.error().message;
    return held.ok() ? *held : std::vector<int64_t>{};
  }

  Incident inc_;
  Incident other_;
};

TEST_F(OutboxHoldTest, HoldsOnlyLaterPendingEntriesOfTheSameIncidentAndReceiver) {
  const std::vector<int64_t> jira = Add(inc_, "jira", 3);
  const std::vector<int64_t> slack = Add(inc_, "slack", 2);
  const std::vector<int64_t> other = Add(other_, "jira", 2);
  EXPECT_TRUE(Hold(inc_, "jira").empty());  // nothing dead yet

  ASSERT_TRUE(store_->MarkDead(jira[1], 3, "HTTP 400").ok());
  EXPECT_EQ(Hold(inc_, "jira"), std::vector<int64_t>{jira[2]});
  EXPECT_EQ(StateOf(jira[0]), OutboxState::kPending);  // before the dead one: not held
  EXPECT_EQ(StateOf(jira[2]), OutboxState::kHeld);
  EXPECT_TRUE(Hold(inc_, "slack").empty());
  EXPECT_TRUE(Hold(other_, "jira").empty());
  for (int64_t id : {slack[0], slack[1], other[0], other[1]}) {
    EXPECT_EQ(StateOf(id), OutboxState::kPending) << id;
  }

  // Held entries are neither due nor waited for.
  Result<std::vector<OutboxEntry>> due = store_->DueOutbox(At(1000), 100);
  ASSERT_TRUE(due.ok());
  for (const OutboxEntry& e : *due) EXPECT_NE(e.id, jira[2]);
  const std::vector<OutboxEntry> held = List(OutboxState::kHeld);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_NE(held[0].last_error.find("held behind dead outbox entry " + std::to_string(jira[1])),
            std::string::npos)
      << held[0].last_error;

  Result<OutboxCounts> counts = store_->CountOutbox();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->pending, 5);
  EXPECT_EQ(counts->held, 1);
  EXPECT_EQ(counts->dead, 1);
}

TEST_F(OutboxHoldTest, RetryOfTheDeadEntryReleasesWhatItHeld) {
  const std::vector<int64_t> ids = Add(inc_, "jira", 3);
  ASSERT_TRUE(store_->MarkDead(ids[0], 2, "HTTP 500 (gave up)").ok());
  ASSERT_EQ(Hold(inc_, "jira"), (std::vector<int64_t>{ids[1], ids[2]}));

  Result<std::optional<OutboxState>> before = store_->RetryOutbox(ids[1], At(5));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(*before, OutboxState::kHeld);  // only a dead entry can be retried
  EXPECT_EQ(StateOf(ids[1]), OutboxState::kHeld);

  before = store_->RetryOutbox(ids[0], At(5));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(*before, OutboxState::kDead);
  Result<std::vector<OutboxEntry>> due = store_->DueOutbox(At(5), 100);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 3u);
  for (const OutboxEntry& e : *due) {
    EXPECT_EQ(e.state, OutboxState::kPending);
    EXPECT_EQ(e.next_attempt_at, At(5));
    if (e.id != ids[0]) {
      EXPECT_EQ(e.last_error, "");
    }
  }
}

TEST_F(OutboxHoldTest, DiscardReleasesUnlessAnotherDeadEntryStillComesFirst) {
  const std::vector<int64_t> ids = Add(inc_, "jira", 4);
  ASSERT_TRUE(store_->MarkDead(ids[0], 1, "HTTP 400").ok());
  ASSERT_TRUE(store_->MarkDead(ids[2], 1, "HTTP 400").ok());  // as after a config change
  ASSERT_EQ(Hold(inc_, "jira"), (std::vector<int64_t>{ids[1], ids[3]}));

  Result<std::optional<OutboxState>> before = store_->DiscardOutbox(ids[0], At(9));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(*before, OutboxState::kDead);
  EXPECT_EQ(StateOf(ids[0]), OutboxState::kDiscarded);
  EXPECT_EQ(StateOf(ids[1]), OutboxState::kPending);  // released
  EXPECT_EQ(StateOf(ids[3]), OutboxState::kHeld);     // still behind ids[2]

  // A held entry can be discarded too; a pending or delivered one cannot.
  before = store_->DiscardOutbox(ids[3], At(9));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(*before, OutboxState::kHeld);
  EXPECT_EQ(StateOf(ids[3]), OutboxState::kDiscarded);
  before = store_->DiscardOutbox(ids[1], At(9));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(*before, OutboxState::kPending);
  EXPECT_EQ(StateOf(ids[1]), OutboxState::kPending);
  before = store_->DiscardOutbox(99999, At(9));
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->has_value());

  EXPECT_EQ(List(OutboxState::kDiscarded).size(), 2u);
  Result<std::vector<OutboxEntry>> by_receiver = store_->ListOutbox({std::nullopt, 100, "jira"});
  ASSERT_TRUE(by_receiver.ok());
  EXPECT_EQ(by_receiver->size(), 4u);
  by_receiver = store_->ListOutbox({std::nullopt, 100, "slack"});
  ASSERT_TRUE(by_receiver.ok());
  EXPECT_TRUE(by_receiver->empty());
}

}  // namespace
}  // namespace ab::testing
