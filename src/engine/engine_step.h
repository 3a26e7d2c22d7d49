// The bookkeeping of one Engine::Ingest, Tick or Act call (private to the engine's .cc files).
#pragma once

#include <set>
#include <unordered_set>
#include <vector>

#include "engine/engine.h"

namespace ab {

class Engine::Step {
 public:
  // Appends to `out`, which may already hold earlier steps' changes (a group commit).
  explicit Step(Changes& out) : changes(out) {}

  Changes& changes;
  std::set<int64_t> touched_incidents;  // their rows are written at the end of the step
  std::unordered_set<uint64_t> touched_alerts;
  // Older occurrences that may no longer hold a firing alert: let go of at the end of the step.
  std::set<int64_t> release;

  // A copy, for loops that may touch more incidents.
  std::vector<int64_t> TouchedIncidents() const {
    return {touched_incidents.begin(), touched_incidents.end()};
  }
};

}  // namespace ab
