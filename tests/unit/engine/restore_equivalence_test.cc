// The engine keeps its incidents' member counts up to date as alerts fire, resolve and go stale
// instead of rescanning every member on each change (member_tally.h). A restored engine builds
// them afresh from the members. So at every step of a random alert storm, an engine restored from
// what the running one committed so far must decide exactly like the running one: any count the
// running engine got wrong shows up as a different event or incident row. People act in the storm
// too (resolve, ack, close, reopen, priority), so that the state their actions leave (an incident
// resolved by hand while its alerts keep firing, a hand-set priority, reopen counts) is covered.
#include <random>

#include "engine_fixture.h"

namespace ab::testing {
namespace {

struct StoredSoFar {
  std::map<uint64_t, TrackedAlert> alerts;  // the latest row of each alert
  Changes all;                              // every step's changes, merged

  void Add(const Changes& c) {
    for (const TrackedAlert& a : c.alerts) alerts[a.alert.fingerprint] = a;
    Changes copy = c;
    all.Merge(std::move(copy));
  }
  std::vector<TrackedAlert> AlertRows() const {
    std::vector<TrackedAlert> out;
    for (const auto& [fp, a] : alerts) out.push_back(a);
    return out;
  }
};

// What two engines did in one step, without the incident ids (a restored engine numbers new
// incidents after the highest id stored, and a pending group that vanished is not stored).
std::vector<std::string> Outcome(const Changes& c) {
  std::vector<std::string> out;
  for (const EventRecord& r : c.events) {
    out.push_back(std::string(ToString(r.event.type)) + " " + r.snapshot.key + "." +
                  std::to_string(r.event.seq) + " at " + FormatRfc3339(r.event.at) + " " +
                  r.event.details.dump());
  }
  for (Incident inc : c.incidents) {
    std::string row = inc.key + " " + std::string(ToString(inc.state)) + " firing " +
                      std::to_string(inc.alerts_firing) + " total " +
                      std::to_string(inc.alerts_total) + " since " +
                      (inc.trigger_since ? FormatRfc3339(*inc.trigger_since) : "-") + " seq " +
                      std::to_string(inc.last_seq);
    out.push_back(row);
  }
  out.push_back("removed " + std::to_string(c.removed_incidents.size()));
  out.push_back("joined " + std::to_string(c.joined.size()));
  return out;
}

Rule WithTrigger(std::string name, int min_alerts, Duration within, Duration hold) {
  Rule r = MakeRule(std::move(name), "team=\"a\"", {"group"});
  r.trigger = {min_alerts, within, hold};
  r.resolve.after = minutes(2);
  r.dedup_window = minutes(10);
  return r;
}

// Every new firing counts toward a reopen inside its dedup window, and a person's priority
// meets an alert-count raise.
Rule Reopening() {
  Rule r = WithTrigger("reopening", 2, minutes(5), seconds(30));
  r.dedup_window = minutes(30);
  SeverityRaise many;
  many.min_alerts = 3;
  many.to = Severity::SEV1;
  r.severity.raise = {many};
  return r;
}

// Resolves at once and never reopens, so its groups keep going back to pending, where alerts
// flap in and out of the window.
Rule Flappy() {
  Rule r = WithTrigger("flappy", 4, minutes(10), Duration(0));
  r.resolve.after = Duration(0);
  r.dedup_window = Duration(0);
  return r;
}

void RunStorm(unsigned seed) {
  auto rules = std::make_shared<RuleSet>(std::vector<Rule>{
      WithTrigger("window", 3, minutes(5), minutes(1)),
      WithTrigger("hold", 1, Duration(0), minutes(2)),
      WithTrigger("pair", 2, Duration(0), Duration(0)),
      Flappy(),
      Reopening(),
  });
  Engine running(rules);
  StoredSoFar stored;
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const Duration steps[] = {seconds(0), seconds(10), seconds(30),
                            minutes(1), minutes(3),  minutes(7)};
  TimePoint now = kT0;
  std::optional<TimePoint> started;  // the running engine's first clock reading
  for (int step = 0; step < 400; ++step) {
    now += steps[pick(6)];
    if (!started) started = now;
    std::vector<Alert> batch;
    const int kind = pick(10);
    for (int i = 0, n = 1 + pick(3); kind < 8 && i < n; ++i) {
      const int instance = pick(18);
      LabelSet labels{{"team", "a"},
                      {"group", "g" + std::to_string(instance % 3)},
                      {"instance", std::to_string(instance)}};
      Alert a = kind < 4 ? Firing(labels, now) : Resolved(labels, now);
      // Some firing alerts go stale unless refreshed.
      if (a.firing() && pick(3) == 0) a.stale_at = now + minutes(2 + pick(6));
      batch.push_back(a);
    }

    Engine restored(rules);
    // Restored as after a failed commit, not a restart: the engine was running all along, so
    // staleness deadlines stay as stored (a restart extends them; staleness_test.cc).
    restored.Restore(stored.AlertRows(), Stored(stored.all), started);
    Changes want = batch.empty() ? running.Tick(now) : running.Ingest(batch, now);
    Changes got = batch.empty() ? restored.Tick(now) : restored.Ingest(batch, now);
    ASSERT_EQ(Outcome(want), Outcome(got)) << "seed " << seed << ", step " << step;
    stored.Add(want);
  }
}

TEST(RestoreEquivalenceTest, ARestoredEngineDecidesLikeTheRunningOneThroughAStorm) {
  for (unsigned seed = 1; seed <= 16; ++seed) RunStorm(seed);
}

}  // namespace
}  // namespace ab::testing
