// The HTTP API (DESIGN.md §5, CONTRACTS.md "HTTP API shapes"): routes requests to ingest, the
// store's queries and the service endpoints. Knows nothing about Beast.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "config/config.h"
#include "server/blocking_pool.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/pipeline.h"
#include "store/store.h"

namespace ab {

// What a configuration reload did (POST /-/reload answers 200, or 400 listing `errors`).
struct ReloadOutcome {
  bool ok = false;
  std::vector<ConfigError> errors;  // file:line:col where known (file "" otherwise)
};

struct ApiDeps {
  const Config* config = nullptr;
  IncidentStore* store = nullptr;
  IngestPipeline* pipeline = nullptr;
  Metrics* metrics = nullptr;
  const Clock* clock = nullptr;
  std::function<void()> wake_outbox;  // after an outbox retry or discard
  // Store reads and outbox actions run here, never on the HTTP threads (null: inline, in tests).
  BlockingPool* blocking = nullptr;
  // POST /-/reload (run on `blocking`); null: the route answers 404.
  std::function<ReloadOutcome()> reload;
  // Keeps `config` alive while this Api (and the requests holding it) lives; may be null when the
  // caller owns it for longer.
  std::shared_ptr<const Config> config_owner;
};

nlohmann::json ReloadErrorsJson(const std::vector<ConfigError>& errors);

class Api {
 public:
  // Resolves the sources' auth secrets and the API tokens; an unresolvable secret is an error
  // naming its reference.
  static Result<std::unique_ptr<Api>> Create(ApiDeps deps);
  // One source's auth secrets, or one API token, resolved and checked as Create does (for the
  // start-up checks that `check` runs too).
  static Status CheckSourceAuth(const SourceConfig& source);
  static Status CheckToken(const ApiToken& token);

  // Gives the request its id (a sane incoming X-Request-Id, else a new one), echoed in the
  // response's X-Request-Id and in the request's log lines.
  void Handle(HttpRequest&& request, Responder respond);

 private:
  struct SourceAuthKeys {
    std::string bearer_token;
    std::string basic_user;
    std::string basic_password;
    std::string hmac_secret;
    std::string hmac_header;
  };
  // An API token, kept as its digest: looking one up compares digests in constant time.
  struct TokenKey {
    std::string name;
    std::string digest;
    ApiRole role;
  };
  // Who made an admitted request: the API token's name, "" when the API has no tokens or the
  // route needs none.
  struct Caller {
    std::string token_name;
  };
  struct Refusal {
    std::string_view route;  // metrics label
    HttpResponse response;
  };
  explicit Api(ApiDeps deps) : deps_(std::move(deps)) {}
  static Result<SourceAuthKeys> ResolveSourceAuth(const SourceConfig& source);
  static Result<TokenKey> ResolveToken(const ApiToken& token);

  // api_access.cc: resolves the tokens and works out the origins a browser may use.
  Status SetUpAccess();
  // The one access check, before any route runs: API token and role, and for state-changing
  // requests the cross-site checks (JSON content type, Origin, Host, Sec-Fetch-Site).
  std::variant<Caller, Refusal> Admit(const HttpRequest& req) const;
  std::optional<HttpResponse> CheckSameSite(const HttpRequest& req) const;

  void Route(HttpRequest&& req, const std::function<void(std::string_view, HttpResponse)>& done);
  void Ingest(HttpRequest&& req, const SourceConfig& source, int kind,
              const std::function<void(HttpResponse)>& done);
  std::optional<HttpResponse> Authenticate(const HttpRequest& req, const SourceConfig& source);
  // Runs `work` on deps_.blocking and answers with its response; 503 when that queue is full.
  void OffHttpThread(std::string_view route,
                     const std::function<void(std::string_view, HttpResponse)>& done,
                     std::function<HttpResponse()> work);
  HttpResponse ListIncidents(const HttpRequest& req);
  // ?limit= (alerts and timeline, each), ?alerts_cursor=, ?timeline_cursor=
  HttpResponse GetIncident(const HttpRequest& req, std::string_view id);
  // POST /api/v1/incidents/{id}/{action} (incident_actions.cc).
  // `caller` is the API token's name ("" without tokens): the actor on the timeline.
  void Act(HttpRequest&& req, const std::string& caller, std::string_view id,
           std::string_view action, const std::function<void(HttpResponse)>& done);
  // The outbox routes (api_outbox.cc).
  HttpResponse ListOutbox(const HttpRequest& req);
  // POST /api/v1/outbox/{id}/{retry,discard}
  HttpResponse OutboxAction(std::string_view id, std::string_view action);

  // Incident operations (api_operations.cc): the web page at / and /ui/*, /api/v1/stats,
  // /api/v1/incidents/{id}/review and /api/v1/silences[/{id}]. False when the path is none of
  // them.
  bool RouteOperations(HttpRequest& req,
                       const std::function<void(std::string_view, HttpResponse)>& done);
  // An incident's SLA deadlines under `severities:` (for countdowns), added to Incident objects.
  nlohmann::json SlaJson(const Incident& inc) const;
  HttpResponse Stats(const HttpRequest& req);
  HttpResponse Review(std::string_view id);
  HttpResponse ListSilences();
  HttpResponse GetSilence(const std::string& id);
  Result<std::optional<Silence>> FindSilence(const std::string& id, bool* config);
  void PostSilence(const HttpRequest& req, std::function<void(HttpResponse)> done);
  void DeleteSilence(const std::string& id, std::function<void(HttpResponse)> done);
  void PutSilence(Silence silence, std::function<void(HttpResponse)> done, int status,
                  nlohmann::json answer);

  ApiDeps deps_;
  std::map<std::string, SourceAuthKeys> auth_;
  std::vector<TokenKey> tokens_;
  // Where a browser may send state-changing requests from: scheme://host[:port], lowercase.
  std::vector<std::string> allowed_origins_;
  // Host header values those requests may carry (host[:port], lowercase).
  std::vector<std::string> allowed_hosts_;
  // Listening on all interfaces: any IP literal with this port is a Host of ours too.
  std::string wildcard_port_;
};

}  // namespace ab
