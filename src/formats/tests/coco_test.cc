// COCO instances JSON: a CVAT export and a COCO-2017-style file read field by field, every
// per-item reject with its message, whole-file failures, the canonical writer (exact text, the
// streaming writer, hand-built values), the VOC conversions both ways, the COCO → VOC → COCO
// round trip (golden files and many random boxes and polygons), and golden files
// (tests/golden/coco/X.json → X.golden: rejected items and the canonical rewrite, or
// "# file rejected <reason>"; X.voc.golden: CocoToVoc's VOC files and VocToCoco's way back).
// OPENARTS_UPDATE_GOLDEN=1 rewrites the golden files.
#include "formats/coco.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>

#include "base/fs.h"

namespace openarts::formats {
namespace {

namespace fs = std::filesystem;

const fs::path kCocoGolden = fs::path(OPENARTS_SOURCE_DIR) / "src/formats/tests/golden/coco";

std::string ReadGolden(const fs::path& p) {
  auto text = ReadFile(p);
  EXPECT_TRUE(text.ok()) << p << ": " << text.status().ToString();
  return text.ok() ? *text : "";
}

CocoFile Parse(std::string_view text) {
  auto c = ParseCoco(text, "a.json");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : CocoFile{};
}

std::string FileError(std::string_view text) {
  auto c = ParseCocoLenient(text, "a.json");
  EXPECT_FALSE(c.ok()) << text;
  if (c.ok()) return "";
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  return c.status().message();
}

void ExpectRoundTrip(const CocoFile& coco) {
  std::string text = WriteCoco(coco);
  auto again = ParseCoco(text, "rewritten.json");
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << text;
  EXPECT_EQ(*again, coco) << text;
  EXPECT_EQ(WriteCoco(*again), text);
}

// A file with one image (id 1) and one category (id 1) around the given annotations.
std::string WithAnnotations(std::string_view annotations) {
  return R"({"images":[{"id":1,"file_name":"a.jpg","width":10,"height":10}],)"
         R"("categories":[{"id":1,"name":"cat"}],"annotations":[)" +
         std::string(annotations) + "]}";
}

// The reason the single annotation of WithAnnotations(a) is rejected for.
std::string Rejected(std::string_view annotation) {
  auto c = ParseCocoLenient(WithAnnotations(annotation), "a.json");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return "";
  EXPECT_TRUE(c->coco.annotations.empty()) << annotation;
  EXPECT_EQ(c->rejected.size(), 1u) << annotation;
  if (c->rejected.size() != 1) return "";
  EXPECT_EQ(c->rejected[0].path, "annotations[0]");
  return c->rejected[0].reason;
}

VocObject Object(std::string name, VocShapeKind kind, std::vector<VocPoint> points) {
  VocObject o;
  o.name = std::move(name);
  o.pose = "Unspecified";
  o.shape.kind = kind;
  o.shape.points = std::move(points);
  return o;
}

CocoVocImage Image(std::string file_name, int64_t w, int64_t h, std::vector<VocObject> objects) {
  CocoVocImage m;
  m.file_name = file_name;
  m.voc.folder = "f";
  m.voc.filename = file_name;
  m.voc.database = "Unknown";
  m.voc.width = w;
  m.voc.height = h;
  m.voc.depth = 3;
  m.voc.objects = std::move(objects);
  return m;
}

// ------------------------------------------------------------------------------------------------
// Reading

TEST(CocoRead, CvatExport) {
  CocoFile c = Parse(ReadGolden(kCocoGolden / "cvat_export.json"));
  EXPECT_EQ(c.info["contributor"], "");
  EXPECT_EQ(c.licenses, Json::parse(R"([{"name":"","id":0,"url":""}])"));
  ASSERT_EQ(c.categories.size(), 4u);
  EXPECT_EQ(c.categories[2].id, 3);
  EXPECT_EQ(c.categories[2].name, "向日葵");
  EXPECT_EQ(c.categories[2].supercategory, "");
  EXPECT_TRUE(c.categories[2].extra.empty());
  ASSERT_EQ(c.images.size(), 3u);
  EXPECT_EQ(c.images[1].id, 2);
  EXPECT_EQ(c.images[1].file_name, "night/行人 1.jpg");
  EXPECT_EQ(c.images[1].width, 1920);
  EXPECT_EQ(c.images[1].height, 1080);
  EXPECT_EQ(c.images[1].extra,
            Json::parse(R"({"license":0,"flickr_url":"","coco_url":"","date_captured":0})"));
  ASSERT_EQ(c.annotations.size(), 5u);
  const CocoAnnotation& box = c.annotations[0];
  EXPECT_EQ(box.id, 1);
  EXPECT_EQ(box.image_id, 1);
  EXPECT_EQ(box.category_id, 1);
  EXPECT_EQ(box.bbox, (std::array<double, 4>{10.5, 20.25, 100, 50}));
  EXPECT_EQ(box.area, 5000);
  EXPECT_FALSE(box.iscrowd);
  EXPECT_TRUE(box.polygons.empty());
  EXPECT_TRUE(box.rle.is_null());
  EXPECT_EQ(box.extra, Json::parse(R"({"attributes":{"occluded":false,"rotation":0.0}})"));
  EXPECT_EQ(
      c.annotations[1].polygons,
      (std::vector<std::vector<double>>{{100.5, 100, 150.25, 100, 150.25, 200.75, 100.5, 200.75}}));
  EXPECT_EQ(c.annotations[4].area, 14.52);
  ExpectRoundTrip(c);
}

TEST(CocoRead, Coco2017Style) {
  CocoFile c = Parse(ReadGolden(kCocoGolden / "coco2017_style.json"));
  EXPECT_EQ(c.info["year"], 2017);
  EXPECT_EQ(c.extra, Json::parse(R"({"type":"instances"})"));
  ASSERT_EQ(c.images.size(), 2u);
  EXPECT_EQ(c.images[0].id, 397133);
  EXPECT_EQ(c.images[0].extra["date_captured"], "2013-11-14 17:02:52");
  ASSERT_EQ(c.categories.size(), 3u);
  EXPECT_EQ(c.categories[2].extra, Json::parse(R"({"keypoints":[]})"));
  ASSERT_EQ(c.annotations.size(), 6u);
  EXPECT_EQ(c.annotations[1].polygons.size(), 2u);  // two rings
  const CocoAnnotation& crowd = c.annotations[2];
  EXPECT_EQ(crowd.id, 900100397133);
  EXPECT_TRUE(crowd.iscrowd);
  EXPECT_TRUE(crowd.polygons.empty());
  EXPECT_EQ(crowd.rle["size"], Json::parse("[427,640]"));
  EXPECT_EQ(crowd.rle["counts"].size(), 18u);
  EXPECT_EQ(c.annotations[3].rle["counts"], "Ye`12a60O2N1O1O1N2O0O2O");
  const CocoAnnotation& bare = c.annotations[4];  // no segmentation, area, iscrowd
  EXPECT_FALSE(bare.area);
  EXPECT_FALSE(bare.iscrowd);
  EXPECT_TRUE(bare.polygons.empty());
  EXPECT_TRUE(bare.rle.is_null());
  EXPECT_EQ(bare.extra, Json::parse(R"({"score":0.875})"));
  ExpectRoundTrip(c);
}

TEST(CocoRead, AbsentAndEmptySegmentationAreTheSame) {
  CocoFile a = Parse(WithAnnotations(R"({"id":1,"image_id":1,"category_id":1,"bbox":[0,0,1,1]})"));
  CocoFile b = Parse(WithAnnotations(
      R"({"id":1,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"segmentation":[]})"));
  EXPECT_EQ(a, b);
  EXPECT_NE(WriteCoco(a).find(R"("iscrowd":0,"segmentation":[]})"), std::string::npos);
}

TEST(CocoRead, BomIntegersAndBooleans) {
  CocoFile c =
      Parse("\xEF\xBB\xBF" +
            WithAnnotations(
                R"({"id":-5,"image_id":1,"category_id":1,"bbox":[1e2,0.5,18446744073709551615,0],)"
                R"("iscrowd":false})"));
  ASSERT_EQ(c.annotations.size(), 1u);
  EXPECT_EQ(c.annotations[0].id, -5);
  EXPECT_EQ(c.annotations[0].bbox, (std::array<double, 4>{100, 0.5, 18446744073709551615.0, 0}));
  ExpectRoundTrip(c);
}

TEST(CocoReject, AnnotationMessages) {
  const std::string ok = R"("id":1,"image_id":1,"category_id":1)";
  EXPECT_EQ(Rejected("7"), "a.json: annotations[0]: expected an object, got a number");
  EXPECT_EQ(Rejected(R"({"image_id":1,"category_id":1,"bbox":[0,0,1,1]})"),
            "a.json: annotations[0].id: missing");
  EXPECT_EQ(Rejected("{" + ok + "}"), "a.json: annotations[0].bbox: missing");
  EXPECT_EQ(Rejected(R"({"id":"1","image_id":1,"category_id":1,"bbox":[0,0,1,1]})"),
            "a.json: annotations[0].id: expected an integer, got \"1\"");
  EXPECT_EQ(Rejected(R"({"id":1,"image_id":1.0,"category_id":1,"bbox":[0,0,1,1]})"),
            "a.json: annotations[0].image_id: expected an integer, got 1.0");
  EXPECT_EQ(Rejected(R"({"id":1,"image_id":2,"category_id":1,"bbox":[0,0,1,1]})"),
            "a.json: annotations[0].image_id: no image with id 2");
  EXPECT_EQ(Rejected(R"({"id":1,"image_id":1,"category_id":9,"bbox":[0,0,1,1]})"),
            "a.json: annotations[0].category_id: no category with id 9");
  EXPECT_EQ(Rejected("{" + ok + R"(,"bbox":[1,2,3]})"),
            "a.json: annotations[0].bbox: expected 4 numbers [x, y, width, height], got 3 "
            "elements");
  EXPECT_EQ(Rejected("{" + ok + R"(,"bbox":{"x":1}})"),
            "a.json: annotations[0].bbox: expected [x, y, width, height], got {\"x\":1}");
  EXPECT_EQ(Rejected("{" + ok + R"(,"bbox":[1,2,null,4]})"),
            "a.json: annotations[0].bbox[2]: expected a finite number, got null");
  EXPECT_EQ(Rejected("{" + ok + R"(,"bbox":[0,0,-1,5]})"),
            "a.json: annotations[0].bbox: width must not be negative, got [0,0,-1,5]");
  EXPECT_EQ(Rejected("{" + ok + R"(,"bbox":[0,0,1,-0.5]})"),
            "a.json: annotations[0].bbox: height must not be negative, got [0,0,1,-0.5]");
  const std::string box = ok + R"(,"bbox":[0,0,1,1])";
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":[[1,2,3,4,5,6,7]]})"),
            "a.json: annotations[0].segmentation[0]: a polygon needs an even count of numbers, "
            "got 7");
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":[[0,0,1,1,2,2],[1,2,3,4]]})"),
            "a.json: annotations[0].segmentation[1]: a polygon needs at least 3 points (6 "
            "numbers), got 4");
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":[[]]})"),
            "a.json: annotations[0].segmentation[0]: a polygon needs at least 3 points (6 "
            "numbers), got 0");
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":[1,2,3,4,5,6]})"),
            "a.json: annotations[0].segmentation[0]: expected a polygon [x1, y1, x2, y2, ...], "
            "got 1");
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":[[0,0,1,1,"2",2]]})"),
            "a.json: annotations[0].segmentation[0][4]: expected a finite number, got \"2\"");
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":null})"),
            "a.json: annotations[0].segmentation: expected a list of polygons or an RLE object, "
            "got null");
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":{"counts":[1]}})"),
            "a.json: annotations[0].segmentation.size: missing");
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":{"size":[1,1]}})"),
            "a.json: annotations[0].segmentation.counts: missing");
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":{"size":[1,-1],"counts":[1]}})"),
            "a.json: annotations[0].segmentation.size: expected [height, width], got [1,-1]");
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":{"size":[1,1],"counts":[0,1.5]}})"),
            "a.json: annotations[0].segmentation.counts[1]: expected a non-negative integer, "
            "got 1.5");
  EXPECT_EQ(Rejected("{" + box + R"(,"segmentation":{"size":[1,1],"counts":7}})"),
            "a.json: annotations[0].segmentation.counts: expected a list of run lengths or a "
            "compressed string, got 7");
  EXPECT_EQ(Rejected("{" + box + R"(,"area":-1})"),
            "a.json: annotations[0].area: must not be negative, got -1");
  EXPECT_EQ(Rejected("{" + box + R"(,"area":"big"})"),
            "a.json: annotations[0].area: expected a finite number, got \"big\"");
  EXPECT_EQ(Rejected("{" + box + R"(,"iscrowd":2})"),
            "a.json: annotations[0].iscrowd: expected 0 or 1, got 2");
  EXPECT_EQ(Rejected("{" + box + R"(,"bbox":[0,0,2,2]})"),
            "a.json: annotations[0]: duplicate key \"bbox\"");
  EXPECT_EQ(Rejected("{" + box + R"(,"score":1,"score":2})"),
            "a.json: annotations[0]: duplicate key \"score\"");
}

