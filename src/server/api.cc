#include "server/api.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>

#include "common/crypto.h"
#include "ingest/decode.h"
#include "ingest/staleness.h"
#include "model/json.h"
#include "server/api_helpers.h"

namespace ab {

using api_internal::ParseId;
using api_internal::StoreUnavailable;
using api_internal::RepeatedParameter;
using api_internal::Unavailable;

namespace {

enum IngestKind { kAlertmanager, kApiV2, kGeneric };

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

nlohmann::json DecodeErrorsJson(const std::vector<DecodeError>& errors) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& e : errors) arr.push_back({{"error", e.message}, {"field", e.field}});
  return arr;
}

// What a decoded batch holds in memory while it waits in the pipeline's queue (its bytes, the
// pipeline's byte budget), so that the queue is bounded by memory and not only by count.
size_t QueuedBytes(const std::vector<Alert>& alerts) {
  size_t bytes = 0;
  for (const Alert& a : alerts) {
    bytes += sizeof(Alert) + a.generator_url.size() + a.source.size();
    for (const LabelSet* set : {&a.labels, &a.annotations}) {
      for (const Label& l : *set) bytes += sizeof(Label) + l.name.size() + l.value.size();
    }
  }
  return bytes;
}

}  // namespace

Result<std::unique_ptr<Api>> Api::Create(ApiDeps deps) {
  std::unique_ptr<Api> api(new Api(std::move(deps)));
  for (const SourceConfig& s : api->deps_.config->sources) {
    SourceAuthKeys keys;
    if (s.auth.bearer_token) {
      auto v = s.auth.bearer_token->Resolve();
      if (!v.ok()) return MakeError("source " + s.name + ": bearer_token: " + v.error().message);
      keys.bearer_token = *v;
    }
    if (s.auth.hmac_sha256) {
      auto v = s.auth.hmac_sha256->secret.Resolve();
      if (!v.ok()) return MakeError("source " + s.name + ": hmac_sha256: " + v.error().message);
      keys.hmac_secret = *v;
      keys.hmac_header = s.auth.hmac_sha256->header;
    }
    api->auth_[s.name] = std::move(keys);
  }
  return api;
}

void Api::Handle(HttpRequest&& request, Responder respond) {
  auto started = std::chrono::steady_clock::now();
  Metrics* metrics = deps_.metrics;
  Route(std::move(request),
        [metrics, started, respond = std::move(respond)](std::string_view route, HttpResponse r) {
          if (metrics != nullptr) {
            double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            metrics->HttpRequest(std::string(route), r.status, secs);
          }
          respond(std::move(r));
        });
}

