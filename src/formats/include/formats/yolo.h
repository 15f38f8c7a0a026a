// YOLO ("YOLO 1.1" as Darknet and CVAT lay it out; spec/data.md §3.2, §10): object detection
// boxes normalised to the image, in a folder of small text files:
//
//   obj.names                 one class name per line; line i (0-based) is class i
//   obj.data                  classes = 2 / train = data/train.txt / valid = data/valid.txt /
//                             names = data/obj.names / backup = backup/
//   train.txt, valid.txt      one image path per line (data/obj_train_data/a.jpg)
//   obj_train_data/a.txt      one box per line: <class> <x_center> <y_center> <width> <height>
//   obj_valid_data/…          the same for the validation images
//
// The dataset service's model of one image's labels is VocAnnotation (voc.h); YOLO converts to
// and from it. The service does the I/O: FindYoloLayout and MapYoloImages work on the list of
// paths in an import folder, the parsers on each file's text.
//
//   auto names = ParseYoloNames(names_text, "obj.names");
//   auto boxes = ParseYoloLabelsLenient(text, "obj_train_data/a.txt", names->size());
//   auto voc = YoloToVoc(boxes.boxes, *names, 640, 480, "obj_train_data/a.jpg");
//   std::string text2 = WriteYoloLabels(VocToYolo(*voc, *names).boxes);
//
// Pure functions over values: no I/O, no exceptions, thread-safe. Every error is
// kInvalidArgument "<file>:<line>: <problem>" ("<file>: <problem>" when no line is at fault).
// All readers accept CRLF, a missing final newline and a UTF-8 BOM. Coordinates are written
// rounded to 6 decimals, as Darknet tools write them. The format is described in
// docs/formats/yolo.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "formats/manifest.h"  // RejectedLine
#include "formats/voc.h"

