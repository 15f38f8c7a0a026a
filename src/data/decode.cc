// Request-body decoders of the datasets API: ModelArts field names in, values out; every error
// names the field and the fix.
#include <cmath>

#include "data/data.h"
#include "data_internal.h"
#include "objstore/names.h"

namespace openarts::data {

namespace {

Status Field(std::string_view field, std::string_view problem) {
  return InvalidArgument(std::string(field) + ": " + std::string(problem));
}

Result<std::optional<std::string>> OptString(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Field(key, "expected a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<int64_t>> OptInt(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<int64_t>();
  if (it->is_number_integer()) return std::optional<int64_t>(it->get<int64_t>());
  if (it->is_string()) {  // ModelArts clients send some numbers as strings
    const std::string& s = it->get_ref<const std::string&>();
    try {
      size_t used = 0;
      int64_t v = std::stoll(s, &used);
      if (used == s.size()) return std::optional<int64_t>(v);
    } catch (...) {
    }
  }
  return Field(key, "expected an integer");
}

Result<std::optional<bool>> OptBool(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<bool>();
  if (it->is_boolean()) return std::optional<bool>(it->get<bool>());
  if (it->is_string()) {
    if (*it == "true") return std::optional<bool>(true);
    if (*it == "false") return std::optional<bool>(false);
  }
  return Field(key, "expected true or false");
}

Result<std::optional<double>> OptRatio(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<double>();
  double v = 0;
  if (it->is_number()) {
    v = it->get<double>();
  } else if (it->is_string()) {
    try {
      size_t used = 0;
      v = std::stod(it->get<std::string>(), &used);
      if (used != it->get_ref<const std::string&>().size()) throw 1;
    } catch (...) {
      return Field(key, "expected a number between 0 and 1 (e.g. \"0.8\")");
    }
  } else {
    return Field(key, "expected a number between 0 and 1 (e.g. \"0.8\")");
  }
  if (!std::isfinite(v) || v < 0 || v > 1) return Field(key, "must be between 0 and 1");
  return std::optional<double>(v);
}

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

Result<std::vector<Label>> DecodeLabels(const Json& body, const char* key) {
  std::vector<Label> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) return Field(key, "expected an array of {name, type, property}");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& l = (*it)[i];
    std::string f = std::string(key) + "[" + std::to_string(i) + "]";
    if (!l.is_object()) return Field(f, "expected an object {name, type, property}");
    Label label;
    auto name = l.find("name");
    if (name == l.end() || !name->is_string()) return Field(f + ".name", "required string");
    label.name = name->get<std::string>();
    OA_TRY(ValidateLabelName(label.name).WithContext(f + ".name"));
    auto type = l.find("type");
    label.type = -1;
    if (type != l.end() && !type->is_null()) {
      if (!type->is_number_integer()) return Field(f + ".type", "expected a label type code");
      label.type = type->get<int>();
    }
    auto prop = l.find("property");
    if (prop != l.end() && !prop->is_null()) {
      if (!prop->is_object()) return Field(f + ".property", "expected an object");
      label.property = *prop;
    }
    auto attrs = l.find("attributes");
    if (attrs != l.end() && !attrs->is_null()) {
      if (!attrs->is_array()) return Field(f + ".attributes", "expected an array");
      label.attributes = *attrs;
    }
    out.push_back(std::move(label));
  }
  return out;
}

}  // namespace

Status ValidateDescription(std::string_view field, std::string_view d) {
  if (d.size() > 256) return Field(field, "at most 256 characters");
  if (d.find_first_of("!<>=&\"'") != std::string_view::npos) {
    return Field(field, "must not contain any of !<>=&\"'");
  }
  return Status::Ok();
}

Status ValidateDatasetName(std::string_view name) {
  if (name.empty()) return Field("dataset_name", "required");
  if (name.size() > 64) return Field("dataset_name", "at most 64 characters");
  for (char c : name) {
    if (!NameChar(c)) return Field("dataset_name", "only letters, digits, '-' and '_' are allowed");
  }
  return Status::Ok();
}

Status ValidateLabelName(std::string_view name) {
  if (name.empty()) return InvalidArgument("a label name must not be empty");
  if (name.size() > 1024) return InvalidArgument("a label name is at most 1024 bytes");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgument("a label name must not contain control characters");
    }
  }
  return Status::Ok();
}

