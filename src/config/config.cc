// The small behaviours of the config value types: error text, secret resolution, look-ups.
#include "config/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/text.h"
#include "config/unresolved_secrets.h"

namespace ab {

std::string ConfigError::ToString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + message;
}

namespace {
thread_local UnresolvedSecrets* t_unresolved = nullptr;

Error Unreadable(const std::string& ref, std::string message) {
  UnresolvedSecrets::Record(ref);
  return MakeError(std::move(message));
}
}  // namespace

UnresolvedSecrets::UnresolvedSecrets() : outer_(t_unresolved) { t_unresolved = this; }
UnresolvedSecrets::~UnresolvedSecrets() { t_unresolved = outer_; }
void UnresolvedSecrets::Record(const std::string& ref) {
  if (t_unresolved != nullptr) t_unresolved->refs_.push_back(ref);
}

Result<std::string> Secret::Resolve() const {
  if (ref_.rfind("env:", 0) == 0) {
    std::string name = ref_.substr(4);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return Unreadable(ref_, "environment variable " + name + " is not set");
    if (*value == '\0') return Unreadable(ref_, "environment variable " + name + " is empty");
    return std::string(value);
  }
  if (ref_.rfind("file:", 0) == 0) {
    std::string path = ref_.substr(5);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Unreadable(ref_, "cannot read secret file " + path + ": " + std::strerror(errno));
    }
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad()) return Unreadable(ref_, "cannot read secret file " + path);
    std::string value = contents.str();
    // Editors and `echo` add a final newline that is never part of the secret.
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) return Unreadable(ref_, "secret file " + path + " is empty");
    return value;
  }
  return ref_;
}

JsonPointer::JsonPointer(std::string_view text) : text_(text) {
  if (text.empty()) return;  // the whole document
  if (text.front() != '/') {
    valid_ = false;
    return;
  }
  // "/a~1b/~0c" -> {"a/b", "~c"}: ~1 is unescaped before ~0 (RFC 6901 section 4).
  std::string token;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      tokens_.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (text[i] != '~') {
      token.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
      token.push_back(text[i + 1] == '0' ? '~' : '/');
      ++i;
      continue;
    }
    valid_ = false;
    tokens_.clear();
    return;
  }
}

bool ReceiverConfig::Wants(EventType t) const {
  if (events.empty()) return InDefaultEvents(t);
  for (EventType e : events) {
    if (e == t) return true;
  }
  return false;
}

std::string ReceiverConfig::RateLimitKey() const {
  std::string by = settings ? settings->RateLimitedBy() : "";
  if (by.empty()) by = url.ref();
  return by.empty() ? "" : type + " " + by;
}

bool IsLoopbackListen(std::string_view listen) {
  const size_t colon = listen.rfind(':');
  std::string_view host = listen.substr(0, colon == std::string_view::npos ? 0 : colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host == "::1") return true;
  return host.substr(0, 4) == "127." && IsDottedQuad(host);  // 127.0.0.0/8
}

std::string ExposureProblem(const Config& config) {
  if (!config.api.tokens.empty() || config.api.insecure_listen) return "";
  // The management listener serves the same API: the same rule for it.
  for (const auto& [key, address] :
       {std::pair<std::string_view, const std::string&>{"listen", config.server.listen},
        {"server.management_listen", config.server.management_listen}}) {
    if (address.empty() || IsLoopbackListen(address)) continue;
    return std::string(key) + " " + address +
           " is not a loopback address and the API has no tokens: anyone who reaches the port "
           "could acknowledge, resolve or close incidents. Configure api: {tokens: [...]}, or set "
           "api: {insecure_listen: true} if something else guards the port";
  }
  return "";
}

std::shared_ptr<const RuleSet> RuleSetOf(const Config& config, bool configured_receivers_only) {
  ReceiverRoutes routes;
  for (const ReceiverConfig& r : config.receivers) routes.Set(r.name, r.events);
  if (configured_receivers_only) routes.OnlyConfigured();
  return std::make_shared<const RuleSet>(config.rules, config.accounts, std::move(routes));
}

const SourceConfig* Config::FindSource(std::string_view name) const {
  for (const SourceConfig& s : sources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const ReceiverConfig* Config::FindReceiver(std::string_view name) const {
  for (const ReceiverConfig& r : receivers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

}  // namespace ab
