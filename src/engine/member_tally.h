// What the engine needs to know about a live incident's members, kept up to date as members join,
// fire, resolve and go stale instead of rescanning every member on each change (a storm grows
// incidents to thousands of members, and every arrival re-evaluates its incident). Private to the
// engine's .cc files.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <set>
#include <tuple>

#include "common/time.h"
#include "model/labels.h"

namespace ab {

// For a pending incident, what its trigger counts (triggers.cc has the rule): every firing member,
// and with a `within` window each resolved member until `within` after it resolved. Each counting
// member counts from its start (its first receipt in its firing episode).
class TriggerCount {
 public:
  explicit TriggerCount(Duration within) : within_(within) {}

  // A member starts firing: a new one, or one that fired again (`prior_*` describe its previous
  // episode, whose count ends now; none for a new member).
  void Fired(uint64_t fp, TimePoint start, std::optional<TimePoint> prior_start,
             std::optional<TimePoint> prior_resolved_at) {
    if (prior_start && prior_resolved_at) Forget(fp, *prior_start, *prior_resolved_at);
    ++firing_;
    starts_.insert(start);
  }

  // A firing member resolved (or went stale) at `resolved_at`: it keeps counting inside the
  // window.
  void Ended(uint64_t fp, TimePoint start, TimePoint resolved_at) {
    --firing_;
    if (within_.count() > 0) {
      lingering_.emplace(resolved_at + within_, start, fp);
    } else {
      EraseStart(start);
    }
  }

  // A member that resolved before this count was set up (restore, reload), still in its window.
  void Lingering(uint64_t fp, TimePoint start, TimePoint resolved_at) {
    starts_.insert(start);
    lingering_.emplace(resolved_at + within_, start, fp);
  }

  // Drops the resolved members whose window closed before `now` (the boundary is inclusive).
  void Expire(TimePoint now) {
    while (!lingering_.empty() && std::get<0>(*lingering_.begin()) < now) {
      EraseStart(std::get<1>(*lingering_.begin()));
      lingering_.erase(lingering_.begin());
    }
  }

  int firing() const { return firing_; }
  size_t counting() const { return starts_.size(); }
  // The n-th earliest start (1-based, n <= counting()): since when n members have counted.
  TimePoint NthStart(size_t n) const {
    return *std::next(starts_.begin(), static_cast<std::ptrdiff_t>(n - 1));
  }

 private:
  void Forget(uint64_t fp, TimePoint start, TimePoint resolved_at) {
    if (within_.count() == 0) return;  // it stopped counting when it resolved
    if (lingering_.erase({resolved_at + within_, start, fp}) > 0) EraseStart(start);
  }
  void EraseStart(TimePoint start) {
    auto it = starts_.find(start);
    if (it != starts_.end()) starts_.erase(it);
  }

  Duration within_;
  int firing_ = 0;
  std::multiset<TimePoint> starts_;                                 // of every counting member
  std::set<std::tuple<TimePoint, TimePoint, uint64_t>> lingering_;  // (counts until, start, fp)
};

struct MemberTally {
  // The latest time a member resolved or went stale: when no member fires, the quiet period
  // before resolving runs from it.
  TimePoint last_member_end{};
  // Pending incidents, and resolved ones collecting new firings toward a reopen.
  std::optional<TriggerCount> trigger;
  // Open incidents: the labels and annotations every firing member shares (what templates see as
  // labels.* and annotations.*), narrowed as members join; none = rebuild from the members (one
  // stopped firing, so they may share more now).
  struct Common {
    LabelSet labels;
    LabelSet annotations;
  };
  std::optional<Common> common;
};

}  // namespace ab
