// Interchange formats of imports and exports other than the ModelArts manifest and the directory
// conventions (spec §3, §5, §10): COCO, YOLO, CSV tables, doccano JSONL and CoNLL-2003. The
// readers turn a source into manifest-shaped samples (the importer validates, encodes and writes
// them like manifest lines); the writers take the selected samples in key order and write the
// files under the export path. Not a public header.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data_internal.h"

namespace openarts::data {

// One sample read from a foreign source, or why that item was rejected.
struct ImportItem {
  std::string where;  // "instances.json:annotations[3]", "labels/a.txt:2", "t.csv:17"
  Result<formats::ManifestSample> sample = InvalidArgument("unset");
};

// Receives items `batch` at a time; a non-OK status stops the reader and is returned.
using ImportSink = std::function<Status(std::vector<ImportItem> items)>;

// Whether ReadForeignImport handles `format` ("coco", "yolo", "csv", "doccano", "conll").
bool IsForeignImportFormat(std::string_view format);

// Reads the import source `req.path` (a directory or a file, as the format wants) of dataset `ds`
// in `req.format` and feeds the samples to `sink`. Problems with one item are items with an error
// status; problems with the whole source (no annotation file, a schema that does not match) are
// the returned status, naming the file and the fix. `warnings` collects whole-import notes
// ("12 circles dropped: YOLO has boxes only"). `progress` receives 0..1 of the reading.
// Tables: when `ds.schema` is null the schema is detected from the first file and returned
// through `detected_schema` (the importer stores it with the final commit).
Status ReadForeignImport(objstore::ObjectStore& objects, const Dataset& ds, const ImportRequest& req,
                         const objstore::ObsUri& uri, size_t batch, const ImportSink& sink,
                         std::vector<std::string>& warnings, Json& detected_schema,
                         const std::function<void(double)>& progress);

// Writes samples in one export format.
class ForeignWriter {
 public:
  virtual ~ForeignWriter() = default;
  // Called once per selected sample, in key order.
  virtual Status Add(const Sample& s) = 0;
  // Writes what is left and returns the URIs of the files written (manifest-like summaries first);
  // appends whole-export notes to `warnings`.
  virtual Result<std::vector<std::string>> Finish(std::vector<std::string>& warnings) = 0;
};

// Whether MakeForeignWriter handles `format`.
bool IsForeignExportFormat(std::string_view format);

// A writer for `req.format` into `req.path`, or kInvalidArgument "annotation_format: ..." when the
// dataset type cannot be written in that format (naming the formats that can).
Result<std::unique_ptr<ForeignWriter>> MakeForeignWriter(objstore::ObjectStore& objects,
                                                         const Dataset& ds, const ExportRequest& req);

}  // namespace openarts::data