Result<std::string> NormalizeObsDir(std::string_view field, std::string_view path) {
  std::string p(path);
  if (p.empty()) return Field(field, "required: an object-storage directory, e.g. obs://bucket/dir/");
  if (!objstore::IsObsUri(p)) {
    // ModelArts' own form: "/bucket/dir/".
    if (p.front() != '/') {
      return Field(field, "expected obs://bucket/dir/ (or /bucket/dir/), got \"" + p + "\"");
    }
    p = "obs:/" + p;
  }
  auto uri = objstore::ParseObsUri(p);
  if (!uri.ok()) return Field(field, uri.status().message());
  std::string key = uri->key;
  if (!key.empty() && key.back() != '/') key += '/';
  return "obs://" + uri->bucket + "/" + key;
}

Result<CreateDatasetRequest> DecodeCreateDataset(const Json& body) {
  if (!body.is_object()) return InvalidArgument("body: expected a JSON object");
  CreateDatasetRequest r;
  OA_ASSIGN_OR_RETURN(auto name, OptString(body, "dataset_name"));
  OA_TRY(ValidateDatasetName(name.value_or("")));
  r.name = *name;
  OA_ASSIGN_OR_RETURN(auto desc, OptString(body, "description"));
  if (desc) {
    OA_TRY(ValidateDescription("description", *desc));
    r.description = *desc;
  }
  OA_ASSIGN_OR_RETURN(auto type, OptInt(body, "dataset_type"));
  r.type = type ? static_cast<int>(*type) : 0;
  if (!CapabilitiesOf(r.type)) {
    return Field("dataset_type",
                 "unknown type " + std::to_string(r.type) +
                     "; one of 0 (image classification), 1 (object detection), 3 (image "
                     "segmentation), 100 (text classification), 101 (named entity), 102 (text "
                     "triplet), 200 (sound classification), 201 (speech content), 202 (speech "
                     "segmentation), 400 (table), 600 (video), 900 (free format)");
  }
  std::string input;
  auto sources = body.find("data_sources");
  if (sources != body.end() && !sources->is_null()) {
    if (!sources->is_array() || sources->size() != 1 || !(*sources)[0].is_object()) {
      return Field("data_sources", "expected one element [{\"data_path\": \"obs://bucket/dir/\"}]");
    }
    OA_ASSIGN_OR_RETURN(auto p, OptString((*sources)[0], "data_path"));
    if (!p) return Field("data_sources[0].data_path", "required");
    input = *p;
  } else {
    OA_ASSIGN_OR_RETURN(auto p, OptString(body, "data_path"));
    if (p) input = *p;
  }
  OA_ASSIGN_OR_RETURN(r.input_path, NormalizeObsDir("data_sources[0].data_path", input));
  OA_ASSIGN_OR_RETURN(auto work, OptString(body, "work_path"));
  OA_ASSIGN_OR_RETURN(r.output_path, NormalizeObsDir("work_path", work.value_or("")));
  OA_ASSIGN_OR_RETURN(r.labels, DecodeLabels(body, "labels"));
  std::vector<int> allowed = LabelTypesOf(r.type);
  for (size_t i = 0; i < r.labels.size(); ++i) {
    Label& l = r.labels[i];
    if (l.type < 0) l.type = allowed.empty() ? r.type : allowed.back();
    if (std::find(allowed.begin(), allowed.end(), l.type) == allowed.end()) {
      return Field("labels[" + std::to_string(i) + "].type",
                   "ModelArts.4413 Label is incompatible with annotation rules: type " +
                       std::to_string(l.type) + " in a dataset of type " + std::to_string(r.type));
    }
  }
  auto schema = body.find("schema");
  if (schema != body.end() && !schema->is_null()) {
    if (r.type != 400) return Field("schema", "only table datasets (dataset_type 400) have a schema");
    r.schema = *schema;
  }
  return r;
}

