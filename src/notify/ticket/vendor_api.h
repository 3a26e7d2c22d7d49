// JSON over HTTP to a ticket system's REST API, shared by jira, github and servicenow: the
// configured base URL, authentication, the receiver's timeout, and every answer classified for the
// outbox worker. Reasons name the receiver, the method and path and the vendor's own error message;
// never a credential.
#pragma once

#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "config/config.h"
#include "notify/http_client.h"
#include "notify/notifier.h"
#include "notify/ticket/ticket_settings.h"
#include "notify/ticket/ticket_text.h"

namespace ab {

class VendorApi {
 public:
  struct Reply {
    int status = 0;
    nlohmann::json json;  // the parsed body; null when it was empty
  };
  // Classifies an answer that is not in a call's `accept` list; ClassifyHttp() by default.
  using Classifier =
      std::function<SendResult(const HttpResponse&, TimePoint now, const std::string& what)>;

  // `who`: `receiver "name"`. `headers` go on every request (auth, Accept, User-Agent);
  // `secrets` are redacted from every reason.
  VendorApi(std::string who, HttpEndpoint base, Duration timeout, HttpHeaders headers,
            std::vector<std::string> secrets, Classifier classify = nullptr);

  // `path` is below the base URL's path ("/rest/api/2/issue", with its query). An answer whose
  // status is in `accept` fills `out` and is Ok; anything else is Retry or Permanent (and fills
  // `out` too, with the error body when it is JSON).
  SendResult Call(TimePoint now, std::string_view method, const std::string& path,
                  const nlohmann::json* body, std::initializer_list<int> accept, Reply* out);

  const std::string& who() const { return who_; }
  // scheme://host[:port]/base-path without a trailing slash: where browse links start.
  const std::string& base_url() const { return base_url_; }

 private:
  std::string who_;
  std::string base_path_;
  std::string base_url_;
  HttpHeaders headers_;
  std::vector<std::string> secrets_;
  Classifier classify_;
  HttpClient client_;
};

// Percent-encodes everything but RFC 3986 unreserved characters: for query values and path
// segments built from data.
std::string UrlEncode(std::string_view s);

// The vendor's own words from an error body (Jira errorMessages/errors, GitHub message/errors,
// ServiceNow error.message/detail), `secrets` redacted, then one line of at most 300 characters;
// "" when there are none.
std::string VendorErrorText(std::string_view body, const std::vector<std::string>& secrets = {});

// The Authorization header of a ticket API and the values to redact from reasons (token,
// password, the base64 of user:password).
struct Credentials {
  std::string authorization;
  std::vector<std::string> secrets;
};
// Resolves `auth` (basic or bearer); errors name the receiver and the reference, never a value.
Result<Credentials> ResolveCredentials(const ReceiverConfig& config, const TicketAuth& auth);
// Resolves a secret that goes into a header (a line break in it is an error).
Result<std::string> ResolveHeaderSecret(const ReceiverConfig& config, const Secret& secret,
                                        std::string_view key);

// What every ticket factory builds from the receiver: the API client on its base URL (written
// under `url_key`, env:/file: resolved, no query allowed) sending `headers`, the credentials and a
// User-Agent on every request, and the wording (templates compiled) for `format` within `limits`.
struct TicketParts {
  std::unique_ptr<VendorApi> api;
  TicketWording wording;
};
Result<TicketParts> MakeTicketParts(const ReceiverConfig& config, std::string_view url_key,
                                    const Credentials& credentials, HttpHeaders headers,
                                    TextFormat format, TicketWording::Limits limits,
                                    VendorApi::Classifier classify = nullptr);

}  // namespace ab
