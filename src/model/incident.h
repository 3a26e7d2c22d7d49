// The incident and its timeline: plain value types shared by engine, store, notify and server.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "model/labels.h"
#include "model/severity.h"

namespace ab {

enum class IncidentState : uint8_t { kPending, kDeclared, kAcknowledged, kResolved, kClosed };
std::string_view ToString(IncidentState s);
std::optional<IncidentState> ParseIncidentState(std::string_view text);
inline bool IsOpen(IncidentState s) {
  return s == IncidentState::kDeclared || s == IncidentState::kAcknowledged;
}

// Event names are the same on the timeline and in the outbox (CONTRACTS.md "Events").
enum class EventType : uint8_t {
  kDeclared,
  kAlertAdded,
  kAlertResolved,
  kAlertStale,
  kSeverityChanged,
  kAcknowledged,
  kAssigned,
  kNoteAdded,
  kStatusUpdate,
  kSlaBreached,
  kEscalated,
  kMuted,
  kUnmuted,
  kResolved,
  kReopened,
  kClosed
};
std::string_view ToString(EventType t);
std::optional<EventType> ParseEventType(std::string_view text);
// The events a receiver gets when its `events:` is not given: all but member changes, which are
// summarised in status_update (a receiver opts in to them).
inline bool InDefaultEvents(EventType t) {
  return t != EventType::kAlertAdded && t != EventType::kAlertResolved &&
         t != EventType::kAlertStale;
}

// Who holds each incident role (DESIGN.md §6): the owning team, the incident commander and the
// communications lead.
struct Owner {
  std::string team;
  std::string commander;
  std::string communications = {};  // (default initialiser: {team, commander} still builds one)
  bool operator==(const Owner&) const = default;
};

// An id a downstream system gave us (Jira key, GitHub issue number, SNOW sys_id, ...).
struct ExternalRef {
  std::string receiver;
  std::string type;
  std::string id;
  std::string url;
  bool operator==(const ExternalRef&) const = default;
};

struct Incident {
  int64_t id = 0;   // increasing; "incident 42"
  std::string key;  // stable downstream key: ab-<16 base32>-<occurrence>
  std::string rule;
  LabelSet group;  // the rule's group_by label values
  int occurrence = 1;
  IncidentState state = IncidentState::kPending;
  Severity base_severity = Severity::SEV5;
  Severity priority = Severity::SEV5;
  std::string title;
  std::string summary;
  Owner owner;
  std::string runbook;
  std::vector<std::string> receivers;  // from the rule at declaration
  // Member fingerprints. Kept by the engine (in joining order); the store keeps memberships as
  // rows of their own (written once, when an alert joins) and fills this in, sorted, on Load.
  std::vector<uint64_t> alerts;
  int alerts_total = 0;  // alerts.size() where the list is known; always set
  int alerts_firing = 0;
  std::vector<std::string> accounts;  // affected accounts (accounts.yml key_label values), sorted
  TimePoint created_at{};             // when the group first matched (pending)
  std::optional<TimePoint> declared_at;
  std::optional<TimePoint> acknowledged_at;
  std::optional<TimePoint> resolved_at;
  std::optional<TimePoint> closed_at;
  std::vector<ExternalRef> external_refs;
  int64_t last_seq = 0;  // last timeline sequence number used

  // Pending: since when the trigger condition has held without a break (none = it does not).
  std::optional<TimePoint> trigger_since;
  std::string resolution;         // given when closed
  bool resolved_by_hand = false;  // stays resolved until a firing after the quiet period
  bool held_open = false;         // reopened by hand: not resolved by quiet alerts until one fires
  bool priority_by_hand = false;  // a person set the priority; raises no longer change it
  bool orphaned = false;          // its rule vanished at a reload (a flag; CONTRACTS.md)

  // Incident operations (engine/timers.cc, engine/silences.cc), stored so that timers survive a
  // restart and fire at most once per deadline.
  bool muted = false;                       // every firing alert is silenced; timers pause
  std::optional<TimePoint> muted_at;        // since when (while muted)
  Duration paused{0};                       // time spent muted since the SLA clock started
  std::optional<TimePoint> sla_started_at;  // declaration, or the latest reopen
  // Deadlines that fired since the SLA clock started: "ack", "resolve", "escalation:SEV1:2".
  std::vector<std::string> deadlines_fired;
  std::optional<TimePoint> last_update_at;  // the latest status update (or a person's update note)
  std::string latest_note;                  // the text of the latest note
  std::string cause;                        // given when closed, with the resolution
  std::optional<bool> runbook_updated;      // given when closed

  bool operator==(const Incident&) const = default;
};

struct Event {
  int64_t incident_id = 0;
  int64_t seq = 0;  // 1, 2, ... per incident
  EventType type = EventType::kDeclared;
  TimePoint at{};
  std::string actor;  // "rule:<name>", "user:<name>", "system"
  nlohmann::json details = nlohmann::json::object();
};

// The group's identity inside one database (the store's unique (rule, group_hash, occurrence)):
// 16 lowercase base32 characters of SHA-256(rule name, sorted group label pairs).
std::string IncidentGroupHash(std::string_view rule, const LabelSet& group);
// The downstream key (CONTRACTS.md "Keys"): "ab-" + 16 lowercase base32 characters of
// SHA-256(instance id, rule name, sorted group label pairs) + "-" + occurrence. The instance id
// keeps two installations with the same rules, or a database started afresh, off each other's
// tickets and pages. Computed once when the incident is created and stored with it: incidents
// stored before the instance id existed keep their key.
std::string IncidentKey(std::string_view instance_id, std::string_view rule, const LabelSet& group,
                        int occurrence);
// Deterministic event id: "<key>_<seq>" — the same on every delivery attempt and after replay.
// Without a dot: Standard Webhooks forbids one in webhook-id. Outbox rows written before this
// carry "<key>.<seq>"; readers accept both.
std::string EventId(std::string_view key, int64_t seq);

}  // namespace ab
