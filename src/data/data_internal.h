// Internals shared by the data service's files. Not a public header.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/strings.h"
#include "data/data.h"
#include "formats/manifest.h"
#include "formats/voc.h"
#include "objstore/objstore.h"

namespace openarts::data {

// ---- keys (see 0004_data.sql) ----
inline constexpr int kKeyBits = 40;
inline constexpr int64_t kNumberMask = (int64_t{1} << kKeyBits) - 1;
inline int64_t SampleKey(int64_t dataset_seq, int64_t number) { return (dataset_seq << kKeyBits) | number; }
inline int64_t LabelKey(int64_t label_id, int64_t number) { return (label_id << kKeyBits) | number; }
inline int64_t NumberOf(int64_t key) { return key & kNumberMask; }
// "<salt 16 hex><number 16 hex>"; ParseSampleId checks the salt.
std::string SampleIdOf(std::string_view salt, int64_t number);
std::optional<int64_t> ParseSampleId(std::string_view salt, std::string_view id);

// The tasks::TaskInfo::subject of a dataset's tasks.
inline std::string TaskSubject(const Dataset& ds) { return "dataset:" + ds.id; }

// ---- objects (objects.cc) ----
// A whole object; kInvalidArgument beyond `max_bytes`.
Result<std::string> ReadObject(objstore::ObjectStore& objects, const std::string& uri,
                               uint64_t max_bytes = 64 << 20);
// Calls `fn` for each line of an object (without its '\n'; the last line may lack one), reading a
// megabyte at a time; stops at the first error. `progress` gets the fraction read.
Status ForEachObjectLine(objstore::ObjectStore& objects, const std::string& uri,
                         const std::function<Status(std::string_view line, int64_t line_no)>& fn,
                         const std::function<void(double)>& progress = {});

// ---- decoding helpers (decode.cc) ----
Status ValidateLabelName(std::string_view name);
// dataset_name: 1–64 letters, digits, '-', '_'. description: ≤ 256, none of !<>=&"'.
Status ValidateDatasetName(std::string_view name);
Status ValidateDescription(std::string_view field, std::string_view description);
// "obs://b/dir", "/b/dir/", "s3://b/dir" → "obs://b/dir/". kInvalidArgument naming `field`.
Result<std::string> NormalizeObsDir(std::string_view field, std::string_view path);
Result<std::optional<SampleState>> ParseSampleStateFilter(std::string_view s);
inline std::string AsciiLowerCopy(std::string_view s) { return AsciiLower(s); }

// ---- annotations (annotations.cc) ----
// The label type an annotation `type` string stands for in a dataset of `dataset_type`
// (matched by suffix: "image_classification" = "modelarts/image_classification"); -1 when the
// dataset cannot hold it. Named-entity annotations in a triplet dataset are 103.
int LabelTypeOfAnnotation(std::string_view annotation_type, int dataset_type);
// Annotation types without a label (speech content).
bool AnnotationHasLabel(std::string_view annotation_type);

// The labels of one dataset, both ways. Not thread-safe.
class LabelMap {
 public:
  void Add(const Label& l);
  const Label* ById(int64_t id) const;
  const Label* ByName(std::string_view name, int type) const;
  const std::vector<Label>& all() const { return labels_; }

 private:
  std::vector<Label> labels_;
  std::unordered_map<int64_t, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_name_;  // "<type>\x1f<name>"
};

// Resolves (name, label type) → label id, creating the label when allowed.
using LabelResolver = std::function<Result<int64_t>(const std::string& name, int type)>;

// VOC as JSON inside a stored annotation (extra["voc"]); object names are label ids (as
// decimal strings) once encoded.
Json VocToJson(const formats::VocAnnotation& voc);
Result<formats::VocAnnotation> VocFromJson(const Json& j);

// A sample as stored: columns plus the doc (the manifest line without the column fields, label
// ids in place of names).
struct StoredSample {
  SampleState state = SampleState::kUnlabeled;
  int usage = 0;
  bool hard = false;
  std::optional<double> hard_coefficient;
  int sample_type = 0;
  std::string source;
  std::string doc;                 // "" = NULL
  std::vector<int64_t> label_ids;  // distinct, the labels the annotations carry
};

// Encodes `s` (annotations with names; detection annotations carry extra["voc"]) for storage.
// kInvalidArgument "<field>: <problem>" when an annotation does not fit the dataset type or fails
// validation (ValidateAnnotations).
Result<StoredSample> EncodeSample(formats::ManifestSample s, int dataset_type,
                                  const LabelResolver& resolve);
// The stored doc back into a manifest sample with names.
Result<formats::ManifestSample> DecodeDoc(std::string_view doc, const LabelMap& labels);
// Predictions: same encoding, kept in `preds`.
Result<std::vector<formats::ManifestAnnotation>> DecodePreds(std::string_view preds,
                                                             const LabelMap& labels);

// Checks annotations against the dataset type and the sample: classification names present,
// VOC objects inside the image, NER offsets (code points) inside the text and start < end,
// triplet relations naming existing entities (ModelArts.4414), audio segments ordered.
Status ValidateAnnotations(const formats::ManifestSample& s, int dataset_type);

// `cur` with the labels of `u`, as manual labeling makes them (service.cc; team labeling validates
// with it too): detection annotations without an image size take it from `cur`, UTF-16 offsets
// become code points, usage and hard apply, and the result passes ValidateAnnotations.
// kInvalidArgument prefixed with `field` ("samples[3]").
Result<formats::ManifestSample> ApplyLabelsUpdate(const Sample& cur, const SampleLabelsUpdate& u,
                                                  int dataset_type, const std::string& field);

// The latest @modelarts:end_time of the speech-segmentation annotations of `s` in ms; nullopt
// when it has none.
std::optional<int64_t> LatestSegmentEndMs(const formats::ManifestSample& s, int dataset_type);

// UTF-16 code-unit offset → code-point offset in `text`; nullopt inside a surrogate pair or past
// the end.
std::optional<int64_t> Utf16ToCodePoint(std::string_view text, int64_t utf16);

// The text of a text sample ("content://..." sources); nullopt for other sources.
std::optional<std::string_view> ContentText(std::string_view source);

// ModelArts' flattened sample labels (API): [{name, type, id, property{@modelarts:feature,
// @modelarts:shape, ...}, annotated_by, score}] ↔ manifest annotations.
Json SampleLabelsJson(const formats::ManifestSample& s);
Result<std::vector<formats::ManifestAnnotation>> AnnotationsFromSampleLabels(
    const Json& labels, int dataset_type, std::string_view field);

}  // namespace openarts::data
