// alertbridge.yml: listener, storage, where rules, receivers and accounts live, sources, server
// limits, logs.
#include <filesystem>
#include <optional>

#include "config/parse.h"

namespace ab::config_internal {
namespace {

// host:port, [v6]:port or :port (all interfaces), port 0..65535.
bool IsValidListen(std::string_view s) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view host = s.substr(0, colon);
  std::string_view port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  int n = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (n > 65535) return false;
  if (!host.empty() && host.front() == '[') return host.size() > 2 && host.back() == ']';
  return host.find(':') == std::string_view::npos;
}

// An installation's instance id: what a person can type into YAML and read in a log line.
bool IsValidInstanceId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void ParsePaths(const MapReader& top, std::string_view key, const std::string& base_dir,
                Diagnostics& diag, std::vector<PathRef>* out) {
  for (const Value& item : ListItems(*top.Find(key), diag)) {
    std::string p;
    if (ReadNonEmpty(item, diag, &p)) {
      out->push_back(PathRef{ResolvePath(base_dir, p), diag.Location(item.mark)});
    }
  }
}

void ParseStorage(const Value& v, const std::string& base_dir, Diagnostics& diag, Config* cfg) {
  MapReader storage(v, {"sqlite"}, diag);
  const Value* sqlite_value = storage.Find("sqlite");
  if (sqlite_value == nullptr) return;
  MapReader sqlite(*sqlite_value, {"path"}, diag);
  const Value* path = sqlite.Find("path");
  std::string p;
  if (path != nullptr && ReadNonEmpty(*path, diag, &p)) cfg->sqlite_path = ResolvePath(base_dir, p);
}

void ParseLimits(const Value& v, Diagnostics& diag, InputLimits* limits) {
  MapReader l(
      v,
      {"alerts_per_request", "labels_per_alert", "annotations_per_alert", "label_name_bytes",
       "label_value_bytes", "annotation_bytes", "json_depth", "queued_bytes"},
      diag);
  l.Size("alerts_per_request", 1, &limits->alerts_per_request);
  l.Size("labels_per_alert", 1, &limits->labels_per_alert);
  l.Size("annotations_per_alert", 0, &limits->annotations_per_alert);
  l.Size("label_name_bytes", 1, &limits->label_name_bytes);
  l.Size("label_value_bytes", 1, &limits->label_value_bytes);
  l.Size("annotation_bytes", 1, &limits->annotation_bytes);
  // An Alertmanager webhook is 4 levels deep (body, alerts, alert, labels).
  l.Size("json_depth", 4, &limits->json_depth);
  l.Size("queued_bytes", 1, &limits->queued_bytes);
}

// A file the server reads at start; reported here so that `check` fails where `serve` would.
void ReadExistingFile(const MapReader& m, std::string_view key, const std::string& base_dir,
                      std::string* out) {
  if (!m.Require(key)) return;
  const Value& v = *m.Find(key);
  std::string path;
  if (!ReadNonEmpty(v, m.diag(), &path)) return;
  path = ResolvePath(base_dir, path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    m.diag().Add(v.mark, v.path + ": no such file: " + path);
    return;
  }
  *out = std::move(path);
}

void ParseServer(const Value& v, const std::string& base_dir, Diagnostics& diag,
                 ServerConfig* server) {
  MapReader s(v,
              {"max_connections", "max_connections_per_client", "max_header_bytes",
               "max_body_bytes", "header_timeout", "body_timeout", "idle_timeout", "threads",
               "limits", "tls", "management_listen"},
              diag);
  s.Size("max_connections", 1, &server->max_connections);
  s.Size("max_connections_per_client", 1, &server->max_connections_per_client);
  // Below 1 KiB not even an ordinary request line with a few headers fits.
  s.Size("max_header_bytes", 1024, &server->max_header_bytes);
  s.Size("max_body_bytes", 1, &server->max_body_bytes);
  s.PositiveDur("header_timeout", &server->header_timeout);
  s.PositiveDur("body_timeout", &server->body_timeout);
  s.PositiveDur("idle_timeout", &server->idle_timeout);
  s.Int("threads", 1, 256, &server->threads);
  if (const Value* l = s.Find("limits")) ParseLimits(*l, diag, &server->limits);
  if (const Value* t = s.Find("tls")) {
    MapReader tls(*t, {"cert_file", "key_file"}, diag);
    TlsConfig files;
    ReadExistingFile(tls, "cert_file", base_dir, &files.cert_file);
    ReadExistingFile(tls, "key_file", base_dir, &files.key_file);
    if (!files.cert_file.empty() && !files.key_file.empty()) server->tls = std::move(files);
  }
  if (const Value* m = s.Find("management_listen")) {
    std::string listen;
    if (ReadString(*m, diag, &listen)) {
      if (IsValidListen(listen)) {
        server->management_listen = listen;
      } else {
        diag.Add(m->mark, m->path + ": expected host:port, got " + Describe(m->node));
      }
    }
  }
}

// A retention period: a duration greater than zero, or `keep` (for ever).
void ReadRetention(const MapReader& r, std::string_view key, std::optional<Duration>* out) {
  const Value* v = r.Find(key);
  if (v == nullptr) return;
  if (v->node.IsScalar() && v->node.Scalar() == "keep") {
    out->reset();
    return;
  }
  Duration d{0};
  if (!ReadDuration(*v, r.diag(), &d)) return;
  if (d.count() <= 0) {
    r.diag().Add(v->mark, v->path + ": must be greater than 0, or keep");
    return;
  }
  *out = d;
}

void ParseRetention(const Value& v, Diagnostics& diag, RetentionConfig* out) {
  MapReader r(v, {"delivered_outbox", "resolved_alerts", "closed_incidents", "interval"}, diag);
  ReadRetention(r, "delivered_outbox", &out->delivered_outbox);
  ReadRetention(r, "resolved_alerts", &out->resolved_alerts);
  ReadRetention(r, "closed_incidents", &out->closed_incidents);
  r.PositiveDur("interval", &out->interval);
}

void ParseLog(const Value& v, Diagnostics& diag, Config* cfg) {
  MapReader log(v, {"format", "level"}, diag);
  log.OneOf("format", {"logfmt", "json"}, &cfg->log_format);
  log.OneOf("level", {"trace", "debug", "info", "warn", "error"}, &cfg->log_level);
}

}  // namespace

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (base_dir.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

MainFile ParseMainFile(const YAML::Node& root, const std::string& base_dir, Diagnostics& diag,
                       Config* cfg) {
  MainFile main;
  MapReader top(Root(root),
                {"listen", "external_url", "storage", "rules", "receivers", "accounts", "sources",
                 "server", "log", "api", "severities", "silences", "retention", "instance_id"},
                diag);
  if (const Value* v = top.Find("listen")) {
    std::string listen;
    if (ReadString(*v, diag, &listen)) {
      if (IsValidListen(listen)) {
        cfg->server.listen = listen;
      } else {
        diag.Add(v->mark, "listen: expected host:port, got " + Describe(v->node));
      }
    }
  }
  if (const Value* v = top.Find("external_url")) {
    std::string url;
    if (ReadString(*v, diag, &url)) {
      if (IsHttpUrl(url)) {
        // Links are built as external_url + "/incidents/42": drop the trailing slash once here.
        while (url.size() > 1 && url.back() == '/') url.pop_back();
        cfg->external_url = url;
      } else {
        diag.Add(v->mark,
                 "external_url: expected an http:// or https:// URL, got " + Describe(v->node));
      }
    }
  }
  if (const Value* v = top.Find("instance_id")) {
    std::string id;
    if (ReadString(*v, diag, &id)) {
      if (IsValidInstanceId(id)) {
        cfg->instance_id = id;
      } else {
        diag.Add(v->mark, "instance_id: expected 1 to 64 letters, digits, '.', '_' or '-', got " +
                              Describe(v->node));
      }
    }
  }
  if (const Value* v = top.Find("storage")) ParseStorage(*v, base_dir, diag, cfg);
  if (top.Has("rules")) {
    main.rules_set = true;
    ParsePaths(top, "rules", base_dir, diag, &main.rule_paths);
  }
  if (top.Has("receivers")) {
    main.receivers_set = true;
    ParsePaths(top, "receivers", base_dir, diag, &main.receiver_paths);
  }
  if (const Value* v = top.Find("accounts")) {
    std::string p;
    if (ReadNonEmpty(*v, diag, &p)) {
      main.accounts_path = PathRef{ResolvePath(base_dir, p), diag.Location(v->mark)};
    }
  }
  if (const Value* v = top.Find("sources")) ParseSources(*v, diag, &cfg->sources);
  if (const Value* v = top.Find("server")) ParseServer(*v, base_dir, diag, &cfg->server);
  if (const Value* v = top.Find("log")) ParseLog(*v, diag, cfg);
  if (const Value* v = top.Find("api")) ParseApiAccess(*v, diag, &cfg->api);
  // `serve` refuses an open API beyond loopback; `check` says so first.
  if (std::string problem = ExposureProblem(*cfg); !problem.empty()) {
    const Value* listen = top.Find("listen");
    std::optional<YAML::Mark> at;
    if (listen != nullptr) at = listen->mark;
    if (const Value* server = top.Find("server");
        server != nullptr && problem.starts_with("server.management_listen")) {
      at = server->node["management_listen"].Mark();
    }
    if (at) {
      diag.Add(*at, problem);
    } else {
      diag.AddAt({diag.file(), 0, 0}, problem);
    }
  }
  if (const Value* v = top.Find("severities")) {
    ParseSeverities(*v, diag, &cfg->severities, &main.escalation_refs);
  }
  if (const Value* v = top.Find("silences")) ParseSilences(*v, diag, &cfg->silences);
  if (const Value* v = top.Find("retention")) ParseRetention(*v, diag, &cfg->retention);
  return main;
}

}  // namespace ab::config_internal
