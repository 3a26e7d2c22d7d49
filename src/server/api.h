// The HTTP API (DESIGN.md §5, CONTRACTS.md "HTTP API shapes"): routes requests to ingest, the
// store's queries and the service endpoints. Knows nothing about Beast.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/time.h"
#include "config/config.h"
#include "server/blocking_pool.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/pipeline.h"
#include "store/store.h"

namespace ab {

struct ApiDeps {
  const Config* config = nullptr;
  IncidentStore* store = nullptr;
  IngestPipeline* pipeline = nullptr;
  Metrics* metrics = nullptr;
  const Clock* clock = nullptr;
  std::function<void()> wake_outbox;  // after an outbox retry or discard
  // Store reads and outbox actions run here, never on the HTTP threads (null: inline, in tests).
  BlockingPool* blocking = nullptr;
};

class Api {
 public:
  // Resolves the sources' auth secrets; an unresolvable secret is an error naming its reference.
  static Result<std::unique_ptr<Api>> Create(ApiDeps deps);

  void Handle(HttpRequest&& request, Responder respond);

 private:
  struct SourceAuthKeys {
    std::string bearer_token;
    std::string hmac_secret;
    std::string hmac_header;
  };
  explicit Api(ApiDeps deps) : deps_(std::move(deps)) {}

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
  void Act(HttpRequest&& req, std::string_view id, std::string_view action,
           const std::function<void(HttpResponse)>& done);
  // The outbox routes (api_outbox.cc).
  HttpResponse ListOutbox(const HttpRequest& req);
  // POST /api/v1/outbox/{id}/{retry,discard}
  HttpResponse OutboxAction(std::string_view id, std::string_view action);

  ApiDeps deps_;
  std::map<std::string, SourceAuthKeys> auth_;
};

}  // namespace ab