void Api::Route(HttpRequest&& req,
                const std::function<void(std::string_view, HttpResponse)>& done) {
  const std::string path = req.path;
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";
  auto method_not_allowed = [&](std::string_view route) {
    HttpResponse r = HttpResponse::Error(405, "method " + req.method + " not allowed on " + path);
    // Every route takes either GET (and HEAD) or POST, so the one it takes is the other kind.
    r.headers.emplace_back("Allow", get ? "POST" : "GET, HEAD");
    done(route, std::move(r));
  };

  if (path == "/-/healthy") {
    return done(path, HttpResponse::Json(200, R"({"status":"healthy"})"));
  }
  if (path == "/-/ready") {
    if (!deps_.pipeline->healthy()) return done(path, Unavailable("store unavailable"));
    return done(path, HttpResponse::Json(200, R"({"status":"ready"})"));
  }
  if (path == "/metrics") {
    if (!get) return method_not_allowed(path);
    // Serialising reads the outbox counts from the store: not on an HTTP thread.
    return OffHttpThread(path, done, [this] {
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = deps_.metrics->Serialize();
      return r;
    });
  }

  if (path == "/api/v1/alerts/alertmanager" || path == "/api/v2/alerts") {
    const bool v2 = path == "/api/v2/alerts";
    if (!post) return method_not_allowed(path);
    // API v2 senders (Prometheus, vmalert) are not configured as sources: they use the
    // alertmanager source's settings and auth.
    const SourceConfig* source = deps_.config->FindSource("alertmanager");
    if (source == nullptr) return done(path, HttpResponse::Error(404, "no alertmanager source"));
    std::string route = path;
    return Ingest(std::move(req), *source, v2 ? kApiV2 : kAlertmanager,
                  [done, route](HttpResponse r) { done(route, std::move(r)); });
  }
  constexpr std::string_view kWebhook = "/api/v1/alerts/webhook/";
  if (StartsWith(path, kWebhook)) {
    constexpr std::string_view route = "/api/v1/alerts/webhook/{source}";
    if (!post) return method_not_allowed(route);
    std::string name = path.substr(kWebhook.size());
    const SourceConfig* source = deps_.config->FindSource(name);
    if (source == nullptr || source->type != "webhook") {
      return done(route,
                  HttpResponse::Error(404, "unknown webhook source \"" + name + "\"", "source"));
    }
    return Ingest(std::move(req), *source, kGeneric,
                  [done, route](HttpResponse r) { done(route, std::move(r)); });
  }

  if (path == "/api/v1/incidents") {
    if (!get) return method_not_allowed(path);
    auto shared = std::make_shared<HttpRequest>(std::move(req));
    return OffHttpThread(path, done, [this, shared] { return ListIncidents(*shared); });
  }
  constexpr std::string_view kIncident = "/api/v1/incidents/";
  if (StartsWith(path, kIncident)) {
    std::string_view rest = std::string_view(path).substr(kIncident.size());
    if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
      constexpr std::string_view route = "/api/v1/incidents/{id}/{action}";
      if (!post) return method_not_allowed(route);
      std::string id(rest.substr(0, slash));
      std::string action(rest.substr(slash + 1));
      return Act(std::move(req), id, action,
                 [done, route](HttpResponse r) { done(route, std::move(r)); });
    }
    constexpr std::string_view route = "/api/v1/incidents/{id}";
    if (!get) return method_not_allowed(route);
    auto shared = std::make_shared<HttpRequest>(std::move(req));
    return OffHttpThread(
        route, done, [this, shared, id = std::string(rest)] { return GetIncident(*shared, id); });
  }
  if (path == "/api/v1/outbox") {
    if (!get) return method_not_allowed(path);
    auto shared = std::make_shared<HttpRequest>(std::move(req));
    return OffHttpThread(path, done, [this, shared] { return ListOutbox(*shared); });
  }
  constexpr std::string_view kOutbox = "/api/v1/outbox/";
  if (StartsWith(path, kOutbox)) {
    std::string_view rest = std::string_view(path).substr(kOutbox.size());
    const size_t slash = rest.find('/');
    const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (action == "retry" || action == "discard") {
      const std::string_view route = action == "retry" ? "/api/v1/outbox/{id}/retry"
                                                       : "/api/v1/outbox/{id}/discard";
      if (!post) return method_not_allowed(route);
      return OffHttpThread(
          route, done, [this, id = std::string(rest.substr(0, slash)), verb = std::string(action)] {
            return OutboxAction(id, verb);
          });
    }
  }
  done("other", HttpResponse::Error(404, "no route for " + req.method + " " + path));
}

void Api::OffHttpThread(std::string_view route,
                        const std::function<void(std::string_view, HttpResponse)>& done,
                        std::function<HttpResponse()> work) {
  if (deps_.blocking == nullptr) return done(route, work());
  std::string name(route);
  bool queued = deps_.blocking->Post([name, done, work = std::move(work)] {
    HttpResponse r;
    try {
      r = work();
    } catch (const std::exception& e) {
      spdlog::error("msg=\"request failed\" route={} error=\"{}\"", name, e.what());
      r = HttpResponse::Error(500, "internal error");
    }
    done(name, std::move(r));
  });
  if (!queued) done(route, Unavailable("too many API requests in progress"));
}

