// The incident state machine. Pure: no I/O, no clock reads, no threads. The caller passes `now`
// and commits the returned Changes; after a restart it restores state from the store.
//
// The work is split by responsibility: engine.cc (alerts in, membership, bookkeeping),
// triggers.cc (pending, declare, resolve), severity.cc (severity, priority, accounts),
// staleness.cc, heartbeats.cc and actions.cc (people's actions); timers.cc (SLA deadlines,
// escalation, status updates) and silences.cc (silences and muted incidents).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/time.h"
#include "engine/action.h"
#include "engine/member_tally.h"
#include "model/alert.h"
#include "model/changes.h"
#include "model/incident.h"
#include "rules/response_policy.h"
#include "rules/rule.h"
#include "rules/silence.h"

namespace ab {

// What an action did. kConflict: the incident's state forbids it (HTTP 409 with the state);
// kInvalid: the action lacks what it needs (HTTP 400 naming `field`).
struct ActionOutcome {
  enum class Code : uint8_t { kOk, kNotFound, kConflict, kInvalid };
  Code code = Code::kOk;
  std::string error;
  std::string field;
  bool changed = false;  // false: it was already so; no event, nothing to commit
  Incident incident;     // after the action (kOk, kConflict)
  Changes changes;
};

// A copy of `inc` without its member list, in time independent of the list's size: timeline
// snapshots and store rows do not carry it (the store keeps memberships as rows of their own).
Incident CopyWithoutMembers(Incident& inc);

struct EngineStats {
  size_t tracked_alerts = 0;
  size_t firing_alerts = 0;
  size_t open_incidents = 0;
  size_t pending_incidents = 0;
  size_t incidents_in_memory = 0;
};

// How many incidents are in one (state, priority), for metrics.
struct IncidentCount {
  IncidentState state;
  Severity priority;
  size_t count = 0;
};

class Engine {
 public:
  explicit Engine(std::shared_ptr<const RuleSet> rules);

  // State from the store after a restart. Incidents of every state may be passed; the engine keeps
  // each group's latest one and older ones that still hold a firing alert (the alert stays with
  // the incident it fired in); the others are only needed for occurrence numbering.
  //
  // Downtime is not silence: without `running_since`, the engine counts as started at the first
  // time it is given (Ingest or Tick), and every restored firing alert gets one full staleness
  // period from then (its source's `stale_after`, or for an API v2 alert the time its `endsAt`
  // gave it) before it can go stale. `running_since` restores without a restart (the engine
  // was running all along, e.g. after a failed commit), keeping every deadline as stored.
  void Restore(std::vector<TrackedAlert> alerts, std::vector<Incident> incidents,
               std::optional<TimePoint> running_since = std::nullopt);

  Changes Ingest(const std::vector<Alert>& batch, TimePoint now);
  // Pending, declared and acknowledged incidents by state and priority. It walks them all, so the
  // caller runs it seldom (once per tick), not per batch.
  std::vector<IncidentCount> CountIncidents() const;
  // The same, appending to `into` (the changes of one group commit) instead of moving the rows of
  // every batch into it afterwards.
  void Ingest(const std::vector<Alert>& batch, TimePoint now, Changes& into);
  // Time-driven decisions: trigger holds and windows, quiet periods, stale alerts, heartbeats,
  // priority raises that come to hold as time passes (an account's renewal nearing).
  Changes Tick(TimePoint now);
  void Tick(TimePoint now, Changes& into);
  // A person's action. An incident the engine no longer holds (an older occurrence after a
  // restart) is acted on from `archived`, its stored row, when the caller passes it.
  ActionOutcome Act(const Action& action, TimePoint now, const Incident* archived = nullptr);

