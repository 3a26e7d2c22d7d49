#include "notify/console/console_notifier.h"

#include <iostream>
#include <mutex>
#include <string>

#include "notify/receiver_types.h"

namespace ab {
namespace {

// One lock for every console notifier: several receivers of type console share one stdout.
std::mutex& OutputMutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

SendResult ConsoleNotifier::Send(const OutboxEntry& entry, const SendContext& /*ctx*/) {
  // One event per line keeps the stream `jq`-friendly. Raw line breaks can only be whitespace
  // between JSON tokens (inside strings they are escaped), so flattening them is lossless.
  const bool multiline = entry.payload.find_first_of("\r\n") != std::string::npos;
  std::string flat;
  if (multiline) {
    flat = entry.payload;
    for (char& c : flat) {
      if (c == '\n' || c == '\r') c = ' ';
    }
  }
  std::lock_guard<std::mutex> lock(OutputMutex());
  out_ << (multiline ? flat : entry.payload) << '\n';
  out_.flush();
  return SendResult::Ok();
}

Result<std::unique_ptr<Notifier>> MakeConsoleNotifier(const ReceiverConfig& /*config*/) {
  return std::unique_ptr<Notifier>(std::make_unique<ConsoleNotifier>(std::cout));
}

const ReceiverType& ConsoleReceiverType() {
  // One JSON line per event on stdout; nothing to configure, nothing to rate-limit.
  static const ReceiverType kType{{"console", {}, nullptr, {}, {1, std::nullopt, {}, false}},
                                  MakeConsoleNotifier};
  return kType;
}

}  // namespace ab
