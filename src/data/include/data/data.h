// data: datasets and labeling — the ModelArts data-management model (../shared/spec/data.md,
// docs/datasets.md). A dataset has an input path (the data) and an output path (versions,
// exports) in object storage, a type (one of the annotation codes below), labels, and samples.
// A sample is one object (image, audio) or one text line, with a state (unlabeled / to be
// confirmed / labeled), a usage (train / eval / test / inference) and annotations.
//
// Storage (store.cc): samples are rows keyed `dataset seq << 40 | sample number`, so one dataset
// is one key range; annotations are kept in the ModelArts manifest form with label ids instead of
// names (a rename is one row update); label membership is an index table keyed
// `label id << 40 | sample number`. Imports write in batches above the dataset's visible
// watermark and publish everything with one final commit that moves the watermark, so a reader
// never sees a half-imported dataset and a crash leaves nothing visible.
//
// Thread-safe. Calls block on the database and object store: call from worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"
#include "formats/manifest.h"
#include "meta/meta.h"
#include "objstore/objstore.h"
#include "tasks/tasks.h"

namespace openarts::data {

// `dataset_type` / label `type` codes (spec §1.1). A triplet dataset (102) has entity labels
// (103) and relation labels (102).
enum class AnnotationType : int {
  kImageClassification = 0,
  kObjectDetection = 1,
  kImageSegmentation = 3,
  kTextClassification = 100,
  kNamedEntity = 101,
  kTextTriplet = 102,
  kTextTripletEntity = 103,
  kAudioClassification = 200,
  kSpeechContent = 201,
  kSpeechSegmentation = 202,
  kTable = 400,
  kVideo = 600,
  kFreeFormat = 900,
};

// What the spec's capability matrix allows for a dataset type.
struct Capabilities {
  std::string_view name;           // "image_classification"
  std::string_view manifest_type;  // "modelarts/image_classification"; "" for table and free
  int sample_type;                 // manifest sample-type: 0 image, 1 text, 2 audio, 4 table, 6 video, 9 free
  bool manual;                     // manual labeling
  bool smart;                      // intelligent (auto) labeling
  bool team;                       // team labeling
  bool split;                      // publish with a train/eval split
  bool labeled_import;             // import of labels (spec §3.1)
};
// nullptr for a code that is not a dataset type (103 is a label type only).
const Capabilities* CapabilitiesOf(int dataset_type);
// The label types a dataset of this type accepts ({0} for 0; {103, 102} for 102; {} for 400/900).
std::vector<int> LabelTypesOf(int dataset_type);

enum class SampleState { kUnlabeled = 0, kToBeConfirmed = 1, kLabeled = 2 };
std::string_view SampleStateName(SampleState s);  // "UNLABELED", "TO_BE_CONFIRMED", "LABELED"

struct Caller {
  std::string user_id;
  std::string user_name;
  std::string project_id;
  std::string workspace_id = "0";
};

struct Label {
  int64_t id = 0;            // internal; never shown
  std::string name;
  int type = 0;              // AnnotationType code
  Json property = Json::object();  // @modelarts:color, @modelarts:shortcut, ... (spec §4.4)
  Json attributes = Json::array();
  int64_t sample_count = 0;  // samples carrying the label (labeled or to be confirmed)
  Json ToJson() const;       // {name, type, property, attributes, sample_count}
};

struct Dataset {
  std::string id;
  int64_t seq = 0;  // internal key
  std::string project_id, workspace_id, name, description;
  int type = 0;              // AnnotationType code
  std::string input_path;    // "obs://bucket/prefix/" (always ends in '/')
  std::string output_path;   // "obs://bucket/prefix/"
  Json schema;               // tables: [{name, type}]; null otherwise
  std::vector<Label> labels;
  int64_t sample_count = 0, labeled_count = 0, to_confirm_count = 0, unlabeled_count = 0;
  std::string created_by;
  int64_t create_time = 0, update_time = 0;  // ms
  std::string current_version_id;
  // The API shape (spec §1, ModelArts "Query Dataset Details"): dataset_id, dataset_name,
  // dataset_type, data_sources, work_path, labels, total_sample_count, annotated_sample_count...
  Json ToJson() const;
};

struct CreateDatasetRequest {
  std::string name;          // 1–64: letters, digits, '-', '_' (ModelArts rule)
  std::string description;   // ≤ 256, without !<>=&"'
  int type = 0;
  std::string input_path;    // obs://bucket/dir/ (must exist)
  std::string output_path;   // obs://bucket/dir/, not inside input_path nor containing it
  std::vector<Label> labels; // initial labels (name, type, property)
  Json schema;               // tables: required unless detected at import
};
// Decodes the ModelArts create body {dataset_name, dataset_type, data_sources:[{data_path}],
// work_path, labels, description, schema}; kInvalidArgument naming the field.
Result<CreateDatasetRequest> DecodeCreateDataset(const Json& body);

// Sample listing (spec §2.1). Empty/unset fields do not filter.
struct SampleQuery {
  std::optional<SampleState> state;
  std::vector<std::string> labels;  // samples carrying ANY of these (label_name)
  std::optional<formats::Usage> usage;
  std::optional<bool> hard;
  std::string search;               // substring of the source (or the text of a text sample)
  std::optional<double> low_score, high_score;  // prediction confidence bounds
  int limit = 10;                   // 1..100 through the API
  int64_t offset = 0;               // offset paging (ModelArts)
  std::string marker;               // keyset paging: the sample_id to continue after
  bool with_count = true;           // compute `total` (exact count of matches)
};

struct Sample {
  std::string id;           // 32 hex; stable for the life of the sample
  std::string source;       // obs://... or content://...
  SampleState state = SampleState::kUnlabeled;
  formats::Usage usage = formats::Usage::kUnset;
  bool hard = false;
  std::optional<double> hard_coefficient;
  int sample_type = 0;
  formats::ManifestSample manifest;  // the sample as a manifest line: annotations with names
  std::vector<formats::ManifestAnnotation> predictions;  // to be confirmed (active learning)
  int64_t create_time = 0, update_time = 0;
  Json ToJson() const;      // the API shape
};

// A sample's bytes (spec §2: samples are served from object storage).
struct SampleContent {
  std::string source;        // the sample's source: callers authorize reading its bucket
  std::string content_type;  // the object's; by extension when it has none; text for content://
  std::string etag;          // the object's (quoted by HTTP callers); a hash of the text
  objstore::ObjectHandle object;  // obs:// sources (reader set)
  std::string text;               // content:// sources
};

struct SamplePage {
  std::vector<Sample> samples;
  int64_t total = -1;         // -1 when not counted
  std::string next_marker;    // "" at the end
};

struct RejectedItem {
  std::string where;   // "a.manifest:17", "voc/x.xml", "annotations[3]"
  std::string reason;
};

struct ImportRequest {
  std::string path;             // obs://bucket/dir/ or obs://bucket/x.manifest
  std::string format;           // "manifest" | "dir" (image folders/VOC/txt by dataset type) |
                                // "coco" | "yolo" | "csv" | "doccano" | "conll" | "text_combine"
  bool import_annotations = true;
  // Text classification directory formats (spec §3.2).
  int text_label_type = 1;       // 1: text and labels on one line; 0: a.txt + a_result.txt
  std::string text_sample_separator = "\t";
  std::string text_label_separator = ",";
  bool with_column_header = true;  // tables
};
// Decodes the ModelArts import-task body {import_path, import_type (0 dir, 1 manifest),
// import_annotations, label_format{label_type, text_sample_separator, text_label_separator},
// annotation_format}. kInvalidArgument naming the field.
Result<ImportRequest> DecodeImportRequest(const Json& body);

struct ImportReport {
  int64_t added = 0, updated = 0, rejected = 0, annotated = 0;
  std::vector<RejectedItem> rejected_items;  // the first 1,000, in input order
  std::vector<std::string> warnings;         // "12 circles dropped: YOLO has boxes only"
  // Where the time went (seconds of thread time per stage; parsing overlaps writing).
  double parse_seconds = 0, write_seconds = 0, commit_seconds = 0;
  Json ToJson() const;
};

// A sample's new labels, as the API sends them (spec §6): manifest-shaped annotations with
// names; for detection/segmentation each annotation carries the VOC objects inline
// ({"type":"modelarts/object_detection","objects":[{name, bndbox|polygon|...}],"width","height"})
// or an annotation-loc to read.
struct SampleLabelsUpdate {
  std::string sample_id;
  std::vector<formats::ManifestAnnotation> annotations;  // replaces the sample's annotations
  std::optional<formats::Usage> usage;
  std::optional<bool> hard;
  // Named-entity offsets in UTF-16 code units (what a browser's JavaScript strings count) rather
  // than Unicode code points (what the manifest stores); converted against the sample's text.
  bool utf16_offsets = false;
};

// Decoders of the sample and label bodies (ModelArts shapes); kInvalidArgument naming the field.
// {"samples":[{"sample_id", "labels":[{name, type, id, property}], "sample_usage", "hard",
//   "width", "height"}], "offset_unit": "code_point" (default) | "utf16"}
Result<std::vector<SampleLabelsUpdate>> DecodeSampleUpdates(const Json& body, const Dataset& ds);
// {"labels":[{name, type, property, attributes}]}
Result<std::vector<Label>> DecodeLabelList(const Json& body, int dataset_type);
// {"labels":[{name, property:{"@modelarts:rename_to": new}}]} → (old, new)
Result<std::vector<std::pair<std::string, std::string>>> DecodeRenames(const Json& body);
// `sample_state` query values (__ALL__ = labeled, a ModelArts quirk; __NONE__; __AUTO_ANNOTATION__).
Result<std::optional<SampleState>> DecodeSampleState(std::string_view s);
// TRAIN / EVAL / TEST / INFERENCE, any case.
Result<std::optional<formats::Usage>> DecodeUsage(std::string_view s);

struct Version {
  std::string id;             // 32 hex
  std::string name;           // V001...
  std::string description;
  int status = 1;             // 0 creating, 1 normal, 2 deleting, 3 deleted, 4 error
  double train_ratio = 1.0;   // train_evaluate_sample_ratio
  int64_t total_sample_count = 0, annotated_sample_count = 0, train_count = 0, eval_count = 0;
  std::string manifest_path;  // obs://.../annotation/V001/V001.manifest
  int64_t create_time = 0;
  Json ToJson() const;
};

struct PublishRequest {
  std::string name;           // "" = next V00n
  std::string description;
  double train_ratio = 1.0;   // 0..1; splitting only where the capability matrix allows it
  bool remove_sample_usage = false;
  bool clear_hard_property = false;
};
Result<PublishRequest> DecodePublishRequest(const Json& body);

struct ExportRequest {
  std::string path;           // obs://bucket/dir/ — not the dataset's input or output path
  std::string format = "manifest";  // manifest | voc | coco | yolo | csv | conll | doccano
  int export_type = 2;        // 0 labeled, 1 unlabeled, 2 all, 3 search (the query below)
  SampleQuery query;          // export_type 3
  std::vector<std::string> sample_ids;  // selected samples (any export_type)
  std::string version_id;     // export a version instead of the live samples
  std::string source_type_header = "s3://";  // the manifest source prefix (spec §10)
};
Result<ExportRequest> DecodeExportRequest(const Json& body);

struct Options {
  // Rows per import batch (one write transaction each, all invisible until the final commit).
  int import_batch = 20000;
  // Threads that parse while one writes.
  int import_parse_threads = 2;
};

// The task types the service registers (the API reads their status through TaskService).
inline constexpr std::string_view kImportTaskType = "data.import";
inline constexpr std::string_view kExportTaskType = "data.export";
inline constexpr std::string_view kPublishTaskType = "data.publish";
inline constexpr std::string_view kAutoLabelTaskType = "data.autolabel";
inline constexpr std::string_view kAnalysisTaskType = "data.analyze";

class DataService {
 public:
  virtual ~DataService() = default;

