// YOLO 1.1 (Darknet/CVAT): obj.names, obj.data, image lists and label files read and written
// with every reject message; the VOC conversions with exact pixel values; the YOLO → VOC → YOLO
// round trip over many random boxes on several image sizes; the folder layout helpers; and
// golden files: each folder D in tests/golden/yolo/ (a YOLO import folder; D.images lists its
// images with their sizes, which the service would read from the images) → D.golden, the layout,
// every file parsed, each label file as VOC and back as YOLO. OPENARTS_UPDATE_GOLDEN=1 rewrites
// the golden files.
#include "formats/yolo.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>

#include "base/fs.h"

namespace openarts::formats {
namespace {

namespace fs = std::filesystem;

const fs::path kYoloGolden = fs::path(OPENARTS_SOURCE_DIR) / "src/formats/tests/golden/yolo";

std::string ReadGolden(const fs::path& p) {
  auto text = ReadFile(p);
  EXPECT_TRUE(text.ok()) << p << ": " << text.status().ToString();
  return text.ok() ? *text : "";
}

template <typename T>
std::string ErrorOf(const Result<T>& r) {
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

// The reason the single line of `text` is rejected for.
std::string LineError(std::string_view text, std::optional<int64_t> classes = std::nullopt) {
  YoloLabelsParse p = ParseYoloLabelsLenient(text, "a.txt", classes);
  EXPECT_TRUE(p.boxes.empty()) << text;
  EXPECT_EQ(p.rejected.size(), 1u) << text;
  return p.rejected.empty() ? "" : p.rejected[0].reason;
}

VocObject Object(std::string name, VocShapeKind kind, std::vector<VocPoint> points) {
  VocObject o;
  o.name = std::move(name);
  o.pose = "Unspecified";
  o.shape.kind = kind;
  o.shape.points = std::move(points);
  return o;
}

VocAnnotation Voc(int64_t w, int64_t h, std::vector<VocObject> objects) {
  VocAnnotation v;
  v.folder = "images";
  v.filename = "a.jpg";
  v.database = "Unknown";
  v.width = w;
  v.height = h;
  v.depth = 3;
  v.objects = std::move(objects);
  return v;
}

const std::vector<std::string> kNames = {"car", "person", "向日葵"};

// ------------------------------------------------------------------------------------------------
// obj.names

TEST(YoloNames, ParseAndWrite) {
  auto names = ParseYoloNames(
      "\xEF\xBB\xBF"
      "car\r\n person \r\n向日葵\n\n \n",
      "obj.names");
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, kNames);
  EXPECT_EQ(WriteYoloNames(*names), "car\nperson\n向日葵\n");
  EXPECT_EQ(*ParseYoloNames("a", "obj.names"), std::vector<std::string>{"a"});
  EXPECT_EQ(ParseYoloNames(WriteYoloNames(kNames), "obj.names").value(), kNames);
}

TEST(YoloNames, Rejects) {
  EXPECT_EQ(ErrorOf(ParseYoloNames("", "obj.names")), "obj.names: no class names");
  EXPECT_EQ(ErrorOf(ParseYoloNames("\n \r\n", "obj.names")), "obj.names: no class names");
  EXPECT_EQ(ErrorOf(ParseYoloNames("a\n\nb\n", "obj.names")),
            "obj.names:2: blank line before the last class name (it would shift the class "
            "indexes after it)");
  EXPECT_EQ(ErrorOf(ParseYoloNames("a\nb\n a\n", "obj.names")),
            "obj.names:3: class name \"a\" given twice (also line 1)");
}

// ------------------------------------------------------------------------------------------------
// obj.data

TEST(YoloData, CvatFile) {
  auto d = ParseYoloData(ReadGolden(kYoloGolden / "cvat_export/obj.data"), "obj.data");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->classes, 3);
  EXPECT_EQ(d->train, "data/train.txt");
  EXPECT_EQ(d->valid, "data/valid.txt");
  EXPECT_EQ(d->names, "data/obj.names");
  EXPECT_EQ(d->backup, "backup/");
  EXPECT_TRUE(d->extra.empty());
  EXPECT_EQ(WriteYoloData(*d), ReadGolden(kYoloGolden / "cvat_export/obj.data"));
}

TEST(YoloData, CommentsSpacesAndUnknownKeys) {
  auto d = ParseYoloData(
      "# a comment = not a key\n  classes=2 \nnames =  data/a b.names # not a comment\n"
      "valid = data/v.txt\neval = coco\nresults=\n",
      "obj.data");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->classes, 2);
  EXPECT_FALSE(d->train);
  EXPECT_FALSE(d->backup);
  EXPECT_EQ(d->names, "data/a b.names # not a comment");
  EXPECT_EQ(d->extra,
            (std::vector<std::pair<std::string, std::string>>{{"eval", "coco"}, {"results", ""}}));
  std::string text = WriteYoloData(*d);
  EXPECT_EQ(text,
            "classes = 2\nvalid = data/v.txt\nnames = data/a b.names # not a comment\n"
            "eval = coco\nresults =\n");
  EXPECT_EQ(ParseYoloData(text, "obj.data").value(), *d);
}

