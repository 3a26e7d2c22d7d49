// LoadConfig and CheckPaths: find the files, parse each by kind, then validate across files
// (unique names, receivers named by rules exist, account tiers named by rules exist).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "config/config.h"
#include "config/embedded.h"
#include "config/parse.h"

namespace ab {
namespace {

namespace fs = std::filesystem;
namespace ci = config_internal;

enum class FileKind { kMain, kRules, kReceivers, kAccounts, kRuleTest };

bool IsYamlName(const fs::path& p) {
  std::string ext = p.extension().string();
  std::string name = p.filename().string();
  // Dotfiles are editor droppings (.#rules.yml) or Kubernetes ConfigMap internals.
  return (ext == ".yml" || ext == ".yaml") && !name.empty() && name.front() != '.';
}

// `path` itself when it is a file, else the *.yml / *.yaml files directly in it, sorted by name
// so rule order does not depend on the file system. *missing is set when it does not exist, and
// *error when a folder cannot be listed.
std::vector<std::string> FilesAt(const std::string& path, bool* missing, std::string* error) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) {
    *missing = true;
    return {};
  }
  if (!fs::is_directory(st)) return {path};
  std::vector<std::string> files;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code fec;
    if (IsYamlName(it->path()) && it->is_regular_file(fec)) files.push_back(it->path().string());
  }
  if (ec) *error = "cannot list folder " + path + ": " + ec.message();
  std::sort(files.begin(), files.end());
  return files;
}

// A rules file has `rules:` holding rule maps; alertbridge.yml has `rules:` holding paths. A file
// with nothing but an empty `rules:` or `receivers:` is taken as that kind of file.
FileKind Classify(const YAML::Node& root) {
  if (!root.IsMap()) return FileKind::kMain;
  if (root["tests"]) return FileKind::kRuleTest;  // no config file has `tests:`
  auto holds_maps = [&](const char* key) {
    for (auto it = root.begin(); it != root.end(); ++it) {
      const YAML::Node name = it->first;  // copies: the iterator's pair is a temporary
      const YAML::Node value = it->second;
      if (!name.IsScalar() || name.Scalar() != key || !value.IsSequence()) continue;
      for (auto item = value.begin(); item != value.end(); ++item) {
        if (item->IsMap()) return true;
      }
    }
    return false;
  };
  if (holds_maps("rules")) return FileKind::kRules;
  if (holds_maps("receivers")) return FileKind::kReceivers;
  if (root["key_label"] || root["tiers"] || holds_maps("accounts")) return FileKind::kAccounts;
  if (root.size() == 1) {
    std::string key = root.begin()->first.IsScalar() ? root.begin()->first.Scalar() : "";
    if (key == "rules") return FileKind::kRules;
    if (key == "receivers") return FileKind::kReceivers;
  }
  return FileKind::kMain;
}

class Loader {
 public:
  // Reads and parses one file; false (reported) when it cannot be read.
  bool Read(const std::string& file, YAML::Node* root) {
    ci::Diagnostics diag(file, &result_.errors);
    std::ifstream in(file, std::ios::binary);
    std::error_code ec;
    if (fs::is_directory(file, ec) || !in) {
      diag.AddAt({file, 0, 0}, fs::is_directory(file, ec) ? "expected a file, found a folder"
                                                          : "cannot read file");
      return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    *root = ci::ParseYaml(text.str(), diag);
    return true;
  }

  // False when this file was loaded already (named twice, or by a folder and by name).
  bool FirstVisit(const std::string& file) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(file, ec);
    return seen_.insert(ec ? file : canonical.string()).second;
  }

  void LoadFile(const std::string& file, FileKind kind, const YAML::Node& root) {
    ci::Diagnostics diag(file, &result_.errors);
    switch (kind) {
      case FileKind::kRules:
        ci::ParseRulesFile(root, diag, &rules_);
        rule_files_.push_back(file);
        break;
      case FileKind::kReceivers:
        ci::ParseReceiversFile(root, diag, &receivers_);
        receiver_files_.push_back(file);
        break;
      case FileKind::kMain:
        LoadMain(file, root, diag);
        break;
      case FileKind::kRuleTest:  // only CheckPaths meets them, and hands them to CheckRuleTest
        break;
      case FileKind::kAccounts:
        if (result_.config.accounts != nullptr) {
          diag.AddAt({file, 0, 0},
                     "a second accounts file; the first is " + result_.config.accounts_path);
          break;
        }
        result_.config.accounts = ci::ParseAccountsFile(root, diag);
        result_.config.accounts_path = file;
        break;
    }
  }

