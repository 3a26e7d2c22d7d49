// The customer table of accounts.yml: which alert label names an account, the ordered tiers, and
// each account's tier, ARR and renewal date. Rules' `severity.raise` conditions and the incident's
// affected accounts are computed from it (CONTRACTS.md "Config").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/time.h"

namespace ab {

struct Account {
  std::string name;
  int tier = 0;  // index into AccountTable::tiers(); higher = better served
  std::optional<int64_t> arr;
  std::optional<TimePoint> renewal;  // midnight UTC of the renewal date
};

// What a set of affected accounts adds up to, for `raise` conditions.
struct AccountImpact {
  int highest_tier = -1;  // -1 = no known account
  std::optional<int64_t> largest_arr;
  std::vector<TimePoint> renewals;  // sorted

  void Add(const Account& a);
  // True when some renewal day ends after now and starts by now + within (the renewal day itself
  // counts as within, all day).
  bool RenewsWithin(TimePoint now, Duration within) const;
};

class AccountTable {
 public:
  AccountTable() = default;
  AccountTable(std::string key_label, std::vector<std::string> tiers)
      : key_label_(std::move(key_label)), tiers_(std::move(tiers)) {}

  const std::string& key_label() const { return key_label_; }
  const std::vector<std::string>& tiers() const { return tiers_; }
  std::optional<int> TierRank(std::string_view tier) const;

  // False when an account of that name exists already.
  bool Add(Account account);
  const Account* Find(std::string_view name) const;
  size_t size() const { return accounts_.size(); }

  // The impact of the named accounts; names not in the table are skipped.
  AccountImpact ImpactOf(const std::vector<std::string>& names) const;

 private:
  std::string key_label_;
  std::vector<std::string> tiers_;
  std::unordered_map<std::string, Account> accounts_;
};

}  // namespace ab
