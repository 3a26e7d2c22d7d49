// libFuzzer target: the YAML loaders (alertbridge.yml, rules, receivers, accounts) from memory.
// Every problem must come back as a diagnostic with a position, never as a crash, an exception or
// unbounded recursion.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "config/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<ab::ConfigError> errors;
  ab::config_internal::Diagnostics diag("fuzz.yml", &errors);
  try {
    YAML::Node root = ab::config_internal::ParseYaml(text, diag);
    if (root) {
      ab::Config config;
      ab::config_internal::ParseMainFile(root, "", diag, &config);
      std::vector<ab::config_internal::ParsedRule> rules;
      ab::config_internal::ParseRulesFile(root, diag, &rules);
      std::vector<ab::config_internal::ParsedReceiver> receivers;
      ab::config_internal::ParseReceiversFile(root, diag, &receivers);
      ab::config_internal::ParseAccountsFile(root, diag);
    }
  } catch (const std::exception&) {
    std::abort();  // the loaders report; they do not throw
  }
  for (const ab::ConfigError& e : errors) {
    if (e.message.empty() || e.line < 0 || e.col < 0) std::abort();
  }
  return 0;
}
