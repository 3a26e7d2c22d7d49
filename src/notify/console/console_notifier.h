// Receiver type `console`: one event envelope per line on stdout, for demos, tests and piping
// into other tools.
#pragma once

#include <memory>
#include <ostream>

#include "common/result.h"
#include "config/config.h"
#include "notify/notifier.h"

namespace ab {

class ConsoleNotifier final : public Notifier {
 public:
  // `out` must outlive the notifier. Lines from concurrent senders never interleave.
  explicit ConsoleNotifier(std::ostream& out) : out_(out) {}
  SendResult Send(const OutboxEntry& entry, const SendContext& ctx) override;

 private:
  std::ostream& out_;
};

// Factory of type `console`: writes to std::cout.
Result<std::unique_ptr<Notifier>> MakeConsoleNotifier(const ReceiverConfig& config);

}  // namespace ab
