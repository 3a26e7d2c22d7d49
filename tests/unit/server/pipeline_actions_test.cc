// People's actions through the committer thread: answered after the commit, and an incident the
// engine let go of after a restart is acted on from its stored row.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>

#include "server/pipeline.h"

namespace ab {
namespace {

constexpr auto kDeadline = std::chrono::seconds(10);
const TimePoint kT0 = FromMillis(1'790'000'000'000);

class PipelineActionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ab-pipeline-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = OpenSqliteStore((dir_ / "ab.db").string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    Rule r;
    r.name = "checkout";
    r.match = *ParseMatchers(R"(service="checkout")");
    rules_ = std::make_shared<RuleSet>(std::vector<Rule>{r});
    Start();
  }
  void TearDown() override {
    pipeline_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // A fresh engine and pipeline on the same store, as after a restart.
  void Start() {
    pipeline_.reset();
    engine_ = std::make_unique<Engine>(rules_);
    pipeline_ =
        std::make_unique<IngestPipeline>(*engine_, *store_, config_, clock_, nullptr, nullptr);
    Status s = pipeline_->Start();
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  void Send(AlertStatus status) {
    Alert a;
    a.labels = LabelSet{{"service", "checkout"}};
    a.fingerprint = a.labels.Fingerprint();
    a.status = status;
    a.starts_at = clock_.now();
    if (status == AlertStatus::kResolved) a.ends_at = clock_.now();
    std::promise<Status> done;
    ASSERT_TRUE(pipeline_->Submit({a}, [&](const Status& st) { done.set_value(st); }));
    auto f = done.get_future();
    ASSERT_EQ(f.wait_for(kDeadline), std::future_status::ready);
    ASSERT_TRUE(f.get().ok());
  }
  using Answer = std::pair<Status, ActionOutcome>;
  // Queues an action; the future holds its answer.
  std::future<Answer> Queue(Action action) {
    auto done = std::make_shared<std::promise<Answer>>();
    bool queued = pipeline_->SubmitAction(std::move(action),
                                          [done](const Status& st, const ActionOutcome& out) {
                                            done->set_value({st, out});
                                          });
    EXPECT_TRUE(queued);
    return done->get_future();
  }
  static Answer Wait(std::future<Answer> f) {
    EXPECT_EQ(f.wait_for(kDeadline), std::future_status::ready);
    return f.get();
  }
  Answer Act(Action action) { return Wait(Queue(std::move(action))); }
  Incident Stored(int64_t id) {
    auto d = store_->GetIncident(id);
    EXPECT_TRUE(d.ok() && d->has_value());
    return d.ok() && d->has_value() ? (**d).incident : Incident{};
  }

  std::filesystem::path dir_;
  Config config_;
  FakeClock clock_{kT0};
  std::shared_ptr<const RuleSet> rules_;
  std::unique_ptr<IncidentStore> store_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<IngestPipeline> pipeline_;
};

TEST_F(PipelineActionsTest, AnActionIsCommittedBeforeItIsAnswered) {
  Send(AlertStatus::kFiring);
  Action ack;
  ack.incident_id = 1;
  ack.type = ActionType::kAck;
  auto [status, out] = Act(ack);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(out.code, ActionOutcome::Code::kOk);
  EXPECT_TRUE(out.changed);
  EXPECT_EQ(Stored(1).state, IncidentState::kAcknowledged);
  auto [again_status, again] = Act(ack);
  EXPECT_FALSE(again.changed);
  ack.incident_id = 42;
  EXPECT_EQ(Act(ack).second.code, ActionOutcome::Code::kNotFound);
}

TEST_F(PipelineActionsTest, AnOlderOccurrenceIsActedOnFromTheStoreAfterARestart) {
  Send(AlertStatus::kFiring);  // incident 1
  clock_.advance(std::chrono::minutes(1));
  Send(AlertStatus::kResolved);
  clock_.advance(std::chrono::minutes(1));
  Send(AlertStatus::kFiring);  // no dedup window: occurrence 2, incident 2
  Start();
  ASSERT_EQ(engine_->FindIncident(1), nullptr);  // the engine only keeps the latest
  Action note;
  note.incident_id = 1;
  note.type = ActionType::kNote;
  note.text = "postmortem scheduled";
  Action close = note;
  close.type = ActionType::kClose;
  close.text = "duplicate of 2";
  close.cause = "the same outage as incident 2";
  close.runbook_updated = false;
  // Two actions queued at once, so they may share one commit: the second must see the first
  // (no timeline sequence number used twice, which would fail the commit).
  std::future<Answer> first = Queue(note);
  std::future<Answer> second = Queue(close);
  auto [s1, n] = Wait(std::move(first));
  auto [s2, c] = Wait(std::move(second));
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_TRUE(n.changed);
  ASSERT_EQ(c.code, ActionOutcome::Code::kOk) << c.error;
  Incident stored = Stored(1);
  EXPECT_EQ(stored.state, IncidentState::kClosed);
  EXPECT_EQ(stored.resolution, "duplicate of 2");
  auto detail = store_->GetIncident(1);
  ASSERT_TRUE(detail.ok());
  ASSERT_GE((**detail).timeline.size(), 2u);
  EXPECT_EQ((**detail).timeline.back().type, EventType::kClosed);
  EXPECT_EQ(Stored(2).state, IncidentState::kDeclared);
}

}  // namespace
}  // namespace ab
