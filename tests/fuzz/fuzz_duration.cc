// libFuzzer target: the duration parser (Prometheus syntax). A parsed duration formats as text
// that parses back to the same duration.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto d = ab::ParseDuration(text);
  if (!d.ok()) return 0;
  if (d->count() < 0) std::abort();
  auto again = ab::ParseDuration(ab::FormatDuration(*d));
  if (!again.ok() || *again != *d) std::abort();
  return 0;
}
