// PipelineOptions::on_loop: the engine thread's liveness signal (systemd watchdog pings in serve).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "server/pipeline.h"

namespace ab {
namespace {

TEST(PipelineOnLoop, RunsOnTheEngineThreadWhileIdle) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ab-onloop-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::filesystem::path dir = tmpl;
  {
    auto store = OpenSqliteStore((dir / "ab.db").string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    Engine engine(std::make_shared<RuleSet>(std::vector<Rule>{}));
    Config config;
    FakeClock clock{FromMillis(1'790'000'000'000)};

    std::mutex mu;
    std::condition_variable cv;
    int calls = 0;
    std::thread::id caller;
    PipelineOptions options;
    options.tick_interval = Duration(10);
    options.on_loop = [&] {
      std::lock_guard<std::mutex> lock(mu);
      ++calls;
      caller = std::this_thread::get_id();
      cv.notify_all();
    };
    IngestPipeline pipeline(engine, **store, config, clock, nullptr, nullptr, options);
    ASSERT_TRUE(pipeline.Start().ok());
    {
      // Nothing is submitted: the loop still comes round once per tick interval.
      std::unique_lock<std::mutex> lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls >= 5; })) << calls;
      EXPECT_NE(caller, std::this_thread::get_id());
    }
    pipeline.Stop();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace ab
