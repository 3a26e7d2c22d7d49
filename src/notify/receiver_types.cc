#include "notify/receiver_types.h"

namespace ab {

// The one table of receiver types. Each name T here is a folder src/notify/<t>/ defining
// `const ReceiverType& TReceiverType()`; the order is the order messages list them in.
#define AB_RECEIVER_TYPES(X) \
  X(Console)                 \
  X(Webhook) X(Email) X(Slack) X(Teams) X(PagerDuty) X(Opsgenie) X(Jira) X(GitHub) X(ServiceNow)

#define AB_DECLARE_RECEIVER_TYPE(T) const ReceiverType& T##ReceiverType();
AB_RECEIVER_TYPES(AB_DECLARE_RECEIVER_TYPE)
#undef AB_DECLARE_RECEIVER_TYPE

const std::vector<const ReceiverType*>& ReceiverTypes() {
#define AB_LIST_RECEIVER_TYPE(T) &T##ReceiverType(),
  static const std::vector<const ReceiverType*> kTypes = {AB_RECEIVER_TYPES(AB_LIST_RECEIVER_TYPE)};
#undef AB_LIST_RECEIVER_TYPE
  return kTypes;
}

#undef AB_RECEIVER_TYPES

const ReceiverType* FindReceiverTypeImpl(std::string_view name) {
  for (const ReceiverType* t : ReceiverTypes()) {
    if (t->spec.name == name) return t;
  }
  return nullptr;
}

void InstallReceiverTypes() {
  std::vector<const ReceiverTypeSpec*> specs;
  for (const ReceiverType* t : ReceiverTypes()) specs.push_back(&t->spec);
  ab::InstallReceiverTypes(std::move(specs));
}

Result<std::unique_ptr<Notifier>> MakeNotifier(const ReceiverConfig& rc) {
  const ReceiverType* type = FindReceiverTypeImpl(rc.type);
  if (type == nullptr) {
    std::string known;
    for (const ReceiverType* t : ReceiverTypes()) {
      known += (known.empty() ? "" : ", ") + std::string(t->spec.name);
    }
    return MakeError(
        "receiver \"" + rc.name + "\": unknown type \"" + rc.type + "\" (known: " + known + ")",
        "type");
  }
  return type->make(rc);
}

Result<std::map<std::string, std::unique_ptr<Notifier>>> BuildNotifiers(
    const std::vector<ReceiverConfig>& receivers) {
  std::map<std::string, std::unique_ptr<Notifier>> out;
  std::string errors;
  auto add_error = [&](const std::string& message) {
    if (!errors.empty()) errors += "; ";
    errors += message;
  };
  for (const ReceiverConfig& r : receivers) {
    if (out.count(r.name) != 0) {
      add_error("receiver \"" + r.name + "\" is defined twice");
      continue;
    }
    auto notifier = MakeNotifier(r);
    if (!notifier.ok()) {
      add_error(notifier.error().message);
      continue;
    }
    out.emplace(r.name, std::move(notifier).value());
  }
  if (!errors.empty()) return MakeError(errors, "receivers");
  return out;
}

}  // namespace ab
