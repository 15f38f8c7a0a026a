// Interchange formats of imports and exports other than the ModelArts manifest and the directory
// conventions (spec §3, §5, §10): COCO, YOLO, CSV tables, doccano JSONL and CoNLL-2003. The
// readers turn a source into manifest-shaped samples (the importer validates, encodes and writes
// them like manifest lines); the writers take the selected samples in key order and write the
// files under the export path. docs/datasets.md gives each format's mapping and what it loses.
// Not a public header.
//
// Which dataset types each format serves (anything else is kInvalidArgument "annotation_format:
// ..." naming the formats the type can use):
//   coco     object detection (1), image segmentation (3)     import and export
//   yolo     object detection (1)                             import and export
//   csv      tables (400); classification lists `path,label` for 0, 100 (`text,label`), 200
//   doccano  text classification (100), named entity (101), text triplet (102)
//   conll    named entity (101), text triplet (102: entities only)
//
// Thread-compatible: one import or one writer belongs to one thread.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  // Called once per selected sample, in key order. A sample the format cannot hold (a CoNLL text
  // with overlapping entities, a YOLO image that is not in object storage) is left out and
  // counted for Finish's warnings; errors are those of the object store.
  virtual Status Add(const Sample& s) = 0;
  // A writer that reads a sample's stored line itself (COCO: the VOC objects straight from it,
  // without building the manifest sample and its JSON) says so; Export then calls AddStored with
  // the sample's columns only (no manifest annotations, no predictions), its stored line ("" when
  // it has none) and the dataset's labels, instead of Add.
  virtual bool ReadsStoredLines() const { return false; }
  virtual Status AddStored(const Sample& columns, std::string_view stored_line, const LabelMap& labels) {
    (void)stored_line;
    (void)labels;
    return Add(columns);
  }
  // Writes what is left and returns the URIs of the summary files written (the COCO file, the
  // CSV, the JSONL, YOLO's obj.data, obj.names and image lists — not every image and label file);
  // appends whole-export notes to `warnings`.
  virtual Result<std::vector<std::string>> Finish(std::vector<std::string>& warnings) = 0;
};

// Whether MakeForeignWriter handles `format`.
bool IsForeignExportFormat(std::string_view format);

// A writer for `req.format` into `req.path`, or kInvalidArgument "annotation_format: ..." when the
// dataset type cannot be written in that format (naming the formats that can).
Result<std::unique_ptr<ForeignWriter>> MakeForeignWriter(objstore::ObjectStore& objects,
                                                         const Dataset& ds, const ExportRequest& req);

// ------------------------------------------------------------------------------------------------
// Shared by interchange*.cc

namespace interchange {

// Everything a reader needs, as ReadForeignImport received it.
struct ImportJob {
  objstore::ObjectStore& objects;
  const Dataset& ds;
  const ImportRequest& req;
  const objstore::ObsUri& uri;
  std::vector<std::string>& warnings;
  Json& detected_schema;
  const std::function<void(double)>& progress;
};

// Collects items and hands them to the sink `batch` at a time.
class Batcher {
 public:
  Batcher(const ImportSink& sink, size_t batch) : sink_(sink), batch_(batch < 1 ? 1 : batch) {}
  Status Add(std::string where, Result<formats::ManifestSample> sample);
  Status Reject(std::string where, std::string reason) {
    return Add(std::move(where), InvalidArgument(std::move(reason)));
  }
  Status Flush();

