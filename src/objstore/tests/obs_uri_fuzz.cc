// ParseObsUri reads URIs from job specs, dataset definitions and the CLI. It must never crash,
// and a parsed URI must print to a string that parses back to the same bucket and key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "objstore/names.h"

using namespace openarts::objstore;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto uri = ParseObsUri(in);
  if (!uri.ok()) {
    if (uri.status().message().empty()) std::abort();
    return 0;
  }
  if (!IsObsUri(in)) std::abort();  // parsing implies the prefix test
  if (!ValidateBucketName(uri->bucket).ok()) std::abort();
  if (!uri->key.empty() && !ValidateObjectKey(uri->key).ok()) std::abort();
  std::string printed = uri->ToString();
  auto again = ParseObsUri(printed);
  if (!again.ok() || again->bucket != uri->bucket || again->key != uri->key) std::abort();
  if (again->ToString() != printed) std::abort();
  return 0;
}
