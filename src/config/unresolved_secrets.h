// Which secrets could not be read here. `check` runs where the secrets of production usually are
// not (a laptop, CI): while an UnresolvedSecrets is alive, Secret::Resolve records on its thread
// each env: or file: reference it could not read (unset or empty variable, missing, unreadable
// or empty file), so that "not set here" can be told from a wrong value.
#pragma once

#include <string>
#include <vector>

namespace ab {

class UnresolvedSecrets {
 public:
  UnresolvedSecrets();
  ~UnresolvedSecrets();
  UnresolvedSecrets(const UnresolvedSecrets&) = delete;
  UnresolvedSecrets& operator=(const UnresolvedSecrets&) = delete;

  // The references (env:NAME, file:/path) that failed since construction, in order.
  const std::vector<std::string>& refs() const { return refs_; }

  // Secret::Resolve's hook: records `ref` in this thread's innermost live UnresolvedSecrets.
  static void Record(const std::string& ref);

 private:
  std::vector<std::string> refs_;
  UnresolvedSecrets* outer_;
};

}  // namespace ab