 private:
  const ImportSink& sink_;
  size_t batch_;
  std::vector<ImportItem> items_;
};

// The objects an import reads: `uri` names one object (`single`) or a directory. `dir` is the
// directory key prefix ("in/coco/", "" for a bucket) and `all` every object under it, by key, for
// resolving relative paths.
struct SourceFiles {
  std::string bucket;
  std::string dir;
  std::vector<objstore::ObjectInfo> all;
  std::string single;  // the key of the one file named, "" for a directory
};
// kNotFound "import_path: nothing at obs://..." when neither an object nor a non-empty directory.
Result<SourceFiles> ListSource(objstore::ObjectStore& objects, const objstore::ObsUri& uri);
// The files of `src` (pointers into src.all) whose extension (lowercase, without the dot) is in
// `exts`; a single file is taken whatever its name. kInvalidArgument "import_path: no <what> (*.json) under obs://..." when
// there is none.
Result<std::vector<const objstore::ObjectInfo*>> PickFiles(const SourceFiles& src,
                                                          const std::vector<std::string_view>& exts,
                                                          std::string_view what);
// The key relative to the import directory ("annotations/instances.json").
std::string Relative(const SourceFiles& src, const std::string& key);
std::string ObsOf(std::string_view bucket, std::string_view key);  // "obs://b/k"
// s3://b/k → obs://b/k (imports store object sources as obs://); other strings unchanged.
std::string NormalizeSource(std::string_view source);
// obs://b/k ↔ s3://b/k with the scheme of an export's `source_type_header`.
std::string WithScheme(std::string_view source, std::string_view scheme);
std::string_view Basename(std::string_view key);
std::string_view ExtensionOf(std::string_view key);  // "jpg" ("" when none)

// The VOC header imports give an image: VocForImage("<parent folder>/<file name>", w, h) of its
// key ("in/coco/images/a.jpg" → folder "images", filename "a.jpg"), so the same image gets the
// same header whichever format or path brought it; `segmented` for segmentation datasets.
formats::VocAnnotation ImageVoc(std::string_view key, int64_t width, int64_t height, bool segmented);
// One detection / segmentation annotation carrying `voc` inline (extra["voc"]), annotated by a
// person, as the directory importer builds them.
formats::ManifestAnnotation VocAnnotationOf(const formats::VocAnnotation& voc, int dataset_type);
// The VOC objects of a sample's annotations (detection / segmentation); nullopt when it has none.
Result<std::optional<formats::VocAnnotation>> SampleVoc(const Sample& s);

// The §3.3 rule for boxes reaching past the image: a shape with less than half of its bounding
// box inside [0, width] × [0, height] is refused (kOutside); otherwise its points are clamped to
// the image (kClamped when that moved one).
enum class Fit { kInside, kClamped, kOutside };
Fit FitToImage(formats::VocShape& shape, int64_t width, int64_t height);

// Width and height of an image from its first bytes (imaging::Probe); reads more when the header
// lies further in. kInvalidArgument "<uri>: not a JPEG, PNG or BMP image ...".
Result<std::pair<int64_t, int64_t>> ProbeImage(objstore::ObjectStore& objects,
                                               const std::string& bucket, const std::string& key);

// Shortest decimal that reads back as `v` ("0.1", "640", "1e-07").
std::string Num(double v);
// "first; second; third (and 4 more)" of up to three examples and a total.
std::string Examples(const std::vector<std::string>& examples, int64_t total);
// `s` without `prefix` when it starts with it.
std::string StripPrefix(std::string_view s, std::string_view prefix);

// What an import or export left out or changed, counted by kind, with the first examples: the
// material of one warning.
class Tally {
 public:
  // `n` things of `kind` (one example for all of them).
  void Add(std::string_view kind, std::string example, int64_t n = 1);
  int64_t total() const { return total_; }
  std::string Kinds() const;     // "2 polygon, 1 circle"
  std::string Examples() const;  // "a; b; c (and 4 more)"

 private:
  std::vector<std::pair<std::string, int64_t>> counts_;  // by kind, sorted
  std::vector<std::string> examples_;
  int64_t total_ = 0, events_ = 0;
};

// A temporary local file that an export streams into, then puts into object storage.
class Spool {
 public:
  Spool();
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  void Write(std::string_view s) { out_.write(s.data(), static_cast<std::streamsize>(s.size())); }
  Status PutTo(objstore::ObjectStore& objects, const std::string& uri);

 private:
  std::string path_;
  std::ofstream out_;
};
Status PutText(objstore::ObjectStore& objects, const std::string& uri, std::string text);

// An export into one text file, `<path><dataset name>.<extension>`, streamed through a Spool;
// samples it cannot hold are counted in `left_out_` and reported by Finish.
class OneFileExport : public ForeignWriter {
 public:
  Result<std::vector<std::string>> Finish(std::vector<std::string>& warnings) override;

 protected:
  OneFileExport(objstore::ObjectStore& objects, const Dataset& ds, const ExportRequest& req,
                std::string_view extension)
      : objects_(objects), ds_(ds), req_(req), extension_(extension) {}
  // Warnings of the format, after the left-out samples.
  virtual void MoreWarnings(std::vector<std::string>& warnings) {}

  objstore::ObjectStore& objects_;
  const Dataset& ds_;
  const ExportRequest& req_;
  std::string extension_;
  Spool spool_;
  Tally left_out_;
  std::string left_out_note_;  // " CoNLL cannot hold": "left out 2 samples<note>: ..."
};

// Per format (interchange_images.cc, interchange_text.cc). The dataset type was checked.
Status ReadCoco(ImportJob& job, Batcher& out);
Status ReadYolo(ImportJob& job, Batcher& out);
Status ReadCsv(ImportJob& job, Batcher& out);
Status ReadDoccano(ImportJob& job, Batcher& out);
Status ReadConll(ImportJob& job, Batcher& out);
Result<std::unique_ptr<ForeignWriter>> NewCocoWriter(objstore::ObjectStore& objects,
                                                     const Dataset& ds, const ExportRequest& req);
Result<std::unique_ptr<ForeignWriter>> NewYoloWriter(objstore::ObjectStore& objects,
                                                     const Dataset& ds, const ExportRequest& req);
Result<std::unique_ptr<ForeignWriter>> NewCsvWriter(objstore::ObjectStore& objects,
                                                    const Dataset& ds, const ExportRequest& req);
Result<std::unique_ptr<ForeignWriter>> NewDoccanoWriter(objstore::ObjectStore& objects,
                                                        const Dataset& ds, const ExportRequest& req);
Result<std::unique_ptr<ForeignWriter>> NewConllWriter(objstore::ObjectStore& objects,
                                                      const Dataset& ds, const ExportRequest& req);

}  // namespace interchange
}  // namespace openarts::data
