// The engine's output carries the outbox plan: each event names the receivers that get it (the
// incident's receivers whose `events:` filter takes it), so that nothing downstream decides again.
#include "engine_fixture.h"

namespace ab::testing {
namespace {

TEST(OutboxPlanTest, EachEventNamesTheReceiversWhoseFilterTakesIt) {
  Rule r = MakeRule("db", "service=\"db\"", {"service"});
  r.receivers = {"pager", "chat", "members"};
  ReceiverRoutes routes;
  routes.Set("pager", {EventType::kDeclared, EventType::kResolved});
  routes.Set("chat", {});  // the default set: all but member changes
  routes.Set("members", {EventType::kAlertAdded});
  Engine engine(std::make_shared<RuleSet>(std::vector<Rule>{r}, nullptr, routes));

  Changes first = engine.Ingest({Firing({{"service", "db"}, {"instance", "a"}})}, kT0);
  ASSERT_EQ(EventNames(first), Names{"declared"});
  EXPECT_EQ(first.events[0].notify, (Names{"pager", "chat"}));

  Changes second = engine.Ingest({Firing({{"service", "db"}, {"instance", "b"}})}, kT0);
  ASSERT_EQ(EventNames(second), Names{"alert_added"});
  EXPECT_EQ(second.events[0].notify, Names{"members"});
}

// The same plan reaches the outbox: one entry per event and receiver, in order, sharing the
// event's envelope.
TEST(OutboxPlanTest, OutboxEntriesFollowThePlan) {
  Rule r = MakeRule("db", "service=\"db\"", {"service"});
  r.receivers = {"pager", "members"};
  ReceiverRoutes routes;
  routes.Set("pager", {EventType::kDeclared});
  routes.Set("members", {EventType::kAlertAdded});
  Engine engine(std::make_shared<RuleSet>(std::vector<Rule>{r}, nullptr, routes));
  Changes c = engine.Ingest({Firing({{"service", "db"}, {"instance", "a"}})}, kT0);
  c.Merge(engine.Ingest({Firing({{"service", "db"}, {"instance", "b"}})}, kT0));
  ASSERT_EQ(EventNames(c), (Names{"declared", "alert_added"}));
  std::vector<OutboxEntry> out = OutboxEntriesOf(c, "http://ab.example", kT0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].receiver, "pager");
  EXPECT_EQ(out[0].event_type, "declared");
  EXPECT_EQ(out[1].receiver, "members");
  EXPECT_EQ(out[1].event_type, "alert_added");
  EXPECT_EQ(out[1].event_id, EventId(c.events[1].snapshot.key, c.events[1].event.seq));
  EXPECT_NE(out[1].payload.find("\"alert_added\""), std::string::npos);
}

}  // namespace
}  // namespace ab::testing
