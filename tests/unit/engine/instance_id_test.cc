// The instance id in downstream keys (CONTRACTS.md "Keys", issue 16 item 8): two installations
// with the same rules, or a database started afresh, never share a key; incidents stored before
// keep theirs.
#include <gtest/gtest.h>

#include "engine_fixture.h"

namespace ab::testing {
namespace {

class InstanceIdTest : public EngineTest {
 protected:
  static Rule Checkout() {
    Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
    r.dedup_window = minutes(30);
    return r;
  }
  // An engine of its own for one installation, with the checkout rule.
  static std::unique_ptr<Engine> Installation(const std::string& instance_id) {
    auto engine =
        std::make_unique<Engine>(std::make_shared<RuleSet>(std::vector<Rule>{Checkout()}));
    engine->SetInstanceId(instance_id);
    return engine;
  }
  static std::string DeclaredKey(Engine& engine, TimePoint at = kT0) {
    Changes c = engine.Ingest({Firing(kLabels, at)}, at);
    EXPECT_EQ(EventNames(c), Names{"declared"});
    return c.events.empty() ? "" : c.events[0].snapshot.key;
  }
  static inline const LabelSet kLabels{{"service", "checkout"}, {"instance", "1"}};
  static inline const LabelSet kGroup{{"service", "checkout"}};
};

TEST_F(InstanceIdTest, TwoInstallationsGiveTheSameGroupDifferentKeys) {
  auto staging = Installation("0f3c9a51d2e84b7a9c1d2e3f4a5b6c7d");
  auto production = Installation("8e1b2c3d4e5f60718293a4b5c6d7e8f9");
  const std::string a = DeclaredKey(*staging);
  const std::string b = DeclaredKey(*production);
  EXPECT_NE(a, b);
  // Both keep the contract's shape and the occurrence.
  for (const std::string& key : {a, b}) {
    ASSERT_EQ(key.size(), 3u + 16u + 2u) << key;
    EXPECT_EQ(key.substr(0, 3), "ab-");
    EXPECT_EQ(key.substr(19), "-1");
  }
}

TEST_F(InstanceIdTest, TheSameInstanceIdGivesTheSameKey) {
  // Replicas sharing one database, or `instance_id:` set after moving a database.
  auto one = Installation("moved-from-eu-1");
  auto other = Installation("moved-from-eu-1");
  const std::string key = DeclaredKey(*one);
  EXPECT_EQ(key, DeclaredKey(*other));
  EXPECT_EQ(key, IncidentKey("moved-from-eu-1", "checkout", kGroup, 1));
  EXPECT_NE(key, IncidentKey("", "checkout", kGroup, 1)) << "the id is part of the hash";
}

TEST_F(InstanceIdTest, AnIncidentStoredBeforeKeepsItsKeyAfterARestart) {
  // A database from before the instance id: its incident's key has no id in its hash.
  auto before = Installation("");
  Changes c = before->Ingest({Firing(kLabels)}, kT0);
  ASSERT_EQ(EventNames(c), Names{"declared"});
  const std::string stored_key = "ab-" + IncidentGroupHash("checkout", kGroup) + "-1";
  std::vector<Incident> rows = Stored(c);
  ASSERT_EQ(rows.size(), 1u);
  rows[0].key = stored_key;

  // The restart after the migration gave the database an instance id.
  auto after = Installation("0f3c9a51d2e84b7a9c1d2e3f4a5b6c7d");
  after->Restore(c.alerts, rows);
  ASSERT_NE(after->FindIncident(rows[0].id), nullptr);
  EXPECT_EQ(after->FindIncident(rows[0].id)->key, stored_key);
  // Its later events go out under the stored key: the ticket it opened is still the one.
  Changes more =
      after->Ingest({Firing({{"service", "checkout"}, {"instance", "2"}})}, kT0 + minutes(1));
  ASSERT_EQ(EventNames(more), Names{"alert_added"});
  EXPECT_EQ(more.events[0].snapshot.key, stored_key);
  Changes resolved =
      after->Ingest({Resolved(kLabels), Resolved({{"service", "checkout"}, {"instance", "2"}})},
                    kT0 + minutes(2));
  ASSERT_EQ(EventNames(resolved).back(), "resolved");
  EXPECT_EQ(resolved.events.back().snapshot.key, stored_key);

  // The group's next occurrence is a new incident: it gets a key with the instance id.
  const TimePoint later = kT0 + hours(1);
  EXPECT_EQ(DeclaredKey(*after, later),
            IncidentKey("0f3c9a51d2e84b7a9c1d2e3f4a5b6c7d", "checkout", kGroup, 2));
}

}  // namespace
}  // namespace ab::testing
