#include "model/labels.h"

#include <algorithm>
#include <cstdio>

#include "common/crypto.h"

namespace ab {

LabelSet::LabelSet(std::initializer_list<std::pair<std::string_view, std::string_view>> init) {
  for (const auto& [n, v] : init) Set(n, v);
}

LabelSet LabelSet::FromPairs(std::vector<Label> pairs) {
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  LabelSet set;
  set.labels_.reserve(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i + 1 < pairs.size() && pairs[i + 1].name == pairs[i].name) continue;  // a later one wins
    if (!pairs[i].value.empty()) set.labels_.push_back(std::move(pairs[i]));
  }
  return set;
}

void LabelSet::Set(std::string_view name, std::string_view value) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  bool found = it != labels_.end() && it->name == name;
  if (value.empty()) {
    if (found) labels_.erase(it);
    return;
  }
  if (found) {
    it->value.assign(value);
  } else {
    labels_.insert(it, Label{std::string(name), std::string(value)});
  }
}

std::string_view LabelSet::Get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

uint64_t LabelSet::Fingerprint() const {
  Fnv1a64 h;
  for (const auto& l : labels_) {
    h.Add(l.name);
    h.AddByte(0xff);
    h.Add(l.value);
    h.AddByte(0xff);
  }
  return h.value();
}

std::string LabelSet::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < labels_.size(); ++i) {
    if (i) out += ", ";
    out += labels_[i].name + "=\"";
    for (char c : labels_[i].value) {
      if (c == '"' || c == '\\') out.push_back('\\');
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out.push_back(c);
    }
    out += "\"";
  }
  return out + "}";
}

std::string FormatFingerprint(uint64_t fp) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fp));
  return buf;
}

bool ParseFingerprint(std::string_view text, uint64_t* fp) {
  if (text.empty() || text.size() > 16) return false;
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *fp = v;
  return true;
}

}  // namespace ab
