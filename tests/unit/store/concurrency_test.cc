// The committer, delivery workers and HTTP readers all use one store at once.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "store_fixture.h"

namespace ab::testing {
namespace {

using ConcurrencyTest = StoreTest;

TEST_F(ConcurrencyTest, ReadersAndWorkersRunDuringCommitsWithoutErrorsOrTornReads) {
  constexpr int kIncidents = 150;
  constexpr int kEventsPerIncident = 3;
  std::atomic<bool> done{false};
  std::mutex errors_mu;
  std::vector<std::string> errors;
  auto fail = [&](const std::string& what) {
    std::lock_guard lock(errors_mu);
    errors.push_back(what);
  };

  // Committer: each commit declares one incident with its whole timeline and one outbox entry.
  std::thread committer([&] {
    for (int i = 1; i <= kIncidents; ++i) {
      Incident inc = MakeIncident(i, "rule", {{"n", std::to_string(i)}});
      inc.last_seq = kEventsPerIncident;
      Changes c;
      c.alerts = {MakeAlert("A", std::to_string(i))};
      c.incidents = {inc};
      for (int seq = 1; seq <= kEventsPerIncident; ++seq) {
        c.events.push_back(MakeEvent(inc, seq, EventType::kAlertAdded));
      }
      Status s = store_->Commit(c, {MakeOutbox(inc, 1, "slack", At(0))});
      if (!s.ok()) fail("commit: " + s.error().message);
    }
    done = true;
  });

  // HTTP readers: every incident they see must come with its whole timeline (one snapshot).
  std::atomic<int> reads{0};
  auto reader = [&] {
    int64_t newest_seen = 0;
    while (true) {
      bool last_round = done.load();
      Result<IncidentPage> page = store_->ListIncidents({});
      if (!page.ok()) {
        fail("list: " + page.error().message);
        return;
      }
      if (!page->incidents.empty()) {
        int64_t newest = page->incidents.front().id;
        if (newest < newest_seen) fail("newest incident went backwards");
        newest_seen = newest;
        Result<std::optional<IncidentDetail>> d = store_->GetIncident(newest);
        if (!d.ok() || !d->has_value()) {
          fail("get: " + (d.ok() ? std::string("missing") : d.error().message));
          return;
        }
        if (static_cast<int64_t>((*d)->timeline.size()) != (*d)->incident.last_seq) {
          fail("timeline of incident " + std::to_string(newest) + " is torn");
        }
      }
      ++reads;
      if (last_round) return;
    }
  };
  std::thread reader1(reader);
  std::thread reader2(reader);

  // Delivery worker: takes due entries and marks them delivered while commits go on.
  std::atomic<int> delivered{0};
  std::thread worker([&] {
    while (true) {
      bool last_round = done.load();
      Result<std::vector<OutboxEntry>> due = store_->DueOutbox(At(0), 16);
      if (!due.ok()) {
        fail("due: " + due.error().message);
        return;
      }
      for (const OutboxEntry& e : *due) {
        Status s = store_->MarkDelivered(e.id, 1, At(1));
        if (!s.ok()) fail("mark: " + s.error().message);
        ++delivered;
      }
      if (last_round && due->empty()) return;
    }
  });

  committer.join();
  reader1.join();
  reader2.join();
  worker.join();

  EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << errors.front();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(delivered.load(), kIncidents);
  Result<OutboxCounts> counts = store_->CountOutbox();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->pending, 0);
  StoredState state = MustLoad();
  EXPECT_EQ(state.incidents.size(), static_cast<size_t>(kIncidents));
  EXPECT_EQ(state.alerts.size(), static_cast<size_t>(kIncidents));
}

}  // namespace
}  // namespace ab::testing
