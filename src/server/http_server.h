// The HTTP transport on Boost.Asio/Beast: keep-alive, TCP_NODELAY, bounded connections, header and
// body size limits, header/body/idle timeouts (slow or idle clients cannot hold ingestion up), and
// graceful shutdown that finishes in-flight requests.
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

  // Binds (options.listen, "host:port"; port 0 = any free port) and starts the threads.
  // Returns the bound port.
  Result<uint16_t> Start();
  // Stops accepting, lets in-flight requests finish (up to `grace`), closes idle connections.
  void Stop(Duration grace = Duration(10'000));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ab
