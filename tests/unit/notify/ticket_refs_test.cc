// The ticket ids a receiver returns end up on the incident, as the API shows it (issue 5 item 3):
// the real outbox worker, the SQLite store and the jira receiver against the fake Jira.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <future>

#include "jira_fixture.h"
#include "model/json.h"
#include "notify/outbox_worker.h"
#include "store/store.h"

namespace ab {
namespace {

using testing::FakeJira;
using testing::JiraBasicAuth;
using testing::JiraConfig;

class TempFolder {
 public:
  TempFolder() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ab-refs-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

TEST(TicketRefs, TheIssueKeyIsStoredOnTheIncidentAndShownByTheApi) {
  TempFolder dir;
  auto opened = OpenSqliteStore(dir.Path("alertbridge.db"));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  IncidentStore& store = **opened;
  const SystemClock clock;
  const TimePoint now = clock.now();

  Incident inc;
  inc.id = 1;
  inc.rule = "checkout";
  inc.group = {{"service", "checkout"}};
  inc.key = IncidentKey("", inc.rule, inc.group, 1);
  inc.state = IncidentState::kDeclared;
  inc.priority = Severity::SEV2;
  inc.title = "checkout degraded";
  inc.created_at = now;
  inc.declared_at = now;
  inc.last_seq = 1;
  Changes changes;
  changes.incidents = {inc};
  ASSERT_TRUE(store.Commit(changes, {}).ok());
  Event ev;
  ev.incident_id = 1;
  ev.seq = 1;
  ev.type = EventType::kDeclared;
  ev.at = now;
  OutboxEntry e;
  e.incident_id = 1;
  e.event_seq = 1;
  e.receiver = "jira-ops";
  e.event_id = EventId(inc.key, 1);
  e.event_type = "declared";
  e.payload = EventEnvelope(ev, inc, "http://alertbridge.example").dump();
  e.created_at = now;
  e.next_attempt_at = now;
  ASSERT_TRUE(store.Commit(Changes{}, {e}).ok());

  FakeJira jira(true, JiraBasicAuth());
  std::map<std::string, std::unique_ptr<Notifier>> notifiers;
  notifiers["jira-ops"] = testing::BuildNotifier(JiraConfig(jira, true));
  // The worker stores the ref before it marks the entry delivered, then reports the delivery.
  std::promise<void> delivered;
  OutboxMetrics metrics;
  metrics.on_delivered = [&delivered](const std::string&, double) { delivered.set_value(); };
  OutboxWorker worker(store, std::move(notifiers), {}, clock, metrics);
  worker.Start();
  worker.Wake();
  const bool done =
      delivered.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  worker.Stop();
  ASSERT_TRUE(done) << "the entry was not delivered";
  auto got = store.GetIncident(1);
  ASSERT_TRUE(got.ok());
  const std::vector<ExternalRef> refs = (*got)->incident.external_refs;

  const ExternalRef want{"jira-ops", "issue", "OPS-1", jira.Url("/browse/OPS-1")};
  ASSERT_THAT(refs, ::testing::ElementsAre(want));
  const nlohmann::json api = IncidentJson((*store.GetIncident(1))->incident, "http://x");
  EXPECT_EQ(api["external_refs"],
            nlohmann::json::parse(R"([{"receiver": "jira-ops", "type": "issue", "id": "OPS-1",
                                       "url": ")" +
                                  want.url + R"("}])"));
  EXPECT_EQ(jira.Issues().size(), 1u);
}

}  // namespace
}  // namespace ab
