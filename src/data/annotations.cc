// Annotations as stored (label ids, VOC inline) and as shown (names, ModelArts sample labels),
// and their validation per dataset type (spec §4.3–4.5, §6).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "data_internal.h"

namespace openarts::data {

using formats::ManifestAnnotation;
using formats::ManifestSample;
using formats::VocAnnotation;
using formats::VocObject;
using formats::VocShape;
using formats::VocShapeKind;

std::string SampleIdOf(std::string_view salt, int64_t number) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(salt);
  for (int shift = 60; shift >= 0; shift -= 4) id += kHex[(number >> shift) & 0xf];
  return id;
}

std::optional<int64_t> ParseSampleId(std::string_view salt, std::string_view id) {
  if (id.size() != 32 || id.substr(0, 16) != salt) return std::nullopt;
  int64_t n = 0;
  for (char c : id.substr(16)) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else return std::nullopt;
    n = (n << 4) | v;
  }
  if (n <= 0 || n > kNumberMask) return std::nullopt;
  return n;
}

namespace {

std::string_view Suffix(std::string_view type) {
  auto slash = type.rfind('/');
  return slash == std::string_view::npos ? type : type.substr(slash + 1);
}

bool IsClassification(int dataset_type) {
  return dataset_type == 0 || dataset_type == 100 || dataset_type == 200;
}

bool IsVocType(int dataset_type) {
  return dataset_type == 1 || dataset_type == 3 || dataset_type == 600;
}

std::string Int(int64_t v) { return std::to_string(v); }

std::optional<int64_t> ParseInt64(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Code points in valid UTF-8 (continuation bytes are not counted).
int64_t CodePoints(std::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::optional<int64_t> PropInt(const Json& property, const char* key) {
  if (!property.is_object()) return std::nullopt;
  auto it = property.find(key);
  if (it == property.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) return ParseInt64(it->get_ref<const std::string&>());
  return std::nullopt;
}

std::optional<std::string> PropStr(const Json& property, const char* key) {
  if (!property.is_object()) return std::nullopt;
  auto it = property.find(key);
  if (it == property.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// "hh:mm:ss.SSS" → milliseconds.
std::optional<int64_t> ParseClock(std::string_view s) {
  int h = 0, m = 0, sec = 0, ms = 0;
  if (s.size() < 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
  auto num = [&](std::string_view d, int& out) {
    auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), out);
    return ec == std::errc() && p == d.data() + d.size();
  };
  if (!num(s.substr(0, 2), h) || !num(s.substr(3, 2), m) || !num(s.substr(6, 2), sec)) return std::nullopt;
  if (s.size() > 8) {
    if (s[8] != '.' || s.size() == 9 || s.size() > 12) return std::nullopt;
    std::string frac(s.substr(9));
    while (frac.size() < 3) frac += '0';
    if (!num(frac, ms)) return std::nullopt;
  }
  if (m > 59 || sec > 59) return std::nullopt;
  return ((h * 60 + m) * 60 + sec) * 1000LL + ms;
}

Json PointsJson(const std::vector<formats::VocPoint>& pts) {
  Json a = Json::array();
  for (const auto& p : pts) a.push_back(Json::array({p.x, p.y}));
  return a;
}

}  // namespace

int LabelTypeOfAnnotation(std::string_view annotation_type, int dataset_type) {
  std::string_view t = Suffix(annotation_type);
  int code = -1;
  if (t == "image_classification") code = 0;
  else if (t == "object_detection") code = 1;
  else if (t == "image_segmentation") code = 3;
  else if (t == "text_classification") code = 100;
  else if (t == "text_entity") code = dataset_type == 102 ? 103 : 101;
  else if (t == "text_triplet") code = 102;
  else if (t == "audio_classification" || t == "sound_classification") code = 200;
  else if (t == "audio_content") code = 201;
  else if (t == "audio_segmentation") code = 202;
  if (code < 0) return -1;
  std::vector<int> allowed = LabelTypesOf(dataset_type);
  if (std::find(allowed.begin(), allowed.end(), code) != allowed.end()) return code;
  if (dataset_type == 201 && code == 201) return 201;
  return -1;
}

bool AnnotationHasLabel(std::string_view annotation_type) {
  return Suffix(annotation_type) != "audio_content";
}

void LabelMap::Add(const Label& l) {
  by_id_[l.id] = labels_.size();
  by_name_[std::to_string(l.type) + '\x1f' + l.name] = labels_.size();
  labels_.push_back(l);
}

const Label* LabelMap::ById(int64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &labels_[it->second];
}

const Label* LabelMap::ByName(std::string_view name, int type) const {
  auto it = by_name_.find(std::to_string(type) + '\x1f' + std::string(name));
  return it == by_name_.end() ? nullptr : &labels_[it->second];
}

Json VocToJson(const VocAnnotation& v) {
  Json objects = Json::array();
  for (const VocObject& o : v.objects) {
    Json shape = {{"kind", formats::VocShapeName(o.shape.kind)}, {"points", PointsJson(o.shape.points)}};
    if (o.shape.kind == VocShapeKind::kCircle) shape["r"] = o.shape.r;
    Json j = {{"name", o.name},       {"pose", o.pose},         {"truncated", o.truncated},
              {"occluded", o.occluded}, {"difficult", o.difficult}, {"shape", std::move(shape)}};
    if (o.confidence) j["confidence"] = *o.confidence;
    if (o.hard_coefficient) j["hard_coefficient"] = *o.hard_coefficient;
    if (o.difficult_coefficient) j["difficult_coefficient"] = *o.difficult_coefficient;
    if (o.mask_color) j["mask_color"] = *o.mask_color;
    if (!o.extra.empty()) j["extra"] = o.extra;
    objects.push_back(std::move(j));
  }
  Json j = {{"folder", v.folder}, {"filename", v.filename}, {"database", v.database},
            {"width", v.width},   {"height", v.height},     {"depth", v.depth},
            {"segmented", v.segmented}, {"objects", std::move(objects)}};
  if (v.path) j["path"] = *v.path;
  if (v.mask_source) j["mask_source"] = *v.mask_source;
  if (!v.source_extra.empty()) j["source_extra"] = v.source_extra;
  if (!v.extra.empty()) j["extra"] = v.extra;
  return j;
}

Result<VocAnnotation> VocFromJson(const Json& j) {
  try {
    VocAnnotation v;
    v.folder = j.at("folder").get<std::string>();
    v.filename = j.at("filename").get<std::string>();
    v.database = j.at("database").get<std::string>();
    v.width = j.at("width").get<int64_t>();
    v.height = j.at("height").get<int64_t>();
    v.depth = j.at("depth").get<int64_t>();
    v.segmented = j.at("segmented").get<bool>();
    if (j.contains("path")) v.path = j["path"].get<std::string>();
    if (j.contains("mask_source")) v.mask_source = j["mask_source"].get<std::string>();
    if (j.contains("source_extra")) v.source_extra = j["source_extra"].get<std::vector<std::string>>();
    if (j.contains("extra")) v.extra = j["extra"].get<std::vector<std::string>>();
    for (const Json& oj : j.at("objects")) {
      VocObject o;
      o.name = oj.at("name").get<std::string>();
      o.pose = oj.value("pose", std::string("Unspecified"));
      o.truncated = oj.value("truncated", false);
      o.occluded = oj.value("occluded", false);
      o.difficult = oj.value("difficult", false);
      if (oj.contains("confidence")) o.confidence = oj["confidence"].get<double>();
      if (oj.contains("hard_coefficient")) o.hard_coefficient = oj["hard_coefficient"].get<double>();
      if (oj.contains("difficult_coefficient")) {
        o.difficult_coefficient = oj["difficult_coefficient"].get<double>();
      }
      if (oj.contains("mask_color")) o.mask_color = oj["mask_color"].get<std::string>();
      if (oj.contains("extra")) o.extra = oj["extra"].get<std::vector<std::string>>();
      const Json& sj = oj.at("shape");
      std::string kind = sj.at("kind").get<std::string>();
      bool found = false;
      for (auto k : {VocShapeKind::kBndbox, VocShapeKind::kPolygon, VocShapeKind::kPolyline,
                     VocShapeKind::kLine, VocShapeKind::kDashed, VocShapeKind::kCircle,
                     VocShapeKind::kPoint}) {
        if (formats::VocShapeName(k) == kind) {
          o.shape.kind = k;
          found = true;
        }
      }
      if (!found) return InvalidArgument("shape.kind: unknown shape \"" + kind + "\"");
      for (const Json& p : sj.at("points")) {
        o.shape.points.push_back({p.at(0).get<double>(), p.at(1).get<double>()});
      }
      if (sj.contains("r")) o.shape.r = sj["r"].get<double>();
      v.objects.push_back(std::move(o));
    }
    return v;
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("voc: ") + e.what());
  }
}

std::optional<int64_t> Utf16ToCodePoint(std::string_view text, int64_t utf16) {
  int64_t units = 0, points = 0;
  size_t i = 0;
  while (units < utf16) {
    if (i >= text.size()) return std::nullopt;
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    units += len == 4 ? 2 : 1;
    i += len;
    ++points;
  }
  if (units != utf16) return std::nullopt;  // inside a surrogate pair
  return points;
}

std::optional<std::string_view> ContentText(std::string_view source) {
  constexpr std::string_view kContent = "content://";
  if (!source.starts_with(kContent)) return std::nullopt;
  return source.substr(kContent.size());
}

std::optional<int64_t> LatestSegmentEndMs(const ManifestSample& s, int dataset_type) {
  std::optional<int64_t> latest;
  for (const ManifestAnnotation& a : s.annotations) {
    if (LabelTypeOfAnnotation(a.type, dataset_type) != 202) continue;
    auto en = PropStr(a.property, "@modelarts:end_time");
    auto ev = en ? ParseClock(*en) : std::nullopt;
    if (ev && (!latest || *ev > *latest)) latest = ev;
  }
  return latest;
}

Status ValidateAnnotations(const ManifestSample& s, int dataset_type) {
  std::set<std::string> entity_ids;
  std::optional<std::string_view> text = ContentText(s.source);
  int64_t text_len = text ? CodePoints(*text) : -1;
  for (size_t i = 0; i < s.annotations.size(); ++i) {
    const ManifestAnnotation& a = s.annotations[i];
    std::string f = "annotation[" + std::to_string(i) + "]";
    int label_type = LabelTypeOfAnnotation(a.type, dataset_type);
    if (label_type < 0) {
      return InvalidArgument(f + ".type: \"" + a.type + "\" does not belong in a dataset of type " +
                             std::to_string(dataset_type) + " (expected " +
                             std::string(CapabilitiesOf(dataset_type)
                                             ? CapabilitiesOf(dataset_type)->manifest_type
                                             : "") +
                             ")");
    }
    if (a.confidence && (*a.confidence < 0 || *a.confidence > 1)) {
      return InvalidArgument(f + ".confidence: must be between 0 and 1");
    }
    if (label_type == 1 || label_type == 3) {
      auto voc = a.extra.find("voc");
      if (voc == a.extra.end()) {
        return InvalidArgument(f + ": a " + a.type + " annotation needs its VOC objects");
      }
      OA_ASSIGN_OR_RETURN(VocAnnotation v, VocFromJson(*voc));
      Status in = formats::ValidateAgainstImage(v, v.width, v.height);
      if (!in.ok()) return InvalidArgument(f + ": " + in.message());
      for (size_t k = 0; k < v.objects.size(); ++k) {
        const VocShape& sh = v.objects[k].shape;
        std::string of = f + ".objects[" + std::to_string(k) + "]";
        if (v.objects[k].name.empty()) return InvalidArgument(of + ".name: required");
        if (sh.kind == VocShapeKind::kBndbox &&
            (sh.points.size() != 2 || sh.points[0].x >= sh.points[1].x ||
             sh.points[0].y >= sh.points[1].y)) {
          return InvalidArgument(of + ": a box needs xmin < xmax and ymin < ymax");
        }
        if (sh.kind == VocShapeKind::kPolygon && sh.points.size() < 3) {
          return InvalidArgument(of + ": a polygon needs at least 3 points");
        }
        if ((sh.kind == VocShapeKind::kLine || sh.kind == VocShapeKind::kDashed) && sh.points.size() != 2) {
          return InvalidArgument(of + ": a line needs exactly 2 points");
        }
        if (sh.kind == VocShapeKind::kPolyline && sh.points.size() < 2) {
          return InvalidArgument(of + ": a polyline needs at least 2 points");
        }
        for (const auto& p : sh.points) {
          if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
            return InvalidArgument(of + ": coordinates must be finite numbers");
          }
        }
      }
      continue;
    }
    if (AnnotationHasLabel(a.type) && label_type != 202 && (!a.name || a.name->empty())) {
      return InvalidArgument(f + ".name: required (the label)");
    }
    if (label_type == 101 || label_type == 103) {
      auto start = PropInt(a.property, "@modelarts:start_index");
      auto end = PropInt(a.property, "@modelarts:end_index");
      if (!start || !end) {
        return InvalidArgument(f + ".property: @modelarts:start_index and @modelarts:end_index "
                               "(integers, in Unicode code points) are required");
      }
      if (*start < 0 || *start >= *end) {
        return InvalidArgument(f + ".property: need 0 <= @modelarts:start_index < "
                               "@modelarts:end_index, got [" + Int(*start) + ", " + Int(*end) + ")");
      }
      if (text_len >= 0 && *end > text_len) {
        return InvalidArgument(f + ".property: @modelarts:end_index " + Int(*end) +
                               " is past the end of the text (" + Int(text_len) +
                               " code points)");
      }
      if (label_type == 103) {
        if (!a.id || a.id->empty()) return InvalidArgument(f + ".id: an entity of a triplet needs an id (E1, E2...)");
        if (!entity_ids.insert(*a.id).second) return InvalidArgument(f + ".id: \"" + *a.id + "\" is used twice");
      }
    }
    if (label_type == 201 && !PropStr(a.property, "@modelarts:content")) {
      return InvalidArgument(f + ".property: @modelarts:content (the transcript) is required");
    }
    if (label_type == 202) {
      auto st = PropStr(a.property, "@modelarts:start_time");
      auto en = PropStr(a.property, "@modelarts:end_time");
      auto sv = st ? ParseClock(*st) : std::nullopt;
      auto ev = en ? ParseClock(*en) : std::nullopt;
      if (!sv || !ev) {
        return InvalidArgument(f + ".property: @modelarts:start_time and @modelarts:end_time are "
                               "required as hh:mm:ss.SSS");
      }
      if (*sv >= *ev) return InvalidArgument(f + ".property: the segment must end after it starts");
    }
  }
  if (dataset_type == 102) {
    for (size_t i = 0; i < s.annotations.size(); ++i) {
      const ManifestAnnotation& a = s.annotations[i];
      if (LabelTypeOfAnnotation(a.type, 102) != 102) continue;
      std::string f = "annotation[" + std::to_string(i) + "]";
      auto from = PropStr(a.property, "@modelarts:from");
      auto to = PropStr(a.property, "@modelarts:to");
      if (!from || !to) return InvalidArgument(f + ".property: @modelarts:from and @modelarts:to are required");
      if (!entity_ids.count(*from) || !entity_ids.count(*to)) {
        return InvalidArgument(f + ": ModelArts.4414 Triplet label's from_entity or to_entity does not exist (" +
                               *from + " -> " + *to + ")");
      }
    }
  }
  return Status::Ok();
}

Result<StoredSample> EncodeSample(ManifestSample s, int dataset_type, const LabelResolver& resolve) {
  StoredSample out;
  out.source = std::move(s.source);
  out.usage = static_cast<int>(s.usage);
  out.hard = s.hard.value_or(false);
  out.hard_coefficient = s.hard_coefficient;
  const Capabilities* caps = CapabilitiesOf(dataset_type);
  out.sample_type = static_cast<int>(s.sample_type.value_or(caps ? caps->sample_type : 0));
  s.usage = formats::Usage::kUnset;
  s.hard.reset();
  s.hard_coefficient.reset();
  s.sample_type.reset();
  s.id.reset();  // ignored on import (spec §4.2); the service assigns ids
  for (ManifestAnnotation& a : s.annotations) {
    int type = LabelTypeOfAnnotation(a.type, dataset_type);
    if (type == 1 || type == 3) {
      auto voc = a.extra.find("voc");
      if (voc == a.extra.end()) continue;
      for (Json& o : (*voc)["objects"]) {
        OA_ASSIGN_OR_RETURN(int64_t id, resolve(o["name"].get<std::string>(), type));
        o["name"] = std::to_string(id);
        out.label_ids.push_back(id);
      }
      continue;
    }
    if (!a.name || !AnnotationHasLabel(a.type)) continue;
    OA_ASSIGN_OR_RETURN(int64_t id, resolve(*a.name, type));
    a.name = std::to_string(id);
    out.label_ids.push_back(id);
  }
  std::sort(out.label_ids.begin(), out.label_ids.end());
  out.label_ids.erase(std::unique(out.label_ids.begin(), out.label_ids.end()), out.label_ids.end());
  out.state = s.annotations.empty() ? SampleState::kUnlabeled : SampleState::kLabeled;
  bool trivial = s.annotations.empty() && !s.source_type && !s.inference_loc && !s.hard_reasons &&
                 s.property.is_null() && s.extra.empty();
  if (!trivial) {
    s.source.clear();
    out.doc = formats::WriteManifestLine(s);
  }
  return out;
}

namespace {

Status NamesFromIds(std::vector<ManifestAnnotation>& annotations, const LabelMap& labels) {
  // Annotations whose label was deleted meanwhile are dropped (deletes are lazy for big
  // datasets, see DeleteLabels). Decided while the names are still ids: a label may be named "7".
  std::vector<bool> gone(annotations.size(), false);
  for (size_t i = 0; i < annotations.size(); ++i) {
    ManifestAnnotation& a = annotations[i];
    auto voc = a.extra.find("voc");
    if (voc != a.extra.end()) {
      for (Json& o : (*voc)["objects"]) {
        auto id = ParseInt64(o["name"].get_ref<const std::string&>());
        const Label* l = id ? labels.ById(*id) : nullptr;
        if (l) o["name"] = l->name;
      }
    }
    if (!a.name) continue;
    auto id = ParseInt64(*a.name);
    const Label* l = id ? labels.ById(*id) : nullptr;
    if (l) a.name = l->name;
    gone[i] = !l && id && AnnotationHasLabel(a.type) && voc == a.extra.end();
  }
  size_t kept = 0;
  for (size_t i = 0; i < annotations.size(); ++i) {
    if (gone[i]) continue;
    if (kept != i) annotations[kept] = std::move(annotations[i]);
    ++kept;
  }
  annotations.resize(kept);
  return Status::Ok();
}

}  // namespace

Result<ManifestSample> DecodeDoc(std::string_view doc, const LabelMap& labels) {
  OA_ASSIGN_OR_RETURN(ManifestSample s, formats::ParseManifestLine(doc, "stored sample", 1));
  OA_TRY(NamesFromIds(s.annotations, labels));
  return s;
}

Result<std::vector<ManifestAnnotation>> DecodePreds(std::string_view preds, const LabelMap& labels) {
  OA_ASSIGN_OR_RETURN(ManifestSample s, formats::ParseManifestLine(preds, "stored predictions", 1));
  OA_TRY(NamesFromIds(s.annotations, labels));
  return std::move(s.annotations);
}

Json SampleLabelsJson(const ManifestSample& s) {
  Json out = Json::array();
  for (const ManifestAnnotation& a : s.annotations) {
    auto voc = a.extra.find("voc");
    if (voc != a.extra.end()) {
      int type = Suffix(a.type) == "image_segmentation" ? 3 : 1;
      for (const Json& o : (*voc)["objects"]) {
        const Json& sh = o["shape"];
        Json feature = sh["points"];
        if (sh["kind"] == "circle") feature = Json::array({sh["points"][0], Json::array({sh.value("r", 0.0)})});
        Json prop = {{"@modelarts:feature", feature}, {"@modelarts:shape", sh["kind"]}};
        if (o.contains("hard_coefficient")) prop["@modelarts:hard_coefficient"] = o["hard_coefficient"];
        if (o.value("difficult", false)) prop["@modelarts:hard"] = true;
        Json l = {{"name", o["name"]}, {"type", type}, {"property", std::move(prop)}};
        if (o.contains("confidence")) l["score"] = o["confidence"];
        out.push_back(std::move(l));
      }
      continue;
    }
    Json l = Json::object();
    if (a.name) l["name"] = *a.name;
    int type = LabelTypeOfAnnotation(a.type, Suffix(a.type) == "text_triplet" ? 102 : 0);
    if (type < 0) {
      for (int t : {0, 100, 101, 200, 201, 202}) {
        if ((type = LabelTypeOfAnnotation(a.type, t)) >= 0) break;
      }
    }
    l["type"] = type;
    if (a.id) l["id"] = *a.id;
    l["property"] = a.property.is_null() ? Json::object() : a.property;
    if (a.confidence) l["score"] = *a.confidence;
    if (a.annotated_by) l["annotated_by"] = *a.annotated_by;
    out.push_back(std::move(l));
  }
  return out;
}

Result<std::vector<ManifestAnnotation>> AnnotationsFromSampleLabels(const Json& labels,
                                                                    int dataset_type,
                                                                    std::string_view field) {
  std::vector<ManifestAnnotation> out;
  if (!labels.is_array()) return InvalidArgument(std::string(field) + ": expected an array of labels");
  const Capabilities* caps = CapabilitiesOf(dataset_type);
  std::string manifest_type(caps ? caps->manifest_type : "");
  if (IsVocType(dataset_type)) {
    // Every label is one object of one VOC annotation; the caller fills in the image size.
    VocAnnotation voc;
    voc.folder = "openarts";
    voc.filename = "sample";
    voc.database = "Unknown";
    voc.depth = 3;
    Json vj = VocToJson(voc);
    for (size_t i = 0; i < labels.size(); ++i) {
      const Json& l = labels[i];
      std::string f = std::string(field) + "[" + std::to_string(i) + "]";
      if (!l.is_object() || !l.contains("name") || !l["name"].is_string()) {
        return InvalidArgument(f + ".name: required string");
      }
      const Json prop = l.contains("property") ? l["property"] : Json::object();
      if (!prop.is_object()) return InvalidArgument(f + ".property: expected an object");
      if (prop.contains("@modelarts:shape") && !prop["@modelarts:shape"].is_string()) {
        return InvalidArgument(f + ".property.@modelarts:shape: expected a shape name (bndbox, polygon, ...)");
      }
      if (prop.contains("@modelarts:hard") && !prop["@modelarts:hard"].is_boolean()) {
        return InvalidArgument(f + ".property.@modelarts:hard: expected true or false");
      }
      std::string shape = prop.value("@modelarts:shape", std::string("bndbox"));
      if (!prop.contains("@modelarts:feature") || !prop["@modelarts:feature"].is_array()) {
        return InvalidArgument(f + ".property.@modelarts:feature: required, e.g. [[x1,y1],[x2,y2]] for a box");
      }
      Json feature = prop["@modelarts:feature"];
      Json shape_json = {{"kind", shape}, {"points", Json::array()}};
      try {
        if (shape == "circle") {
          // [[cx,cy],[r]] (API) or [cx,cy,r] (SDK README): both accepted (spec §4.5).
          if (feature.size() == 3 && feature[0].is_number()) {
            shape_json["points"].push_back(Json::array({feature[0], feature[1]}));
            shape_json["r"] = feature[2];
          } else {
            shape_json["points"].push_back(Json::array({feature.at(0).at(0), feature.at(0).at(1)}));
            shape_json["r"] = feature.at(1).at(0);
          }
        } else {
          for (const Json& p : feature) {
            if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) {
              return InvalidArgument(f + ".property.@modelarts:feature: points are [x, y] number pairs");
            }
            shape_json["points"].push_back(p);
          }
        }
      } catch (const std::exception&) {
        return InvalidArgument(f + ".property.@modelarts:feature: a circle is [[cx, cy], [r]]");
      }
      Json o = {{"name", l["name"]}, {"pose", "Unspecified"}, {"truncated", false},
                {"occluded", false}, {"difficult", prop.value("@modelarts:hard", false)},
                {"shape", std::move(shape_json)}};
      if (l.contains("score") && l["score"].is_number()) o["confidence"] = l["score"];
      vj["objects"].push_back(std::move(o));
    }
    // Shape names must be known.
    auto check = VocFromJson(vj);
    if (!check.ok()) return InvalidArgument(std::string(field) + ": " + check.status().message());
    ManifestAnnotation a;
    a.type = dataset_type == 3 ? "modelarts/image_segmentation" : "modelarts/object_detection";
    a.annotation_format = "PASCAL VOC";
    a.annotated_by = "human";
    a.extra["voc"] = std::move(vj);
    out.push_back(std::move(a));
    return out;
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const Json& l = labels[i];
    std::string f = std::string(field) + "[" + std::to_string(i) + "]";
    if (!l.is_object()) return InvalidArgument(f + ": expected an object {name, type, property}");
    ManifestAnnotation a;
    if (l.contains("type") && !l["type"].is_number_integer()) {
      return InvalidArgument(f + ".type: expected a label type code (e.g. " + std::to_string(dataset_type) + ")");
    }
    int type = l.value("type", dataset_type);
    a.type = manifest_type;
    if (dataset_type == 102) a.type = type == 102 ? "modelarts/text_triplet" : "modelarts/text_entity";
    if (l.contains("name")) {
      if (!l["name"].is_string()) return InvalidArgument(f + ".name: expected a string");
      a.name = l["name"].get<std::string>();
    }
    if (l.contains("id")) {
      if (!l["id"].is_string()) return InvalidArgument(f + ".id: expected a string like \"E1\"");
      a.id = l["id"].get<std::string>();
    }
    if (l.contains("property")) {
      if (!l["property"].is_object()) return InvalidArgument(f + ".property: expected an object");
      if (!l["property"].empty()) a.property = l["property"];
    }
    a.annotated_by = "human";
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace openarts::data