TEST(CocoReject, LenientKeepsTheRestAndCascades) {
  auto c = ParseCocoLenient(ReadGolden(kCocoGolden / "rejects.json"), "rejects.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->coco.categories.size(), 1u);
  EXPECT_EQ(c->coco.categories[0].name, "cat");
  ASSERT_EQ(c->coco.images.size(), 1u);
  EXPECT_EQ(c->coco.images[0].file_name, "a.jpg");
  ASSERT_EQ(c->coco.annotations.size(), 2u);
  EXPECT_EQ(c->coco.annotations[0].id, 1);
  EXPECT_EQ(c->coco.annotations[1].id, 21);  // iscrowd true, a polygon
  EXPECT_TRUE(c->coco.annotations[1].iscrowd);
  std::vector<std::string> paths;
  for (const auto& r : c->rejected) paths.push_back(r.path);
  EXPECT_EQ(paths.size(), 7u + 5u + 21u);
  EXPECT_EQ(paths.front(), "categories[1]");
  EXPECT_EQ(c->rejected[0].reason,
            "rejects.json: categories[1].id: duplicate id 1 (also categories[0])");
  auto reason = [&](std::string_view path) {
    for (const auto& r : c->rejected)
      if (r.path == path) return r.reason;
    return std::string("not rejected");
  };
  EXPECT_EQ(reason("categories[3]"), "rejects.json: categories[3].name: missing");
  EXPECT_EQ(reason("categories[4]"), "rejects.json: categories[4].name: empty");
  EXPECT_EQ(reason("categories[6]"), "rejects.json: categories[6]: duplicate key \"name\"");
  EXPECT_EQ(reason("categories[7]"),
            "rejects.json: categories[7].supercategory: expected a string, got null");
  EXPECT_EQ(reason("images[1]"),
            "rejects.json: images[1].width: expected a positive integer, got 0");
  EXPECT_EQ(reason("images[2]"), "rejects.json: images[2].id: duplicate id 1 (also images[0])");
  EXPECT_EQ(reason("images[3]"),
            "rejects.json: images[3].width: expected a positive integer, got 10.5");
  EXPECT_EQ(reason("images[4]"), "rejects.json: images[4].file_name: missing");
  // An annotation of a rejected image or category names it; duplicates keep the first.
  EXPECT_EQ(reason("annotations[1]"),
            "rejects.json: annotations[1].image_id: image 2 was rejected (images[1])");
  EXPECT_EQ(reason("annotations[3]"),
            "rejects.json: annotations[3].category_id: category 3 was rejected (categories[3])");
  EXPECT_EQ(reason("annotations[17]"),
            "rejects.json: annotations[17].id: duplicate id 1 (also annotations[0])");
  EXPECT_EQ(reason("annotations[19]"),
            "rejects.json: annotations[19].id: expected an integer, got 1.5");
  // The strict reader fails with the first of them.
  auto strict = ParseCoco(ReadGolden(kCocoGolden / "rejects.json"), "rejects.json");
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().message(), c->rejected[0].reason);
}

