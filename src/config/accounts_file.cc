// accounts.yml: the customer table for impact-based priority (CONTRACTS.md "Config").
//   key_label: customer                          # the alert label that names the account
//   tiers: [free, pro, business, enterprise]     # ordered, worst-served first
//   accounts:
//     - {name: globex, tier: enterprise, arr: 1200000, renewal: 2027-01-15}
#include <unordered_map>

#include "config/parse.h"

namespace ab::config_internal {
namespace {

// A calendar date YYYY-MM-DD as midnight UTC.
std::optional<TimePoint> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  Result<TimePoint> t = ParseRfc3339(std::string(s) + "T00:00:00Z");
  if (!t.ok()) return std::nullopt;
  // Reject dates the parser rolled over (2027-02-30): formatting must give them back.
  if (FormatRfc3339(*t).substr(0, 10) != s) return std::nullopt;
  return *t;
}

void ParseAccount(const Value& item, const AccountTable& table, Diagnostics& diag,
                  std::unordered_map<std::string, SourceLocation>* seen, AccountTable* out) {
  MapReader a(item, {"name", "tier", "arr", "renewal"}, diag);
  Account account;
  bool ok = a.Require("name") && ReadNonEmpty(*a.Find("name"), diag, &account.name);
  if (a.Require("tier")) {
    std::string tier;
    if (ReadNonEmpty(*a.Find("tier"), diag, &tier)) {
      std::optional<int> rank = table.TierRank(tier);
      if (rank) {
        account.tier = *rank;
      } else if (!table.tiers().empty()) {
        diag.Add(a.Find("tier")->mark, "tier: \"" + tier + "\" is not one of tiers");
        ok = false;
      }
    } else {
      ok = false;
    }
  } else {
    ok = false;
  }
  int64_t arr = 0;
  if (a.Int("arr", int64_t{0}, INT64_MAX, &arr)) account.arr = arr;
  if (const Value* v = a.Find("renewal")) {
    std::string text;
    if (ReadString(*v, diag, &text)) {
      account.renewal = ParseDate(text);
      if (!account.renewal) {
        diag.Add(v->mark, "renewal: expected a date YYYY-MM-DD, got " + Describe(v->node));
      }
    }
  }
  if (account.name.empty()) return;
  // Names are checked for duplicates even when the entry has other errors.
  auto [it, inserted] = seen->emplace(account.name, diag.Location(a.Find("name")->mark));
  if (!inserted) {
    diag.Add(a.Find("name")->mark, "duplicate account \"" + account.name + "\" (first defined at " +
                                       FormatLocation(it->second) + ")");
    return;
  }
  if (ok) out->Add(std::move(account));
}

}  // namespace

std::shared_ptr<const AccountTable> ParseAccountsFile(const YAML::Node& root, Diagnostics& diag) {
  MapReader top(Root(root), {"key_label", "tiers", "accounts"}, diag);
  std::string key_label;
  if (top.Require("key_label") && top.String("key_label", &key_label) &&
      !IsValidLabelName(key_label)) {
    diag.Add(top.Find("key_label")->mark,
             "key_label: " + Describe(top.Find("key_label")->node) + " is not a valid label name");
  }
  std::vector<std::string> tiers;
  if (top.Require("tiers") && top.StringList("tiers", &tiers)) {
    const Value& v = *top.Find("tiers");
    if (tiers.empty()) diag.Add(v.mark, "tiers: must list at least one tier");
    for (size_t i = 0; i < tiers.size(); ++i) {
      if (tiers[i].empty()) diag.Add(v.mark, "tiers[" + std::to_string(i) + "]: must not be empty");
      for (size_t j = 0; j < i; ++j) {
        if (tiers[j] == tiers[i] && !tiers[i].empty()) {
          diag.Add(v.mark, "tiers: \"" + tiers[i] + "\" is listed twice");
        }
      }
    }
  }
  auto table = std::make_shared<AccountTable>(key_label, tiers);
  std::unordered_map<std::string, SourceLocation> seen;
  if (const Value* list = top.Find("accounts")) {
    for (const Value& item : EntryItems(*list, diag)) {
      ParseAccount(item, *table, diag, &seen, table.get());
    }
  }
  return table;
}

}  // namespace ab::config_internal
