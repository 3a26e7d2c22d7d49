// The HTTP transport on Boost.Asio/Beast: keep-alive, TCP_NODELAY, bounded connections (per client
// address too, and the longest-idle keep-alive connections closed first when the table is nearly
// full), header and body size limits, header/body/idle timeouts (slow or idle clients cannot hold
// ingestion up), optional TLS, an optional management listener, and graceful shutdown that
// finishes in-flight requests.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "server/http.h"

namespace ab {

struct HttpServerStats {
  std::function<void(int delta)> on_connections;  // +1 on accept, -1 on close
  std::function<void()> on_rejected_connection;   // connection table full
};

class HttpServer {
 public:
  HttpServer(ServerConfig options, HttpHandler handler, HttpServerStats stats = {});
  ~HttpServer();

  // Binds (options.listen, "host:port"; port 0 = any free port; and options.management_listen
  // when set), loads the TLS files when configured, and starts the threads. Returns the main
  // listener's bound port.
  Result<uint16_t> Start();
  // The management listener's bound port; 0 when there is none (or before Start).
  uint16_t management_port() const;
  // Reads the TLS certificate and key files again; new connections use them, open ones keep what
  // they negotiated. On an error the files in use stay.
  Status ReloadTls();
  // Stops accepting, lets in-flight requests finish (up to `grace`), closes idle connections.
  void Stop(Duration grace = Duration(10'000));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ab
