// Parsers of the three kinds of config file, used by load.cc. Each works on an already parsed YAML
// document and reports into Diagnostics, so a fuzz target can drive them from memory.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace ab::config_internal {

// A path written in a config file, resolved against that file's folder.
struct PathRef {
  std::string path;
  SourceLocation location;
};

// A receiver named by a rule or an escalation step, checked once every receivers file is loaded.
struct ReceiverRef {
  std::string name;
  SourceLocation location;
};

// What alertbridge.yml says beyond the Config fields it fills directly.
struct MainFile {
  bool rules_set = false;  // `rules:` present: its paths must exist
  bool receivers_set = false;
  std::vector<PathRef> rule_paths;
  std::vector<PathRef> receiver_paths;
  std::optional<PathRef> accounts_path;  // `accounts:`
  std::vector<ReceiverRef> escalation_refs;  // receivers named under `severities:`
};

// `dir` relative to `base_dir` unless absolute; `base_dir` empty = the working directory.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

// alertbridge.yml: fills cfg (server, log, storage, sources) and returns the rule and receiver
// paths, resolved against `base_dir`.
MainFile ParseMainFile(const YAML::Node& root, const std::string& base_dir, Diagnostics& diag,
                       Config* cfg);

// `api:` of alertbridge.yml.
void ParseApiAccess(const Value& v, Diagnostics& diag, ApiAccessConfig* api);

// The `sources:` list of alertbridge.yml.
void ParseSources(const Value& list, Diagnostics& diag, std::vector<SourceConfig>* out);

struct ParsedRule {
  Rule rule;
  SourceLocation name_location;
  std::vector<ReceiverRef> receiver_refs;
};

struct ParsedReceiver {
  ReceiverConfig receiver;
  SourceLocation name_location;
};

// alertbridge.yml `severities:` and `silences:` (operations.cc). Receivers named by escalation
// steps go to *refs, checked once every receivers file is loaded.
void ParseSeverities(const Value& v, Diagnostics& diag, ResponsePolicy* out,
                     std::vector<ReceiverRef>* refs);
void ParseSilences(const Value& v, Diagnostics& diag, std::vector<Silence>* out);

// A rules file: `rules: [...]`. Rules without a usable name are reported and left out.
void ParseRulesFile(const YAML::Node& root, Diagnostics& diag, std::vector<ParsedRule>* out);
// accounts.yml. Accounts with errors are reported and left out.
std::shared_ptr<const AccountTable> ParseAccountsFile(const YAML::Node& root, Diagnostics& diag);
// A receivers file: `receivers: [...]`.
void ParseReceiversFile(const YAML::Node& root, Diagnostics& diag,
                        std::vector<ParsedReceiver>* out);

}  // namespace ab::config_internal