TEST(YoloData, Rejects) {
  EXPECT_EQ(ErrorOf(ParseYoloData("names = n\ntrain\n", "obj.data")),
            "obj.data:2: expected key = value, got \"train\"");
  EXPECT_EQ(ErrorOf(ParseYoloData("names = n\n = x\n", "obj.data")), "obj.data:2: empty key");
  EXPECT_EQ(ErrorOf(ParseYoloData("names = n\ntrain = a\n\ntrain = b\n", "obj.data")),
            "obj.data:4: \"train\" given twice (also line 2)");
  EXPECT_EQ(ErrorOf(ParseYoloData("classes = two\n", "obj.data")),
            "obj.data:1: classes: expected a non-negative integer, got \"two\"");
  EXPECT_EQ(ErrorOf(ParseYoloData("classes = -1\n", "obj.data")),
            "obj.data:1: classes: expected a non-negative integer, got \"-1\"");
  EXPECT_EQ(ErrorOf(ParseYoloData("classes =\n", "obj.data")),
            "obj.data:1: classes: expected a non-negative integer, got \"\"");
  EXPECT_EQ(ErrorOf(ParseYoloData("train = data/train.txt\n", "obj.data")),
            "obj.data: names: missing (names = data/obj.names)");
  EXPECT_EQ(ErrorOf(ParseYoloData("names = n\nbackup = b\n", "obj.data")),
            "obj.data: train, valid: neither is given (train = data/train.txt)");
}

// ------------------------------------------------------------------------------------------------
// Image lists

TEST(YoloImageList, ParseAndWrite) {
  EXPECT_EQ(ParseYoloImageList("\xEF\xBB\xBF"
                               "data/a.jpg\r\n\n  data/b c.jpg \nx"),
            (std::vector<std::string>{"data/a.jpg", "data/b c.jpg", "x"}));
  EXPECT_TRUE(ParseYoloImageList("").empty());
  // A byte order mark is trimmed like a space wherever it stands (yolo_fuzz found one after a
  // space, which the writer then put at the start of the file, where it is dropped).
  EXPECT_EQ(ParseYoloImageList(" \xEF\xBB\xBF"
                               "a.jpg\n\xEF\xBB\xBF"
                               "b.jpg\xEF\xBB\xBF\n"),
            (std::vector<std::string>{"a.jpg", "b.jpg"}));
  EXPECT_EQ(WriteYoloImageList({"data/a.jpg", "data/b c.jpg"}), "data/a.jpg\ndata/b c.jpg\n");
}

// ------------------------------------------------------------------------------------------------
// Label files

TEST(YoloLabels, ParseWithToleratedSpacing) {
  auto boxes = ParseYoloLabels(
      "\xEF\xBB\xBF"
      "0 0.5 0.5 0.25 0.25\r\n\n  2\t5e-1   .25 1 1e-1  \n1 0 1 0.000001 1",
      "a.txt", 3);
  ASSERT_TRUE(boxes.ok()) << boxes.status().ToString();
  EXPECT_EQ(*boxes,
            (std::vector<YoloBox>{
                {0, 0.5, 0.5, 0.25, 0.25}, {2, 0.5, 0.25, 1, 0.1}, {1, 0, 1, 0.000001, 1}}));
  EXPECT_TRUE(ParseYoloLabels("", "a.txt").value().empty());  // an image without objects
  EXPECT_TRUE(ParseYoloLabels("\n\r\n", "a.txt").value().empty());
}

