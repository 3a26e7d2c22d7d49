// Test binaries that load configs install the receiver types of src/notify/, as main does.
#include "notify/receiver_types.h"

namespace {

const bool kInstalled = (ab::InstallReceiverTypes(), true);

}  // namespace
