// The ModelArts dataset manifest: JSON Lines, one sample per line, each with its annotations
// (spec/data.md §4, examples §13). Read on import, written on export and publish; manifests move
// between ModelArts and OpenArts unchanged.
//
//   auto parsed = ParseManifestLenient(text, "animal-v1.manifest", {.base_uri = "s3://b/out/"});
//   for (auto& r : parsed.rejected) report(r.line, r.reason);   // imports report, not fail
//   std::string text2 = WriteManifest(parsed.samples);          // canonical; reads back equal
//
// Pure functions over values: no I/O, no exceptions (nlohmann's are caught inside), thread-safe.
// Every error is kInvalidArgument "<source>:<line>: <field>: <problem>". The reader accepts the
// quirks of §4.7 (blank lines, CRLF, no final newline, a UTF-8 BOM, lowercase `usage`, `hard` as
// a string, `property` as a JSON-encoded string, underscore key aliases); the writer emits the
// canonical form. The format is described in docs/formats/manifest.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace openarts::formats {

// `usage`, matched case-insensitively on read, written uppercase; kUnset when absent or "".
enum class Usage { kUnset, kTrain, kEval, kTest, kInference };

// "TRAIN", "EVAL", "TEST", "INFERENCE"; "" for kUnset.
std::string_view UsageName(Usage usage);

// One element of a sample's `annotation` array (§4.3). An unset optional means the key was absent.
struct ManifestAnnotation {
  std::string type;                   // `type`, as given ("modelarts/object_detection")
  std::optional<std::string> name;    // label name, byte-exact (leading spaces kept)
  std::optional<std::string> id;      // triplets: "E1", "R1"
  Json property;                      // null when absent; an object (or array), decoded when the
                                      // file holds it as a JSON string; any other string verbatim
  std::optional<double> confidence;   // 0–1
  std::optional<std::string> annotated_by;   // `annotated-by` / `annotated_by`
  std::optional<std::string> creation_time;  // `creation-time`, "YYYY-MM-DD hh:mm:ss", unchecked
  std::optional<bool> hard;                  // "true"/"false" or a JSON boolean
  std::optional<double> hard_coefficient;    // 0–1
  std::optional<std::string> hard_reasons;   // "3-20-21-19"
  std::optional<std::string> annotation_loc;  // VOC file; a relative one resolved on read
  std::optional<std::string> annotation_format;  // "PASCAL VOC", "manifest"
  Json extra = Json::object();  // every other key, verbatim

  bool operator==(const ManifestAnnotation&) const = default;
};

// One line (§4.2).
struct ManifestSample {
  std::string source;  // required; byte-exact ("content://I like this product ")
  Usage usage = Usage::kUnset;
  std::optional<std::string> id;
  std::optional<int64_t> sample_type;  // `sample-type`: 0 image, 1 text, 2 audio, 4 table, 6 video
  std::optional<std::string> source_type;    // `source-type`
  std::optional<std::string> inference_loc;  // `inference-loc` / `inference_loc`
  std::optional<bool> hard;
  std::optional<double> hard_coefficient;
  std::optional<std::string> hard_reasons;
  Json property;  // as ManifestAnnotation::property
  std::vector<ManifestAnnotation> annotations;  // absent and [] both read as empty (unlabeled)
  Json extra = Json::object();  // every other key, verbatim

  bool operator==(const ManifestSample&) const = default;
};

struct ManifestOptions {
  // The directory that holds the manifest ("s3://bucket/out/", "/data/ds"). When set, a relative
  // `annotation-loc` ("./voc/a.xml", "voc/a.xml", "../a.xml") is resolved against it; when empty
  // it is kept as given.
  std::string base_uri;
};

// Parses one line (without its '\n'; a trailing '\r' is ignored). `line_number` only labels
// errors. kInvalidArgument "<source_name>:<line_number>: <field>: <problem>" for text that is not
// a JSON object, a missing or non-string `source`, a known key with the wrong type or range
// (`annotation[1].confidence: expected a number in [0, 1], got "high"`), an unknown `usage`, a
// key given both hyphenated and with underscores, or nesting deeper than 100 levels.
Result<ManifestSample> ParseManifestLine(std::string_view line, std::string_view source_name,
                                         int64_t line_number, const ManifestOptions& options = {});

// Parses a whole manifest: lines split at '\n', CRLF tolerated, blank lines skipped, no final
// newline required, a UTF-8 BOM before line 1 ignored. The first bad line fails the whole parse
// with ParseManifestLine's error.
Result<std::vector<ManifestSample>> ParseManifest(std::string_view text,
                                                  std::string_view source_name,
                                                  const ManifestOptions& options = {});

struct RejectedLine {
  int64_t line = 0;    // 1-based
  std::string reason;  // ParseManifestLine's message, "<source>:<line>: <field>: <problem>"
  bool operator==(const RejectedLine&) const = default;
};

struct ManifestParse {
  std::vector<ManifestSample> samples;  // the good lines, in file order
  std::vector<RejectedLine> rejected;   // the bad ones, in file order
  std::vector<int64_t> sample_lines;    // sample_lines[i]: the 1-based line of samples[i]
};

// As ParseManifest, but a bad line is recorded in `rejected` and skipped: imports report rejected
// lines rather than failing wholesale.
ManifestParse ParseManifestLenient(std::string_view text, std::string_view source_name,
                                   const ManifestOptions& options = {});

// As ParseManifestLenient for a run of whole lines cut from a manifest at '\n' boundaries whose
// first line is line `first_line` (1-based) of the file: line numbers in `rejected`,
// `sample_lines` and the messages count from there, and a BOM is skipped only when first_line
// is 1. Cutting a text after any '\n' and concatenating the chunks' results in order gives
// ParseManifestLenient of the whole text, so an importer can parse chunks on several threads.
ManifestParse ParseManifestChunk(std::string_view text, std::string_view source_name,
                                 int64_t first_line, const ManifestOptions& options = {});

// Canonical JSON Lines: one object per sample, each line ending in '\n'; hyphenated keys in a
// fixed order (source, usage, id, sample-type, source-type, inference-loc, hard,
// hard-coefficient, hard-reasons, property, annotation, then unknown keys sorted), uppercase
// usage, `hard` as "true"/"false", object-valued property. ParseManifest(WriteManifest(s)) == s
// for every `s` that ParseManifest returned (resolved annotation-loc stays resolved). Invalid
// UTF-8 in a hand-built sample is replaced by U+FFFD.
std::string WriteManifest(const std::vector<ManifestSample>& samples);
// One sample's line, without the '\n'.
std::string WriteManifestLine(const ManifestSample& sample);

}  // namespace openarts::formats
