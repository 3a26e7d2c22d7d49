// Steps deliveries went without (issue 16 item 1): recorded once per entry and step, read by
// the range of event seqs a timeline page holds.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace ab::testing {
namespace {

using DegradedTest = StoreTest;

DegradedDelivery Step(int64_t seq, int64_t outbox_id, std::string step) {
  return {1, seq, outbox_id, "jira-ops", std::move(step), "not on the screen", At(seq)};
}

TEST_F(DegradedTest, RecordedOnceAndReadByEventRange) {
  Changes c;
  c.incidents = {MakeIncident(1, "checkout", LabelSet{{"service", "checkout"}})};
  MustCommit(c);
  const std::vector<DegradedDelivery> steps = {Step(3, 9, "priority"), Step(1, 4, "link"),
                                               Step(1, 4, "priority")};
  ASSERT_TRUE(store_->RecordDegraded(steps).ok());
  // The record of the same attempt written again (marking it delivered had failed).
  ASSERT_TRUE(store_->RecordDegraded({steps[0]}).ok());

  auto all = store_->DegradedDeliveries(1, std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(*all, (std::vector<DegradedDelivery>{steps[1], steps[2], steps[0]}));
  auto first_page = store_->DegradedDeliveries(1, std::nullopt, 2);
  ASSERT_TRUE(first_page.ok());
  EXPECT_EQ(*first_page, (std::vector<DegradedDelivery>{steps[1], steps[2]}));
  auto rest = store_->DegradedDeliveries(1, 2, std::nullopt);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, std::vector<DegradedDelivery>{steps[0]});
  auto other = store_->DegradedDeliveries(2, std::nullopt, std::nullopt);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
  Reopen();
  all = store_->DegradedDeliveries(1, std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
}

}  // namespace
}  // namespace ab::testing
