// One incident's alerts and timeline a page at a time (GET /api/v1/incidents/{id}?limit&cursor):
// the pages join up to the whole lists, in arrival and sequence order.
#include "store_fixture.h"

namespace ab::testing {
namespace {

class IncidentPageTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    inc_ = MakeIncident(1, "disk", {{"service", "checkout"}});
    inc_.alerts.clear();
    Changes c;
    for (int i = 0; i < 5; ++i) {
      c.alerts.push_back(MakeAlert("DiskFull", "db-" + std::to_string(i)));
      inc_.alerts.push_back(c.alerts.back().alert.fingerprint);
    }
    inc_.last_seq = 7;
    c.incidents = {inc_};
    AddMembers(c);
    for (int seq = 1; seq <= 7; ++seq) {
      c.events.push_back(
          MakeEvent(inc_, seq, seq == 1 ? EventType::kDeclared : EventType::kAlertAdded));
    }
    MustCommit(c);
    alerts_ = c.alerts;
  }

  Incident inc_;
  std::vector<TrackedAlert> alerts_;
};

TEST_F(IncidentPageTest, PagesJoinUpToTheWholeListsInOrder) {
  IncidentDetailQuery q;
  q.alerts_limit = 2;
  q.timeline_limit = 3;
  std::vector<int64_t> alert_ids;
  std::vector<int64_t> seqs;
  for (int page = 0; page < 10; ++page) {
    auto got = store_->GetIncidentPage(1, q);
    ASSERT_TRUE(got.ok() && got->has_value());
    const IncidentDetail& d = **got;
    EXPECT_EQ(d.incident.key, inc_.key);
    EXPECT_LE(d.alerts.size(), 2u);
    EXPECT_LE(d.timeline.size(), 3u);
    EXPECT_EQ(d.incident.alerts.size(), d.alerts.size());
    for (const TrackedAlert& a : d.alerts) alert_ids.push_back(a.id);
    for (const Event& e : d.timeline) seqs.push_back(e.seq);
    if (!d.alerts_next && !d.timeline_next) break;
    // A list that has ended stays ended: its cursor points past its end.
    q.alerts_after = d.alerts_next.value_or(INT64_MAX);
    q.timeline_after = d.timeline_next.value_or(INT64_MAX);
  }
  std::vector<int64_t> want_ids;
  for (const TrackedAlert& a : alerts_) want_ids.push_back(a.id);
  EXPECT_EQ(alert_ids, want_ids);
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7}));
}

TEST_F(IncidentPageTest, AnExactFitHasNoNextPage) {
  IncidentDetailQuery q;
  q.alerts_limit = 5;
  q.timeline_limit = 7;
  auto got = store_->GetIncidentPage(1, q);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((**got).alerts.size(), 5u);
  EXPECT_EQ((**got).timeline.size(), 7u);
  EXPECT_FALSE((**got).alerts_next.has_value());
  EXPECT_FALSE((**got).timeline_next.has_value());
  EXPECT_FALSE(store_->GetIncidentPage(2, q)->has_value());
}

// A store that cannot read a page by itself gets the same pages from the interface's default.
class WholeDetailOnly final : public IncidentStore {
 public:
  explicit WholeDetailOnly(IncidentStore& real) : real_(real) {}
  Result<StoredState> Load() override { return real_.Load(); }
  Status Commit(const Changes& c, const std::vector<OutboxEntry>& o) override {
    return real_.Commit(c, o);
  }
  Result<std::vector<OutboxEntry>> DueOutbox(TimePoint, int) override { return Unused(); }
  Result<std::optional<TimePoint>> NextOutboxDue() override { return Unused(); }
  Status MarkDelivered(int64_t, int, TimePoint) override { return Unused(); }
  Status MarkRetry(int64_t, int, TimePoint, const std::string&) override { return Unused(); }
  Status MarkDead(int64_t, int, const std::string&) override { return Unused(); }
  Status AddExternalRef(int64_t, const ExternalRef&) override { return Unused(); }
  Result<std::vector<ExternalRef>> ExternalRefs(int64_t, const std::string&) override {
    return Unused();
  }
  Result<std::vector<int64_t>> HoldBehindDead(int64_t, const std::string&) override {
    return Unused();
  }
  Result<OutboxCounts> CountOutbox() override { return Unused(); }
  Result<std::vector<OutboxEntry>> ListOutbox(const OutboxQuery&) override { return Unused(); }
  Result<std::optional<OutboxState>> RetryOutbox(int64_t, TimePoint) override { return Unused(); }
  Result<std::optional<OutboxState>> DiscardOutbox(int64_t, TimePoint) override { return Unused(); }
  Result<IncidentPage> ListIncidents(const IncidentQuery&) override { return Unused(); }
  Result<std::optional<IncidentDetail>> GetIncident(int64_t id) override {
    return real_.GetIncident(id);
  }
  Status Flush() override { return Unused(); }

 private:
  static Error Unused() { return MakeError("not used by this test"); }
  IncidentStore& real_;
};

TEST_F(IncidentPageTest, TheDefaultPagesLikeTheSqliteStore) {
  WholeDetailOnly whole(*store_);
  for (int limit : {1, 2, 3, 5, 8}) {
    IncidentDetailQuery q;
    q.alerts_limit = limit;
    q.timeline_limit = limit;
    for (int page = 0; page < 10; ++page) {
      auto a = store_->GetIncidentPage(1, q);
      auto b = whole.GetIncidentPage(1, q);
      ASSERT_TRUE(a.ok() && b.ok() && a->has_value() && b->has_value());
      const IncidentDetail& x = **a;
      const IncidentDetail& y = **b;
      ASSERT_EQ(x.alerts.size(), y.alerts.size()) << limit;
      for (size_t i = 0; i < x.alerts.size(); ++i) EXPECT_EQ(x.alerts[i].id, y.alerts[i].id);
      ASSERT_EQ(x.timeline.size(), y.timeline.size()) << limit;
      for (size_t i = 0; i < x.timeline.size(); ++i)
        EXPECT_EQ(x.timeline[i].seq, y.timeline[i].seq);
      EXPECT_EQ(x.alerts_next, y.alerts_next) << limit;
      EXPECT_EQ(x.timeline_next, y.timeline_next) << limit;
      EXPECT_EQ(x.incident.alerts, y.incident.alerts);
      if (!x.alerts_next && !x.timeline_next) break;
      q.alerts_after = x.alerts_next.value_or(INT64_MAX);
      q.timeline_after = x.timeline_next.value_or(INT64_MAX);
    }
  }
}

}  // namespace
}  // namespace ab::testing
