// Issue 13 item 5: the ingest queue is bounded by bytes, not only by count. Nothing runs the
// pipeline here (it is not started), so batches stay queued and the budget is all that decides.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "server/pipeline.h"

namespace ab {
namespace {

class PipelineQueueBytesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ab-queue-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = OpenSqliteStore((dir_ / "ab.db").string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    engine_ = std::make_unique<Engine>(std::make_shared<RuleSet>(std::vector<Rule>{}));
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<IngestPipeline> Pipeline(size_t max_bytes) {
    PipelineOptions options;
    options.max_queued_bytes = max_bytes;
    return std::make_unique<IngestPipeline>(*engine_, *store_, config_, clock_, nullptr, nullptr,
                                            options);
  }

  std::filesystem::path dir_;
  std::unique_ptr<IncidentStore> store_;
  std::unique_ptr<Engine> engine_;
  Config config_;
  FakeClock clock_{FromMillis(1'790'000'000'000)};
};

TEST_F(PipelineQueueBytesTest, RefusesABatchBeyondTheByteBudget) {
  auto pipeline = Pipeline(1000);
  auto ignore = [](const Status&) {};
  EXPECT_TRUE(pipeline->Submit({}, ignore, 600));
  EXPECT_FALSE(pipeline->Submit({}, ignore, 600)) << "600 + 600 > 1000";
  EXPECT_TRUE(pipeline->Submit({}, ignore, 400)) << "600 + 400 fits";
  EXPECT_FALSE(pipeline->Submit({}, ignore, 1)) << "full";
}

TEST_F(PipelineQueueBytesTest, ABatchLargerThanTheBudgetPassesAnEmptyQueue) {
  auto pipeline = Pipeline(1000);
  auto ignore = [](const Status&) {};
  EXPECT_TRUE(pipeline->Submit({}, ignore, 5000)) << "else it could never be taken";
  EXPECT_FALSE(pipeline->Submit({}, ignore, 1));
}

}  // namespace
}  // namespace ab
