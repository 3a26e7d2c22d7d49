#include "server/api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <random>

#include "common/ascii.h"
#include "common/crypto.h"
#include "common/log.h"
#include "ingest/decode.h"
#include "ingest/staleness.h"
#include "model/json.h"
#include "server/api_helpers.h"

namespace ab {

using api_internal::ParseId;
using api_internal::RepeatedParameter;
using api_internal::StoreUnavailable;
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

constexpr std::string_view kRequestIdHeader = "X-Request-Id";

// An incoming request id is kept when it is short and plain (a UUID, a proxy's id), so that it
// cannot smuggle anything into our headers or log lines.
bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' ||
                    c == '=';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t bits = random();
  std::string id(16, '0');
  for (char& c : id) {
    c = kHex[bits & 15];
    bits >>= 4;
  }
  return id;
}

// The request carries its id as X-Request-Id from here on, whatever the client sent.
std::string AssignRequestId(HttpRequest& req) {
  std::string id(req.Header(kRequestIdHeader));
  if (!IsSaneRequestId(id)) id = NewRequestId();
  auto& headers = req.headers;
  headers.erase(
      std::remove_if(headers.begin(), headers.end(),
                     [](const auto& h) { return EqualsIgnoreCase(h.first, kRequestIdHeader); }),
      headers.end());
  headers.emplace_back(kRequestIdHeader, id);
  return id;
}

// The "error" of a JSON error body, for log lines.
std::string ErrorOf(const HttpResponse& r) {
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    return body["error"].get<std::string>();
  }
  return "";
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

Result<Api::SourceAuthKeys> Api::ResolveSourceAuth(const SourceConfig& s) {
  SourceAuthKeys keys;
  auto resolve = [&](const Secret& secret, std::string_view what, std::string* out) -> Status {
    auto v = secret.Resolve();
    if (!v.ok()) {
      return MakeError("source " + s.name + ": auth." + std::string(what) + " " + secret.ref() +
                       ": " + v.error().message);
    }
    *out = std::move(*v);
    return Status::Ok();
  };
  Status st;
  if (s.auth.bearer_token) st = resolve(*s.auth.bearer_token, "bearer_token", &keys.bearer_token);
  if (st.ok() && s.auth.basic) {
    st = resolve(s.auth.basic->user, "basic.user", &keys.basic_user);
    if (st.ok()) st = resolve(s.auth.basic->password, "basic.password", &keys.basic_password);
  }
  if (st.ok() && s.auth.hmac_sha256) {
    st = resolve(s.auth.hmac_sha256->secret, "hmac_sha256.secret", &keys.hmac_secret);
    keys.hmac_header = s.auth.hmac_sha256->header;
  }
  if (!st.ok()) return st.error();
  return keys;
}

Status Api::CheckSourceAuth(const SourceConfig& source) {
  auto keys = ResolveSourceAuth(source);
  return keys.ok() ? Status::Ok() : Status(keys.error());
}

nlohmann::json ReloadErrorsJson(const std::vector<ConfigError>& errors) {
  nlohmann::json out = nlohmann::json::array();
  for (const ConfigError& e : errors) {
    out.push_back({{"file", e.file},
                   {"line", e.line},
                   {"column", e.col},
                   {"message", e.message},
                   {"text", e.file.empty() ? e.message : e.ToString()}});
  }
  return out;
}

Result<std::unique_ptr<Api>> Api::Create(ApiDeps deps) {
  std::unique_ptr<Api> api(new Api(std::move(deps)));
  for (const SourceConfig& s : api->deps_.config->sources) {
    auto keys = ResolveSourceAuth(s);
    if (!keys.ok()) return keys.error();
    api->auth_[s.name] = std::move(*keys);
  }
  if (Status st = api->SetUpAccess(); !st.ok()) return st.error();
  return api;
}

