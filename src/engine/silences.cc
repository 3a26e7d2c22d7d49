// Silences and maintenance windows: a firing alert that an active silence matches is recorded but
// routed to no rule (Route), so it declares nothing and notifies nobody. An open incident whose
// firing alerts are all silenced is muted (`muted` event and flag; its SLA timers pause) and
// unmuted when one of them is no longer silenced. When a silence ends, the alerts it held back
// that still fire are routed as if they had just arrived.
#include "engine/engine.h"
#include "engine/engine_step.h"

namespace ab {

namespace {
constexpr const char* kSystem = "system";
}  // namespace

bool Engine::Silenced(const LabelSet& labels, TimePoint now) const {
  for (const auto& [id, s] : silences_) {
    if (s.ActiveAt(now) && s.Matches(labels)) return true;
  }
  return false;
}

bool Engine::AnySilenceActive(TimePoint now) const {
  for (const auto& [id, s] : silences_) {
    if (s.ActiveAt(now)) return true;
  }
  return false;
}

const Silence* Engine::FindSilence(const std::string& id) const {
  auto it = silences_.find(id);
  return it == silences_.end() ? nullptr : &it->second;
}

// Its start and end are looked at by Tick when they come (one that passed already is looked at
// on the next Tick, and dropped).
void Engine::IndexSilence(const Silence& s, TimePoint now) {
  if (s.starts_at > now) silence_at_.insert({s.starts_at, s.id});
  silence_at_.insert({s.ends_at, s.id});
}

void Engine::SetSilences(std::vector<Silence> silences) {
  const bool had = !silences_.empty();
  silences_.clear();
  silence_at_.clear();
  for (Silence& s : silences) {
    std::string id = s.id;
    silence_at_.insert({s.starts_at, id});
    silence_at_.insert({s.ends_at, id});
    silences_[id] = std::move(s);
  }
  if (had || !silences_.empty()) silences_changed_ = true;
}

void Engine::ReplaceConfigSilences(std::vector<Silence> config_silences) {
  for (const auto& [id, s] : silences_) {
    if (s.origin == SilenceOrigin::kApi) config_silences.push_back(s);
  }
  SetSilences(std::move(config_silences));
}

void Engine::PutSilence(Silence silence, TimePoint now, Changes& into) {
  if (!epoch_) epoch_ = now;
  Step step(into);
  if (silence.origin == SilenceOrigin::kApi) into.silences.push_back(silence);
  IndexSilence(silence, now);
  std::string id = silence.id;
  if (silence.ends_at <= now) {
    silences_.erase(id);
  } else {
    silences_[id] = std::move(silence);
  }
  RecheckSilences(now, step);
  Finish(step);
}

void Engine::SilenceDue(TimePoint now, Step& step) {
  bool changed = silences_changed_;
  while (!silence_at_.empty() && silence_at_.begin()->first <= now) {
    const std::string id = silence_at_.begin()->second;
    silence_at_.erase(silence_at_.begin());
    auto it = silences_.find(id);
    if (it != silences_.end() && it->second.ends_at <= now) silences_.erase(it);
    changed = true;
  }
  if (changed) RecheckSilences(now, step);
}

// The silences in force changed: route the alerts no silence holds back any more, and mute or
// unmute every open incident by what now holds. Runs when a silence starts, ends or changes —
// rarely — so walking the firing alerts and open incidents here keeps every other step cheap.
void Engine::RecheckSilences(TimePoint now, Step& step) {
  silences_changed_ = false;
  std::vector<uint64_t> released;
  for (const auto& [fp, t] : alerts_) {
    // A firing alert that belongs to no incident was held back (or matches no rule).
    if (!t.alert.firing() || memberships_.count(fp) > 0) continue;
    if (!Silenced(t.alert.labels, now)) released.push_back(fp);
  }
  for (uint64_t fp : released) Route(fp, Change::kRepeat, now, step);
  for (int64_t id : step.TouchedIncidents()) Reevaluate(id, now, step);
  std::vector<int64_t> open(open_.begin(), open_.end());
  for (int64_t id : step.touched_incidents) {
    auto it = incidents_.find(id);
    if (it != incidents_.end() && IsOpen(it->second.state)) open.push_back(id);
  }
  for (int64_t id : open) {
    auto it = incidents_.find(id);
    if (it != incidents_.end()) UpdateMute(it->second, now, step);
  }
}

// After alerts changed: an incident they touched may have become muted or unmuted. Nothing to do
// while no silence is active and the incident is not muted.
void Engine::MuteTouched(TimePoint now, Step& step) {
  if (step.touched_incidents.empty()) return;
  const bool active = AnySilenceActive(now);
  for (int64_t id : step.TouchedIncidents()) {
    auto it = incidents_.find(id);
    if (it == incidents_.end()) continue;
    Incident& inc = it->second;
    if (!IsOpen(inc.state)) {
      // Resolved or closed: its timers are over; the flag goes with them.
      inc.muted = false;
      inc.muted_at.reset();
      continue;
    }
    if (inc.muted || active) UpdateMute(inc, now, step);
  }
}

void Engine::UpdateMute(Incident& inc, TimePoint now, Step& step) {
  if (!IsOpen(inc.state)) return;
  bool all_silenced = inc.alerts_firing > 0;
  nlohmann::json by = nlohmann::json::array();  // the silences that hold its alerts
  for (uint64_t fp : inc.alerts) {
    auto a = alerts_.find(fp);
    if (a == alerts_.end() || !a->second.alert.firing()) continue;
    bool held = false;
    for (const auto& [id, s] : silences_) {
      if (!s.ActiveAt(now) || !s.Matches(a->second.alert.labels)) continue;
      held = true;
      if (std::find(by.begin(), by.end(), id) == by.end()) by.push_back(id);
    }
    if (!held) {
      all_silenced = false;
      break;
    }
  }
  if (all_silenced == inc.muted) return;
  if (all_silenced) {
    inc.muted = true;
    inc.muted_at = now;
    Emit(inc, EventType::kMuted, now, {{"silences", std::move(by)}}, step, kSystem);
    return;
  }
  // Unmuted: the time it spent muted does not count against its deadlines or update cadence.
  const Duration muted_for = inc.muted_at ? now - *inc.muted_at : Duration(0);
  inc.paused += muted_for;
  if (inc.last_update_at) *inc.last_update_at += muted_for;
  inc.muted = false;
  inc.muted_at.reset();
  Emit(inc, EventType::kUnmuted, now, {{"muted_for", FormatDuration(muted_for)}}, step, kSystem);
}

}  // namespace ab
