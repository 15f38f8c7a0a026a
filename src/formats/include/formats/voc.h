// PASCAL VOC XML as used by ModelArts (spec/data.md §4.5): one file per image, the labels of
// object detection and image segmentation, with ModelArts' extension shapes.
//
//   auto voc = ParseVoc(xml, "voc/2007_000027.xml");           // kInvalidArgument on bad input
//   if (voc.ok()) check(ValidateAgainstImage(*voc, 767, 959));  // boxes inside the image
//   std::string xml2 = WriteVoc(*voc);                           // canonical; reads back equal
//
// Pure functions over values: no I/O, no exceptions, thread-safe. XML is parsed with pugixml,
// which never loads DTDs or external entities (XXE-safe). Every error is kInvalidArgument
// "<source>: <element path>: <problem>", the path XPath-like with 1-based indexes
// ("annotation/object[2]/bndbox/xmin"). Unknown elements (and `<properties>`, `<part>`) are kept
// verbatim, so ParseVoc(WriteVoc(x)) == x for every x that ParseVoc returned. Attributes of
// known elements and XML comments are not kept. The format is described in docs/formats/voc.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace openarts::formats {

// The geometry elements of §4.5.
enum class VocShapeKind { kBndbox, kPolygon, kPolyline, kLine, kDashed, kCircle, kPoint };

// "bndbox", "polygon", "polyline", "line", "dashed", "circle", "point".
std::string_view VocShapeName(VocShapeKind kind);

struct VocPoint {
  double x = 0;
  double y = 0;
  bool operator==(const VocPoint&) const = default;
};

// Exactly one geometry per object. `points` by kind:
//   kBndbox   {(xmin, ymin), (xmax, ymax)}, xmin < xmax and ymin < ymax
//   kPolygon  x1,y1 … xn,yn, n ≥ 3 (closed; a repeated first point is kept as given)
//   kPolyline n ≥ 2 (open)
//   kLine, kDashed  exactly 2
//   kCircle   {(cx, cy)}, plus `r` ≥ 0
//   kPoint    exactly 1 (read from x,y or x1,y1; written as x,y)
struct VocShape {
  VocShapeKind kind = VocShapeKind::kBndbox;
  std::vector<VocPoint> points;
  double r = 0;  // kCircle only
  bool operator==(const VocShape&) const = default;
};

struct VocObject {
  std::string name;  // required, non-empty, byte-exact (CJK fine)
  std::string pose;  // required ("Unspecified", "0")
  bool truncated = false;  // required; 0/1 (true/false accepted), written 0/1
  bool occluded = false;   // required
  bool difficult = false;  // required
  std::optional<double> confidence;             // 0–1
  std::optional<double> hard_coefficient;       // `hard-coefficient`, 0–1
  std::optional<double> difficult_coefficient;  // `difficult-coefficient`, 0–1
  std::optional<std::string> mask_color;        // segmentation: "R,G,B", each 0–255
  VocShape shape;
  // Every other child, verbatim as XML (`<properties>…</properties>`, `<part>…</part>`, …), in
  // document order; written after the known children.
  std::vector<std::string> extra;
  bool operator==(const VocObject&) const = default;
};

struct VocAnnotation {
  std::string folder;    // required, non-empty
  std::string filename;  // required, non-empty
  std::optional<std::string> path;
  std::string database;  // `source/database`, required, non-empty
  std::vector<std::string> source_extra;  // other children of `source`, verbatim XML
  int64_t width = 0;   // `size/width`, required, > 0
  int64_t height = 0;  // required, > 0
  int64_t depth = 0;   // required, > 0 (1 and 3 seen)
  bool segmented = false;                  // required
  std::optional<std::string> mask_source;  // segmentation: the PNG path
  std::vector<VocObject> objects;          // may be empty
  std::vector<std::string> extra;  // other children of `annotation`, verbatim XML
  bool operator==(const VocAnnotation&) const = default;
};

// Parses one VOC file. The root must be <annotation>. Rejects (kInvalidArgument
// "<source_name>: <path>: <problem>"): malformed XML, an empty file, a missing or empty mandatory
// element, a repeated known element, a non-number coordinate (or NaN/inf), an out-of-range
// confidence/coefficient, an object without geometry or with more than one, a polygon with a
// missing or unpaired xi/yi, a box with xmin ≥ xmax or ymin ≥ ymax, a negative radius.
Result<VocAnnotation> ParseVoc(std::string_view xml, std::string_view source_name);

// Inside-the-image checks, separate because the image size in the file may be the only one known:
// every coordinate of every object within [0, width] × [0, height] (circles: the centre).
// kInvalidArgument "annotation/object[i]/<shape>: ..." naming the first offender.
Status ValidateAgainstImage(const VocAnnotation& voc, int64_t width, int64_t height);

// Canonical VOC XML: `<?xml version="1.0" encoding="UTF-8"?>`, tab-indented, known elements in a
// fixed order (folder, filename, path, source, size, segmented, mask_source, object…, extras),
// numbers in shortest round-trip form. ParseVoc(WriteVoc(x)) == x for every x ParseVoc returned.
std::string WriteVoc(const VocAnnotation& voc);

}  // namespace openarts::formats