void Api::Handle(HttpRequest&& request, Responder respond) {
  auto started = std::chrono::steady_clock::now();
  Metrics* metrics = deps_.metrics;
  std::string id = AssignRequestId(request);
  std::string method = request.method;
  std::string remote = request.remote;
  Route(std::move(request), [metrics, started, id = std::move(id), method = std::move(method),
                             remote = std::move(remote),
                             respond = std::move(respond)](std::string_view route, HttpResponse r) {
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (metrics != nullptr) metrics->HttpRequest(std::string(route), r.status, secs);
    if (LogEnabled(LogLevel::kDebug)) {
      Log(LogLevel::kDebug, "http request",
          {{"request_id", id},
           {"method", method},
           {"route", route},
           {"status", r.status},
           {"duration_seconds", secs},
           {"remote", remote}});
    }
    r.headers.emplace_back(kRequestIdHeader, id);
    respond(std::move(r));
  });
}

void Api::Route(HttpRequest&& req,
                const std::function<void(std::string_view, HttpResponse)>& done) {
  auto admitted = Admit(req);
  if (auto* refused = std::get_if<Refusal>(&admitted)) {
    Log(LogLevel::kWarn, "API request refused",
        {{"request_id", req.Header(kRequestIdHeader)},
         {"method", req.method},
         {"route", refused->route},
         {"status", refused->response.status},
         {"error", ErrorOf(refused->response)},
         {"remote", req.remote}});
    return done(refused->route, std::move(refused->response));
  }
  const std::string caller = std::get<Caller>(admitted).token_name;
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
  if (path == "/-/reload" && deps_.reload) {
    if (!post) return method_not_allowed(path);
    return OffHttpThread(path, done, [this] {
      ReloadOutcome outcome = deps_.reload();
      if (outcome.ok) return HttpResponse::Json(200, R"({"status":"success"})");
      nlohmann::json body = {
          {"error", "configuration not reloaded: " + std::to_string(outcome.errors.size()) +
                        " error(s); the previous configuration keeps serving"},
          {"errors", ReloadErrorsJson(outcome.errors)}};
      return HttpResponse::Json(
          400, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    });
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

  if (RouteOperations(req, done)) return;
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
      return Act(std::move(req), caller, id, action,
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
      const std::string_view route =
          action == "retry" ? "/api/v1/outbox/{id}/retry" : "/api/v1/outbox/{id}/discard";
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
      Log(LogLevel::kError, "request failed", {{"route", name}, {"error", e.what()}});
      r = HttpResponse::Error(500, "internal error");
    }
    done(name, std::move(r));
  });
  if (!queued) done(route, Unavailable("too many API requests in progress"));
}

std::optional<HttpResponse> Api::Authenticate(const HttpRequest& req, const SourceConfig& source) {
  const SourceAuthKeys& keys = auth_[source.name];
  const std::string_view authorization = req.Header("Authorization");
  const size_t space = authorization.find(' ');
  // The auth scheme is case-insensitive (RFC 9110 11.1); the credentials are not.
  const std::string scheme = AsciiLower(authorization.substr(0, space));
  const std::string_view credentials =
      space == std::string_view::npos ? std::string_view{} : authorization.substr(space + 1);
  if (!keys.bearer_token.empty()) {
    if (scheme != "bearer" || !ConstantTimeEqual(credentials, keys.bearer_token)) {
      HttpResponse r = HttpResponse::Error(
          401, "missing or wrong bearer token for source " + source.name, "Authorization");
      r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="alertbridge")");
      return r;
    }
  }
  if (!keys.basic_user.empty()) {
    const std::optional<std::string> decoded =
        scheme == "basic" ? Base64Decode(credentials) : std::nullopt;
    const size_t colon = decoded ? decoded->find(':') : std::string::npos;
    bool ok = colon != std::string::npos;
    if (ok) {
      // Both halves are compared whatever the first gave, so timing tells neither.
      const bool user = ConstantTimeEqual(decoded->substr(0, colon), keys.basic_user);
      const bool password = ConstantTimeEqual(decoded->substr(colon + 1), keys.basic_password);
      ok = user & password;
    }
    if (!ok) {
      HttpResponse r = HttpResponse::Error(
          401, "missing or wrong basic auth for source " + source.name, "Authorization");
      r.headers.emplace_back("WWW-Authenticate", R"(Basic realm="alertbridge", charset="UTF-8")");
      return r;
    }
  }
  if (!keys.hmac_secret.empty()) {
    // Senders write the hex digest in either case.
    std::string sig = AsciiLower(req.Header(keys.hmac_header));
    if (sig.rfind("sha256=", 0) == 0) sig.erase(0, 7);
    const std::string want = HexEncode(HmacSha256(keys.hmac_secret, req.body));
    if (sig.empty() || !ConstantTimeEqual(sig, want)) {
      HttpResponse r = HttpResponse::Error(
          401, "missing or wrong HMAC-SHA256 signature for source " + source.name,
          keys.hmac_header);
      r.headers.emplace_back("WWW-Authenticate", "HMAC-SHA256 header=\"" + keys.hmac_header + "\"");
      return r;
    }
  }
  return std::nullopt;
}

