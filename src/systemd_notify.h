// The service manager's side channel (sd_notify(3)): readiness, reloads, shutdown and watchdog
// pings. Every call is a no-op when alertbridge does not run under systemd (no NOTIFY_SOCKET).
#pragma once

#include <chrono>
#include <string>

namespace ab {

class SystemdNotifier {
 public:
  SystemdNotifier();

  void Ready(const std::string& status);
  // RELOADING=1 with MONOTONIC_USEC, as systemd.service(5) asks of Type=notify services; Ready()
  // ends the reload.
  void Reloading();
  void Stopping();
  // From the engine thread's loop: WATCHDOG=1, at most every quarter of WatchdogSec, so that a
  // stuck engine thread stops the pings and systemd restarts the service. Not thread-safe: one
  // thread pings.
  void WatchdogPing();
  // Zero when systemd asked for no watchdog.
  std::chrono::microseconds watchdog_interval() const { return watchdog_; }

 private:
  std::chrono::microseconds watchdog_{0};
  std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace ab
