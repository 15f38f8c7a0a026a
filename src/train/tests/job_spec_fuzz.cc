// Fuzzes the training-job create-body decoder: any bytes that parse as JSON must decode to a
// spec or a clean kInvalidArgument, and a decoded spec must survive its own round trip.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace openarts;
  auto json = ParseJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json.ok()) return 0;
  auto spec = train::DecodeJobSpec(*json, train::Catalog::Default());
  if (!spec.ok()) {
    if (spec.status().code() != Code::kInvalidArgument) std::abort();
    return 0;
  }
  auto again = train::DecodeJobSpec(spec->ToJson(), train::Catalog::Default());
  if (!again.ok() || again->ToJson() != spec->ToJson()) std::abort();
  return 0;
}
