#include "config/yaml_reader.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace ab::config_internal {
namespace {

bool IsNullMark(const YAML::Mark& m) { return m.line < 0 || m.column < 0; }

// Where each document of a stream starts, from one pass of parser events (nothing is built).
class DocumentStarts : public YAML::EventHandler {
 public:
  struct Start {
    YAML::Mark document;  // "---" or the first token
    YAML::Mark root;      // the document's root node
    bool has_root = false;
  };
  std::vector<Start> starts;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back({mark, mark, false}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Root(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Root(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Root(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Root(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Root(mark);
  }
  void OnMapEnd() override {}

 private:
  void Root(const YAML::Mark& mark) {
    if (starts.empty() || starts.back().has_root) return;
    starts.back().root = mark;
    starts.back().has_root = true;
  }
};

bool SameMark(const YAML::Mark& a, const YAML::Mark& b) {
  return a.pos == b.pos && a.line == b.line && a.column == b.column;
}

bool IsEnvNameChar(char c, bool first) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (!first && c >= '0' && c <= '9');
}

std::string KeyList(const std::vector<std::string_view>& keys) {
  std::string out;
  for (std::string_view k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

}  // namespace

void Diagnostics::Add(const YAML::Mark& mark, std::string message) {
  SourceLocation loc = Location(mark);
  out_->push_back(ConfigError{file_, loc.line, loc.col, std::move(message)});
  ++count_;
}

void Diagnostics::AddAt(const SourceLocation& loc, std::string message) {
  out_->push_back(
      ConfigError{loc.file.empty() ? file_ : loc.file, loc.line, loc.col, std::move(message)});
  ++count_;
}

SourceLocation Diagnostics::Location(const YAML::Mark& mark) const {
  if (IsNullMark(mark)) return SourceLocation{file_, 0, 0};
  return SourceLocation{file_, mark.line + 1, mark.column + 1};
}

SourceLocation Diagnostics::Location(const YAML::Node& node) const { return Location(node.Mark()); }

YAML::Node ParseYaml(const std::string& text, Diagnostics& diag) {
  // Not YAML::LoadAll: in yaml-cpp 0.7 it loops forever, allocating, when the scanner stops
  // consuming input (" , a: b}]" or a lone ","): every pass yields another empty document at the
  // same position (found by tests/fuzz/fuzz_config_yaml; fixed upstream after 0.7,
  // jbeder/yaml-cpp#1319). So the documents are counted first by a bounded pass of events, and
  // the text is loaded only when it holds one that the scanner got through.
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts documents;
    while (documents.starts.size() < 3 && parser.HandleNextDocument(documents)) {
    }
    const auto& starts = documents.starts;
    for (size_t i = 1; i < starts.size(); ++i) {
      if (!SameMark(starts[i].document, starts[i - 1].document)) continue;
      const size_t at = static_cast<size_t>(std::max(0, starts[i].document.pos));
      const std::string what = at < text.size() ? "\"" + text.substr(at, 1) + "\"" : "end";
      diag.Add(starts[i].document, "invalid YAML: unexpected " + what);
      return YAML::Node();
    }
    if (starts.size() > 1) {
      diag.Add(starts[1].root, "a file holds one YAML document; found a second one");
      return YAML::Node();
    }
    if (starts.empty()) return YAML::Node();
    return YAML::Load(text);                // one document: Load parses only the first
  } catch (const YAML::DeepRecursion& e) {  // its own message is a misleading "bad file"
    diag.Add(e.mark,
             "invalid YAML: nested more than " + std::to_string(e.depth()) + " levels deep");
    return YAML::Node();
  } catch (const YAML::Exception& e) {
    diag.Add(e.mark, "invalid YAML: " + e.msg);
    return YAML::Node();
  }
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar: {
      // Long values (a pasted blob) are cut so the message stays one readable line.
      constexpr size_t kMax = 60;
      const std::string& s = node.Scalar();
      if (s.size() <= kMax) return "\"" + s + "\"";
      size_t cut = kMax;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
      return "\"" + s.substr(0, cut) + "...\"";
    }
    default:
      return "nothing";
  }
}

std::string JoinPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out(path);
  if (!key.empty() && key.front() != '[') out += '.';
  out += key;
  return out;
}

std::string FormatLocation(const SourceLocation& loc) {
  return loc.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col);
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsEnvNameChar(name[i], i == 0)) return false;
  }
  return true;
}

