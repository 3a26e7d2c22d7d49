// Strict reading of yaml-cpp nodes: every problem becomes a ConfigError at the node's file:line:col
// and reading carries on, so one `check` run lists all of them. yaml-cpp 0.7 accepts duplicate
// mapping keys silently and has 0-based marks; both are dealt with here and nowhere else.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "rules/rule.h"

namespace ab::config_internal {

// Collects the errors of one file.
class Diagnostics {
 public:
  Diagnostics(std::string file, std::vector<ConfigError>* out)
      : file_(std::move(file)), out_(out) {}

  const std::string& file() const { return file_; }
  size_t count() const { return count_; }

  void Add(const YAML::Mark& mark, std::string message);
  void Add(const YAML::Node& node, std::string message) { Add(node.Mark(), std::move(message)); }
  void AddAt(const SourceLocation& loc, std::string message);
  // Where `node` was written, 1-based ({file, 0, 0} when yaml-cpp has no mark for it).
  SourceLocation Location(const YAML::Node& node) const;
  SourceLocation Location(const YAML::Mark& mark) const;

 private:
  std::string file_;
  std::vector<ConfigError>* out_;
  size_t count_ = 0;
};

// Parses one YAML document from `text`. A syntax error or a second document is reported, and the
// returned node is then null. An empty file is a null node.
YAML::Node ParseYaml(const std::string& text, Diagnostics& diag);

// "a map", "a list", "nothing", or the scalar quoted ("\"abc\"").
std::string Describe(const YAML::Node& node);
// "a.b" — the dotted key path used in messages.
std::string JoinPath(std::string_view path, std::string_view key);
// `file:line:col` of a location, for "first defined at ..." messages.
std::string FormatLocation(const SourceLocation& loc);

bool IsValidLabelName(std::string_view name);
// Starts with http:// or https:// and has something after it.
bool IsHttpUrl(std::string_view s);
// RFC 6901: empty (the whole document) or "/"-separated tokens where "~" is followed by 0 or 1.
bool IsValidJsonPointer(std::string_view pointer);

// A value to read: its node, where to report problems with it, and its name in messages
// ("trigger.within", "match[1]").
struct Value {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;
};

// One key: value pair of a YAML map.
struct MapEntry {
  std::string key;
  YAML::Node key_node;
  Value value;  // reported at the key when the value is null: yaml-cpp marks a null value with
                // the position of whatever follows it, often the next line
};

// The entries of a map in document order. A non-map (other than null, which is an empty map),
// a non-string key, or a duplicate key is reported; duplicates after the first are dropped.
std::vector<MapEntry> MapEntries(const Value& map, Diagnostics& diag);
// The items of a list; null is an empty list; anything else is reported and gives no items.
// Items are named "list[i]" in messages.
std::vector<Value> ListItems(const Value& list, Diagnostics& diag);
// Like ListItems, for lists of self-contained entries (rules, receivers, sources): messages about
// an entry's keys name them from the entry ("trigger.within"), its line:col says which entry.
std::vector<Value> EntryItems(const Value& list, Diagnostics& diag);
// The document root as a Value.
Value Root(const YAML::Node& node);

// Scalar readers: each returns false (after reporting) when the value is unusable and leaves *out
// alone then.
bool ReadString(const Value& v, Diagnostics& diag, std::string* out);
// Like ReadString, and reports an empty string.
bool ReadNonEmpty(const Value& v, Diagnostics& diag, std::string* out);
bool ReadInt(const Value& v, int64_t min, int64_t max, Diagnostics& diag, int64_t* out);
bool ReadBool(const Value& v, Diagnostics& diag, bool* out);
bool ReadDuration(const Value& v, Diagnostics& diag, Duration* out);
bool ReadSeverity(const Value& v, Diagnostics& diag, Severity* out);
// `env:NAME`, `file:/path` or a literal. The value is never echoed in a message: it may be secret.
bool ReadSecret(const Value& v, Diagnostics& diag, Secret* out);
bool ReadStringList(const Value& v, Diagnostics& diag, std::vector<std::string>* out);

// A map with a fixed set of keys: unknown and duplicate keys are reported when it is built; the
// typed getters report wrong values. Each getter returns true only when the key was present and
// its value valid, so defaults stay in place otherwise.
class MapReader {
 public:
  MapReader(const Value& map, std::initializer_list<std::string_view> keys, Diagnostics& diag);
  MapReader(const Value& map, const std::vector<std::string_view>& keys, Diagnostics& diag);

  const Value& value() const { return map_; }
  Diagnostics& diag() const { return diag_; }

  // The value under `key`, or nullptr when it is absent.
  const Value* Find(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // The key's own node (for errors about the key rather than its value).
  const YAML::Node* KeyNode(std::string_view key) const;
  // Reports `missing required key "x"` at the map itself; returns whether the key is present.
  bool Require(std::string_view key) const;

  bool String(std::string_view key, std::string* out) const;
  bool Int(std::string_view key, int64_t min, int64_t max, int64_t* out) const;
  bool Int(std::string_view key, int min, int max, int* out) const;
  bool Size(std::string_view key, size_t min, size_t* out) const;
  bool Bool(std::string_view key, bool* out) const;
  bool Dur(std::string_view key, Duration* out) const;
  // A duration greater than zero.
  bool PositiveDur(std::string_view key, Duration* out) const;
  // A string that must be one of `options`.
  bool OneOf(std::string_view key, std::initializer_list<std::string_view> options,
             std::string* out) const;
  bool Sev(std::string_view key, Severity* out) const;
  bool SecretRef(std::string_view key, Secret* out) const;
  bool StringList(std::string_view key, std::vector<std::string>* out) const;

 private:
  Value map_;
  Diagnostics& diag_;
  std::vector<MapEntry> entries_;
};

}  // namespace ab::config_internal