  // Swap the rule set (reload). Open incidents keep their rule name and their state; those whose
  // rule is gone are flagged `orphaned` (and resolve by their alerts, with no quiet period), and
  // lose the flag when a later reload brings their rule back. Returns the incident rows whose
  // flag changed (no timeline event: a flag, not a state change).
  Changes SetRules(std::shared_ptr<const RuleSet> rules);
  // The same flagging against the rules in use: after a Restore (a rule removed while stopped,
  // or flag rows that never reached the store).
  Changes FlagOrphans();
  // The installation's id, part of the key of every incident created from now on (CONTRACTS.md
  // "Keys"). A value the caller read (the store's, or `instance_id:` from the config); incidents
  // the engine already holds keep the key they were created with.
  void SetInstanceId(std::string instance_id) { instance_id_ = std::move(instance_id); }

  const Incident* FindIncident(int64_t id) const;
  EngineStats Stats() const;

  // Incident operations (timers.cc, silences.cc). The response policy (`severities:`) gives each
  // priority its SLA deadlines, escalation steps and status update cadence.
  void SetResponsePolicy(ResponsePolicy policy);
  // Every silence in force: config ones and stored API ones (start-up, reload). Kept across
  // Restore. Mutes are worked out again at the next step.
  void SetSilences(std::vector<Silence> silences);
  // Reload: the config silences become `config_silences`; API silences stay as they are.
  void ReplaceConfigSilences(std::vector<Silence> config_silences);
  // Creates, changes or (ends_at <= now) expires one silence; an API silence's row goes into the
  // changes, with the muted/unmuted events it causes.
  void PutSilence(Silence silence, TimePoint now, Changes& into);
  const Silence* FindSilence(const std::string& id) const;

 private:
  struct GroupKey {
    std::string rule;
    LabelSet group;
    bool operator==(const GroupKey&) const = default;
  };
  struct GroupKeyHash {
    size_t operator()(const GroupKey& k) const;
  };
  struct GroupState {
    int64_t current_incident = 0;  // latest occurrence's incident id, 0 = none
    // While the current incident is pending, the occurrence before it: should the pending group
    // go quiet and vanish, that one is the group's latest again (as the store then says).
    int64_t previous_incident = 0;
    int last_occurrence = 0;
  };
  // How a received alert changed.
  enum class Change : uint8_t { kNone, kStarted, kRepeat, kEnded };
  // A tracked alert's previous firing episode, as it was before a receipt started a new one.
  struct PriorEpisode {
    std::optional<TimePoint> first_received;  // none: the alert is new
    std::optional<TimePoint> resolved_at;
  };

  class Step;  // one Ingest/Tick/Act: accumulates Changes

  // engine.cc
  Change Receive(const Alert& in, TimePoint now, Step& step, PriorEpisode* prior);
  void MemberStarted(uint64_t fp, const PriorEpisode& prior, TimePoint now, Step& step);
  void MemberEnded(uint64_t fp, EventType type, nlohmann::json details, TimePoint now, Step& step);
  void Route(uint64_t fp, Change change, TimePoint now, Step& step);
  void Join(const Rule& rule, LabelSet group, uint64_t fp, Change change, TimePoint now,
            Step& step);
  Incident& NewIncident(const Rule& rule, const LabelSet& group, GroupState& gs, TimePoint now,
                        Step& step);
  void StartClock(TimePoint now);
  bool IsMember(const Incident& inc, uint64_t fp) const;
  // Whether the alert is held by an incident of this rule's group: the current one, or an older
  // occurrence it has kept firing in since it joined.
  bool HeldInGroup(uint64_t fp, const std::string& rule, const LabelSet& group) const;
  void AddMember(Incident& inc, const TrackedAlert& alert, Step& step);
  void AddMemberships(const Incident& inc);
  void DropMemberships(const Incident& inc);
  void DropMembership(int64_t id, uint64_t fp);
  void InsertMembership(uint64_t fp, int64_t id);
  // The group's current incident `old` gives way to a newer occurrence: it keeps only the alerts
  // still firing in it, and is let go of once none is (Finish).
  void LetGo(Incident& old, Step& step);
  // `fp` joined `inc`: an older occurrence of the same group that still held it lets it go.
  void LeaveOlder(const Incident& inc, uint64_t fp, Step& step);
  void ReleaseDone(Step& step);
  bool IsCurrent(const Incident& inc) const;
  int FiringCount(const Incident& inc) const;
  // The tally of a live incident; built from its members as they are now when it has none yet
  // (*built says so: the change being applied is then already in it).
  MemberTally& TallyOf(const Incident& inc, bool* built = nullptr);
  MemberTally BuildTally(const Incident& inc) const;
  void Emit(Incident& inc, EventType type, TimePoint now, nlohmann::json details, Step& step,
            std::string actor = {});
  void Reevaluate(int64_t id, TimePoint now, Step& step);
  void UpdateTimers(int64_t id);
  void Finish(Step& step);
  GroupState& GroupOf(const Incident& inc);

