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

#include "common/result.h"
#include "common/time.h"
#include "config/config.h"
#include "config/receivers/ticket.h"
#include "notify/http_client.h"
#include "notify/notifier.h"
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

  // `who`: `receiver "name"`. `headers` go on every request (auth, Accept, User-Agent).
  VendorApi(std::string who, HttpEndpoint base, Duration timeout, HttpHeaders headers,
            Classifier classify = nullptr);

  // `path` is below the base URL's path ("/rest/api/2/issue", with its query). An answer whose
  // status is in `accept` fills `out` and is Ok; anything else is Retry or Permanent.
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
  Classifier classify_;
  HttpClient client_;
};

// Percent-encodes everything but RFC 3986 unreserved characters: for query values and path
// segments built from data.
std::string UrlEncode(std::string_view s);

// The vendor's own words from an error body (Jira errorMessages/errors, GitHub message/errors,
// ServiceNow error.message/detail), one line, at most 300 characters; "" when there are none.
std::string VendorErrorText(std::string_view body);

// Resolves a secret for a factory; the error names `who`, `what` ("auth.bearer") and the
// reference when it is env:/file:, never the value.
Result<std::string> ResolveSecretFor(const std::string& who, const std::string& what,
                                     const Secret& secret);

// The Authorization header for `auth`, resolving its secrets.
Result<std::string> AuthorizationHeader(const std::string& who, const TicketAuth& auth);

// What every ticket factory builds from the receiver: the API client on the receiver's base URL
// (env:/file: resolved, no query allowed) sending `headers` and a User-Agent on every request,
// and the wording (templates compiled) for `format` within `limits`.
struct TicketParts {
  std::unique_ptr<VendorApi> api;
  TicketWording wording;
};
Result<TicketParts> MakeTicketParts(const ReceiverConfig& config, HttpHeaders headers,
                                    TextFormat format, TicketWording::Limits limits,
                                    VendorApi::Classifier classify = nullptr);

}  // namespace ab
