// One writer per database (issue 13 item 10): the second `serve` is refused and told who holds
// it; readers are not affected.
#include "store/store_lock.h"

#include <unistd.h>

#include "store_fixture.h"

namespace ab::testing {
namespace {

using StoreLockTest = StoreTest;

TEST_F(StoreLockTest, ASecondWriterIsRefusedWithTheHoldersPid) {
  Result<StoreLock> first = StoreLock::Acquire(path_);
  ASSERT_TRUE(first.ok()) << first.error().message;
  // flock locks belong to the open file, so a second open in this process stands for a second
  // process.
  Result<StoreLock> second = StoreLock::Acquire(path_);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("database in use by pid " + std::to_string(getpid())),
            std::string::npos)
      << second.error().message;
}

TEST_F(StoreLockTest, TheLockIsFreeOnceItsHolderLetsGo) {
  { ASSERT_TRUE(StoreLock::Acquire(path_).ok()); }
  Result<StoreLock> again = StoreLock::Acquire(path_);
  EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST_F(StoreLockTest, ReadersAreNotBlockedByTheWriterLock) {
  Result<StoreLock> lock = StoreLock::Acquire(path_);
  ASSERT_TRUE(lock.ok());
  Changes c;
  c.incidents.push_back(MakeIncident(1, "checkout", {{"service", "checkout"}}));
  MustCommit(c);
  // Another connection (a backup, an operator's sqlite3) reads while the lock is held.
  std::unique_ptr<IncidentStore> reader = Open();
  ASSERT_NE(reader, nullptr);
  auto state = reader->Load();
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->incidents.size(), 1u);
}

TEST_F(StoreLockTest, CreatesTheDatabaseFolder) {
  const std::string path = (dir_ / "new" / "folder" / "ab.db").string();
  Result<StoreLock> lock = StoreLock::Acquire(path);
  ASSERT_TRUE(lock.ok()) << lock.error().message;
  EXPECT_TRUE(std::filesystem::exists(path + ".lock"));
}

}  // namespace
}  // namespace ab::testing
