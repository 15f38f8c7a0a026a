// Manifests come from users and other systems (imports, cross-region migration). Parsing must
// never crash, throw or hang; every rejection is kInvalidArgument naming the file and line; and
// whatever parses must survive a round trip: ParseManifest(WriteManifest(s)) == s.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/formats.h"

using namespace openarts;
using namespace openarts::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const ManifestOptions options{.base_uri = "s3://bucket/dir/"};
  auto strict = ParseManifest(in, "fuzz.manifest", options);
  auto lenient = ParseManifestLenient(in, "fuzz.manifest", options);
  for (const auto& r : lenient.rejected)
    if (r.reason.rfind("fuzz.manifest:", 0) != 0) std::abort();  // names the file
  if (strict.ok()) {
    if (!lenient.rejected.empty() || !(lenient.samples == *strict)) std::abort();
  } else {
    if (strict.status().code() != Code::kInvalidArgument) std::abort();
    if (lenient.rejected.empty() || lenient.rejected[0].reason != strict.status().message())
      std::abort();
  }
  std::string text = WriteManifest(lenient.samples);
  auto again = ParseManifest(text, "rewritten.manifest", options);
  if (!again.ok() || !(*again == lenient.samples)) std::abort();
  if (WriteManifest(*again) != text) std::abort();  // canonical: writing is idempotent
  return 0;
}