bool IsHttpUrl(std::string_view s) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (s.size() > scheme.size() && s.substr(0, scheme.size()) == scheme) return true;
  }
  return false;
}

bool IsValidJsonPointer(std::string_view pointer) {
  if (pointer.empty()) return true;
  if (pointer.front() != '/') return false;
  for (size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] != '~') continue;
    if (i + 1 >= pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')) return false;
  }
  return true;
}

Value Root(const YAML::Node& node) { return Value{node, node.Mark(), ""}; }

std::vector<MapEntry> MapEntries(const Value& map, Diagnostics& diag) {
  std::vector<MapEntry> entries;
  if (map.node.IsNull()) return entries;
  if (!map.node.IsMap()) {
    diag.Add(map.mark, (map.path.empty() ? std::string() : map.path + ": ") +
                           "expected a map, got " + Describe(map.node));
    return entries;
  }
  std::unordered_map<std::string, size_t> index;  // key -> entries index, for duplicates
  for (auto it = map.node.begin(); it != map.node.end(); ++it) {
    // Copies: the iterator yields a temporary pair, references into it dangle.
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      diag.Add(key, "a key must be a string, got " + Describe(key));
      continue;
    }
    auto [first, inserted] = index.emplace(key.Scalar(), entries.size());
    std::string path = JoinPath(map.path, key.Scalar());
    if (!inserted) {
      SourceLocation at = diag.Location(entries[first->second].key_node);
      diag.Add(key, "duplicate key \"" + path + "\" (first at " + std::to_string(at.line) + ":" +
                        std::to_string(at.col) + ")");
      continue;
    }
    const YAML::Node value = it->second;
    YAML::Mark mark = value.IsNull() || IsNullMark(value.Mark()) ? key.Mark() : value.Mark();
    entries.push_back(MapEntry{key.Scalar(), key, Value{value, mark, std::move(path)}});
  }
  return entries;
}

std::vector<Value> ListItems(const Value& list, Diagnostics& diag) {
  std::vector<Value> items;
  if (list.node.IsNull()) return items;
  if (!list.node.IsSequence()) {
    diag.Add(list.mark, list.path + ": expected a list, got " + Describe(list.node));
    return items;
  }
  size_t i = 0;
  for (auto it = list.node.begin(); it != list.node.end(); ++it, ++i) {
    YAML::Mark mark = IsNullMark(it->Mark()) ? list.mark : it->Mark();
    items.push_back(Value{*it, mark, JoinPath(list.path, "[" + std::to_string(i) + "]")});
  }
  return items;
}

std::vector<Value> EntryItems(const Value& list, Diagnostics& diag) {
  std::vector<Value> items;
  for (Value& item : ListItems(list, diag)) {
    if (item.node.IsNull()) {
      // A stray "-": reported once here rather than as a missing name, type, ...
      diag.Add(item.mark, item.path + ": expected a map, got nothing");
      continue;
    }
    item.path.clear();
    items.push_back(std::move(item));
  }
  return items;
}

bool ReadString(const Value& v, Diagnostics& diag, std::string* out) {
  if (!v.node.IsScalar()) {
    diag.Add(v.mark, v.path + ": expected a string, got " + Describe(v.node));
    return false;
  }
  *out = v.node.Scalar();
  return true;
}

bool ReadNonEmpty(const Value& v, Diagnostics& diag, std::string* out) {
  std::string s;
  if (!ReadString(v, diag, &s)) return false;
  if (s.empty()) {
    diag.Add(v.mark, v.path + ": must not be empty");
    return false;
  }
  *out = std::move(s);
  return true;
}

