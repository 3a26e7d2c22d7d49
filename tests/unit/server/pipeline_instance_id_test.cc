// Keys across installations (CONTRACTS.md "Keys", issue 16 item 8), through the pipeline on real
// SQLite files: two fresh databases never give a group the same key, `instance_id:` in the
// config makes them agree, and a stored incident keeps its key whatever the id becomes.
#include "pipeline_fixture.h"

namespace ab::testing {
namespace {

class PipelineInstanceIdTest : public PipelineFaultTest {
 protected:
  // Starts a pipeline on `file` (in the test's folder; created when new).
  void StartOn(const std::string& file) {
    pipeline_.reset();
    faulty_.reset();
    real_.reset();
    auto store = OpenSqliteStore((dir_ / file).string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    real_ = std::move(*store);
    faulty_ = std::make_unique<FaultyStore>(*real_, changes_);
    Start();
  }
  std::string KeyOf(int64_t incident_id) {
    auto detail = real_->GetIncident(incident_id);
    EXPECT_TRUE(detail.ok() && detail->has_value());
    return detail.ok() && detail->has_value() ? (**detail).incident.key : "";
  }
  // The key a fresh database gives the checkout group.
  std::string FirstKeyOn(const std::string& file) {
    StartOn(file);
    EXPECT_TRUE(Send(Firing("checkout", "a")).ok());
    return KeyOf(1);
  }
  static inline const LabelSet kGroup{{"service", "checkout"}};
};

TEST_F(PipelineInstanceIdTest, TwoFreshDatabasesGiveTheSameGroupDifferentKeys) {
  const std::string staging = FirstKeyOn("staging.db");
  const std::string production = FirstKeyOn("production.db");
  EXPECT_NE(staging, production);
  EXPECT_NE(staging, IncidentKey("", "checkout", kGroup, 1));
}

TEST_F(PipelineInstanceIdTest, InstanceIdInTheConfigMakesThemEqual) {
  config_.instance_id = "eu-1";
  const std::string before_the_move = FirstKeyOn("old.db");
  const std::string after_the_move = FirstKeyOn("new.db");
  EXPECT_EQ(before_the_move, after_the_move);
  EXPECT_EQ(before_the_move, IncidentKey("eu-1", "checkout", kGroup, 1));
}

TEST_F(PipelineInstanceIdTest, AStoredIncidentKeepsItsKeyWhenTheIdChanges) {
  const std::string key = FirstKeyOn("ab.db");
  config_.instance_id = "moved";  // the restart picks another id
  // The engine names each event's receivers: this one also takes alert_added.
  ReceiverRoutes routes;
  routes.Set(kReceiver, {EventType::kDeclared, EventType::kAlertAdded});
  rules_ = std::make_shared<RuleSet>(rules_->rules(), nullptr, std::move(routes));
  StartOn("ab.db");
  ASSERT_TRUE(Send(Firing("checkout", "b")).ok());  // joins incident 1
  EXPECT_EQ(KeyOf(1), key);
  OutboxQuery q;
  auto outbox = real_->ListOutbox(q);
  ASSERT_TRUE(outbox.ok()) << outbox.error().message;
  ASSERT_EQ(outbox->size(), 2u);  // declared, then alert_added
  for (const OutboxEntry& e : *outbox) EXPECT_EQ(e.event_id.rfind(key + "_", 0), 0u) << e.event_id;
  // A group declared after the restart gets the new id.
  ASSERT_TRUE(Send(Firing("payments", "a")).ok());
  EXPECT_EQ(KeyOf(2), IncidentKey("moved", "checkout", LabelSet{{"service", "payments"}}, 1));
}

}  // namespace
}  // namespace ab::testing
