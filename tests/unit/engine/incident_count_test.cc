// Incidents by state and priority, as the metrics show them.
#include <gtest/gtest.h>

#include "engine_fixture.h"

namespace ab::testing {
namespace {

int CountOf(const std::vector<IncidentCount>& counts, IncidentState state, Severity priority) {
  for (const IncidentCount& c : counts) {
    if (c.state == state && c.priority == priority) return static_cast<int>(c.count);
  }
  return 0;
}

TEST(IncidentCountTest, CountsPendingAndOpenIncidentsByStateAndPriority) {
  Rule now = MakeRule("now", R"(kind="now")", {"service"});
  now.severity.default_severity = Severity::SEV2;
  Rule later = MakeRule("later", R"(kind="later")", {"service"});
  later.trigger.min_alerts = 2;
  Engine engine(std::make_shared<RuleSet>(std::vector<Rule>{now, later}));
  engine.Ingest(
      {Firing({{"kind", "now"}, {"service", "a"}}), Firing({{"kind", "now"}, {"service", "b"}}),
       Firing({{"kind", "later"}, {"service", "c"}})},
      kT0);
  Action ack;
  ack.incident_id = 1;
  ack.type = ActionType::kAck;
  ASSERT_TRUE(engine.Act(ack, kT0 + seconds(1), nullptr).changed);

  const std::vector<IncidentCount> counts = engine.CountIncidents();
  EXPECT_EQ(CountOf(counts, IncidentState::kAcknowledged, Severity::SEV2), 1);
  EXPECT_EQ(CountOf(counts, IncidentState::kDeclared, Severity::SEV2), 1);
  EXPECT_EQ(CountOf(counts, IncidentState::kPending, later.severity.default_severity), 1);
  int total = 0;
  for (const IncidentCount& c : counts) total += static_cast<int>(c.count);
  EXPECT_EQ(total, 3);

  // Resolved incidents leave the count.
  engine.Ingest({Resolved({{"kind", "now"}, {"service", "a"}}, kT0)}, kT0 + minutes(20));
  engine.Tick(kT0 + hours(1));
  EXPECT_EQ(CountOf(engine.CountIncidents(), IncidentState::kAcknowledged, Severity::SEV2), 0);
}

}  // namespace
}  // namespace ab::testing