TEST(CocoReject, WholeFile) {
  EXPECT_EQ(FileError(""), "a.json:1:1: not valid JSON: Empty: no JSON found");
  EXPECT_EQ(FileError("{\n \"images\": [1,\n 2,,]}"),
            "a.json:3:4: not valid JSON: The JSON document has an improper structure: missing "
            "or superfluous commas, braces, missing keys, etc.");
  EXPECT_EQ(FileError("[]"), "a.json: top level: expected an object, got an array");
  EXPECT_EQ(FileError(R"({"images":[],"categories":[]})"), "a.json: annotations: missing");
  EXPECT_EQ(FileError(R"({"images":[],"annotations":[]})"), "a.json: categories: missing");
  EXPECT_EQ(FileError(R"({"annotations":[],"categories":[]})"), "a.json: images: missing");
  EXPECT_EQ(FileError(R"({"images":{},"annotations":[],"categories":[]})"),
            "a.json: images: expected an array, got an object");
  EXPECT_EQ(FileError(R"({"images":[],"images":[],"annotations":[],"categories":[]})"),
            "a.json: images: duplicate key");
  EXPECT_EQ(FileError(R"({"info":[],"images":[],"annotations":[],"categories":[]})"),
            "a.json: info: expected an object, got an array");
  EXPECT_EQ(FileError(R"({"licenses":{},"images":[],"annotations":[],"categories":[]})"),
            "a.json: licenses: expected an array, got an object");
  // The position is where nlohmann's lexer gave up: the end of the bad number.
  EXPECT_EQ(FileError(R"({"images":[],"annotations":[],"categories":[],"n":1e999})"),
            "a.json:1:55: not valid JSON: Problem while parsing a number");
  // nlohmann (used only to locate errors) takes big integers; simdjson does not.
  EXPECT_EQ(FileError(R"({"n":123456789012345678901234567890})"),
            "a.json: not valid JSON: Problem while parsing a number");
  EXPECT_EQ(FileError("{\"images\":[\"\xFF\"]}"),
            "a.json:1:13: not valid JSON: The input is not valid UTF-8");
}