  // Datasets. Errors use the spec's ModelArts codes where it names one, as the message prefix
  // ("ModelArts.4358 Invalid export path: ...").
  virtual Result<Dataset> CreateDataset(const Caller& caller, const CreateDatasetRequest& req) = 0;
  // kNotFound. With `with_labels`, labels and their counts are filled in.
  virtual Result<Dataset> GetDataset(const std::string& project_id, const std::string& id,
                                     bool with_labels = true) = 0;
  struct ListRequest {
    std::string project_id;
    std::optional<std::vector<std::string>> workspace_ids;  // nullopt = all
    std::string search;  // name substring
    std::optional<int> type;
    int offset = 0, limit = 10;
  };
  virtual Result<std::pair<std::vector<Dataset>, int64_t>> ListDatasets(const ListRequest& r) = 0;
  // name / description only.
  virtual Result<Dataset> UpdateDataset(const std::string& project_id, const std::string& id,
                                        const Json& patch) = 0;
  // Deletes the dataset, its samples, labels and versions' records (objects in storage stay).
  virtual Status DeleteDataset(const std::string& project_id, const std::string& id) = 0;

  // Import. Runs synchronously (the task handler calls it; so can tests and benchmarks).
  // `progress` receives 0..1. On any error nothing becomes visible.
  virtual Result<ImportReport> Import(const Dataset& ds, const ImportRequest& req,
                                      const std::function<void(double)>& progress = {}) = 0;
  // Decodes the ModelArts import-task body and queues an import task (ModelArts.4356 when one is
  // already queued or running for the dataset).
  virtual Result<tasks::TaskInfo> SubmitImport(const Dataset& ds, const Json& body,
                                               const Caller& caller) = 0;