TEST(YoloLabels, RejectMessages) {
  EXPECT_EQ(LineError("0 0.5 0.5 0.2"),
            "a.txt:1: expected 5 fields <class> <x_center> <y_center> <width> <height>, got 4");
  EXPECT_EQ(LineError("0 0.5 0.5 0.2 0.2 0.1 0.1"),
            "a.txt:1: expected 5 fields <class> <x_center> <y_center> <width> <height>, got 7");
  EXPECT_EQ(LineError("car 0.5 0.5 0.2 0.2"),
            "a.txt:1: class index: expected a non-negative integer, got \"car\"");
  EXPECT_EQ(LineError("1.0 0.5 0.5 0.2 0.2"),
            "a.txt:1: class index: expected a non-negative integer, got \"1.0\"");
  EXPECT_EQ(LineError("-1 0.5 0.5 0.2 0.2"),
            "a.txt:1: class index: expected a non-negative integer, got \"-1\"");
  EXPECT_EQ(LineError("7 0.5 0.5 0.2 0.2", 5),
            "a.txt:1: class index 7 is out of range: obj.names has 5 classes");
  EXPECT_EQ(LineError("1 0.5 0.5 0.2 0.2", 1),
            "a.txt:1: class index 1 is out of range: obj.names has 1 class");
  EXPECT_EQ(LineError("0 abc 0.5 0.2 0.2"), "a.txt:1: x_center: expected a number, got \"abc\"");
  EXPECT_EQ(LineError("0 0.5 0.5, 0.2 0.2"), "a.txt:1: y_center: expected a number, got \"0.5,\"");
  EXPECT_EQ(LineError("0 0.5 nan 0.2 0.2"), "a.txt:1: y_center: expected a number, got \"nan\"");
  EXPECT_EQ(LineError("0 0.5 0.5 inf 0.2"), "a.txt:1: width: expected a number, got \"inf\"");
  EXPECT_EQ(LineError("0 1.5 0.5 0.2 0.2"), "a.txt:1: x_center: 1.5 is outside [0, 1]");
  EXPECT_EQ(LineError("0 0.5 -0.1 0.2 0.2"), "a.txt:1: y_center: -0.1 is outside [0, 1]");
  EXPECT_EQ(LineError("0 0.5 0.5 1.01 0.2"), "a.txt:1: width: 1.01 is outside [0, 1]");
  EXPECT_EQ(LineError("0 0.5 0.5 0 0.2"), "a.txt:1: width: must be above 0 at 6 decimals, got 0");
  EXPECT_EQ(LineError("0 0.5 0.5 0.2 4e-7"),
            "a.txt:1: height: must be above 0 at 6 decimals, got 4e-7");
}

TEST(YoloLabels, LenientKeepsGoodLinesStrictStopsAtTheFirstBad) {
  std::string text = "0 0.5 0.5 0.2 0.2\n0 0.5\n\n9 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.1 0.1\n";
  YoloLabelsParse p = ParseYoloLabelsLenient(text, "obj_train_data/a.txt", 3);
  EXPECT_EQ(p.boxes, (std::vector<YoloBox>{{0, 0.5, 0.5, 0.2, 0.2}, {1, 0.1, 0.1, 0.1, 0.1}}));
  EXPECT_EQ(p.rejected,
            (std::vector<RejectedLine>{
                {2,
                 "obj_train_data/a.txt:2: expected 5 fields <class> <x_center> <y_center> "
                 "<width> <height>, got 2"},
                {4,
                 "obj_train_data/a.txt:4: class index 9 is out of range: obj.names has 3 "
                 "classes"}}));
  EXPECT_EQ(ErrorOf(ParseYoloLabels(text, "obj_train_data/a.txt", 3)), p.rejected[0].reason);
  // Without a class count any index is taken.
  EXPECT_EQ(ParseYoloLabelsLenient("9 0.5 0.5 0.2 0.2", "a.txt").boxes.size(), 1u);
}

TEST(YoloLabels, WriterRoundsToSixDecimals) {
  EXPECT_EQ(WriteYoloLabels({{0, 0.5, 0.5, 0.25, 1},
                             {12, 0.1234565, 1.0 / 3, 0.0000004, 0.0000005},
                             {1, 0, 0.999999, 0.9999996, 0.1 + 0.2}}),
            "0 0.5 0.5 0.25 1\n"
            "12 0.123456 0.333333 0 0\n"  // 0.1234565 is 0.12345649999… as a double
            "1 0 0.999999 1 0.3\n");
  EXPECT_EQ(WriteYoloLabels({}), "");
  std::vector<YoloBox> six = {{3, 0.000001, 0.123456, 0.654321, 1}};
  EXPECT_EQ(ParseYoloLabels(WriteYoloLabels(six), "a.txt").value(), six);
}

