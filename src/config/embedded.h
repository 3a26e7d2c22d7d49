// Configuration written inside another YAML file — a rule test file (src/ruletest) holds inline
// `rules:`, `receivers:` and `sources:` lists and an `accounts:` table and names rule and receiver
// files. LoadEmbedded validates all of it exactly like `check` does: strict keys, every error with
// file:line:col, names unique across files and inline lists.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/config.h"

namespace ab {

struct EmbeddedConfig {
  struct Path {
    std::string path;         // resolved already (relative to the embedding file's folder)
    SourceLocation location;  // where it was written; a missing file is reported here
  };

  std::string file;                  // the embedding file; errors in the inline lists name it
  std::vector<Path> rule_files;      // files or folders of rules files
  std::vector<Path> receiver_files;  // files or folders of receivers files
  // Inline lists, each in the form it has in its own kind of file (a null node = absent).
  YAML::Node rules;      // like a rules file's `rules:`
  YAML::Node receivers;  // like a receivers file's `receivers:`
  YAML::Node sources;    // like alertbridge.yml's `sources:`
  YAML::Node accounts;   // a map like accounts.yml: key_label, tiers, accounts
  YAML::Node severities;  // like alertbridge.yml's `severities:`
  YAML::Node silences;    // like alertbridge.yml's `silences:`
  // Whether a rule naming a receiver that is not loaded is an error. Rule tests deliver nothing,
  // so they may leave receivers out; when they load some, the names are checked.
  bool check_receiver_refs = true;
};

LoadResult LoadEmbedded(const EmbeddedConfig& in);

}  // namespace ab