  // Samples.
  virtual Result<SamplePage> ListSamples(const Dataset& ds, const SampleQuery& q) = 0;
  virtual Result<Sample> GetSample(const Dataset& ds, const std::string& sample_id) = 0;
  // Replaces the annotations of each sample (manual labeling); validates every annotation
  // against the dataset type and the sample (boxes inside the image, spans inside the text...);
  // creates missing labels. All or nothing: the first invalid sample fails the call naming it.
  virtual Status UpdateSamples(const Dataset& ds, const std::vector<SampleLabelsUpdate>& updates) = 0;
  // The bytes of a sample: its object (kNotFound when the object is gone) or its text.
  virtual Result<SampleContent> GetSampleContent(const Dataset& ds, const std::string& sample_id) = 0;
  // A JPEG thumbnail of an image sample, its longer side `max_side` px (16–1024; never enlarged),
  // from a DCT-scaled decode; kept in a bounded in-memory cache keyed by the object's etag.
  // kFailedPrecondition for a sample that is not an image; kInvalidArgument for a corrupt one.
  virtual Result<std::string> SampleThumbnail(const Dataset& ds, const std::string& sample_id,
                                              int max_side) = 0;
  // Speech segmentation: kInvalidArgument "<field>: a segment ends at ... after the end of the
  // recording" when a segment of `s` ends after its WAV recording (read from the object's header;
  // other formats are not checked). UpdateSamples and imports call it; so does team labeling,
  // which stores labels elsewhere until they are accepted.
  virtual Status CheckSegmentsFitRecording(const formats::ManifestSample& s, int dataset_type,
                                           const std::string& field) = 0;
  // Removes samples (and their labels' counts); sources stay in storage.
  virtual Result<int64_t> DeleteSamples(const Dataset& ds, const std::vector<std::string>& ids) = 0;