// ------------------------------------------------------------------------------------------------
// Conversions

TEST(YoloToVoc, ExactPixels) {
  auto voc = YoloToVoc(
      {{0, 0.5, 0.5, 0.25, 0.25}, {2, 0.123457, 0.654321, 0.1, 0.2}, {1, 0.05, 0.05, 0.2, 0.2}},
      kNames, 640, 480, "obj_train_data/night/a b.jpg");
  ASSERT_TRUE(voc.ok()) << voc.status().ToString();
  EXPECT_EQ(voc->folder, "obj_train_data/night");
  EXPECT_EQ(voc->filename, "a b.jpg");
  EXPECT_EQ(voc->database, "Unknown");
  EXPECT_EQ(voc->width, 640);
  EXPECT_EQ(voc->height, 480);
  EXPECT_EQ(voc->depth, 3);
  ASSERT_EQ(voc->objects.size(), 3u);
  EXPECT_EQ(voc->objects[0].name, "car");
  EXPECT_EQ(voc->objects[0].pose, "Unspecified");
  EXPECT_EQ(voc->objects[0].shape.kind, VocShapeKind::kBndbox);
  EXPECT_EQ(voc->objects[0].shape.points, (std::vector<VocPoint>{{240, 180}, {400, 300}}));
  EXPECT_EQ(voc->objects[1].name, "向日葵");
  // (2·123457 − 100000)·640 / 2e6 = 47.01248 with one rounding: the double nearest to it.
  EXPECT_EQ(voc->objects[1].shape.points,
            (std::vector<VocPoint>{{47.01248, 266.07408}, {111.01248, 362.07408}}));
  // A box reaching outside the image stays as the file says.
  EXPECT_EQ(voc->objects[2].shape.points, (std::vector<VocPoint>{{-32, -24}, {96, 72}}));
  auto again = ParseVoc(WriteVoc(*voc), "a.xml");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *voc);
  EXPECT_EQ(YoloToVoc({}, kNames, 1, 1, "x.jpg")->folder, "images");
}

TEST(YoloToVoc, Rejects) {
  EXPECT_EQ(ErrorOf(YoloToVoc({{3, 0.5, 0.5, 0.1, 0.1}}, kNames, 640, 480, "a.jpg")),
            "a.jpg: box 1: class index 3 is out of range: obj.names has 3 classes");
  EXPECT_EQ(ErrorOf(YoloToVoc({{0, 0.5, 0.5, 0.1, 0.1}, {-1, 0.5, 0.5, 0.1, 0.1}}, kNames, 640, 480,
                              "a.jpg")),
            "a.jpg: box 2: class index -1 is negative");
  EXPECT_EQ(ErrorOf(YoloToVoc({{0, 0.5, 2, 0.1, 0.1}}, kNames, 640, 480, "a.jpg")),
            "a.jpg: box 1: y_center: 2 is outside [0, 1]");
  EXPECT_EQ(ErrorOf(YoloToVoc({{0, 0.5, 0.5, 1e-9, 0.1}}, kNames, 640, 480, "a.jpg")),
            "a.jpg: box 1: width: must be above 0 at 6 decimals, got 1e-09");
  EXPECT_EQ(ErrorOf(YoloToVoc({}, kNames, 0, 480, "a.jpg")),
            "a.jpg: image size 0x480 is out of range [1, 2^30]");
  EXPECT_EQ(ErrorOf(YoloToVoc({}, kNames, 10, (int64_t{1} << 30) + 1, "a.jpg")),
            "a.jpg: image size 10x1073741825 is out of range [1, 2^30]");
}