// ------------------------------------------------------------------------------------------------
// Writing

CocoFile HandBuilt() {
  CocoFile c;
  c.info = Json::parse(R"({"year":2024,"description":"d"})");
  c.categories.push_back({1, "cat", "animal", Json::object()});
  c.categories.push_back({7, "dog", std::nullopt, Json::parse(R"({"color":"#fff"})")});
  c.images.push_back({3, "x/a.jpg", 640, 480, Json::parse(R"({"license":1})")});
  CocoAnnotation a;
  a.id = 1;
  a.image_id = 3;
  a.category_id = 7;
  a.bbox = {0.1, 2, 1e-7, 3.25};
  a.area = 3.25e-7;
  c.annotations.push_back(a);
  a.id = 2;
  a.category_id = 1;
  a.bbox = {1, 1, 2, 2};
  a.area.reset();
  a.iscrowd = true;
  a.polygons = {{1, 1, 3, 1, 3, 3}, {0.5, 0.5, 1, 0.5, 1, 1}};
  a.extra = Json::parse(R"({"score":0.9,"attributes":{"z":[1,2]}})");
  c.annotations.push_back(a);
  a.id = 3;
  a.polygons.clear();
  a.rle = Json::parse(R"({"size":[480,640],"counts":"abc"})");
  a.extra = Json::object();
  c.annotations.push_back(a);
  return c;
}

TEST(CocoWrite, CanonicalText) {
  EXPECT_EQ(WriteCoco(HandBuilt()),
            "{\n"
            "\"info\":{\"description\":\"d\",\"year\":2024},\n"
            "\"categories\":[\n"
            "{\"id\":1,\"name\":\"cat\",\"supercategory\":\"animal\"},\n"
            "{\"id\":7,\"name\":\"dog\",\"color\":\"#fff\"}\n"
            "],\n"
            "\"images\":[\n"
            "{\"id\":3,\"file_name\":\"x/a.jpg\",\"width\":640,\"height\":480,\"license\":1}\n"
            "],\n"
            "\"annotations\":[\n"
            "{\"id\":1,\"image_id\":3,\"category_id\":7,\"bbox\":[0.1,2,1e-07,3.25],"
            "\"area\":3.25e-07,\"iscrowd\":0,\"segmentation\":[]},\n"
            "{\"id\":2,\"image_id\":3,\"category_id\":1,\"bbox\":[1,1,2,2],\"iscrowd\":1,"
            "\"segmentation\":[[1,1,3,1,3,3],[0.5,0.5,1,0.5,1,1]],"
            "\"attributes\":{\"z\":[1,2]},\"score\":0.9},\n"
            "{\"id\":3,\"image_id\":3,\"category_id\":1,\"bbox\":[1,1,2,2],\"iscrowd\":1,"
            "\"segmentation\":{\"counts\":\"abc\",\"size\":[480,640]}}\n"
            "]\n"
            "}\n");
  ExpectRoundTrip(HandBuilt());
}

TEST(CocoWrite, EmptyFile) {
  EXPECT_EQ(WriteCoco(CocoFile{}),
            "{\n\"categories\":[],\n\"images\":[],\n\"annotations\":[]\n}\n");
  ExpectRoundTrip(CocoFile{});
}

TEST(CocoWrite, StringsAndExtrasOfHandBuiltValues) {
  CocoFile c;
  c.images.push_back({1, "a\"b\\c\n\t\x01\xFF\xC3\xA9.jpg", 1, 1, Json::object()});
  c.images[0].extra["width"] = 99;  // names a known field: not written
  c.images[0].extra["note"] = "\xFE";
  c.extra["images"] = 1;  // likewise at the top level
  c.extra["type"] = "instances";
  std::string text = WriteCoco(c);
  EXPECT_NE(
      text.find(R"("file_name":"a\"b\\c\n\t\u0001)"
                "\xEF\xBF\xBD\xC3\xA9.jpg\",\"width\":1,\"height\":1,\"note\":\"\xEF\xBF\xBD\"}"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("\"type\":\"instances\",\n\"categories\""), std::string::npos) << text;
  auto again = ParseCoco(text, "w.json");
  ASSERT_TRUE(again.ok()) << again.status().ToString() << text;
  EXPECT_EQ(again->images[0].file_name, "a\"b\\c\n\t\x01\xEF\xBF\xBD\xC3\xA9.jpg");
  EXPECT_EQ(again->images[0].width, 1);
}

TEST(CocoWrite, NumbersAreShortestAndExact) {
  CocoFile c;
  c.images.push_back({1, "a.jpg", 1, 1, Json::object()});
  c.categories.push_back({1, "x", std::nullopt, Json::object()});
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> any(-1e6, 1e6);
  for (int i = 0; i < 2000; ++i) {
    CocoAnnotation a;
    a.id = i;
    a.image_id = 1;
    a.category_id = 1;
    a.bbox = {any(rng), any(rng) / 3, std::abs(any(rng)) * 1e-300, std::abs(any(rng)) * 1e300};
    a.polygons = {{any(rng), any(rng), 1.0 / 3, 2.0 / 3, 0.1 + 0.2, -0.0}};
    a.area = std::abs(any(rng));
    c.annotations.push_back(a);
  }
  ExpectRoundTrip(c);
  EXPECT_NE(WriteCoco(c).find(",0.30000000000000004,"), std::string::npos);
}

TEST(CocoWrite, StreamingWriterMatchesWriteCoco) {
  CocoFile c = Parse(ReadGolden(kCocoGolden / "coco2017_style.json"));
  for (size_t chunk : {size_t{1}, size_t{64}, size_t{1} << 20}) {
    std::string streamed;
    std::vector<size_t> sizes;
    CocoWriter w(
        [&](std::string_view s) {
          streamed += s;
          sizes.push_back(s.size());
        },
        chunk);
    w.Begin(c.info, c.licenses, c.categories, c.extra);
    for (const auto& m : c.images) w.AddImage(m);
    for (const auto& a : c.annotations) w.AddAnnotation(a);
    EXPECT_EQ(sizes.size() > 1, chunk < 1000) << chunk;  // chunks before Finish when small
    w.Finish();
    EXPECT_EQ(streamed, WriteCoco(c));
  }
  std::string appended = "prefix:";
  CocoWriter w(&appended);
  w.Begin(Json(), Json(), {});
  w.Finish();  // no images, no annotations
  EXPECT_EQ(appended, "prefix:{\n\"categories\":[],\n\"images\":[],\n\"annotations\":[]\n}\n");
}

TEST(CocoWriteDeathTest, ImagesMustComeBeforeAnnotations) {
  EXPECT_DEATH(
      {
        std::string out;
        CocoWriter w(&out);
        w.Begin(Json(), Json(), {});
        w.AddAnnotation(CocoAnnotation{});
        w.AddImage(CocoImage{});
      },
      "state_ == State::kImages");
}

// 100,000 boxes: written and read back exactly; the times are printed (measured, not asserted:
// the limits in coco.h hold for optimised builds on an idle machine).
TEST(CocoWrite, HundredThousandBoxes) {
  CocoFile c;
  c.categories.push_back({1, "car", std::nullopt, Json::object()});
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> px(0, 192000);
  for (int i = 1; i <= 1000; ++i)
    c.images.push_back({i, "img/" + std::to_string(i) + ".jpg", 1920, 1080, Json::object()});
  for (int i = 1; i <= 100000; ++i) {
    CocoAnnotation a;
    a.id = i;
    a.image_id = 1 + i % 1000;
    a.category_id = 1;
    a.bbox = {px(rng) / 100.0, px(rng) / 200.0, px(rng) / 1000.0, px(rng) / 2000.0};
    a.area = a.bbox[2] * a.bbox[3];
    c.annotations.push_back(a);
  }
  auto t0 = std::chrono::steady_clock::now();
  std::string text = WriteCoco(c);
  auto t1 = std::chrono::steady_clock::now();
  auto again = ParseCoco(text, "big.json");
  auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, c);
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::cout << "[ timing   ] WriteCoco " << ms(t1 - t0) << " ms, ParseCoco " << ms(t2 - t1)
            << " ms for " << text.size() / 1e6 << " MB\n";
}

// ------------------------------------------------------------------------------------------------
// Conversions

TEST(CocoToVoc, BoxesPolygonsAndHeaders) {
  CocoFile c = Parse(ReadGolden(kCocoGolden / "cvat_export.json"));
  CocoToVocResult r = CocoToVoc(c);
  EXPECT_TRUE(r.skipped.empty());
  ASSERT_EQ(r.images.size(), 3u);
  const VocAnnotation& v = r.images[0].voc;
  EXPECT_EQ(r.images[0].file_name, "frame_000000.jpg");
  EXPECT_EQ(v.folder, "images");
  EXPECT_EQ(v.filename, "frame_000000.jpg");
  EXPECT_EQ(v.database, "Unknown");
  EXPECT_EQ(v.width, 640);
  EXPECT_EQ(v.height, 480);
  EXPECT_EQ(v.depth, 3);
  ASSERT_EQ(v.objects.size(), 3u);
  EXPECT_EQ(v.objects[0].name, "car");
  EXPECT_EQ(v.objects[0].pose, "Unspecified");
  EXPECT_EQ(v.objects[0].shape.kind, VocShapeKind::kBndbox);
  EXPECT_EQ(v.objects[0].shape.points, (std::vector<VocPoint>{{10.5, 20.25}, {110.5, 70.25}}));
  EXPECT_EQ(v.objects[2].name, "person");
  EXPECT_EQ(v.objects[2].shape.kind, VocShapeKind::kPolygon);
  EXPECT_EQ(v.objects[2].shape.points,
            (std::vector<VocPoint>{{300, 300}, {400, 300}, {350, 380.5}}));
  EXPECT_EQ(r.images[1].voc.folder, "night");
  EXPECT_EQ(r.images[1].voc.filename, "行人 1.jpg");
  EXPECT_EQ(r.images[1].voc.objects[0].name, "向日葵");
  EXPECT_EQ(r.images[1].voc.objects[1].shape.points,
            (std::vector<VocPoint>{{1.1, 2.2}, {1.1 + 3.3, 2.2 + 4.4}}));
  EXPECT_TRUE(r.images[2].voc.objects.empty());  // an image without annotations stays
  for (const auto& m : r.images) {
    auto again = ParseVoc(WriteVoc(m.voc), "x.xml");
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(*again, m.voc);
  }
}

TEST(CocoToVoc, VocForImage) {
  VocAnnotation v = VocForImage("a/b/c d.jpg", 2, 3);
  EXPECT_EQ(v.folder, "a/b");
  EXPECT_EQ(v.filename, "c d.jpg");
  EXPECT_EQ(v.database, "Unknown");
  EXPECT_EQ(v.width, 2);
  EXPECT_EQ(v.height, 3);
  EXPECT_EQ(v.depth, 3);
  EXPECT_FALSE(v.segmented);
  EXPECT_TRUE(v.objects.empty());
  // Nothing usable as a folder: "images", and the whole path as the file name.
  for (std::string_view path : {"c.jpg", "/c.jpg", "dir/"}) {
    EXPECT_EQ(VocForImage(path, 1, 1).folder, "images") << path;
    EXPECT_EQ(VocForImage(path, 1, 1).filename, path);
  }
}

TEST(CocoToVoc, SkipsWhatVocCannotHold) {
  CocoFile c = Parse(ReadGolden(kCocoGolden / "coco2017_style.json"));
  CocoToVocResult r = CocoToVoc(c);
  EXPECT_EQ(r.skipped,
            (std::vector<CocoIssue>{
                {"annotation id 900100397133", "iscrowd: a crowd region is not a VOC object"},
                {"annotation id 9", "an RLE mask is not a VOC shape"},
                {"annotation id 11",
                 "bbox [5, 5, 0, 10] has no area; a VOC box needs "
                 "xmin < xmax and ymin < ymax"}}));
  ASSERT_EQ(r.images.size(), 2u);
  EXPECT_EQ(r.images[0].voc.folder, "val2017");
  // One polygon, then a two-ring polygon as two objects.
  ASSERT_EQ(r.images[0].voc.objects.size(), 3u);
  EXPECT_EQ(r.images[0].voc.objects[0].name, "bottle");
  EXPECT_EQ(r.images[0].voc.objects[0].shape.points.size(), 5u);
  EXPECT_EQ(r.images[0].voc.objects[1].shape.points,
            (std::vector<VocPoint>{{10, 10}, {20, 10}, {20, 20}}));
  EXPECT_EQ(r.images[0].voc.objects[2].shape.points,
            (std::vector<VocPoint>{{30.5, 30}, {40, 30}, {40, 45.25}, {30.5, 45.25}}));
  ASSERT_EQ(r.images[1].voc.objects.size(), 1u);
  EXPECT_EQ(r.images[1].voc.objects[0].shape.points,
            (std::vector<VocPoint>{{100, 50.5}, {160.25, 80.5}}));

  CocoFile hand;
  hand.images.push_back({1, "a.jpg", 5, 5, Json::object()});
  CocoAnnotation a;
  a.id = 1;
  a.image_id = 2;
  hand.annotations.push_back(a);
  a.id = 2;
  a.image_id = 1;
  a.category_id = 4;
  hand.annotations.push_back(a);
  EXPECT_EQ(CocoToVoc(hand).skipped,
            (std::vector<CocoIssue>{{"annotation id 1", "no image with id 2"},
                                    {"annotation id 2", "no category with id 4"}}));
}

TEST(VocToCoco, FromTheSpecVocExample) {
  auto voc = ParseVoc(
      ReadGolden(fs::path(OPENARTS_SOURCE_DIR) / "src/formats/tests/golden/voc/spec_minimal.xml"),
      "spec_minimal.xml");
  ASSERT_TRUE(voc.ok()) << voc.status().ToString();
  VocToCocoResult r = VocToCoco({{"test_data/260730932.jpg", *voc}});
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_EQ(r.warning, "");
  const CocoFile& c = r.coco;
  ASSERT_EQ(c.images.size(), 1u);
  EXPECT_EQ(c.images[0], (CocoImage{1, "test_data/260730932.jpg", 767, 959, Json::object()}));
  ASSERT_EQ(c.categories.size(), 2u);
  EXPECT_EQ(c.categories[0], (CocoCategory{1, "bag", std::nullopt, Json::object()}));
  EXPECT_EQ(c.categories[1].name, "boots");
  ASSERT_EQ(c.annotations.size(), 2u);
  const CocoAnnotation& bag = c.annotations[0];
  EXPECT_EQ(bag.id, 1);
  EXPECT_EQ(bag.image_id, 1);
  EXPECT_EQ(bag.category_id, 1);
  EXPECT_EQ(bag.bbox, (std::array<double, 4>{108, 101, 143, 137}));
  EXPECT_EQ(bag.area, 143 * 137);
  EXPECT_TRUE(bag.polygons.empty());
  const CocoAnnotation& boots = c.annotations[1];
  EXPECT_EQ(boots.category_id, 2);
  ASSERT_EQ(boots.polygons.size(), 1u);
  EXPECT_EQ(boots.polygons[0].size(), 8u);  // the repeated first point is kept
  ExpectRoundTrip(c);
}

TEST(VocToCoco, CategoriesShapesAndWarning) {
  std::vector<CocoVocImage> images = {
      Image("a.jpg", 100, 100,
            {Object("dog", VocShapeKind::kBndbox, {{1, 2}, {11, 22}}),
             Object("cat", VocShapeKind::kCircle, {{5, 5}}),
             Object("new", VocShapeKind::kPolygon, {{0, 0}, {4, 0}, {4, 3}}),
             Object("cat", VocShapeKind::kLine, {{0, 0}, {1, 1}})}),
      Image("b.jpg", 50, 60, {Object("cat", VocShapeKind::kCircle, {{5, 5}})}),
  };
  VocToCocoOptions options;
  options.categories = {{5, "cat", "animal", Json::object()},
                        {9, "dog", std::nullopt, Json::object()}};
  VocToCocoResult r = VocToCoco(images, options);
  EXPECT_EQ(r.warning, "skipped 3 objects that are not COCO shapes: 1 line, 2 circle");
  EXPECT_EQ(r.skipped, (std::vector<CocoIssue>{
                           {"a.jpg: annotation/object[2]", "circle is not a COCO shape"},
                           {"a.jpg: annotation/object[4]", "line is not a COCO shape"},
                           {"b.jpg: annotation/object[1]", "circle is not a COCO shape"}}));
  ASSERT_EQ(r.coco.categories.size(), 3u);
  EXPECT_EQ(r.coco.categories[2], (CocoCategory{10, "new", std::nullopt, Json::object()}));
  ASSERT_EQ(r.coco.annotations.size(), 2u);
  EXPECT_EQ(r.coco.annotations[0].category_id, 9);
  EXPECT_EQ(r.coco.annotations[0].bbox, (std::array<double, 4>{1, 2, 10, 20}));
  EXPECT_EQ(r.coco.annotations[0].area, 200);
  EXPECT_EQ(r.coco.annotations[1].id, 2);
  EXPECT_EQ(r.coco.annotations[1].category_id, 10);
  EXPECT_EQ(r.coco.annotations[1].bbox, (std::array<double, 4>{0, 0, 4, 3}));
  EXPECT_EQ(r.coco.annotations[1].area, 6);
  EXPECT_EQ(r.coco.images[1], (CocoImage{2, "b.jpg", 50, 60, Json::object()}));
}

TEST(VocToCoco, WidthIsTheShorterOfTwoDecimals) {
  auto convert = [](double x0, double x1) {
    auto a = VocObjectToCoco(Object("x", VocShapeKind::kBndbox, {{x0, 0}, {x1, 1}}));
    EXPECT_TRUE(a.ok());
    return a.ok() ? a->bbox[2] : -1;
  };
  // x + w == xmax in doubles: a COCO box taken to VOC (xmax = x + w) and back keeps its width.
  EXPECT_EQ(0.1 + 0.2, 0.30000000000000004);
  EXPECT_EQ(convert(0.1, 0.1 + 0.2), 0.2);  // not 0.30000000000000004 − 0.1
  EXPECT_EQ(2.2 + 4.4, 6.6000000000000005);
  EXPECT_EQ(convert(2.2, 2.2 + 4.4), 4.4);
  // The exact decimal difference: polygon bounds give the width a person would write.
  EXPECT_EQ(240.79 - 224.24, 16.549999999999983);
  EXPECT_EQ(convert(224.24, 240.79), 16.55);
  EXPECT_EQ(convert(0.1, 0.3), 0.2);  // though 0.1 + 0.2 is not 0.3
  EXPECT_EQ(convert(3, 7), 4);
  EXPECT_EQ(convert(-2.5, 1e-3), 2.501);
  auto bad = VocObjectToCoco(Object("x", VocShapeKind::kPoint, {{1, 1}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "point is not a COCO shape");
}

// The CVAT export goes to VOC and back unchanged but for what VOC has no place for (the extra
// keys of images and annotations; info, licenses and categories come back through the options).
TEST(CocoRoundTrip, CvatExportThroughVoc) {
  CocoFile original = Parse(ReadGolden(kCocoGolden / "cvat_export.json"));
  CocoToVocResult voc = CocoToVoc(original);
  // Through VOC XML, as the dataset service stores it.
  for (auto& m : voc.images) {
    auto again = ParseVoc(WriteVoc(m.voc), "x.xml");
    ASSERT_TRUE(again.ok());
    m.voc = *again;
  }
  VocToCocoResult back =
      VocToCoco(voc.images, {original.categories, original.info, original.licenses});
  EXPECT_TRUE(back.skipped.empty());
  CocoFile expected = original;
  for (auto& m : expected.images) m.extra = Json::object();
  for (auto& a : expected.annotations) a.extra = Json::object();
  EXPECT_EQ(back.coco, expected);
}

// Random boxes and polygons with 2-decimal coordinates on several image sizes: bbox numbers and
// polygons come back exactly.
TEST(CocoRoundTrip, RandomBoxesAndPolygons) {
  std::mt19937_64 rng(2024);
  const std::pair<int64_t, int64_t> sizes[] = {{640, 480}, {1920, 1080}, {333, 517}};
  CocoFile c;
  c.categories = {{1, "a", std::nullopt, Json::object()}, {2, "b", std::nullopt, Json::object()}};
  int64_t ann = 0;
  for (int64_t i = 0; i < 300; ++i) {
    auto [w, h] = sizes[i % 3];
    c.images.push_back({i + 1, std::to_string(i) + ".jpg", w, h, Json::object()});
    std::uniform_int_distribution<int64_t> xs(0, w * 100), ys(0, h * 100);
    for (int k = 0; k < 20; ++k) {
      CocoAnnotation a;
      a.id = ++ann;
      a.image_id = i + 1;
      a.category_id = 1 + k % 2;
      double x0 = xs(rng) / 100.0, y0 = ys(rng) / 100.0;
      double bw = std::uniform_int_distribution<int64_t>(1, w * 100)(rng) / 100.0;
      double bh = std::uniform_int_distribution<int64_t>(1, h * 100)(rng) / 100.0;
      a.bbox = {x0, y0, bw, bh};
      a.area = bw * bh;
      if (k % 4 == 3) {  // a polygon; its bbox is its bounding box, as VocToCoco computes it
        std::vector<double> poly;
        for (int p = 0; p < 3 + k % 5; ++p) {
          poly.push_back(xs(rng) / 100.0);
          poly.push_back(ys(rng) / 100.0);
        }
        VocObject o = Object("a", VocShapeKind::kPolygon, {});
        for (size_t p = 0; p < poly.size(); p += 2)
          o.shape.points.push_back({poly[p], poly[p + 1]});
        auto derived = VocObjectToCoco(o);
        ASSERT_TRUE(derived.ok());
        a.bbox = derived->bbox;
        a.area = derived->area;
        a.polygons = {poly};
      }
      c.annotations.push_back(a);
    }
  }
  ExpectRoundTrip(c);
  CocoToVocResult voc = CocoToVoc(c);
  ASSERT_TRUE(voc.skipped.empty());
  VocToCocoResult back = VocToCoco(voc.images, {c.categories, Json(), Json()});
  ASSERT_EQ(back.coco.annotations.size(), c.annotations.size());
  for (size_t i = 0; i < c.annotations.size(); ++i) {
    const auto& a = c.annotations[i];
    const auto& b = back.coco.annotations[i];
    EXPECT_EQ(b.bbox, a.bbox) << i;
    EXPECT_EQ(b.polygons, a.polygons) << i;
    EXPECT_EQ(b.category_id, a.category_id) << i;
    EXPECT_EQ(b.area, a.area) << i;
  }
  EXPECT_EQ(back.coco.images, c.images);
}

// ------------------------------------------------------------------------------------------------
// Golden files

std::string DumpParse(const fs::path& input) {
  std::string name = input.filename().string();
  auto parsed = ParseCocoLenient(ReadGolden(input), name);
  if (!parsed.ok()) return "# file rejected " + parsed.status().message() + "\n";
  std::string out;
  for (const auto& r : parsed->rejected) out += "# rejected " + r.path + ": " + r.reason + "\n";
  ExpectRoundTrip(parsed->coco);
  return out + WriteCoco(parsed->coco);
}

std::string DumpVoc(const fs::path& input) {
  auto parsed = ParseCocoLenient(ReadGolden(input), input.filename().string());
  if (!parsed.ok()) return "";
  const CocoFile& coco = parsed->coco;
  CocoToVocResult voc = CocoToVoc(coco);
  std::string out = "# CocoToVoc\n";
  for (const auto& s : voc.skipped) out += "# skipped " + s.path + ": " + s.reason + "\n";
  for (const auto& m : voc.images) out += "## " + m.file_name + "\n" + WriteVoc(m.voc);
  VocToCocoResult back = VocToCoco(voc.images, {coco.categories, coco.info, coco.licenses});
  out += "# VocToCoco (categories, info and licenses from the file)\n";
  for (const auto& s : back.skipped) out += "# skipped " + s.path + ": " + s.reason + "\n";
  if (!back.warning.empty()) out += "# " + back.warning + "\n";
  return out + WriteCoco(back.coco);
}

TEST(CocoGolden, EveryFileMatchesItsGolden) {
  const bool update = std::getenv("OPENARTS_UPDATE_GOLDEN") != nullptr;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kCocoGolden)) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    SCOPED_TRACE(entry.path().filename().string());
    std::pair<fs::path, std::string> outputs[] = {
        {fs::path(entry.path()).replace_extension(".golden"), DumpParse(entry.path())},
        {fs::path(entry.path()).replace_extension(".voc.golden"), DumpVoc(entry.path())}};
    for (const auto& [golden, got] : outputs) {
      if (got.empty()) continue;
      if (update) {
        ASSERT_TRUE(WriteFileAtomic(golden, got).ok());
        continue;
      }
      EXPECT_EQ(got, ReadGolden(golden)) << golden;
    }
  }
  EXPECT_GE(count, 5);
}

}  // namespace
}  // namespace openarts::formats