void Api::Ingest(HttpRequest&& req, const SourceConfig& source, int kind,
                 const std::function<void(HttpResponse)>& done) {
  Metrics* metrics = deps_.metrics;
  if (auto denied = Authenticate(req, source)) {
    metrics->IngestRequest(source.name, "unauthorized");
    Log(LogLevel::kWarn, "ingest request refused",
        {{"request_id", req.Header(kRequestIdHeader)},
         {"source", source.name},
         {"error", ErrorOf(*denied)},
         {"remote", req.remote}});
    return done(std::move(*denied));
  }
  if (!IsJsonContentType(req.Header("Content-Type"))) {
    metrics->IngestRequest(source.name, "rejected");
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
  // The decoders list at most kMaxReportedErrors and count the rest.
  const size_t error_count = decoded.errors.size() + decoded.errors_omitted;
  if (error_count > 0) {
    metrics->AlertsReceived(source.name, "rejected", static_cast<double>(error_count));
  }
  if (decoded.alerts.empty() && !decoded.errors.empty()) {
    metrics->IngestRequest(source.name, "rejected");
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
    metrics->FingerprintMismatches(source.name,
                                   static_cast<double>(decoded.fingerprint_mismatches));
    Log(LogLevel::kWarn, "sender fingerprint differs from label fingerprint; using ours",
        {{"request_id", req.Header(kRequestIdHeader)},
         {"source", source.name},
         {"count", decoded.fingerprint_mismatches}});
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
          metrics->IngestRequest(source_name, "unavailable");
          return done(Unavailable("alerts not stored, retry: " + st.error().message));
        }
        metrics->AlertsReceived(source_name, "accepted", static_cast<double>(accepted));
        metrics->IngestRequest(source_name, partial.empty() ? "accepted" : "partial");
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
  if (!queued) {
    metrics->IngestRequest(source.name, "unavailable");
    done(Unavailable("ingest queue full"));
  }
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
    list.back()["sla"] = SlaJson(inc);
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
  body["sla"] = SlaJson(d.incident);
  nlohmann::json alerts = nlohmann::json::array();
  for (const TrackedAlert& a : d.alerts) alerts.push_back(AlertJson(a));
  // Steps deliveries went without (issue 16 item 1) follow the event whose delivery it was, on
  // the page that holds that event; the last page takes the rest.
  std::optional<int64_t> upto;
  if (d.timeline_next) upto = d.timeline.empty() ? q.timeline_after : d.timeline.back().seq;
  auto degraded = deps_.store->DegradedDeliveries(*id, q.timeline_after, upto);
  if (!degraded.ok()) return StoreUnavailable("reading the incident", degraded.error().message);
  nlohmann::json timeline = nlohmann::json::array();
  auto next_degraded = degraded->begin();
  auto degraded_upto = [&](int64_t seq) {
    for (; next_degraded != degraded->end() && next_degraded->event_seq <= seq; ++next_degraded) {
      timeline.push_back(DegradedEntryJson(*next_degraded));
    }
  };
  for (const Event& e : d.timeline) {
    degraded_upto(e.seq - 1);
    timeline.push_back(TimelineEntryJson(e));
    degraded_upto(e.seq);
  }
  degraded_upto(INT64_MAX);
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
