// The engine's state kept in memory, for tests and benchmarks that need a store behind the engine
// but not a database: it applies each commit's changes as SQLite does and loads them back the
// same way (store.h EngineStateStore). Not thread-safe.
#pragma once

#include <map>
#include <vector>

#include "store/store.h"

namespace ab {

class MemoryStateStore final : public EngineStateStore {
 public:
  Result<StoredState> Load() override;
  Status Commit(const Changes& changes, const std::vector<OutboxEntry>& outbox) override;

  size_t events() const { return events_; }
  size_t outbox_entries() const { return outbox_; }

 private:
  struct StoredIncident {
    Incident row;  // without its member list
    std::vector<uint64_t> members;
    bool live = true;
  };
  std::map<int64_t, TrackedAlert> alerts_;  // by id (storage order)
  std::map<int64_t, StoredIncident> incidents_;
  size_t events_ = 0;
  size_t outbox_ = 0;
};

}  // namespace ab
