// COCO "instances" JSON (object detection and segmentation): import and export of datasets
// (spec/data.md §3, §10). The dataset service's model of one image's labels is VocAnnotation
// (voc.h); COCO converts to and from it, so the service only ever handles VOC values.
//
//   auto parsed = ParseCocoLenient(text, "instances_train.json");  // kInvalidArgument: whole file
//   for (auto& r : parsed->rejected) report(r.path, r.reason);     // bad items are skipped
//   auto voc = CocoToVoc(parsed->coco);          // one VocAnnotation per image, + what was skipped
//   std::string json = WriteCoco(VocToCoco(voc.images).coco);       // canonical; reads back equal
//
// Pure functions over values: no I/O, no exceptions, thread-safe (a CocoWriter is one object used
// by one thread). The reader is simdjson (DOM); a 100 MB file parses in well under a second.
// Messages are kInvalidArgument "<source>: <path>: <problem>", the path JSON-like with 0-based
// indexes ("annotations[17].bbox[2]"). The format is described in docs/formats/coco.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "formats/voc.h"

namespace openarts::formats {

// `images[i]`.
struct CocoImage {
  int64_t id = 0;               // any integer, unique among images
  std::string file_name;        // non-empty, byte-exact ("train2017/000000391895.jpg")
  int64_t width = 0;            // > 0
  int64_t height = 0;           // > 0
  Json extra = Json::object();  // every other key (license, coco_url, date_captured…), verbatim
  bool operator==(const CocoImage&) const = default;
};

// `categories[i]`.
struct CocoCategory {
  int64_t id = 0;                            // any integer, unique among categories
  std::string name;                          // non-empty, byte-exact
  std::optional<std::string> supercategory;  // unset when the key is absent
  Json extra = Json::object();
  bool operator==(const CocoCategory&) const = default;
};

// `annotations[i]`.
struct CocoAnnotation {
  int64_t id = 0;                // unique among annotations
  int64_t image_id = 0;          // names an image of the file
  int64_t category_id = 0;       // names a category of the file
  std::array<double, 4> bbox{};  // x, y, width, height: finite, width and height ≥ 0
  // `segmentation` is polygons or an RLE mask, never both. Polygons: each a flat list
  // x1,y1,…,xn,yn of n ≥ 3 points (an even count ≥ 6). RLE: the object
  // {"size":[h,w],"counts":[…] or "…"} verbatim; null when there is none. An absent
  // `segmentation` and [] both read as no polygons and a null `rle`; the writer emits [].
  std::vector<std::vector<double>> polygons;
  Json rle;
  std::optional<double> area;   // finite, ≥ 0; unset when the key is absent
  bool iscrowd = false;         // 0/1 (false/true accepted); absent reads as 0; written 0/1
  Json extra = Json::object();  // every other key (score, attributes…), verbatim
  bool operator==(const CocoAnnotation&) const = default;
};

// A whole instances file. Arrays keep file order.
struct CocoFile {
  Json info;      // null when absent, else the object verbatim
  Json licenses;  // null when absent, else the array verbatim
  std::vector<CocoCategory> categories;
  std::vector<CocoImage> images;
  std::vector<CocoAnnotation> annotations;
  Json extra = Json::object();  // other top-level keys ("type": "instances"…), verbatim
  bool operator==(const CocoFile&) const = default;
};

// One item that was not taken: a rejected array element (parse) or a skipped annotation or
// object (conversions).
struct CocoIssue {
  std::string path;    // parse: "annotations[17]", the index in the file; CocoToVoc:
                       // "annotation id 17"; VocToCoco: "<file_name>: annotation/object[2]"
  std::string reason;  // the whole message, "<source>: annotations[17].bbox: …" (parse), or why
                       // it was skipped (conversions)
  bool operator==(const CocoIssue&) const = default;
};

struct CocoParse {
  CocoFile coco;                    // the good items, in file order
  std::vector<CocoIssue> rejected;  // categories, then images, then annotations, in file order
};

// Parses an instances file leniently: a bad element of `categories`, `images` or `annotations`
// is recorded in `rejected` and left out, and so is an annotation whose image or category was
// rejected. Rejected items: a wrong type, a missing key, a blank name or file_name, a width or
// height that is not a positive integer, an id that is not an integer, a duplicate id (the first
// one stays), an annotation naming an image or category that does not exist, a bbox that is not
// 4 finite numbers or has a negative width or height, a polygon with an odd count or fewer than 6
// numbers, a malformed RLE, an area that is negative, iscrowd not 0/1, a duplicate key. The whole
// file fails (kInvalidArgument) when it is not valid JSON
// ("<source>:<line>:<column>: not valid JSON: …"), is not an object, lacks one of the three
// arrays or has one of another type, has a duplicate top-level key, or has info that is not an
// object or licenses that is not an array.
Result<CocoParse> ParseCocoLenient(std::string_view text, std::string_view source_name);

// As ParseCocoLenient, but the first rejected item fails the whole parse with its message.
Result<CocoFile> ParseCoco(std::string_view text, std::string_view source_name);

// Canonical COCO JSON: one element per line, keys in a fixed order (top level: info, licenses,
// other keys sorted, categories, images, annotations; annotation: id, image_id, category_id,
// bbox, area, iscrowd, segmentation, other keys sorted), numbers as Python's repr writes them
// (the shortest decimal that reads back equal; plain from 1e-4 to 1e16, exponent form outside),
// UTF-8 (invalid bytes in a hand-built value become U+FFFD). Absent info/licenses/area/
// supercategory stay absent. A key of `extra` that names a known field is not written.
// ParseCoco(WriteCoco(x)) == x for every x that ParseCoco returned.
// REQUIRES: finite numbers (a non-finite one is written as null, which does not read back).
std::string WriteCoco(const CocoFile& coco);

// The same output, produced piecewise, so that an exporter holds one image or annotation at a
// time: Begin, every AddImage, every AddAnnotation, Finish — in that order (JSON puts the images
// array before the annotations array; an exporter makes two passes over its samples).
// A broken call order is a bug in the caller: OA_CHECK.
class CocoWriter {
 public:
  // Appends to *out, which must outlive the writer.
  explicit CocoWriter(std::string* out);
  // Hands the output to `sink` in chunks of about `chunk_bytes`; Finish hands over the rest.
  explicit CocoWriter(std::function<void(std::string_view)> sink, size_t chunk_bytes = 1 << 20);
  CocoWriter(const CocoWriter&) = delete;
  CocoWriter& operator=(const CocoWriter&) = delete;