TEST(VocToYolo, BoxesDropsAndClamping) {
  VocAnnotation voc = Voc(640, 480,
                          {Object("car", VocShapeKind::kBndbox, {{240, 180}, {400, 300}}),
                           Object("car", VocShapeKind::kPolygon, {{0, 0}, {1, 0}, {1, 1}}),
                           Object("dog", VocShapeKind::kBndbox, {{1, 1}, {2, 2}}),
                           Object("person", VocShapeKind::kBndbox, {{-100, -50}, {100, 50}}),
                           Object("person", VocShapeKind::kBndbox, {{-10, 10}, {650, 20}}),
                           Object("向日葵", VocShapeKind::kBndbox, {{700, 10}, {800, 20}}),
                           Object("car", VocShapeKind::kBndbox, {{1, 1}, {1.0001, 2}}),
                           Object("car", VocShapeKind::kCircle, {{1, 1}})});
  VocToYoloResult r = VocToYolo(voc, kNames);
  EXPECT_EQ(r.boxes, (std::vector<YoloBox>{{0, 0.5, 0.5, 0.25, 0.25},
                                           // centre (0, 0) inside, so kept as is, reaching outside
                                           {1, 0, 0, 0.3125, 0.208333},
                                           // wider than the image: clamped to [0, 640]
                                           {1, 0.5, 0.03125, 1, 0.020833}}));
  EXPECT_EQ(r.dropped, (std::vector<std::string>{
                           "annotation/object[2]: polygon is not a YOLO box",
                           "annotation/object[3]: label \"dog\" is not in obj.names",
                           "annotation/object[6]: box has nothing inside the 640x480 image",
                           "annotation/object[7]: box is under 0.000001 of the image size",
                           "annotation/object[8]: circle is not a YOLO box"}));
}

// YOLO → VOC (→ VOC XML, as the service stores it) → YOLO is exact for 6-decimal input, on image
// sizes that divide nothing evenly.
TEST(YoloRoundTrip, ManyRandomBoxes) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> centre(0, 1000000), size(1, 1000000), cls(0, 2);
  const std::pair<int64_t, int64_t> sizes[] = {
      {640, 480}, {1920, 1080}, {333, 517}, {1, 1}, {7, 100003}};
  for (auto [w, h] : sizes) {
    std::string text;
    for (int i = 0; i < 10000; ++i) {
      auto fixed = [](int64_t micros) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(micros / 1000000),
                      static_cast<long long>(micros % 1000000));
        return std::string(buf);
      };
      text += std::to_string(cls(rng)) + " " + fixed(centre(rng)) + " " + fixed(centre(rng)) + " " +
              fixed(size(rng)) + " " + fixed(size(rng)) + "\n";
    }
    auto boxes = ParseYoloLabels(text, "r.txt", 3);
    ASSERT_TRUE(boxes.ok()) << boxes.status().ToString();
    auto voc = YoloToVoc(*boxes, kNames, w, h, "r.jpg");
    ASSERT_TRUE(voc.ok()) << voc.status().ToString();
    auto stored = ParseVoc(WriteVoc(*voc), "r.xml");
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    VocToYoloResult back = VocToYolo(*stored, kNames);
    EXPECT_TRUE(back.dropped.empty()) << w << "x" << h;
    EXPECT_EQ(back.boxes, *boxes) << w << "x" << h;
    EXPECT_EQ(WriteYoloLabels(back.boxes), WriteYoloLabels(*boxes));
  }
}

// ------------------------------------------------------------------------------------------------
// Folder layout

TEST(YoloLayout, FindsTheRootAndTheFiles) {
  std::vector<std::string> paths = {"export/obj.data",
                                    "export/obj.names",
                                    "export/train.txt",
                                    "export/obj_train_data/a.jpg",
                                    "export/backup/old/obj.data",
                                    "readme.md"};
  auto layout = FindYoloLayout(paths);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_EQ(*layout,
            (YoloLayout{"export/", "export/obj.data", "export/obj.names", "export/train.txt", ""}));
  // Without obj.data the root is that of obj.names.
  auto bare = FindYoloLayout({"obj.names", "valid.txt", "x/obj.names"});
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(*bare, (YoloLayout{"", "", "obj.names", "", "valid.txt"}));
}

TEST(YoloLayout, FollowsObjData) {
  std::vector<std::string> paths = {"d/obj.data", "d/classes.names", "d/lists/train.txt",
                                    "d/obj.names", "d/valid.txt"};
  YoloData data;
  data.names = "data/classes.names";
  data.train = "./data/lists/train.txt";
  auto layout = FindYoloLayout(paths, &data);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  // valid.txt is there, but obj.data does not name it.
  EXPECT_EQ(*layout, (YoloLayout{"d/", "d/obj.data", "d/classes.names", "d/lists/train.txt", ""}));
  data.valid = "data/valid2.txt";
  EXPECT_EQ(ErrorOf(FindYoloLayout(paths, &data)),
            "d/obj.data: valid = data/valid2.txt: d/valid2.txt is not in the folder");
}