  // Labels (spec §6).
  virtual Result<std::vector<Label>> ListLabels(const Dataset& ds) = 0;
  virtual Status CreateLabels(const Dataset& ds, const std::vector<Label>& labels) = 0;
  // Each (old name → new name); ModelArts.4410 / 4411.
  virtual Status RenameLabels(const Dataset& ds,
                              const std::vector<std::pair<std::string, std::string>>& renames) = 0;
  // delete_policy 0: label only (annotations with it are removed from samples); 1: also samples
  // left without any label; 2: also their source objects.
  virtual Status DeleteLabels(const Dataset& ds, const std::vector<std::string>& names,
                              int delete_policy) = 0;
  // Adds `label` (created if missing) to each sample (classification types), or removes it.
  virtual Status AddLabelToSamples(const Dataset& ds, const std::vector<std::string>& sample_ids,
                                   const std::string& label) = 0;
  virtual Status RemoveLabelFromSamples(const Dataset& ds,
                                        const std::vector<std::string>& sample_ids,
                                        const std::string& label) = 0;

  // Versions (spec §9): immutable snapshots with a manifest in <output>/annotation/<V>/.
  virtual Result<Version> PublishVersion(const Dataset& ds, const PublishRequest& req) = 0;
  virtual Result<std::vector<Version>> ListVersions(const Dataset& ds) = 0;
  virtual Result<Version> GetVersion(const Dataset& ds, const std::string& version_id) = 0;
  virtual Status DeleteVersion(const Dataset& ds, const std::string& version_id) = 0;
  // Writes a version into a local directory for a training job: `<dir>/<V>.manifest` whose
  // sources and annotation-locs are relative paths, the objects under `<dir>/data/<bucket>/<key>`
  // and the VOC files under `<dir>/annotations/`. Text samples stay inline.
  virtual Status MaterializeVersion(const Dataset& ds, const std::string& version_id,
                                    const std::string& dir) = 0;