  // `info`/`licenses` null to leave them out; `extra` the other top-level keys (an object).
  void Begin(const Json& info, const Json& licenses, const std::vector<CocoCategory>& categories,
             const Json& extra = Json::object());
  void AddImage(const CocoImage& image);
  void AddAnnotation(const CocoAnnotation& annotation);
  void Finish();

 private:
  enum class State { kNew, kImages, kAnnotations, kDone };
  void Open(std::string_view key);  // ends the current array, starts `key`
  void BeginElement();              // the separator before an array element
  void Flush(bool all);

  std::string* out_;
  std::string buffer_;  // used with a sink
  std::function<void(std::string_view)> sink_;
  size_t chunk_bytes_ = 0;
  State state_ = State::kNew;
  bool empty_array_ = true;
};

// ------------------------------------------------------------------------------------------------
// Conversions to and from VOC

// One image with its labels as the dataset service holds them.
struct CocoVocImage {
  std::string file_name;  // COCO `file_name`: the image's path in the dataset, byte-exact
  VocAnnotation voc;
  bool operator==(const CocoVocImage&) const = default;
};

struct CocoToVocResult {
  std::vector<CocoVocImage> images;  // one per COCO image, in file order, even without objects
  std::vector<CocoIssue> skipped;    // annotations that are not VOC objects, with the reason
};

// The VOC header the conversions (CocoToVoc, YoloToVoc) give an image, without objects:
// folder = the directory part of `image_path` ("val2017"; "images" when there is none), filename
// = its last component, database "Unknown", size = width × height × 3, segmented 0.
VocAnnotation VocForImage(std::string_view image_path, int64_t width, int64_t height);

// Every image with its annotations as VOC objects, in file order, the header from VocForImage
// (file_name, width, height). Objects: name = the category's name, pose "Unspecified", flags 0. An
// annotation with polygons becomes one kPolygon object per polygon (its bbox, being derived, is
// dropped); otherwise its bbox becomes a kBndbox (xmin = x, ymin = y, xmax = x + w, ymax = y + h).
// Skipped, with a reason: iscrowd annotations, RLE masks, a bbox of zero width or height, and (in
// hand-built files) an annotation naming an image or category that is not there. COCO keys VOC has
// no place for (extra, area, supercategory, info, licenses) are not carried.
CocoToVocResult CocoToVoc(const CocoFile& coco);

struct VocToCocoOptions {
  // Categories to use, ids included (kept in this order). An object whose name is not among them
  // gets a new category with the next id (max id + 1; 1, 2, … when this is empty), in first-seen
  // order. Pass the dataset's labels here to fix the ids.
  std::vector<CocoCategory> categories;
  Json info;      // copied to the result
  Json licenses;  // copied to the result
};

struct VocToCocoResult {
  CocoFile coco;
  std::vector<CocoIssue> skipped;  // objects that are not COCO shapes
  // "" or "skipped 3 objects that are not COCO shapes: 1 line, 2 circle" (kinds in VocShapeKind
  // order).
  std::string warning;
};

// One COCO file: images get ids 1, 2, … in input order (size from voc.width/height), annotations
// 1, 2, … in order. Each bndbox and polygon object becomes an annotation (VocObjectToCoco);
// polylines, lines, dashed lines, circles and points are skipped. COCO → VOC → COCO reproduces
// file names, sizes, category names, bboxes and polygons of boxes and single-ring polygons
// exactly; the area is recomputed.
VocToCocoResult VocToCoco(const std::vector<CocoVocImage>& images,
                          const VocToCocoOptions& options = {});

// One object as an annotation, for exporters that stream: ids are left 0 for the caller to set.
// kBndbox: bbox [xmin, ymin, w, h], area w·h, no segmentation. kPolygon: the polygon as given (a
// repeated first point kept), bbox = its bounding box, area = its shoelace area. A width (and
// height) is the shorter of two decimals: the shortest w with xmin + w == xmax in double
// arithmetic (so a COCO box taken to VOC and back keeps its height: 2.2 + 4.4 is
// 6.6000000000000005, and back gives 4.4), and xmax − xmin computed exactly on their decimal
// forms (a polygon from 224.24 to 240.79 is 16.55 wide, not 16.549999999999983).
// kInvalidArgument "<shape> is not a COCO shape" for the other kinds, and for coordinates so large
// that the size overflows a double.
Result<CocoAnnotation> VocObjectToCoco(const VocObject& object);

}  // namespace openarts::formats