bool ReadInt(const Value& v, int64_t min, int64_t max, Diagnostics& diag, int64_t* out) {
  int64_t n = 0;
  bool parsed = false;
  if (v.node.IsScalar()) {
    const std::string& s = v.node.Scalar();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    parsed = ec == std::errc() && end == s.data() + s.size() && !s.empty();
  }
  if (!parsed) {
    diag.Add(v.mark, v.path + ": expected an integer, got " + Describe(v.node));
    return false;
  }
  if (n < min || n > max) {
    std::string range = max >= std::numeric_limits<int>::max()
                            ? "at least " + std::to_string(min)
                            : "between " + std::to_string(min) + " and " + std::to_string(max);
    diag.Add(v.mark, v.path + ": must be " + range + ", got " + std::to_string(n));
    return false;
  }
  *out = n;
  return true;
}

bool ReadBool(const Value& v, Diagnostics& diag, bool* out) {
  if (v.node.IsScalar()) {
    const std::string& s = v.node.Scalar();
    // YAML 1.2 core schema only: yes/no/on/off stay strings (the Norway problem).
    if (s == "true" || s == "True" || s == "TRUE") {
      *out = true;
      return true;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      *out = false;
      return true;
    }
  }
  diag.Add(v.mark, v.path + ": expected true or false, got " + Describe(v.node));
  return false;
}

bool ReadDuration(const Value& v, Diagnostics& diag, Duration* out) {
  if (!v.node.IsScalar()) {
    diag.Add(v.mark, v.path + ": expected a duration (like 5m), got " + Describe(v.node));
    return false;
  }
  Result<Duration> d = ParseDuration(v.node.Scalar());
  if (!d.ok()) {
    diag.Add(v.mark, v.path + ": " + d.error().message);
    return false;
  }
  *out = *d;
  return true;
}

bool ReadSeverity(const Value& v, Diagnostics& diag, Severity* out) {
  if (v.node.IsScalar()) {
    if (std::optional<Severity> s = ParseSeverity(v.node.Scalar())) {
      *out = *s;
      return true;
    }
  }
  diag.Add(v.mark, v.path + ": expected a severity SEV1..SEV5, got " + Describe(v.node));
  return false;
}

bool ReadSecret(const Value& v, Diagnostics& diag, Secret* out) {
  if (!v.node.IsScalar()) {
    // Describe() would echo a scalar, but only non-scalars get here.
    diag.Add(v.mark, v.path + ": expected a string (env:NAME, file:/path or a value), got " +
                         Describe(v.node));
    return false;
  }
  const std::string& s = v.node.Scalar();
  if (s.rfind("env:", 0) == 0) {
    std::string_view name = std::string_view(s).substr(4);
    bool valid = !name.empty();
    for (size_t i = 0; i < name.size(); ++i) valid = valid && IsEnvNameChar(name[i], i == 0);
    if (!valid) {
      // What follows env: is a variable name, not a secret, so it is safe to show.
      diag.Add(v.mark, v.path + ": \"" + s + "\" is not a valid environment variable reference");
      return false;
    }
  } else if (s == "file:") {
    diag.Add(v.mark, v.path + ": \"file:\" needs a path");
    return false;
  } else if (s.empty()) {
    diag.Add(v.mark, v.path + ": must not be empty");
    return false;
  }
  *out = Secret(s);
  return true;
}

bool ReadStringList(const Value& v, Diagnostics& diag, std::vector<std::string>* out) {
  size_t before = diag.count();
  std::vector<std::string> values;
  for (const Value& item : ListItems(v, diag)) {
    std::string s;
    if (ReadString(item, diag, &s)) values.push_back(std::move(s));
  }
  if (diag.count() != before) return false;
  *out = std::move(values);
  return true;
}