Result<ImportRequest> DecodeImportRequest(const Json& body) {
  if (!body.is_object()) return InvalidArgument("body: expected a JSON object");
  ImportRequest r;
  OA_ASSIGN_OR_RETURN(auto path, OptString(body, "import_path"));
  if (!path || path->empty()) {
    return Field("import_path", "required: obs://bucket/dir/ or obs://bucket/file.manifest");
  }
  r.path = *path;
  if (!objstore::IsObsUri(r.path)) {
    if (r.path.front() != '/') return Field("import_path", "expected obs://bucket/path");
    r.path = "obs:/" + r.path;
  }
  if (auto uri = objstore::ParseObsUri(r.path); !uri.ok()) {
    return Field("import_path", uri.status().message());
  }
  OA_ASSIGN_OR_RETURN(auto import_type, OptInt(body, "import_type"));
  OA_ASSIGN_OR_RETURN(auto format, OptString(body, "annotation_format"));
  if (format && !format->empty()) {
    // Short names in any case; the ModelArts format names of spec §3.2 as written.
    static const std::vector<std::pair<std::string_view, std::string_view>> kFormats = {
        {"manifest", "manifest"}, {"dir", "dir"}, {"coco", "coco"}, {"yolo", "yolo"},
        {"csv", "csv"}, {"doccano", "doccano"}, {"conll", "conll"},
        {"text_combine", "text_combine"}, {"voc", "dir"}, {"pascal voc", "dir"},
        {"coco 1.0", "coco"}, {"yolo 1.1", "yolo"}, {"doccano jsonl", "doccano"},
        {"jsonl", "doccano"}, {"conll2003", "conll"}, {"conll-2003", "conll"},
        {"conll 2003", "conll"}};
    static const std::vector<std::pair<std::string_view, std::string_view>> kModelArtsNames = {
        {"ModelArts PASCAL VOC 1.0", "dir"}, {"ModelArts imageNet 1.0", "dir"},
        {"ModelArts image classification 1.0", "dir"}, {"ModelArts image segmentation 1.0", "dir"},
        {"ModelArts text classification combine 1.0", "text_combine"},
        {"ModelArts text classification 1.0", "dir"},
        {"ModelArts audio classification dir 1.0", "dir"}, {"CSV directory", "csv"}};
    bool found = false;
    std::string lower = AsciiLowerCopy(*format);
    for (auto [k, v] : kFormats) {
      if (lower == k) {
        r.format = v;
        found = true;
      }
    }
    for (auto [k, v] : kModelArtsNames) {
      if (*format == k) {
        r.format = v;
        found = true;
      }
    }
    if (!found) {
      return Field("annotation_format",
                   "unknown format \"" + *format +
                       "\"; one of manifest, dir, voc, coco, yolo, csv, doccano, conll, "
                       "text_combine (or the ModelArts format names of docs/datasets.md)");
    }
  } else if (import_type) {
    if (*import_type != 0 && *import_type != 1) {
      return Field("import_type", "0 (a directory) or 1 (a manifest file)");
    }
    r.format = *import_type == 1 ? "manifest" : "dir";
  } else {
    r.format = r.path.ends_with(".manifest") ? "manifest" : "dir";
  }
  OA_ASSIGN_OR_RETURN(auto ia, OptBool(body, "import_annotations"));
  if (ia) r.import_annotations = *ia;
  OA_ASSIGN_OR_RETURN(auto header, OptBool(body, "with_column_header"));
  if (header) r.with_column_header = *header;
  auto lf = body.find("label_format");
  if (lf != body.end() && !lf->is_null()) {
    if (!lf->is_object()) return Field("label_format", "expected an object");
    OA_ASSIGN_OR_RETURN(auto lt, OptInt(*lf, "label_type"));
    if (lt) {
      if (*lt != 0 && *lt != 1) {
        return Field("label_format.label_type",
                     "0 (labels in a separate a_result.txt) or 1 (text and labels on one line)");
      }
      r.text_label_type = static_cast<int>(*lt);
    }
    OA_ASSIGN_OR_RETURN(auto ss, OptString(*lf, "text_sample_separator"));
    if (ss) r.text_sample_separator = *ss;
    OA_ASSIGN_OR_RETURN(auto ls, OptString(*lf, "text_label_separator"));
    if (ls) r.text_label_separator = *ls;
  }
  return r;
}

Result<PublishRequest> DecodePublishRequest(const Json& body) {
  if (!body.is_object()) return InvalidArgument("body: expected a JSON object");
  PublishRequest r;
  OA_ASSIGN_OR_RETURN(auto name, OptString(body, "version_name"));
  if (name && !name->empty()) {
    if (name->size() > 32) return Field("version_name", "1–32 characters");
    for (char c : *name) {
      if (!NameChar(c)) return Field("version_name", "only letters, digits, '-' and '_' are allowed");
    }
    r.name = *name;
  }
  OA_ASSIGN_OR_RETURN(auto desc, OptString(body, "description"));
  if (desc) {
    OA_TRY(ValidateDescription("description", *desc));
    r.description = *desc;
  }
  OA_ASSIGN_OR_RETURN(auto ratio, OptRatio(body, "train_evaluate_sample_ratio"));
  if (ratio) r.train_ratio = *ratio;
  OA_ASSIGN_OR_RETURN(auto rsu, OptBool(body, "remove_sample_usage"));
  if (rsu) r.remove_sample_usage = *rsu;
  OA_ASSIGN_OR_RETURN(auto chp, OptBool(body, "clear_hard_property"));
  if (chp) r.clear_hard_property = *chp;
  return r;
}