  // Loads every file of `paths` as `kind`. A path that is missing is reported at `ref` when it
  // was written in a config file, and ignored when it is a default.
  void LoadPaths(const std::vector<ci::PathRef>& paths, FileKind kind, bool must_exist) {
    for (const ci::PathRef& ref : paths) {
      bool missing = false;
      std::string error;
      std::vector<std::string> files = FilesAt(ref.path, &missing, &error);
      if (missing && must_exist) error = "no such file or folder: " + ref.path;
      if (!error.empty()) {
        AddAt(ref.location, error);
      }
      for (const std::string& file : files) {
        YAML::Node root;
        if (FirstVisit(file) && Read(file, &root)) LoadFile(file, kind, root);
      }
    }
  }

  // An inline list (the value of `rules:`, `receivers:` or `sources:`) or accounts table read
  // from `file`.
  void LoadInline(const std::string& file, FileKind kind, const YAML::Node& list) {
    if (!list.IsDefined() || list.IsNull()) return;
    ci::Diagnostics diag(file, &result_.errors);
    YAML::Node root;  // the list as its own kind of file holds it; the list keeps its marks
    switch (kind) {
      case FileKind::kRules:
        root["rules"] = list;
        ci::ParseRulesFile(root, diag, &rules_);
        break;
      case FileKind::kReceivers:
        root["receivers"] = list;
        ci::ParseReceiversFile(root, diag, &receivers_);
        break;
      case FileKind::kMain:
        ci::ParseSources(ci::Value{list, list.Mark(), "sources"}, diag, &result_.config.sources);
        break;
      case FileKind::kRuleTest:  // never inline
        break;
      case FileKind::kAccounts:  // the table itself, as an accounts file holds it
        result_.config.accounts = ci::ParseAccountsFile(list, diag);
        result_.config.accounts_path = file;
        break;
    }
  }

  // `severities:` and `silences:` written inline (rule test files).
  void LoadOperations(const std::string& file, const YAML::Node& severities,
                      const YAML::Node& silences) {
    ci::Diagnostics diag(file, &result_.errors);
    if (severities.IsDefined() && !severities.IsNull()) {
      ci::ParseSeverities(ci::Value{severities, severities.Mark(), "severities"}, diag,
                          &result_.config.severities, &escalation_refs_);
    }
    if (silences.IsDefined() && !silences.IsNull()) {
      ci::ParseSilences(ci::Value{silences, silences.Mark(), "silences"}, diag,
                        &result_.config.silences);
    }
  }

  // Checks across all files and hands over the result.
  LoadResult Finish(bool check_receiver_refs = true) {
    Config& cfg = result_.config;
    // Names -> where first defined; maps keep this linear in the number of rules.
    std::unordered_map<std::string, SourceLocation> receiver_at;
    for (ci::ParsedReceiver& r : receivers_) {
      auto [it, inserted] = receiver_at.emplace(r.receiver.name, r.name_location);
      if (!inserted) {
        AddAt(r.name_location, "duplicate receiver name \"" + r.receiver.name +
                                   "\" (first defined at " + ci::FormatLocation(it->second) + ")");
        continue;
      }
      cfg.receivers.push_back(std::move(r.receiver));
    }
    for (const ci::ReceiverRef& ref : escalation_refs_) {
      if (check_receiver_refs && receiver_at.count(ref.name) == 0) {
        AddAt(ref.location, "unknown receiver \"" + ref.name + "\"");
      }
    }
    std::unordered_map<std::string, SourceLocation> rule_at;
    for (ci::ParsedRule& r : rules_) {
      for (const ci::ReceiverRef& ref : r.receiver_refs) {
        if (!check_receiver_refs || receiver_at.count(ref.name) != 0) continue;
        if (known_receivers_ && known_receivers_->count(ref.name) != 0) continue;
        if (!unseen_receivers_.empty()) {
          result_.warnings.push_back(
              {ref.location.file, ref.location.line, ref.location.col,
               "receiver \"" + ref.name + "\" not checked: " + unseen_receivers_});
        } else if (known_receivers_) {
          AddAt(ref.location, "unknown receiver \"" + ref.name + "\" (not among the receivers of " +
                                  known_from_ + ")");
        } else {
          AddAt(ref.location, "unknown receiver \"" + ref.name + "\"");
        }
      }
      auto [it, inserted] = rule_at.emplace(r.rule.name, r.name_location);
      if (!inserted) {
        AddAt(r.name_location, "duplicate rule name \"" + r.rule.name + "\" (first defined at " +
                                   ci::FormatLocation(it->second) + ")");
        continue;
      }
      ResolveTiers(r.rule);
      cfg.rules.push_back(std::move(r.rule));
    }
    if (cfg.FindSource("alertmanager") == nullptr) {
      SourceConfig am;
      am.name = "alertmanager";
      am.type = "alertmanager";
      cfg.sources.insert(cfg.sources.begin(), std::move(am));
    }
    if (!have_main_) {
      // Without an alertbridge.yml, report what was actually checked.
      if (!rule_files_.empty()) cfg.rule_paths = rule_files_;
      if (!receiver_files_.empty()) cfg.receiver_paths = receiver_files_;
    }
    // By file, then position: the order a user fixes them in. Stable, so several errors at one
    // position keep the order they were found in.
    std::stable_sort(result_.errors.begin(), result_.errors.end(),
                     [](const ConfigError& a, const ConfigError& b) {
                       return std::tie(a.file, a.line, a.col) < std::tie(b.file, b.line, b.col);
                     });
    return std::move(result_);
  }

