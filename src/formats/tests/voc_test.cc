// VOC XML (spec/data.md §4.5): the spec's example field by field, each extension shape, CJK
// names and tags, rejects with their messages, round trips, and golden files
// (tests/golden/voc/*.xml → *.golden: the canonical rewrite, or "# rejected <reason>").
// OPENARTS_UPDATE_GOLDEN=1 rewrites the *.golden files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "base/fs.h"
#include "formats/voc.h"

namespace openarts::formats {
namespace {

namespace fs = std::filesystem;

const fs::path kVocGolden = fs::path(OPENARTS_SOURCE_DIR) / "src/formats/tests/golden/voc";

std::string ReadVoc(const fs::path& p) {
  auto text = ReadFile(p);
  EXPECT_TRUE(text.ok()) << p << ": " << text.status().ToString();
  return text.ok() ? *text : "";
}

VocAnnotation Parse(std::string_view xml) {
  auto v = ParseVoc(xml, "a.xml");
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : VocAnnotation{};
}

std::string Error(std::string_view xml) {
  auto v = ParseVoc(xml, "a.xml");
  EXPECT_FALSE(v.ok()) << xml;
  if (v.ok()) return "";
  EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
  return v.status().message();
}

void ExpectRoundTrip(const VocAnnotation& voc) {
  std::string text = WriteVoc(voc);
  auto again = ParseVoc(text, "rewritten.xml");
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << text;
  EXPECT_EQ(*again, voc) << text;
  EXPECT_EQ(WriteVoc(*again), text);
}

constexpr std::string_view kHead =
    "<annotation><folder>f</folder><filename>a.jpg</filename><source><database>Unknown</database>"
    "</source><size><width>100</width><height>80</height><depth>3</depth></size>"
    "<segmented>0</segmented>";
constexpr std::string_view kObj =
    "<object><name>n</name><pose>Unspecified</pose><truncated>0</truncated>"
    "<occluded>0</occluded><difficult>0</difficult>";

std::string WithObject(std::string_view body) {
  return std::string(kHead) + std::string(kObj) + std::string(body) + "</object></annotation>";
}

TEST(VocSpec, MinimalExample) {
  VocAnnotation v = Parse(ReadVoc(kVocGolden / "spec_minimal.xml"));
  EXPECT_EQ(v.folder, "test_data");
  EXPECT_EQ(v.filename, "260730932.jpg");
  EXPECT_EQ(v.database, "Unknown");
  EXPECT_EQ(v.width, 767);
  EXPECT_EQ(v.height, 959);
  EXPECT_EQ(v.depth, 3);
  EXPECT_FALSE(v.segmented);
  ASSERT_EQ(v.objects.size(), 2u);
  EXPECT_EQ(v.objects[0].name, "bag");
  EXPECT_EQ(v.objects[0].pose, "Unspecified");
  EXPECT_EQ(v.objects[0].shape.kind, VocShapeKind::kBndbox);
  EXPECT_EQ(v.objects[0].shape.points, (std::vector<VocPoint>{{108, 101}, {251, 238}}));
  EXPECT_FALSE(v.objects[0].hard_coefficient);
  const auto& boots = v.objects[1];
  EXPECT_EQ(boots.hard_coefficient, 0.8);
  EXPECT_EQ(boots.shape.kind, VocShapeKind::kPolygon);
  EXPECT_EQ(boots.shape.points.size(), 4u);  // the repeated first point is kept
  EXPECT_EQ(boots.shape.points[3], (VocPoint{373, 264}));
  EXPECT_EQ(boots.extra, std::vector<std::string>{"<properties><color>black</color></properties>"});
  ExpectRoundTrip(v);
  EXPECT_TRUE(ValidateAgainstImage(v, 767, 959).ok());
}

TEST(VocSpec, ShapesCjkAndSegmentation) {
  VocAnnotation v = Parse(ReadVoc(kVocGolden / "shapes_cjk.xml"));
  EXPECT_EQ(v.folder, "花");
  EXPECT_EQ(v.filename, "1 (15)_1550632618199.jpg");
  EXPECT_EQ(v.path, "/data/花/1 (15)_1550632618199.jpg");
  EXPECT_EQ(v.source_extra,
            (std::vector<std::string>{"<annotation>ModelArts</annotation>", "<image>x</image>"}));
  EXPECT_EQ(v.depth, 1);
  EXPECT_TRUE(v.segmented);
  EXPECT_EQ(v.mask_source, "s3://bucket/seg/image_0006.png");
  ASSERT_EQ(v.objects.size(), 6u);
  const auto& sun = v.objects[0];
  EXPECT_EQ(sun.name, "向日葵");
  EXPECT_EQ(sun.pose, "0");
  EXPECT_TRUE(sun.occluded);
  EXPECT_TRUE(sun.difficult);
  EXPECT_EQ(sun.confidence, 0.95);
  EXPECT_EQ(sun.difficult_coefficient, 0.3);
  EXPECT_EQ(sun.mask_color, "193,243,53");
  EXPECT_EQ(sun.shape.kind, VocShapeKind::kPolyline);
  EXPECT_EQ(sun.shape.points, (std::vector<VocPoint>{{1.5, 2.25}, {3, 4}}));
  ASSERT_EQ(sun.extra.size(), 1u);
  EXPECT_NE(sun.extra[0].find("<颜色>红色</颜色>"), std::string::npos);
  EXPECT_NE(sun.extra[0].find("<property><key>color2</key><value>blue</value></property>"),
            std::string::npos);
  EXPECT_EQ(v.objects[1].shape.kind, VocShapeKind::kLine);
  EXPECT_EQ(v.objects[2].shape.kind, VocShapeKind::kDashed);
  EXPECT_EQ(v.objects[3].shape.kind, VocShapeKind::kCircle);
  EXPECT_EQ(v.objects[3].shape.points, (std::vector<VocPoint>{{100, 100}}));
  EXPECT_EQ(v.objects[3].shape.r, 50);
  EXPECT_EQ(v.objects[4].shape.kind, VocShapeKind::kPoint);
  EXPECT_EQ(v.objects[4].shape.points, (std::vector<VocPoint>{{7, 8}}));
  EXPECT_EQ(v.objects[5].extra.size(), 1u);  // <part> kept verbatim
  EXPECT_EQ(v.extra, std::vector<std::string>{"<custom a=\"1\">kept &amp; verbatim</custom>"});
  ExpectRoundTrip(v);
}

TEST(VocShapes, PointAsXY) {
  auto v = Parse(WithObject("<point><x>3.5</x><y>4</y></point>"));
  EXPECT_EQ(v.objects[0].shape.points, (std::vector<VocPoint>{{3.5, 4}}));
  EXPECT_NE(WriteVoc(v).find("<x>3.5</x>"), std::string::npos);
  ExpectRoundTrip(v);
}

TEST(VocShapes, FloatsAndWhitespace) {
  auto v = Parse(WithObject(
      "<bndbox><xmin> 1.25 </xmin><ymin>\n2</ymin><xmax>3e1</xmax><ymax>40.0</ymax></bndbox>"));
  EXPECT_EQ(v.objects[0].shape.points, (std::vector<VocPoint>{{1.25, 2}, {30, 40}}));
  ExpectRoundTrip(v);
}

TEST(VocShapes, HandBuiltRoundTrip) {
  VocAnnotation v;
  v.folder = "a & <b>";
  v.filename = "x\"y.jpg";
  v.database = "Unknown";
  v.width = 10;
  v.height = 20;
  v.depth = 3;
  VocObject o;
  o.name = " 猫 ";
  o.pose = "Unspecified";
  o.truncated = true;
  o.confidence = 0.1;
  o.shape = {VocShapeKind::kPolygon, {{0.1, 0.2}, {1.0 / 3, 2}, {5, 5}}, 0};
  v.objects.push_back(o);
  ExpectRoundTrip(v);
}

TEST(VocRejects, Messages) {
  EXPECT_EQ(Error(""), "a.xml: annotation: empty file");
  EXPECT_EQ(Error("<annotation/>"), "a.xml: annotation/folder: missing");
  EXPECT_EQ(Error("<foo/>"), "a.xml: foo: expected the root element <annotation>");
  EXPECT_NE(Error("<annotation>").find("a.xml: annotation: malformed XML"), std::string::npos);
  EXPECT_EQ(Error("<annotation><folder></folder></annotation>"),
            "a.xml: annotation/folder: empty");
  std::string no_width(kHead);
  no_width.replace(no_width.find("<width>100</width>"), 18, "<width></width>");
  EXPECT_EQ(Error(no_width + "</annotation>"), "a.xml: annotation/size/width: empty");
  EXPECT_EQ(Error(WithObject("")),
            "a.xml: annotation/object[1]: no geometry (bndbox, polygon, polyline, line, dashed, "
            "circle, point)");
  EXPECT_EQ(Error(WithObject("<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax>"
                             "</bndbox><bndbox/>")),
            "a.xml: annotation/object[1]/bndbox: given more than once");
  EXPECT_EQ(Error(WithObject("<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax>"
                             "</bndbox><circle/>")),
            "a.xml: annotation/object[1]/circle: more than one geometry");
  EXPECT_EQ(Error(WithObject("<bndbox><xmin>5</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax>"
                             "</bndbox>")),
            "a.xml: annotation/object[1]/bndbox: xmin must be less than xmax");
  EXPECT_EQ(Error(WithObject("<bndbox><xmin>1</xmin><ymin>3</ymin><xmax>2</xmax><ymax>3</ymax>"
                             "</bndbox>")),
            "a.xml: annotation/object[1]/bndbox: ymin must be less than ymax");
  EXPECT_EQ(Error(WithObject("<bndbox><xmin>a</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax>"
                             "</bndbox>")),
            "a.xml: annotation/object[1]/bndbox/xmin: expected a number, got \"a\"");
  EXPECT_EQ(Error(WithObject("<polygon><x1>1</x1><y1>1</y1><x2>2</x2><y2>2</y2><x3>3</x3>"
                             "</polygon>")),
            "a.xml: annotation/object[1]/polygon: missing y3");
  EXPECT_EQ(Error(WithObject("<polygon><x1>1</x1><y1>1</y1><x2>2</x2><y2>2</y2></polygon>")),
            "a.xml: annotation/object[1]/polygon: expected at least 3 points, got 2");
  EXPECT_EQ(Error(WithObject("<circle><cx>1</cx><cy>1</cy><r>-1</r></circle>")),
            "a.xml: annotation/object[1]/circle/r: must not be negative");
  EXPECT_EQ(Error(WithObject("<confidence>1.5</confidence><point><x>1</x><y>1</y></point>")),
            "a.xml: annotation/object[1]/confidence: expected a number in [0, 1], got \"1.5\"");
  EXPECT_EQ(Error(WithObject("<mask_color>1,2</mask_color><point><x>1</x><y>1</y></point>")),
            "a.xml: annotation/object[1]/mask_color: expected \"R,G,B\", got \"1,2\"");
  std::string no_name = WithObject("<point><x>1</x><y>1</y></point>");
  no_name.replace(no_name.find("<name>n</name>"), 14, "<name/>");
  EXPECT_EQ(Error(no_name), "a.xml: annotation/object[1]/name: empty");
  std::string no_difficult = WithObject("<point><x>1</x><y>1</y></point>");
  no_difficult.replace(no_difficult.find("<difficult>0</difficult>"), 24, "");
  EXPECT_EQ(Error(no_difficult), "a.xml: annotation/object[1]/difficult: missing");
}

TEST(VocRejects, NoExternalEntities) {
  std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" +
      std::string(kHead).replace(kHead.find("<folder>f"), 9, "<folder>&x;") + "</annotation>";
  auto v = ParseVoc(xxe, "a.xml");
  if (v.ok()) EXPECT_EQ(v->folder.find("root:"), std::string::npos);
}

TEST(VocValidate, AgainstImage) {
  auto v = Parse(WithObject("<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>120</xmax><ymax>2</ymax>"
                            "</bndbox>"));
  EXPECT_TRUE(ValidateAgainstImage(v, 120, 80).ok());
  Status s = ValidateAgainstImage(v, 100, 80);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "annotation/object[1]/bndbox: point (120, 2) outside the 100x80 image");
}

TEST(VocGolden, EveryFileMatchesItsGolden) {
  const bool update = std::getenv("OPENARTS_UPDATE_GOLDEN") != nullptr;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kVocGolden)) {
    if (entry.path().extension() != ".xml") continue;
    ++count;
    SCOPED_TRACE(entry.path().filename().string());
    std::string name = entry.path().filename().string();
    auto v = ParseVoc(ReadVoc(entry.path()), name);
    std::string got;
    if (v.ok()) {
      ExpectRoundTrip(*v);
      got = WriteVoc(*v);
    } else {
      got = "# rejected " + v.status().message() + "\n";
    }
    fs::path golden = fs::path(entry.path()).replace_extension(".golden");
    if (update) {
      ASSERT_TRUE(WriteFileAtomic(golden, got).ok());
      continue;
    }
    EXPECT_EQ(got, ReadVoc(golden));
  }
  EXPECT_GE(count, 2);
}

}  // namespace
}  // namespace openarts::formats