TEST(YoloLayout, Rejects) {
  EXPECT_EQ(ErrorOf(FindYoloLayout({"a.jpg", "a.txt"})), "no obj.data or obj.names in the folder");
  EXPECT_EQ(ErrorOf(FindYoloLayout({"b/obj.data", "a/obj.data", "a/obj.names"})),
            "a/obj.data, b/obj.data: two YOLO datasets in one folder");
  EXPECT_EQ(ErrorOf(FindYoloLayout({"obj.data", "train.txt"})),
            "obj.names: missing (one class name per line)");
}

TEST(YoloLayout, ResolvePaths) {
  std::vector<std::string> paths = {"e/obj_train_data/a.jpg", "e/x/b.jpg", "c.jpg"};
  YoloLayout layout{"e/", "", "e/obj.names", "", ""};
  EXPECT_EQ(ResolveYoloPath(paths, layout, "data/obj_train_data/a.jpg"), "e/obj_train_data/a.jpg");
  EXPECT_EQ(ResolveYoloPath(paths, layout, "./data\\obj_train_data\\a.jpg"),
            "e/obj_train_data/a.jpg");
  EXPECT_EQ(ResolveYoloPath(paths, layout, "x/b.jpg"), "e/x/b.jpg");
  EXPECT_EQ(ResolveYoloPath(paths, layout, "c.jpg"), "c.jpg");  // outside the root
  EXPECT_EQ(ResolveYoloPath(paths, layout, "data/missing.jpg"), "e/missing.jpg");
}

TEST(YoloLayout, MapsImagesToLabelFiles) {
  std::vector<std::string> paths = {"obj.names",
                                    "train.txt",
                                    "valid.txt",
                                    "obj_train_data/a.jpg",
                                    "obj_train_data/a.txt",
                                    "obj_train_data/b.png",
                                    "obj_train_data/c.JPEG",
                                    "obj_train_data/c.txt",
                                    "obj_train_data/notes.md",
                                    "obj_valid_data/d.jpg",
                                    "obj_valid_data/d.txt",
                                    "obj_valid_data/orphan.txt",
                                    "elsewhere/e.jpg",
                                    "elsewhere/e.txt",
                                    "elsewhere/f.jpg",
                                    "obj_train_data/noext"};
  YoloLayout layout{"", "", "obj.names", "train.txt", "valid.txt"};
  YoloImageMap map = MapYoloImages(
      paths, layout, {"data/obj_train_data/a.jpg", "data/elsewhere/e.jpg", "data/gone.jpg"},
      {"data/obj_train_data/a.jpg", "data/obj_train_data/noext"});
  EXPECT_EQ(map.images,
            (std::vector<YoloImageFiles>{
                {"obj_train_data/a.jpg", "obj_train_data/a.txt", YoloSubset::kTrain},
                {"elsewhere/e.jpg", "elsewhere/e.txt", YoloSubset::kTrain},
                {"obj_train_data/noext", "", YoloSubset::kValid},  // a list may name anything
                {"obj_train_data/b.png", "", YoloSubset::kTrain},  // unlabeled
                {"obj_train_data/c.JPEG", "obj_train_data/c.txt", YoloSubset::kTrain},
                {"obj_valid_data/d.jpg", "obj_valid_data/d.txt", YoloSubset::kValid}}));
  EXPECT_EQ(map.problems, (std::vector<std::string>{
                              "train.txt: data/gone.jpg: no such image in the folder",
                              "valid.txt: data/obj_train_data/a.jpg: already listed in train.txt",
                              "obj_valid_data/orphan.txt: a label file without an image"}));
}

// ------------------------------------------------------------------------------------------------
// Golden files

std::string Str(YoloSubset s) {
  switch (s) {
    case YoloSubset::kTrain:
      return "train";
    case YoloSubset::kValid:
      return "valid";
    case YoloSubset::kNone:
      return "none";
  }
  return "?";
}

