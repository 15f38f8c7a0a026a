// ValidateObjectKey and ValidateBucketName take untrusted bytes from every request: they must
// never crash, and what they accept must be usable everywhere a key or bucket goes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "objstore/names.h"

using namespace openarts::objstore;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  openarts::Status key = ValidateObjectKey(in);
  openarts::Status bucket = ValidateBucketName(in);
  if (key.ok()) {
    // Rules the header promises, checked independently of the implementation.
    if (in.empty() || in.size() > 1024 || in.front() == '/') std::abort();
    if (in.find("//") != std::string_view::npos) std::abort();
    for (unsigned char c : in) {
      if (c < 0x20 || c == 0x7f) std::abort();
    }
    // An accepted key addresses an object through a URI and comes back unchanged.
    auto uri = ParseObsUri("obs://bucket/" + std::string(in));
    if (!uri.ok() || uri->key != in || uri->bucket != "bucket") std::abort();
  } else if (key.message().empty()) {
    std::abort();  // every rejection names its rule
  }
  if (bucket.ok()) {
    if (in.size() < 3 || in.size() > 63) std::abort();
    auto uri = ParseObsUri("s3://" + std::string(in) + "/k");
    if (!uri.ok() || uri->bucket != in || uri->key != "k") std::abort();
  } else if (bucket.message().empty()) {
    std::abort();
  }
  return 0;
}
