// Checkpoints run off the commit path (store/sqlite/checkpointer.h): a background thread copies
// the WAL into the database, and the writer steps in only when that falls far behind.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "store_fixture.h"

namespace ab::testing {
namespace {

using CheckpointTest = StoreTest;

Changes ManyAlerts(int count) {
  Changes c;
  for (int i = 0; i < count; ++i) c.alerts.push_back(MakeAlert("Fill", std::to_string(i)));
  return c;
}

std::unique_ptr<sqlite::SqliteStore> OpenWith(const std::string& path,
                                              sqlite::CheckpointOptions options) {
  auto store = sqlite::SqliteStore::Open(path, options);
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(*store) : nullptr;
}

TEST_F(CheckpointTest, BackgroundCheckpointsCopyTheWalIntoTheDatabase) {
  store_.reset();
  auto store = OpenWith(path_, {.background_frames = 8, .inline_frames = 1'000'000});
  ASSERT_NE(store, nullptr);
  const auto db_size_before = std::filesystem::file_size(path_);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Commit(ManyAlerts(50), {}).ok());

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (store->checkpoints() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_GT(store->checkpoints(), 0) << "no background checkpoint ran";
  EXPECT_GT(std::filesystem::file_size(path_), db_size_before);
  Result<StoredState> state = store->Load();
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->alerts.size(), 250u);
}

TEST_F(CheckpointTest, TheWriterCheckpointsItselfWhenTheBackgroundFallsBehind) {
  store_.reset();
  auto store = OpenWith(path_, {.background_frames = 1'000'000, .inline_frames = 40});
  ASSERT_NE(store, nullptr);
  {
    auto stalled = store->HoldCheckpoints();  // as if the background checkpoint were stuck
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(store->Commit(ManyAlerts(20), {}).ok());
  }
  // 40 commits of ~2 pages each would be 80+ pages of WAL; inline checkpoints let the WAL wrap.
  const auto wal_pages = std::filesystem::file_size(path_ + "-wal") / 4096;
  EXPECT_LT(wal_pages, 60u);
  EXPECT_EQ(store->checkpoints(), 0);
  Result<StoredState> state = store->Load();
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->alerts.size(), 800u);
}

}  // namespace
}  // namespace ab::testing