Result<ExportRequest> DecodeExportRequest(const Json& body) {
  if (!body.is_object()) return InvalidArgument("body: expected a JSON object");
  ExportRequest r;
  OA_ASSIGN_OR_RETURN(auto path, OptString(body, "path"));
  if (!path || path->empty()) {
    return Field("path", "ModelArts.4358 Invalid export path: required, e.g. obs://bucket/export/");
  }
  auto norm = NormalizeObsDir("path", *path);
  if (!norm.ok()) return InvalidArgument("ModelArts.4358 Invalid export path: " + norm.status().message());
  r.path = *norm;
  OA_ASSIGN_OR_RETURN(auto et, OptInt(body, "export_type"));
  if (et) {
    if (*et < 0 || *et > 3) {
      return Field("export_type",
                   "ModelArts.4384 Invalid export parameter: 0 labeled, 1 unlabeled, 2 all, 3 search");
    }
    r.export_type = static_cast<int>(*et);
  }
  OA_ASSIGN_OR_RETURN(auto fmt, OptString(body, "annotation_format"));
  OA_ASSIGN_OR_RETURN(auto fmt2, OptString(body, "export_format_name"));
  std::string f = AsciiLowerCopy(fmt.value_or(fmt2.value_or("manifest")));
  static const std::vector<std::pair<std::string_view, std::string_view>> kAliases = {
      {"pascal voc", "voc"},     {"coco 1.0", "coco"},     {"yolo 1.1", "yolo"},
      {"doccano jsonl", "doccano"}, {"jsonl", "doccano"}, {"conll2003", "conll"},
      {"conll-2003", "conll"},   {"conll 2003", "conll"}};
  for (auto [k, v] : kAliases) {
    if (f == k) f = v;
  }
  static const std::vector<std::string> kFormats = {"manifest", "voc",   "coco",   "yolo",
                                                    "csv",      "conll", "doccano"};
  if (std::find(kFormats.begin(), kFormats.end(), f) == kFormats.end()) {
    return Field("annotation_format",
                 "ModelArts.4384 Invalid export parameter: unknown format \"" + f +
                     "\"; one of manifest, VOC, COCO, YOLO, CSV, CoNLL, doccano");
  }
  r.format = f;
  OA_ASSIGN_OR_RETURN(auto vid, OptString(body, "version_id"));
  if (vid) r.version_id = *vid;
  OA_ASSIGN_OR_RETURN(auto header, OptString(body, "source_type_header"));
  if (header) {
    if (*header != "s3://" && *header != "obs://") {
      return Field("source_type_header", "\"s3://\" or \"obs://\"");
    }
    r.source_type_header = *header;
  }
  OA_ASSIGN_OR_RETURN(auto state, OptString(body, "sample_state"));
  if (state) {
    OA_ASSIGN_OR_RETURN(r.query.state, ParseSampleStateFilter(*state));
  }
  auto params = body.find("export_params");
  if (params != body.end() && params->is_object()) {
    auto samples = params->find("samples");
    if (samples != params->end() && samples->is_array()) {
      for (const auto& s : *samples) {
        if (!s.is_string()) return Field("export_params.samples", "expected sample ids");
        r.sample_ids.push_back(s.get<std::string>());
      }
    }
  }
  return r;
}

Result<std::optional<SampleState>> ParseSampleStateFilter(std::string_view s) {
  // spec §2.1: __ALL__ is "labeled" (a ModelArts quirk), not "all".
  if (s.empty()) return std::optional<SampleState>();
  if (s == "__ALL__" || s == "LABELED") return std::optional<SampleState>(SampleState::kLabeled);
  if (s == "__NONE__" || s == "UNLABELED") return std::optional<SampleState>(SampleState::kUnlabeled);
  if (s == "__AUTO_ANNOTATION__" || s == "TO_BE_CONFIRMED") {
    return std::optional<SampleState>(SampleState::kToBeConfirmed);
  }
  return InvalidArgument("sample_state: one of __ALL__ (labeled), __NONE__ (unlabeled), "
                         "__AUTO_ANNOTATION__ (to be confirmed); got \"" + std::string(s) + "\"");
}

Result<std::optional<SampleState>> DecodeSampleState(std::string_view s) { return ParseSampleStateFilter(s); }