namespace openarts::formats {

// One line of a label file. Coordinates are fractions of the image width and height.
struct YoloBox {
  int64_t class_index = 0;  // ≥ 0; indexes obj.names
  double x_center = 0;      // [0, 1]
  double y_center = 0;      // [0, 1]
  double width = 0;         // (0, 1], at least 0.000001 (0 at 6 decimals is rejected)
  double height = 0;        // (0, 1]
  bool operator==(const YoloBox&) const = default;
};

// ------------------------------------------------------------------------------------------------
// obj.names

// The class names, one per line, each trimmed of surrounding spaces, tabs and byte order marks;
// blank lines at the end are ignored. kInvalidArgument for no names at all, a blank line before a name (it would
// shift every later class index) and a name given twice.
Result<std::vector<std::string>> ParseYoloNames(std::string_view text,
                                                std::string_view source_name);
// One name per line, each ending in '\n'. REQUIRES: names hold no line break and no surrounding
// whitespace (what ParseYoloNames returns).
std::string WriteYoloNames(const std::vector<std::string>& names);

// ------------------------------------------------------------------------------------------------
// obj.data

// `key = value` lines. Blank lines and lines whose first non-blank character is '#' are skipped
// (a '#' later in a line is part of the value). Keys and values are trimmed; paths are kept as
// written (Darknet's "data/…", relative to the directory above the dataset folder).
struct YoloData {
  std::optional<int64_t> classes;     // ≥ 0
  std::optional<std::string> train;   // "data/train.txt"
  std::optional<std::string> valid;   // "data/valid.txt"
  std::optional<std::string> names;   // "data/obj.names", required
  std::optional<std::string> backup;  // "backup/"
  // Every other key (eval, results, …), in file order.
  std::vector<std::pair<std::string, std::string>> extra;
  bool operator==(const YoloData&) const = default;
};

// kInvalidArgument for a line without '=', an empty key, a key given twice, `classes` that is not
// a non-negative integer, a file without `names`, and one with neither `train` nor `valid`.
Result<YoloData> ParseYoloData(std::string_view text, std::string_view source_name);
// Canonical: classes, train, valid, names, backup (those set), then the other keys in order, each
// `key = value\n`. Comments are not kept. ParseYoloData(WriteYoloData(d)) == d for every d that
// ParseYoloData returned.
std::string WriteYoloData(const YoloData& data);

// ------------------------------------------------------------------------------------------------
// train.txt, valid.txt

// One path per line, trimmed; blank lines skipped. Never fails.
std::vector<std::string> ParseYoloImageList(std::string_view text);
// One path per line, each ending in '\n'.
std::string WriteYoloImageList(const std::vector<std::string>& paths);

// ------------------------------------------------------------------------------------------------
// Label files

struct YoloLabelsParse {
  std::vector<YoloBox> boxes;          // the good lines, in file order
  std::vector<RejectedLine> rejected;  // the bad ones, "<file>:<line>: <problem>"
};

// One box per line, fields separated by spaces or tabs; blank lines skipped; an empty file is an
// image without objects. A bad line is recorded in `rejected` and skipped: a field count other
// than 5, a class index that is not a non-negative integer (or, when `class_count` is given, not
// below it: "class index 7 is out of range: obj.names has 5 classes"), a coordinate that is not a
// number or is outside [0, 1], a width or height that is not above 0 at 6 decimals.
YoloLabelsParse ParseYoloLabelsLenient(std::string_view text, std::string_view source_name,
                                       std::optional<int64_t> class_count = std::nullopt);
// As ParseYoloLabelsLenient, but the first bad line fails the parse with its message.
Result<std::vector<YoloBox>> ParseYoloLabels(std::string_view text, std::string_view source_name,
                                             std::optional<int64_t> class_count = std::nullopt);
// `<class> <x_center> <y_center> <width> <height>\n` per box; coordinates rounded to 6 decimals
// with trailing zeros trimmed ("0.5", "0.123457", "1"). Parsing the output gives every
// coordinate rounded to 6 decimals; ParseYoloLabels(WriteYoloLabels(b)) == b when the
// coordinates of b already are (as those of a parse of this writer's output are).
std::string WriteYoloLabels(const std::vector<YoloBox>& boxes);

// ------------------------------------------------------------------------------------------------
// Conversions to and from VOC

// The boxes of one image as VOC. The image size comes from the caller (the service reads the
// image). The VOC header is VocForImage(image_path, width, height) (coco.h: folder = the
// directory part of the path, filename = its last component). Objects: kBndbox named
// names[class_index], pose "Unspecified", flags 0. Each coordinate is first rounded to 6
// decimals, then xmin = (x_center − width/2)·W computed exactly on the 6-decimal integers with one
// final rounding (so 0.5 of 640 is exactly 320); a box may reach outside the image when the file
// says so. kInvalidArgument "<image_path>: box <i>: class index 7 is out of range: obj.names has
// 5 classes", or for a width or height not in [1, 2^30].
Result<VocAnnotation> YoloToVoc(const std::vector<YoloBox>& boxes,
                                const std::vector<std::string>& names, int64_t width,
                                int64_t height, std::string_view image_path);

struct VocToYoloResult {
  std::vector<YoloBox> boxes;
  // Objects left out, "annotation/object[2]: polygon is not a YOLO box"; size() is the count for
  // the export's warning.
  std::vector<std::string> dropped;
};

// The bndbox objects of `voc` as YOLO boxes, normalised by voc.width and voc.height and rounded
// to 6 decimals. YOLO → VOC → YOLO is exact for coordinates with at most 6 decimals. A box whose
// centre lies outside the image, or that is wider or taller than it, is first clamped to the
// image. Dropped (with the reason): other shapes, a name not in `names`, a box with nothing
// inside the image or under 0.000001 of its size.
VocToYoloResult VocToYolo(const VocAnnotation& voc, const std::vector<std::string>& names);

// ------------------------------------------------------------------------------------------------
// Folder layout (import)

// Where the files of a YOLO folder are, as relative paths from the list the service gave.
struct YoloLayout {
  std::string root;        // the directory of obj.data (else obj.names): "" or "export/"
  std::string data;        // "export/obj.data"; "" when absent
  std::string names;       // "export/obj.names"
  std::string train_list;  // "export/train.txt"; "" when absent
  std::string valid_list;  // "" when absent
  bool operator==(const YoloLayout&) const = default;
};

// Finds the dataset in `paths` (relative, '/'-separated: "export/obj.names"): the root is the
// directory of the shallowest obj.data, or of the shallowest obj.names when there is no obj.data.
// Without `data`, names/train_list/valid_list are obj.names/train.txt/valid.txt in the root, when
// present. With the parsed obj.data, its names/train/valid paths are used instead, resolved as
// ResolveYoloPath does. The service calls it twice: once to find obj.data, once with its content.
// kInvalidArgument: no obj.data or obj.names anywhere, two candidates at the same depth, no
// names file, or a file named by obj.data that is not in `paths`.
Result<YoloLayout> FindYoloLayout(const std::vector<std::string>& paths,
                                  const YoloData* data = nullptr);

// A path from obj.data or an image list, as a path of the folder: '\' becomes '/', a leading
// "./" goes, and a leading "data/" (Darknet's name for the dataset folder) becomes the root; when
// that is not in `paths` but root + path or path itself is, that one. Returns root + path (minus
// "data/") when none is present.
std::string ResolveYoloPath(const std::vector<std::string>& paths, const YoloLayout& layout,
                            std::string_view path);

enum class YoloSubset { kNone, kTrain, kValid };

struct YoloImageFiles {
  std::string image;   // "export/obj_train_data/a.jpg"
  std::string labels;  // "export/obj_train_data/a.txt"; "" when there is none (no label file)
  YoloSubset subset = YoloSubset::kNone;
  bool operator==(const YoloImageFiles&) const = default;
};

struct YoloImageMap {
  std::vector<YoloImageFiles> images;
  // Not fatal, for the import report: "train.txt: data/obj_train_data/x.jpg: no such image in
  // the folder", "valid.txt: data/a.jpg: already listed in train.txt",
  // "export/obj_train_data/y.txt: a label file without an image".
  std::vector<std::string> problems;
};

// The images of the dataset and their label files. An image belongs to the dataset when
// train.txt or valid.txt lists it (subset: the list that does, the first when both do), or when
// it lies in the root's obj_train_data/ or obj_valid_data/ (subset: by directory). Images are
// .jpg, .jpeg, .png or .bmp (any case) unless a list names them. An image's label file is the
// image path with its extension replaced by .txt. Order: train list, valid list, then unlisted
// images by path. `train` and `valid` are the parsed lists (empty when absent).
YoloImageMap MapYoloImages(const std::vector<std::string>& paths, const YoloLayout& layout,
                           const std::vector<std::string>& train,
                           const std::vector<std::string>& valid);

}  // namespace openarts::formats
