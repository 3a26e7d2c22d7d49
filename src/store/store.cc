#include "store/store.h"

#include <algorithm>

namespace ab {
namespace {

// The part of `items` after `after` (by key), at most `limit` long; *next is set when more follow.
template <typename T, typename KeyOf>
void CutPage(std::vector<T>& items, std::optional<int64_t> after, int limit, KeyOf key_of,
             std::optional<int64_t>* next) {
  std::sort(items.begin(), items.end(),
            [&](const T& a, const T& b) { return key_of(a) < key_of(b); });
  auto first = items.begin();
  if (after) {
    first =
        std::find_if(items.begin(), items.end(), [&](const T& t) { return key_of(t) > *after; });
  }
  items.erase(items.begin(), first);
  const size_t n = static_cast<size_t>(std::max(limit, 0));
  if (n > 0 && items.size() > n) {
    items.resize(n);
    *next = key_of(items.back());
  }
}

}  // namespace

Result<std::optional<IncidentDetail>> IncidentQueries::GetIncidentPage(
    int64_t id, const IncidentDetailQuery& q) {
  Result<std::optional<IncidentDetail>> got = GetIncident(id);
  if (!got.ok() || !got->has_value()) return got;
  IncidentDetail& d = **got;
  CutPage(
      d.alerts, q.alerts_after, q.alerts_limit, [](const TrackedAlert& a) { return a.id; },
      &d.alerts_next);
  CutPage(
      d.timeline, q.timeline_after, q.timeline_limit, [](const Event& e) { return e.seq; },
      &d.timeline_next);
  d.incident.alerts.clear();
  for (const TrackedAlert& a : d.alerts) d.incident.alerts.push_back(a.alert.fingerprint);
  std::sort(d.incident.alerts.begin(), d.incident.alerts.end());
  return got;
}

}  // namespace ab