MapReader::MapReader(const Value& map, std::initializer_list<std::string_view> keys,
                     Diagnostics& diag)
    : MapReader(map, std::vector<std::string_view>(keys), diag) {}

MapReader::MapReader(const Value& map, const std::vector<std::string_view>& keys, Diagnostics& diag)
    : map_(map), diag_(diag) {
  for (MapEntry& e : MapEntries(map, diag)) {
    bool known = false;
    for (std::string_view k : keys) known = known || k == e.key;
    if (!known) {
      diag.Add(e.key_node, "unknown key \"" + e.value.path + "\" (valid: " + KeyList(keys) + ")");
      continue;
    }
    entries_.push_back(std::move(e));
  }
}

const Value* MapReader::Find(std::string_view key) const {
  for (const MapEntry& e : entries_) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

const YAML::Node* MapReader::KeyNode(std::string_view key) const {
  for (const MapEntry& e : entries_) {
    if (e.key == key) return &e.key_node;
  }
  return nullptr;
}

bool MapReader::Require(std::string_view key) const {
  if (Has(key)) return true;
  // Something that is not a map at all was already reported as such.
  if (map_.node.IsMap() || map_.node.IsNull()) {
    diag_.Add(map_.mark, "missing required key \"" + JoinPath(map_.path, key) + "\"");
  }
  return false;
}

bool MapReader::String(std::string_view key, std::string* out) const {
  const Value* v = Find(key);
  return v != nullptr && ReadString(*v, diag_, out);
}

bool MapReader::Int(std::string_view key, int64_t min, int64_t max, int64_t* out) const {
  const Value* v = Find(key);
  return v != nullptr && ReadInt(*v, min, max, diag_, out);
}

bool MapReader::Int(std::string_view key, int min, int max, int* out) const {
  int64_t n = 0;
  if (!Int(key, static_cast<int64_t>(min), static_cast<int64_t>(max), &n)) return false;
  *out = static_cast<int>(n);
  return true;
}

bool MapReader::Size(std::string_view key, size_t min, size_t* out) const {
  int64_t n = 0;
  if (!Int(key, static_cast<int64_t>(min), std::numeric_limits<int64_t>::max(), &n)) return false;
  *out = static_cast<size_t>(n);
  return true;
}

bool MapReader::Bool(std::string_view key, bool* out) const {
  const Value* v = Find(key);
  return v != nullptr && ReadBool(*v, diag_, out);
}

bool MapReader::Dur(std::string_view key, Duration* out) const {
  const Value* v = Find(key);
  return v != nullptr && ReadDuration(*v, diag_, out);
}

bool MapReader::PositiveDur(std::string_view key, Duration* out) const {
  Duration d{0};
  if (!Dur(key, &d)) return false;
  if (d.count() <= 0) {
    diag_.Add(Find(key)->mark, Find(key)->path + ": must be greater than 0");
    return false;
  }
  *out = d;
  return true;
}

bool MapReader::OneOf(std::string_view key, std::initializer_list<std::string_view> options,
                      std::string* out) const {
  std::string s;
  if (!String(key, &s)) return false;
  for (std::string_view o : options) {
    if (o == s) {
      *out = std::move(s);
      return true;
    }
  }
  const Value* v = Find(key);
  diag_.Add(v->mark,
            v->path + ": expected one of " + KeyList(options) + ", got " + Describe(v->node));
  return false;
}

bool MapReader::Sev(std::string_view key, Severity* out) const {
  const Value* v = Find(key);
  return v != nullptr && ReadSeverity(*v, diag_, out);
}

bool MapReader::SecretRef(std::string_view key, Secret* out) const {
  const Value* v = Find(key);
  return v != nullptr && ReadSecret(*v, diag_, out);
}

bool MapReader::StringList(std::string_view key, std::vector<std::string>* out) const {
  const Value* v = Find(key);
  return v != nullptr && ReadStringList(*v, diag_, out);
}

}  // namespace ab::config_internal