// Every file of folder `dir` (relative paths), plus the images of `dir`.images with their sizes.
std::vector<std::string> ListFolder(const fs::path& dir,
                                    std::map<std::string, std::pair<int64_t, int64_t>>& sizes) {
  std::vector<std::string> paths;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) paths.push_back(fs::relative(e.path(), dir).generic_string());
  std::istringstream in(ReadGolden(fs::path(dir).concat(".images")));
  for (std::string line; std::getline(in, line);) {
    // "<path> <width> <height>"; the path may hold spaces.
    size_t b = line.rfind(' '), a = line.rfind(' ', b - 1);
    std::string path = line.substr(0, a);
    sizes[path] = {std::stoll(line.substr(a + 1, b - a - 1)), std::stoll(line.substr(b + 1))};
    paths.push_back(path);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string Dump(const fs::path& dir) {
  std::map<std::string, std::pair<int64_t, int64_t>> sizes;
  std::vector<std::string> paths = ListFolder(dir, sizes);
  auto read = [&](const std::string& p) { return p.empty() ? "" : ReadGolden(dir / p); };
  std::string out = "# layout\n";
  auto layout = FindYoloLayout(paths);
  if (!layout.ok()) return out + "# rejected " + layout.status().message() + "\n";
  std::optional<YoloData> data;
  if (!layout->data.empty()) {
    auto parsed = ParseYoloData(read(layout->data), layout->data);
    if (!parsed.ok()) return out + "# rejected " + parsed.status().message() + "\n";
    data = *parsed;
    layout = FindYoloLayout(paths, &*data);
    if (!layout.ok()) return out + "# rejected " + layout.status().message() + "\n";
  }
  out += "root: " + layout->root + "\ndata: " + layout->data + "\nnames: " + layout->names +
         "\ntrain_list: " + layout->train_list + "\nvalid_list: " + layout->valid_list + "\n";
  if (data) out += "# " + layout->data + "\n" + WriteYoloData(*data);
  auto names = ParseYoloNames(read(layout->names), layout->names);
  if (!names.ok()) return out + "# rejected " + names.status().message() + "\n";
  out += "# " + layout->names + "\n" + WriteYoloNames(*names);
  auto list = [&](const std::string& p) {
    return p.empty() ? std::vector<std::string>() : ParseYoloImageList(read(p));
  };
  YoloImageMap map =
      MapYoloImages(paths, *layout, list(layout->train_list), list(layout->valid_list));
  out += "# images\n";
  for (const auto& m : map.images)
    out += Str(m.subset) + " " + m.image + " -> " + (m.labels.empty() ? "(none)" : m.labels) + "\n";
  out += "# problems\n";
  for (const auto& p : map.problems) out += p + "\n";
  for (const auto& m : map.images) {
    auto [w, h] = sizes[m.image];
    out += "## " + m.image + " (" + std::to_string(w) + "x" + std::to_string(h) + ")\n";
    YoloLabelsParse labels =
        ParseYoloLabelsLenient(read(m.labels), m.labels, static_cast<int64_t>(names->size()));
    for (const auto& r : labels.rejected) out += "# rejected " + r.reason + "\n";
    auto voc = YoloToVoc(labels.boxes, *names, w, h, m.image);
    if (!voc.ok()) {
      out += "# YoloToVoc failed: " + voc.status().message() + "\n";
      continue;
    }
    out += WriteVoc(*voc);
    VocToYoloResult back = VocToYolo(*voc, *names);
    for (const auto& d : back.dropped) out += "# dropped " + d + "\n";
    std::string text = WriteYoloLabels(back.boxes);
    EXPECT_EQ(text, WriteYoloLabels(labels.boxes)) << m.image;  // the round trip
    out += "# back to YOLO\n" + text;
  }
  return out;
}

TEST(YoloGolden, EveryFolderMatchesItsGolden) {
  const bool update = std::getenv("OPENARTS_UPDATE_GOLDEN") != nullptr;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kYoloGolden)) {
    if (!entry.is_directory()) continue;
    ++count;
    SCOPED_TRACE(entry.path().filename().string());
    std::string got = Dump(entry.path());
    fs::path golden = fs::path(entry.path()).concat(".golden");
    if (update) {
      ASSERT_TRUE(WriteFileAtomic(golden, got).ok());
      continue;
    }
    EXPECT_EQ(got, ReadGolden(golden));
  }
  EXPECT_GE(count, 2);
}

}  // namespace
}  // namespace openarts::formats