  // triggers.cc
  enum class TriggerHold : uint8_t { kGone, kWaiting, kHolds };
  TriggerHold CheckTrigger(Incident& inc, const Trigger& trigger, TriggerCount& count,
                           TimePoint now);
  void EvaluatePending(Incident& inc, const Rule* rule, TimePoint now, Step& step);
  // A resolved incident inside its dedup window collects new firings; it reopens when they meet
  // the rule's trigger (the window decides which incident, the trigger whether).
  bool CollectsReopen(Incident& inc, const Rule& rule, TimePoint now);
  void EvaluateReopen(Incident& inc, const Rule* rule, TimePoint now, Step& step);
  void StopReopen(Incident& inc, Step& step);
  // Members that fired after this count toward reopening a resolved incident.
  bool CountsTowardReopen(const Incident& inc, const Rule* rule, const TrackedAlert& a) const;
  void RemovePending(Incident& inc, Step& step);
  void Declare(Incident& inc, const Rule& rule, TimePoint now, Step& step);
  void MaybeResolve(Incident& inc, const Rule* rule, TimePoint now, Step& step);
  void Resolve(Incident& inc, TimePoint now, nlohmann::json details, Step& step,
               std::string actor = {});
  void Reopen(Incident& inc, TimePoint now, nlohmann::json details, Step& step,
              std::string actor = {});
  void RenderText(Incident& inc, const Rule& rule, bool owner);
  // Re-renders the text of an open incident whose inputs changed (members, severity, accounts).
  void RefreshText(Incident& inc);

  // severity.cc
  void AddAccount(Incident& inc, const LabelSet& labels);
  const AccountImpact& ImpactOf(const Incident& inc, const Rule& rule);
  Severity BaseSeverityOf(const Incident& inc, const Rule& rule) const;
  // The priority the rules give the incident now: base severity after the raises that hold.
  Severity RulePriority(const Incident& inc, const Rule* rule, TimePoint now);
  void RaiseBase(Incident& inc, Severity candidate, TimePoint now, Step& step);
  // `before`: the rules' priority before this change. A priority set by hand gives way only when
  // the rules rose above it.
  void RaisePriority(Incident& inc, const Rule* rule, Severity before, TimePoint now, Step& step);
  void WatchRaises(int64_t id);
  void ScheduleRaise(const Incident& inc, const Rule& rule, TimePoint now);
  void RaiseDue(TimePoint now, Step& step);

  // timers.cc
  void WatchSla(int64_t id);
  void SlaDue(TimePoint now, Step& step);
  void FireDeadline(Incident& inc, const Deadline& d, const SeverityPolicy& policy, TimePoint now,
                    Step& step);
  void RestartSla(Incident& inc, TimePoint now);  // a reopen starts the SLA clock afresh
  void RunOperations(TimePoint now, Step& step);  // Tick: silences, mutes, SLA deadlines

  // silences.cc
  bool Silenced(const LabelSet& labels, TimePoint now) const;
  bool AnySilenceActive(TimePoint now) const;
  void IndexSilence(const Silence& s, TimePoint now);
  void SilenceDue(TimePoint now, Step& step);
  void UpdateMute(Incident& inc, TimePoint now, Step& step);
  void MuteTouched(TimePoint now, Step& step);
  void RecheckSilences(TimePoint now, Step& step);

