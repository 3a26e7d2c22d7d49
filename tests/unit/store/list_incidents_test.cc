// ListIncidents: filters, newest-first order and cursor pagination.
#include <gtest/gtest.h>

#include <functional>

#include "store_fixture.h"

namespace ab::testing {
namespace {

class ListIncidentsTest : public StoreTest {
 protected:
  // Incidents 1..n with states, priorities, teams and creation times that vary independently.
  void CommitIncidents(int n) {
    const IncidentState states[] = {IncidentState::kPending, IncidentState::kDeclared,
                                    IncidentState::kAcknowledged, IncidentState::kResolved,
                                    IncidentState::kClosed};
    Changes c;
    for (int i = 1; i <= n; ++i) {
      Incident inc = MakeIncident(i, "rule", {{"n", std::to_string(i)}});
      inc.state = states[i % 5];
      inc.priority = static_cast<Severity>(1 + i % 3);
      inc.owner.team = i % 2 ? "payments" : "storage";
      inc.created_at = At(i * 10);
      c.incidents.push_back(inc);
    }
    MustCommit(c);
  }

  std::vector<int64_t> Ids(const IncidentQuery& q) {
    Result<IncidentPage> page = store_->ListIncidents(q);
    EXPECT_TRUE(page.ok()) << page.error().message;
    std::vector<int64_t> ids;
    if (page.ok()) {
      for (const auto& inc : page->incidents) ids.push_back(inc.id);
    }
    return ids;
  }

  // What the filters should return, computed from the same rules as CommitIncidents.
  std::vector<int64_t> Expected(int n, const std::function<bool(int)>& keep) {
    std::vector<int64_t> ids;
    for (int i = n; i >= 1; --i) {
      if (keep(i)) ids.push_back(i);
    }
    return ids;
  }
};

TEST_F(ListIncidentsTest, PagesNewestFirstWithACursorUntilExhausted) {
  CommitIncidents(23);
  std::vector<int64_t> seen;
  IncidentQuery q;
  q.limit = 5;
  int pages = 0;
  while (true) {
    Result<IncidentPage> page = store_->ListIncidents(q);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ++pages;
    ASSERT_LE(page->incidents.size(), 5u);
    for (const auto& inc : page->incidents) seen.push_back(inc.id);
    if (!page->next_before_id) break;
    EXPECT_EQ(*page->next_before_id, page->incidents.back().id);
    q.before_id = page->next_before_id;
  }
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(seen, Expected(23, [](int) { return true; }));
}

TEST_F(ListIncidentsTest, NoCursorWhenThePageHoldsTheLastRow) {
  CommitIncidents(4);
  IncidentQuery q;
  q.limit = 4;
  Result<IncidentPage> page = store_->ListIncidents(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->incidents.size(), 4u);
  EXPECT_FALSE(page->next_before_id.has_value());
  q.limit = 3;
  page = store_->ListIncidents(q);
  ASSERT_TRUE(page.ok());
  ASSERT_TRUE(page->next_before_id.has_value());
  EXPECT_EQ(*page->next_before_id, 2);
}

TEST_F(ListIncidentsTest, FiltersByStates) {
  CommitIncidents(20);
  IncidentQuery q;
  q.states = {IncidentState::kDeclared, IncidentState::kAcknowledged};
  EXPECT_EQ(Ids(q), Expected(20, [](int i) { return i % 5 == 1 || i % 5 == 2; }));
}

TEST_F(ListIncidentsTest, FiltersByPriorityTeamAndSinceTogether) {
  CommitIncidents(30);
  IncidentQuery q;
  q.severity = Severity::SEV2;
  EXPECT_EQ(Ids(q), Expected(30, [](int i) { return 1 + i % 3 == 2; }));
  q.team = "storage";
  EXPECT_EQ(Ids(q), Expected(30, [](int i) { return 1 + i % 3 == 2 && i % 2 == 0; }));
  q.since = At(150);
  EXPECT_EQ(Ids(q),
            Expected(30, [](int i) { return 1 + i % 3 == 2 && i % 2 == 0 && i * 10 >= 150; }));
  q.states = {IncidentState::kClosed};
  EXPECT_EQ(Ids(q), Expected(30, [](int i) {
              return 1 + i % 3 == 2 && i % 2 == 0 && i * 10 >= 150 && i % 5 == 4;
            }));
}

TEST_F(ListIncidentsTest, FilteredPagesAreContiguous) {
  CommitIncidents(40);
  IncidentQuery q;
  q.team = "payments";
  q.limit = 3;
  std::vector<int64_t> seen;
  while (true) {
    Result<IncidentPage> page = store_->ListIncidents(q);
    ASSERT_TRUE(page.ok());
    for (const auto& inc : page->incidents) seen.push_back(inc.id);
    if (!page->next_before_id) break;
    q.before_id = page->next_before_id;
  }
  EXPECT_EQ(seen, Expected(40, [](int i) { return i % 2 == 1; }));
}

TEST_F(ListIncidentsTest, RejectsANonPositiveLimit) {
  IncidentQuery q;
  q.limit = 0;
  Result<IncidentPage> page = store_->ListIncidents(q);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().field, "limit");
}

}  // namespace
}  // namespace ab::testing
