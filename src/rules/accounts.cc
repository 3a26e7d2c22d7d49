#include "rules/accounts.h"

#include <algorithm>

namespace ab {

void AccountImpact::Add(const Account& a) {
  highest_tier = std::max(highest_tier, a.tier);
  if (a.arr) largest_arr = std::max(largest_arr.value_or(*a.arr), *a.arr);
  if (a.renewal)
    renewals.insert(std::upper_bound(renewals.begin(), renewals.end(), *a.renewal), *a.renewal);
}

bool AccountImpact::RenewsWithin(TimePoint now, Duration within) const {
  // A renewal is a date (midnight UTC): the whole renewal day is within any window.
  auto it = std::upper_bound(renewals.begin(), renewals.end(), now - std::chrono::hours(24));
  return it != renewals.end() && *it <= now + within;
}

std::optional<int> AccountTable::TierRank(std::string_view tier) const {
  for (size_t i = 0; i < tiers_.size(); ++i) {
    if (tiers_[i] == tier) return static_cast<int>(i);
  }
  return std::nullopt;
}

bool AccountTable::Add(Account account) {
  std::string name = account.name;
  return accounts_.emplace(std::move(name), std::move(account)).second;
}

const Account* AccountTable::Find(std::string_view name) const {
  auto it = accounts_.find(std::string(name));
  return it == accounts_.end() ? nullptr : &it->second;
}

AccountImpact AccountTable::ImpactOf(const std::vector<std::string>& names) const {
  AccountImpact impact;
  for (const std::string& n : names) {
    if (const Account* a = Find(n)) impact.Add(*a);
  }
  return impact;
}

}  // namespace ab
