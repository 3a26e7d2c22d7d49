// The default base of incident links, derived from the listen address.
#include <unistd.h>

#include <string>

#include "config/config.h"

namespace ab {
namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

std::string DefaultExternalUrl(const std::string& listen) {
  size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  std::string port = colon == std::string::npos ? "" : listen.substr(colon);
  // A wildcard address accepts connections on every interface but is no address to link to.
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = HostName();
  return "http://" + host + port;
}

}  // namespace ab
