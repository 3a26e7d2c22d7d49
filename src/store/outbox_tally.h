// Outbox entries waiting or given up on, per receiver, kept up to date by the store after each
// write that changes an entry's state, so that metrics never count rows (a COUNT per scrape
// slows down with the table and runs on the HTTP threads). Thread-safe; its lock is its own, so
// reading it never waits for a commit.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "model/outbox.h"
#include "store/store.h"

namespace ab {

class OutboxTally {
 public:
  // Replaces everything, e.g. with counts read at open.
  void Reset(std::map<std::string, OutboxDepth> by_receiver) {
    std::lock_guard<std::mutex> lock(mu_);
    by_receiver_ = std::move(by_receiver);
  }
  // `n` entries of `receiver` entered `state` (new entries: a commit).
  void Add(const std::string& receiver, OutboxState state, int64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    if (int64_t* slot = Slot(receiver, state)) *slot += n;
  }
  // `n` entries of `receiver` went from one state to another.
  void Move(const std::string& receiver, OutboxState from, OutboxState to, int64_t n) {
    if (from == to || n == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (int64_t* slot = Slot(receiver, from)) *slot -= n;
    if (int64_t* slot = Slot(receiver, to)) *slot += n;
  }
  OutboxCounts Counts() const {
    std::lock_guard<std::mutex> lock(mu_);
    OutboxCounts c;
    for (const auto& [receiver, d] : by_receiver_) {
      c.pending += d.pending;
      c.held += d.held;
      c.dead += d.dead;
      c.by_receiver.emplace(receiver, d);
    }
    return c;
  }

 private:
  // mu_ held. None for the states that are history (delivered, discarded).
  int64_t* Slot(const std::string& receiver, OutboxState state) {
    switch (state) {
      case OutboxState::kPending:
        return &by_receiver_[receiver].pending;
      case OutboxState::kHeld:
        return &by_receiver_[receiver].held;
      case OutboxState::kDead:
        return &by_receiver_[receiver].dead;
      case OutboxState::kDelivered:
      case OutboxState::kDiscarded:
        return nullptr;
    }
    return nullptr;
  }

  mutable std::mutex mu_;
  std::map<std::string, OutboxDepth> by_receiver_;
};

}  // namespace ab
