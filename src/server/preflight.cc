#include "server/preflight.h"

#include <set>

#include "config/unresolved_secrets.h"
#include "notify/receiver_types.h"
#include "server/api.h"

namespace ab {
namespace {

std::string Joined(const std::vector<std::string>& refs) {
  std::string out;
  for (const std::string& r : refs) out += (out.empty() ? "" : ", ") + r;
  return out;
}

}  // namespace

PreflightResult RunPreflight(const Config& config, const PreflightOptions& options) {
  PreflightResult out;
  // A secret that is not readable here: an error where it is needed and serve runs; otherwise a
  // warning that says what was not checked.
  auto unreadable = [&](bool needed, const std::string& message,
                        const std::vector<std::string>& refs) {
    if (needed && options.secrets_here) {
      out.errors.push_back(message);
    } else if (!needed) {
      out.warnings.push_back(message + " (no rule uses it: left out)");
    } else {
      out.warnings.push_back(message + " (not checked here: " + Joined(refs) +
                             "; serve refuses to start without it, check --env checks it)");
    }
  };
  // A failure with nothing unreadable is a wrong value or setting: always an error.
  auto failed = [&](const std::string& message, const UnresolvedSecrets& unresolved, bool needed) {
    if (unresolved.refs().empty()) {
      out.errors.push_back(message);
    } else {
      unreadable(needed, message, unresolved.refs());
    }
  };

  std::set<std::string> used;
  for (const Rule& rule : config.rules) used.insert(rule.receivers.begin(), rule.receivers.end());
  for (const ReceiverConfig& r : config.receivers) {
    UnresolvedSecrets unresolved;
    auto notifier = MakeNotifier(r);
    if (notifier.ok()) {
      out.notifiers.emplace(r.name, std::move(notifier).value());
    } else {
      failed(notifier.error().message, unresolved, used.count(r.name) != 0);
    }
  }

  // Ingest needs every source; the API needs every token.
  for (const SourceConfig& s : config.sources) {
    UnresolvedSecrets unresolved;
    if (Status st = Api::CheckSourceAuth(s); !st.ok()) failed(st.error().message, unresolved, true);
  }
  for (const ApiToken& t : config.api.tokens) {
    UnresolvedSecrets unresolved;
    if (Status st = Api::CheckToken(t); !st.ok()) failed(st.error().message, unresolved, true);
  }
  return out;
}

}  // namespace ab