  // Export (spec §10). Runs synchronously; SubmitExport queues it as a task.
  virtual Result<Json> Export(const Dataset& ds, const ExportRequest& req,
                              const std::function<void(double)>& progress = {}) = 0;
  // Decodes the ModelArts export-task body (ModelArts.4358 / 4384 on a bad one) and queues it.
  virtual Result<tasks::TaskInfo> SubmitExport(const Dataset& ds, const Json& body,
                                               const Caller& caller) = 0;
  // Intelligent labeling (spec §7), "active learning / fast": trains on the labeled samples,
  // moves every unlabeled sample it can read to "to be confirmed" with a predicted label and a
  // confidence, and flags the least confident tenth as hard. Image and text classification
  // (docs/datasets.md says how). `params`: {task_type "auto-label", algorithm_type "fast"}.
  // Preconditions as ModelArts.4405 / 4406 / 4407. Returns the task result.
  virtual Result<Json> AutoLabel(const Dataset& ds, const Json& params,
                                 const std::function<void(double)>& progress = {}) = 0;
  // POST /datasets/{id}/tasks: queues it (one at a time: ModelArts.4387 style conflict).
  virtual Result<tasks::TaskInfo> SubmitAutoLabel(const Dataset& ds, const Json& body,
                                                  const Caller& caller) = 0;
  // Confirms predictions: they become the samples' labels (annotated by a person). Many samples
  // at once for classification; exactly one for object detection. Returns how many.
  virtual Result<int64_t> ConfirmPredictions(const Dataset& ds, const std::vector<std::string>& ids) = 0;
  // Feature analysis (spec §11) of a published version: the image- and box-level metrics of every
  // image (detection: labeled images only), written to
  // <output>/<name>-<id>/analysis/<V>/features.jsonl. Returns the task result.
  virtual Result<Json> AnalyzeVersion(const Dataset& ds, const std::string& version_id,
                                      const std::function<void(double)>& progress = {}) = 0;
  // {"version_id"}: queues the analysis task.
  virtual Result<tasks::TaskInfo> SubmitAnalysis(const Dataset& ds, const Json& body, const Caller& caller) = 0;
  // 50-bin histograms of one metric for the versions given, on the range they share
  // ([min p0.5, max p99.5]), over the samples of `usage` (all, train, eval, test, inference).
  // Metrics: resolution, aspect_ratio, brightness, saturation, contrast, blur, colorfulness,
  // box_count, box_area_std, box_aspect_ratio, box_area_ratio, box_marginalization, box_overlap,
  // box_brightness, box_blur.
  virtual Result<Json> FeatureHistograms(const Dataset& ds, const std::vector<std::string>& version_ids,
                                         const std::string& metric, const std::string& usage) = 0;
  // The import / export tasks of a dataset, newest first.
  virtual Result<std::vector<tasks::TaskInfo>> ListTasks(const Dataset& ds, std::string_view type) = 0;
};

// Registers the task handlers with `tasks` (call before tasks.Start()).
Result<std::unique_ptr<DataService>> Create(meta::Database& db, objstore::ObjectStore& objects,
                                            tasks::TaskService& tasks, Clock& clock,
                                            const Options& options = {});

}  // namespace openarts::data