  // A rule test file: checked as a whole by the ruletest layer, apart from the config.
  void CheckRuleTest(const std::string& file, const RuleTestChecker& check_tests) {
    if (!check_tests) {
      AddAt({file, 0, 0},
            "a rule test file (it has tests:); run it with `alertbridge test " + file + "`");
      return;
    }
    RuleTestCheck checked = check_tests(file);
    result_.errors.insert(result_.errors.end(), checked.errors.begin(), checked.errors.end());
    ++result_.rule_test_files;
    result_.rule_tests += checked.tests;
  }

  LoadResult& result() { return result_; }
  bool have_main() const { return have_main_; }
  bool have_rules() const { return !rules_.empty(); }
  bool have_receivers() const { return !receivers_.empty(); }
  // Rules checked without their receivers: names are checked against these (from `from`)...
  void set_known_receivers(std::set<std::string> names, std::string from) {
    known_receivers_ = std::move(names);
    known_from_ = std::move(from);
  }
  // ...or, when there are none to be found, each name is a warning saying `why`.
  void set_unseen_receivers(std::string why) { unseen_receivers_ = std::move(why); }
  // `alertbridge check rules/` alone cannot know the tiers: rules naming them are not faulted.
  void set_partial_check() { partial_check_ = true; }
  // Config embedded in a rule test file: errors point at what the test file can hold.
  void set_embedded() { embedded_ = true; }

 private:
  // A raise on account conditions needs accounts.yml, and its tier must be one listed there.
  void ResolveTiers(Rule& rule) {
    const AccountTable* table = result_.config.accounts.get();
    for (SeverityRaise& raise : rule.severity.raise) {
      if (!raise.UsesAccounts()) continue;
      if (table == nullptr) {
        if (!partial_check_ || have_main_) {
          AddAt(raise.location, embedded_ ? "severity.raise: account conditions need an "
                                            "accounts: table in the test file"
                                          : "severity.raise: account conditions need an "
                                            "accounts file (accounts: in alertbridge.yml)");
        }
        continue;
      }
      if (raise.account_tier.empty()) continue;
      std::optional<int> rank = table->TierRank(raise.account_tier);
      if (rank) {
        raise.account_tier_rank = *rank;
      } else {
        AddAt(raise.location, "account_tier: \"" + raise.account_tier + "\" is not a tier of " +
                                  result_.config.accounts_path);
      }
    }
  }

  void LoadMain(const std::string& file, const YAML::Node& root, ci::Diagnostics& diag) {
    if (have_main_) {
      diag.AddAt({file, 0, 0},
                 "a second alertbridge.yml; the first is " + result_.config.config_file);
      return;
    }
    have_main_ = true;
    Config& cfg = result_.config;
    cfg.config_file = file;
    std::string base = fs::path(file).parent_path().string();
    // Defaults sit beside the config file too, so /etc/alertbridge/alertbridge.yml finds
    // /etc/alertbridge/rules/.
    cfg.sqlite_path = ci::ResolvePath(base, cfg.sqlite_path);
    ci::MainFile main = ci::ParseMainFile(root, base, diag, &cfg);
    escalation_refs_ = std::move(main.escalation_refs);
    auto defaults = [&](const std::vector<std::string>& paths) {
      std::vector<ci::PathRef> refs;
      for (const std::string& p : paths) refs.push_back({ci::ResolvePath(base, p), {file, 0, 0}});
      return refs;
    };
    if (!main.rules_set) main.rule_paths = defaults(cfg.rule_paths);
    if (!main.receivers_set) main.receiver_paths = defaults(cfg.receiver_paths);
    cfg.rule_paths.clear();
    for (const ci::PathRef& p : main.rule_paths) cfg.rule_paths.push_back(p.path);
    cfg.receiver_paths.clear();
    for (const ci::PathRef& p : main.receiver_paths) cfg.receiver_paths.push_back(p.path);
    if (main.accounts_path) {
      cfg.accounts_path = main.accounts_path->path;
      LoadPaths({*main.accounts_path}, FileKind::kAccounts, /*must_exist=*/true);
    }
    LoadPaths(main.rule_paths, FileKind::kRules, main.rules_set);
    LoadPaths(main.receiver_paths, FileKind::kReceivers, main.receivers_set);
  }

