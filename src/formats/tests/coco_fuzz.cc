// COCO files come from users (imports). Parsing must never crash, throw or hang; a whole-file
// rejection is kInvalidArgument naming the file, a rejected item names the file and its path;
// whatever parses must survive a round trip, ParseCoco(WriteCoco(x)) == x, writing is idempotent
// and the streaming writer writes the same bytes; the VOC conversions must not crash, their VOC
// must read back equal, and COCO made from that VOC must be a valid COCO file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/coco.h"

using namespace openarts;
using namespace openarts::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseCocoLenient(in, "fuzz.json");
  if (!parsed.ok()) {
    if (parsed.status().code() != Code::kInvalidArgument) std::abort();
    if (parsed.status().message().rfind("fuzz.json", 0) != 0) std::abort();
    return 0;
  }
  for (const auto& r : parsed->rejected) {
    if (r.reason.rfind("fuzz.json: " + r.path, 0) != 0) std::abort();
  }
  const CocoFile& coco = parsed->coco;
  std::string text = WriteCoco(coco);
  auto again = ParseCoco(text, "rewritten.json");
  if (!again.ok() || !(*again == coco)) std::abort();
  if (WriteCoco(*again) != text) std::abort();

  std::string streamed;
  CocoWriter writer([&](std::string_view s) { streamed += s; }, 7);
  writer.Begin(coco.info, coco.licenses, coco.categories, coco.extra);
  for (const auto& m : coco.images) writer.AddImage(m);
  for (const auto& a : coco.annotations) writer.AddAnnotation(a);
  writer.Finish();
  if (streamed != text) std::abort();

  CocoToVocResult voc = CocoToVoc(coco);
  for (const auto& m : voc.images) {
    auto back = ParseVoc(WriteVoc(m.voc), "fuzz.xml");
    if (!back.ok() || !(*back == m.voc)) std::abort();
  }
  VocToCocoResult coco2 = VocToCoco(voc.images, {coco.categories, coco.info, coco.licenses});
  auto reread = ParseCoco(WriteCoco(coco2.coco), "converted.json");
  if (!reread.ok() || !(*reread == coco2.coco)) std::abort();
  return 0;
}