std::optional<HttpResponse> Api::Authenticate(const HttpRequest& req, const SourceConfig& source) {
  const SourceAuthKeys& keys = auth_[source.name];
  if (!keys.bearer_token.empty()) {
    std::string_view h = req.Header("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (!StartsWith(h, kBearer) ||
        !ConstantTimeEqual(h.substr(kBearer.size()), keys.bearer_token)) {
      return HttpResponse::Error(401, "missing or wrong bearer token for source " + source.name,
                                 "Authorization");
    }
  }
  if (!keys.hmac_secret.empty()) {
    std::string_view sig = req.Header(keys.hmac_header);
    if (StartsWith(sig, "sha256=")) sig.remove_prefix(7);
    std::string want = HexEncode(HmacSha256(keys.hmac_secret, req.body));
    if (sig.empty() || !ConstantTimeEqual(sig, want)) {
      return HttpResponse::Error(401,
                                 "missing or wrong HMAC-SHA256 signature for source " + source.name,
                                 keys.hmac_header);
    }
  }
  return std::nullopt;
}

void Api::Ingest(HttpRequest&& req, const SourceConfig& source, int kind,
                 const std::function<void(HttpResponse)>& done) {
  if (auto denied = Authenticate(req, source)) return done(std::move(*denied));
  if (!IsJsonContentType(req.Header("Content-Type"))) {
    return done(HttpResponse::Error(415, "Content-Type must be application/json", "Content-Type"));
  }
  const TimePoint now = deps_.clock->now();
  DecodeResult decoded;
  const InputLimits& limits = deps_.config->server.limits;
  switch (kind) {
    case kAlertmanager:
      decoded = DecodeAlertmanagerWebhook(req.body, source.name, limits);
      break;
    case kApiV2:
      decoded = DecodeApiV2Alerts(req.body, source.name, now, Duration(5 * 60'000), limits);
      break;
    default:
      decoded = DecodeGenericWebhook(req.body, source, now, limits);
      break;
  }
  Metrics* metrics = deps_.metrics;
  // The decoders list at most kMaxReportedErrors and count the rest.
  const size_t error_count = decoded.errors.size() + decoded.errors_omitted;
  if (error_count > 0) {
    metrics->AlertsReceived(source.name, "rejected", static_cast<double>(error_count));
  }
  if (decoded.alerts.empty() && !decoded.errors.empty()) {
    const DecodeError& first = decoded.errors.front();
    HttpResponse r = HttpResponse::Error(first.status, first.message, first.field);
    if (error_count > 1) {
      nlohmann::json body = nlohmann::json::parse(r.body);
      body["errors"] = DecodeErrorsJson(decoded.errors);
      body["error_count"] = error_count;
      r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return done(std::move(r));
  }
  if (decoded.fingerprint_mismatches > 0) {
    spdlog::warn(
        "msg=\"sender fingerprint differs from label fingerprint; using ours\" source={} "
        "count={}",
        source.name, decoded.fingerprint_mismatches);
  }
  SetStaleDeadlines(kind == kApiV2     ? AlertRoute::kApiV2
                    : kind == kGeneric ? AlertRoute::kGenericWebhook
                                       : AlertRoute::kAlertmanagerWebhook,
                    source.stale_after, now, decoded.alerts);
  const size_t accepted = decoded.alerts.size();
  const size_t bytes = QueuedBytes(decoded.alerts);
  std::vector<DecodeError> partial = std::move(decoded.errors);
  std::string source_name = source.name;
  bool queued = deps_.pipeline->Submit(
      std::move(decoded.alerts),
      [done, metrics, accepted, error_count, source_name,
       partial = std::move(partial)](const Status& st) {
        if (!st.ok()) {
          return done(Unavailable("alerts not stored, retry: " + st.error().message));
        }
        metrics->AlertsReceived(source_name, "accepted", static_cast<double>(accepted));
        if (!partial.empty()) {  // API v2: the valid alerts are stored, the rest are listed
          nlohmann::json body = {{"error", "some alerts were invalid and were not stored"},
                                 {"accepted", accepted},
                                 {"errors", DecodeErrorsJson(partial)},
                                 {"error_count", error_count}};
          return done(HttpResponse::Json(
              400, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
        }
        done(HttpResponse::Json(
            200, nlohmann::json{{"status", "success"}, {"accepted", accepted}}.dump()));
      },
      bytes);
  if (!queued) done(Unavailable("ingest queue full"));
}

HttpResponse Api::ListIncidents(const HttpRequest& req) {
  if (auto repeated = req.RepeatedQuery({"state"})) return RepeatedParameter(*repeated);
  IncidentQuery q;
  // ?state=open&state=resolved: any of them.
  for (const std::string& state : req.QueryAll("state")) {
    if (state == "open") {
      q.states.push_back(IncidentState::kDeclared);
      q.states.push_back(IncidentState::kAcknowledged);
    } else if (!state.empty()) {
      auto s = ParseIncidentState(state);
      if (!s) return HttpResponse::Error(400, "unknown state \"" + state + "\"", "state");
      q.states.push_back(*s);
    }
  }
  if (std::string sev = req.Query("severity"); !sev.empty()) {
    q.severity = ParseSeverity(sev);
    if (!q.severity)
      return HttpResponse::Error(400, "unknown severity \"" + sev + "\"", "severity");
  }
  q.team = req.Query("team");
  if (std::string since = req.Query("since"); !since.empty()) {
    auto t = ParseRfc3339(since);
    if (!t.ok()) return HttpResponse::Error(400, t.error().message, "since");
    q.since = *t;
  }
  if (std::string limit = req.Query("limit"); !limit.empty()) {
    auto n = ParseId(limit);
    if (!n || *n > 1000) return HttpResponse::Error(400, "limit must be 1..1000", "limit");
    q.limit = static_cast<int>(*n);
  }
  if (std::string cursor = req.Query("cursor"); !cursor.empty()) {
    auto n = ParseId(cursor);
    if (!n) return HttpResponse::Error(400, "invalid cursor", "cursor");
    q.before_id = *n;
  }
  auto page = deps_.store->ListIncidents(q);
  if (!page.ok()) return StoreUnavailable("listing incidents", page.error().message);
  nlohmann::json list = nlohmann::json::array();
  for (const Incident& inc : page->incidents) {
    list.push_back(IncidentJson(inc, deps_.config->external_url));
  }
  nlohmann::json body = {{"incidents", std::move(list)}, {"next_cursor", nullptr}};
  if (page->next_before_id) body["next_cursor"] = std::to_string(*page->next_before_id);
  return HttpResponse::Json(200, body.dump());
}

HttpResponse Api::GetIncident(const HttpRequest& req, std::string_view id_text) {
  auto id = ParseId(id_text);
  if (!id) return HttpResponse::Error(400, "incident id must be a positive integer", "id");
  IncidentDetailQuery q;
  if (std::string limit = req.Query("limit"); !limit.empty()) {
    auto n = ParseId(limit);
    if (!n || *n > 1000) return HttpResponse::Error(400, "limit must be 1..1000", "limit");
    q.alerts_limit = q.timeline_limit = static_cast<int>(*n);
  }
  for (auto [name, cursor] : {std::pair{"alerts_cursor", &q.alerts_after},
                              std::pair{"timeline_cursor", &q.timeline_after}}) {
    if (std::string text = req.Query(name); !text.empty()) {
      auto n = ParseId(text);
      if (!n) return HttpResponse::Error(400, "invalid cursor", name);
      *cursor = *n;
    }
  }
  auto detail = deps_.store->GetIncidentPage(*id, q);
  if (!detail.ok()) return StoreUnavailable("reading the incident", detail.error().message);
  if (!detail->has_value()) {
    return HttpResponse::Error(404, "no incident " + std::string(id_text), "id");
  }
  const IncidentDetail& d = **detail;
  nlohmann::json body = IncidentJson(d.incident, deps_.config->external_url);
  nlohmann::json alerts = nlohmann::json::array();
  for (const TrackedAlert& a : d.alerts) alerts.push_back(AlertJson(a));
  nlohmann::json timeline = nlohmann::json::array();
  for (const Event& e : d.timeline) timeline.push_back(TimelineEntryJson(e));
  body["alerts"] = std::move(alerts);
  body["timeline"] = std::move(timeline);
  auto cursor = [](const std::optional<int64_t>& next) {
    return next ? nlohmann::json(std::to_string(*next)) : nlohmann::json(nullptr);
  };
  body["alerts_next_cursor"] = cursor(d.alerts_next);
  body["timeline_next_cursor"] = cursor(d.timeline_next);
  return HttpResponse::Json(200, body.dump());
}

}  // namespace ab
