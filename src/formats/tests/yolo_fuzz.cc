// YOLO files come from users (imports). The first byte picks the kind of file (0 obj.names,
// 1 obj.data, 2 an image list, also taken as a folder listing for the layout helpers, 3 a label
// file); the rest is its text. Parsing must never crash, throw or hang; rejections name the file;
// whatever parses must survive parse(write(x)) == x with idempotent writing (labels: once rounded
// to 6 decimals), and labels must go to VOC (and VOC XML) and back to YOLO exactly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/yolo.h"

using namespace openarts;
using namespace openarts::formats;

namespace {

void CheckError(const Status& s, std::string_view source) {
  if (s.code() != Code::kInvalidArgument) std::abort();
  if (s.message().rfind(source, 0) != 0) std::abort();
}

void Names(std::string_view in) {
  auto names = ParseYoloNames(in, "obj.names");
  if (!names.ok()) return CheckError(names.status(), "obj.names");
  std::string text = WriteYoloNames(*names);
  auto again = ParseYoloNames(text, "obj.names");
  if (!again.ok() || *again != *names || WriteYoloNames(*again) != text) std::abort();
}

void Data(std::string_view in) {
  auto data = ParseYoloData(in, "obj.data");
  if (!data.ok()) return CheckError(data.status(), "obj.data");
  std::string text = WriteYoloData(*data);
  auto again = ParseYoloData(text, "obj.data");
  if (!again.ok() || !(*again == *data) || WriteYoloData(*again) != text) std::abort();
  std::vector<std::string> paths = {"obj.data", "obj.names", "train.txt", "obj_train_data/a.jpg"};
  (void)FindYoloLayout(paths, &*data);
}

void List(std::string_view in) {
  std::vector<std::string> paths = ParseYoloImageList(in);
  std::string text = WriteYoloImageList(paths);
  if (ParseYoloImageList(text) != paths || WriteYoloImageList(paths) != text) std::abort();
  auto layout = FindYoloLayout(paths);
  if (!layout.ok()) return;
  std::vector<std::string> train(paths.begin(), paths.begin() + paths.size() / 2);
  std::vector<std::string> valid(paths.begin() + paths.size() / 2, paths.end());
  YoloImageMap map = MapYoloImages(paths, *layout, train, valid);
  for (const auto& m : map.images) {
    if (m.image.empty()) std::abort();
  }
}

void Labels(std::string_view in) {
  static const std::vector<std::string> kNames = {"a", "b", "c"};
  YoloLabelsParse parse = ParseYoloLabelsLenient(in, "fuzz.txt", 3);
  for (const auto& r : parse.rejected) {
    if (r.reason.rfind("fuzz.txt:" + std::to_string(r.line) + ": ", 0) != 0) std::abort();
  }
  std::string text = WriteYoloLabels(parse.boxes);
  auto rounded = ParseYoloLabels(text, "rewritten.txt", 3);
  if (!rounded.ok() || rounded->size() != parse.boxes.size()) std::abort();
  if (WriteYoloLabels(*rounded) != text) std::abort();
  static const std::pair<int64_t, int64_t> kSizes[] = {{640, 480}, {333, 517}, {1, 1}, {7, 100003}};
  auto [w, h] = kSizes[in.size() % 4];
  for (const auto* boxes : {&parse.boxes, &*rounded}) {
    auto voc = YoloToVoc(*boxes, kNames, w, h, "dir/fuzz.jpg");
    if (!voc.ok()) std::abort();
    auto stored = ParseVoc(WriteVoc(*voc), "fuzz.xml");
    if (!stored.ok() || !(*stored == *voc)) std::abort();
    VocToYoloResult back = VocToYolo(*stored, kNames);
    if (!back.dropped.empty() || back.boxes != *rounded) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      Names(in);
      break;
    case 1:
      Data(in);
      break;
    case 2:
      List(in);
      break;
    default:
      Labels(in);
      break;
  }
  return 0;
}
