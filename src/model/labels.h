// LabelSet: name/value pairs kept sorted by name, as Prometheus does. An empty value is the same
// as a missing label (Alertmanager semantics), so empty values are never stored.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ab {

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label&) const = default;
};

class LabelSet {
 public:
  LabelSet() = default;
  LabelSet(std::initializer_list<std::pair<std::string_view, std::string_view>> init);

  // The set of `pairs` given in any order, in O(n log n): of pairs with one name the last wins,
  // and a pair with an empty value removes the name, as a sequence of Set calls would. (Set
  // inserts into a sorted vector: calling it per label in descending order is quadratic.)
  static LabelSet FromPairs(std::vector<Label> pairs);

  // Sets name=value; an empty value removes the label.
  void Set(std::string_view name, std::string_view value);
  // Value of `name`, or "" when missing.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const { return !Get(name).empty(); }

  const std::vector<Label>& labels() const { return labels_; }
  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  auto begin() const { return labels_.begin(); }
  auto end() const { return labels_.end(); }

  // Prometheus label-set fingerprint: FNV-1a 64 over sorted pairs, each name and value followed
  // by 0xff.
  uint64_t Fingerprint() const;
  // {a="1", b="2"}
  std::string ToString() const;

  bool operator==(const LabelSet&) const = default;
  auto operator<=>(const LabelSet&) const = default;

 private:
  std::vector<Label> labels_;
};

// 16 lowercase hex digits, as Alertmanager prints fingerprints.
std::string FormatFingerprint(uint64_t fp);
bool ParseFingerprint(std::string_view text, uint64_t* fp);

}  // namespace ab