Result<std::optional<formats::Usage>> DecodeUsage(std::string_view s) {
  std::string u = AsciiLower(s);
  if (u.empty()) return std::optional<formats::Usage>();
  if (u == "train") return std::optional<formats::Usage>(formats::Usage::kTrain);
  if (u == "eval") return std::optional<formats::Usage>(formats::Usage::kEval);
  if (u == "test") return std::optional<formats::Usage>(formats::Usage::kTest);
  if (u == "inference") return std::optional<formats::Usage>(formats::Usage::kInference);
  return InvalidArgument("sample_usage: one of TRAIN, EVAL, TEST, INFERENCE; got \"" + std::string(s) + "\"");
}

Result<std::vector<SampleLabelsUpdate>> DecodeSampleUpdates(const Json& body, const Dataset& ds) {
  auto samples = body.find("samples");
  if (samples == body.end() || !samples->is_array() || samples->empty()) {
    return Field("samples", "required: [{\"sample_id\": ..., \"labels\": [...]}]");
  }
  if (samples->size() > 1000) return Field("samples", "at most 1000 per call");
  OA_ASSIGN_OR_RETURN(auto unit, OptString(body, "offset_unit"));
  if (unit && *unit != "code_point" && *unit != "utf16") {
    return Field("offset_unit", "\"code_point\" (default) or \"utf16\"");
  }
  std::vector<SampleLabelsUpdate> out;
  for (size_t i = 0; i < samples->size(); ++i) {
    const Json& s = (*samples)[i];
    std::string f = "samples[" + std::to_string(i) + "]";
    if (!s.is_object()) return Field(f, "expected an object");
    SampleLabelsUpdate u;
    OA_ASSIGN_OR_RETURN(auto id, OptString(s, "sample_id"));
    if (!id) return Field(f + ".sample_id", "required");
    u.sample_id = *id;
    u.utf16_offsets = unit && *unit == "utf16";
    auto labels = s.find("labels");
    if (labels != s.end()) {
      OA_ASSIGN_OR_RETURN(u.annotations, AnnotationsFromSampleLabels(*labels, ds.type, f + ".labels"));
      OA_ASSIGN_OR_RETURN(auto w, OptInt(s, "width"));
      OA_ASSIGN_OR_RETURN(auto h, OptInt(s, "height"));
      for (auto& a : u.annotations) {
        auto voc = a.extra.find("voc");
        if (voc == a.extra.end()) continue;
        (*voc)["width"] = w.value_or(0);
        (*voc)["height"] = h.value_or(0);
      }
      // A detection sample whose every box was removed: no annotation at all.
      std::erase_if(u.annotations, [](const formats::ManifestAnnotation& a) {
        return a.extra.contains("voc") && a.extra.at("voc")["objects"].empty();
      });
    }
    OA_ASSIGN_OR_RETURN(auto usage_s, OptString(s, "sample_usage"));
    if (usage_s) {
      OA_ASSIGN_OR_RETURN(auto usage, DecodeUsage(*usage_s));
      u.usage = usage.value_or(formats::Usage::kUnset);
    }
    OA_ASSIGN_OR_RETURN(u.hard, OptBool(s, "hard"));
    out.push_back(std::move(u));
  }
  return out;
}

Result<std::vector<Label>> DecodeLabelList(const Json& body, int dataset_type) {
  OA_ASSIGN_OR_RETURN(auto labels, DecodeLabels(body, "labels"));
  if (labels.empty()) return Field("labels", "required: [{\"name\": ..., \"type\": ...}]");
  (void)dataset_type;  // the service checks the types against the dataset
  return labels;
}

Result<std::vector<std::pair<std::string, std::string>>> DecodeRenames(const Json& body) {
  auto labels = body.find("labels");
  if (labels == body.end() || !labels->is_array() || labels->empty()) {
    return Field("labels", "required: [{\"name\": old, \"property\": {\"@modelarts:rename_to\": new}}]");
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < labels->size(); ++i) {
    const Json& l = (*labels)[i];
    std::string f = "labels[" + std::to_string(i) + "]";
    if (!l.is_object() || !l.contains("name") || !l["name"].is_string()) return Field(f + ".name", "required");
    const Json prop = l.value("property", Json::object());
    if (!prop.is_object() || !prop.contains("@modelarts:rename_to") || !prop["@modelarts:rename_to"].is_string()) {
      return Field(f + ".property.@modelarts:rename_to", "required: the new name");
    }
    out.emplace_back(l["name"].get<std::string>(), prop["@modelarts:rename_to"].get<std::string>());
  }
  return out;
}

}  // namespace openarts::data