  void AddAt(const SourceLocation& loc, std::string message) {
    result_.errors.push_back({loc.file, loc.line, loc.col, std::move(message)});
  }

  LoadResult result_;
  std::vector<ci::ParsedRule> rules_;
  std::vector<ci::ParsedReceiver> receivers_;
  std::vector<ci::ReceiverRef> escalation_refs_;
  std::vector<std::string> rule_files_;
  std::vector<std::string> receiver_files_;
  std::set<std::string> seen_;
  bool have_main_ = false;
  std::optional<std::set<std::string>> known_receivers_;
  std::string known_from_;
  std::string unseen_receivers_;
  bool partial_check_ = false;
  bool embedded_ = false;
};

}  // namespace

LoadResult LoadConfig(const std::string& config_file) {
  Loader loader;
  if (config_file.empty()) {
    Config& cfg = loader.result().config;
    std::vector<ci::PathRef> rules, receivers;
    for (const std::string& p : cfg.rule_paths) rules.push_back({p, {p, 0, 0}});
    for (const std::string& p : cfg.receiver_paths) receivers.push_back({p, {p, 0, 0}});
    loader.LoadPaths(rules, FileKind::kRules, false);
    loader.LoadPaths(receivers, FileKind::kReceivers, false);
    return loader.Finish();
  }
  std::error_code ec;
  if (!fs::exists(config_file, ec)) {
    loader.result().errors.push_back({config_file, 0, 0, "config file does not exist"});
    return loader.Finish();
  }
  YAML::Node root;
  if (loader.FirstVisit(config_file) && loader.Read(config_file, &root)) {
    loader.LoadFile(config_file, FileKind::kMain, root);
  }
  return loader.Finish();
}

LoadResult CheckPaths(const std::vector<std::string>& paths, const RuleTestChecker& check_tests,
                      const CheckOptions& options) {
  if (paths.empty()) {
    std::error_code ec;
    return LoadConfig(fs::exists("alertbridge.yml", ec) ? "alertbridge.yml" : "");
  }
  Loader loader;
  loader.set_partial_check();
  for (const std::string& path : paths) {
    bool missing = false;
    std::string error;
    std::vector<std::string> files = FilesAt(path, &missing, &error);
    if (missing) error = "no such file or folder";
    if (!error.empty()) loader.result().errors.push_back({path, 0, 0, error});
    for (const std::string& file : files) {
      YAML::Node root;
      if (!loader.FirstVisit(file) || !loader.Read(file, &root)) continue;
      FileKind kind = Classify(root);
      if (kind == FileKind::kRuleTest) {
        loader.CheckRuleTest(file, check_tests);
      } else {
        loader.LoadFile(file, kind, root);
      }
    }
  }
  // Rules alone (a CI job checking the rules folder): their receivers are those of the config
  // serve would run with, when it can be found here.
  if (loader.have_rules() && !loader.have_receivers() && !loader.have_main()) {
    std::string where = "no receivers file or alertbridge.yml among the checked paths";
    bool known = false;
    if (options.default_config) {
      const std::string& file = *options.default_config;
      const std::string from = file.empty() ? "./receivers/ (no alertbridge.yml here)" : file;
      LoadResult defaults = LoadConfig(file);
      if (!defaults.config.receivers.empty()) {
        std::set<std::string> names;
        for (const ReceiverConfig& r : defaults.config.receivers) names.insert(r.name);
        loader.set_known_receivers(std::move(names), from);
        known = true;
      } else {
        where += ", and none in " + from;
      }
    }
    if (!known) {
      loader.set_unseen_receivers(where +
                                  "; check the rules together with their receivers "
                                  "(e.g. alertbridge check rules/ receivers/)");
    }
  }
  return loader.Finish();
}

LoadResult LoadEmbedded(const EmbeddedConfig& in) {
  Loader loader;
  loader.set_embedded();
  auto refs = [](const std::vector<EmbeddedConfig::Path>& paths) {
    std::vector<ci::PathRef> out;
    for (const EmbeddedConfig::Path& p : paths) out.push_back({p.path, p.location});
    return out;
  };
  loader.LoadPaths(refs(in.rule_files), FileKind::kRules, true);
  loader.LoadInline(in.file, FileKind::kRules, in.rules);
  loader.LoadPaths(refs(in.receiver_files), FileKind::kReceivers, true);
  loader.LoadInline(in.file, FileKind::kReceivers, in.receivers);
  loader.LoadInline(in.file, FileKind::kMain, in.sources);
  loader.LoadInline(in.file, FileKind::kAccounts, in.accounts);
  loader.LoadOperations(in.file, in.severities, in.silences);
  return loader.Finish(in.check_receiver_refs);
}

}  // namespace ab