  // staleness.cc
  void IndexStale(uint64_t fp, std::optional<TimePoint> before, std::optional<TimePoint> after);
  void ExpireStale(TimePoint now, Step& step);

  // heartbeats.cc
  void Beat(const Rule& rule, LabelSet group, uint64_t fp, TimePoint now, Step& step);
  void CheckHeartbeats(TimePoint now, Step& step);
  void RebuildHeartbeats();
  bool IsHeartbeat(const Incident& inc) const;

  std::shared_ptr<const RuleSet> rules_;
  std::string instance_id_;
  std::unordered_map<uint64_t, TrackedAlert> alerts_;
  std::map<int64_t, Incident> incidents_;  // by id
  std::unordered_map<GroupKey, GroupState, GroupKeyHash> groups_;
  // Which incidents each alert belongs to, among each group's current incident (of any state;
  // older occurrences are let go of); an alert can join several rules' incidents.
  std::unordered_map<uint64_t, std::vector<int64_t>> memberships_;
  // Live (pending or open) incidents' member counts, kept as members change (member_tally.h).
  std::unordered_map<int64_t, MemberTally> tallies_;
  size_t firing_alerts_ = 0;
  int64_t next_id_ = 1;
  int64_t next_alert_id_ = 1;  // TrackedAlert::id

  // Timers: what Tick has to look at, so that it never walks every alert or incident.
  std::set<int64_t> pending_;    // pending incidents
  std::set<int64_t> open_;       // declared or acknowledged incidents (for Stats)
  std::set<int64_t> quiet_;      // open incidents with no firing alert, awaiting their quiet period
  std::set<int64_t> reopening_;  // resolved incidents whose new firings await the trigger
  std::set<std::pair<TimePoint, uint64_t>> stale_at_;  // firing alerts by staleness deadline

  // Heartbeat rules: when each group's heartbeat was last seen. A missing heartbeat counts from
  // `epoch_`, the first time this engine saw the clock, so a restart never fires at once.
  struct HeartbeatState {
    std::optional<TimePoint> last_seen;
  };
  std::unordered_map<GroupKey, HeartbeatState, GroupKeyHash> heartbeats_;
  std::optional<TimePoint> epoch_;
  // Restored without running_since: the first clock reading extends restored staleness deadlines.
  bool grace_due_ = false;

  // Open incidents whose text inputs changed since it was last rendered, and the owner each one
  // was last rendered with (an owner a person assigned since is theirs; not re-rendered).
  std::set<int64_t> text_dirty_;
  std::unordered_map<int64_t, Owner> rendered_owner_;

  // The affected-account impact of open incidents, kept as accounts join (rebuilt on demand).
  std::unordered_map<int64_t, AccountImpact> impact_;
  // Raises that come to hold as time passes (`renewal_within`: an affected account's renewal
  // enters the window): open incidents to evaluate at the next Tick, and when each is due next.
  std::set<int64_t> raise_unscheduled_;
  std::set<std::pair<TimePoint, int64_t>> raise_at_;
  std::unordered_map<int64_t, TimePoint> raise_due_;  // id -> its entry in raise_at_
  std::vector<size_t> matched_;  // scratch for RuleSet::Match

  // Incident operations: SLA deadlines of open incidents, earliest first (one entry each), and
  // silences with the starts and ends still ahead of them.
  ResponsePolicy response_;
  std::set<std::pair<TimePoint, int64_t>> sla_at_;
  std::unordered_map<int64_t, TimePoint> sla_due_;  // id -> its entry in sla_at_
  std::map<std::string, Silence> silences_;
  std::set<std::pair<TimePoint, std::string>> silence_at_;
  bool silences_changed_ = false;  // mutes and held-back alerts to work out at the next step
};

}  // namespace ab
