// The receiver types, by their `type:` name: one table (receiver_types.cc) lists them, each type
// living in its own folder src/notify/<type>/ with its settings, their parser, its factory and
// its notifier. Adding a vendor is one new folder and one word in that table.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "config/receiver_type.h"
#include "notify/notifier.h"

namespace ab {

// Builds the notifier of one receiver: resolves its secrets (errors name the receiver and the
// reference, never the value) and compiles its templates.
using NotifierFactory = Result<std::unique_ptr<Notifier>> (*)(const ReceiverConfig&);

struct ReceiverType {
  ReceiverTypeSpec spec;  // what the config layer reads and checks
  NotifierFactory make = nullptr;
};

// Every type, in the order messages list them.
const std::vector<const ReceiverType*>& ReceiverTypes();
const ReceiverType* FindReceiverTypeImpl(std::string_view name);

// Hands the table to the config layer (config/receiver_type.h); main and test mains call it
// before loading any config.
void InstallReceiverTypes();

// The notifier of one receiver, by its type.
Result<std::unique_ptr<Notifier>> MakeNotifier(const ReceiverConfig& rc);

// One Notifier per configured receiver; every broken receiver is reported.
Result<std::map<std::string, std::unique_ptr<Notifier>>> BuildNotifiers(
    const std::vector<ReceiverConfig>& receivers);

}  // namespace ab
