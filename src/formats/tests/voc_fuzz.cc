// VOC files come from users (imports, ModelArts exports). Parsing must never crash, throw or
// hang; every rejection is kInvalidArgument naming the file; whatever parses must survive a round
// trip, ParseVoc(WriteVoc(x)) == x, and writing is idempotent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/voc.h"

using namespace openarts;
using namespace openarts::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto voc = ParseVoc(in, "fuzz.xml");
  if (!voc.ok()) {
    if (voc.status().code() != Code::kInvalidArgument) std::abort();
    if (voc.status().message().rfind("fuzz.xml: ", 0) != 0) std::abort();
    return 0;
  }
  (void)ValidateAgainstImage(*voc, voc->width, voc->height);
  std::string text = WriteVoc(*voc);
  auto again = ParseVoc(text, "rewritten.xml");
  if (!again.ok() || !(*again == *voc)) std::abort();
  if (WriteVoc(*again) != text) std::abort();
  return 0;
}
