// COCO and YOLO imports and exports (interchange.h; docs/datasets.md "COCO", "YOLO").
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include <simdjson.h>

#include "formats/coco.h"
#include "formats/yolo.h"
#include "interchange.h"
#include "objstore/names.h"

namespace openarts::data::interchange {

using formats::ManifestSample;
using formats::VocAnnotation;
using formats::VocObject;
using formats::VocShapeKind;

namespace {

constexpr uint64_t kMaxCocoBytes = uint64_t{1} << 30;

// "annotations[17]" → ("annotations", 17).
std::pair<std::string_view, int64_t> ArrayIndex(std::string_view path) {
  auto open = path.find('[');
  if (open == std::string_view::npos) return {path, -1};
  return {path.substr(0, open), std::atoll(std::string(path.substr(open + 1)).c_str())};
}

// The file indices of the `good` elements that survived a lenient parse, given the indices of the
// rejected ones (both in file order).
std::vector<int64_t> FileIndices(size_t good, std::vector<int64_t> bad) {
  std::sort(bad.begin(), bad.end());
  std::vector<int64_t> out;
  out.reserve(good);
  int64_t i = 0;
  size_t b = 0;
  while (out.size() < good) {
    if (b < bad.size() && bad[b] == i) {
      ++b;
    } else {
      out.push_back(i);
    }
    ++i;
  }
  return out;
}

VocObject NewObject(const std::string& name) {
  VocObject o;
  o.name = name;
  o.pose = "Unspecified";
  return o;
}

std::string Outside(std::string_view what, int64_t w, int64_t h) {
  return std::string(what) + " lies outside the " + std::to_string(w) + "x" + std::to_string(h) +
         " image (less than half of it is inside); fix it or the image size";
}

std::string NumberList(const double* v, size_t n) {
  std::string out = "[";
  for (size_t i = 0; i < n; ++i) out += (i ? "," : "") + Num(v[i]);
  return out + "]";
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// COCO import

Status ReadCoco(ImportJob& job, Batcher& out) {
  OA_ASSIGN_OR_RETURN(SourceFiles src, ListSource(job.objects, job.uri));
  OA_ASSIGN_OR_RETURN(auto files, PickFiles(src, {"json"}, "COCO instances file"));
  // Every key under the import directory, and by file name: COCO's file_name is often a bare
  // name whose image lies in a sibling folder (annotations/ + val2017/).
  std::unordered_set<std::string_view> keys;
  std::unordered_multimap<std::string_view, std::string_view> by_name;
  for (const auto& o : src.all) {
    keys.insert(o.key);
    by_name.emplace(Basename(o.key), o.key);
  }
  const bool segmentation = job.ds.type == 3;
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const std::string key = files[fi]->key;
    const std::string name = Relative(src, key);
    const std::string json_dir = key.substr(0, key.rfind('/') + 1);
    formats::CocoParse parsed;
    {
      OA_ASSIGN_OR_RETURN(std::string text, ReadObject(job.objects, ObsOf(src.bucket, key), kMaxCocoBytes));
      auto p = formats::ParseCocoLenient(text, name);
      if (!p.ok()) return InvalidArgument(p.status().message() + "; fix the file or leave it out of " + job.req.path);
      parsed = std::move(*p);
    }
    std::vector<int64_t> bad_images, bad_annotations;
    for (const auto& r : parsed.rejected) {
      auto [array, index] = ArrayIndex(r.path);
      if (array == "images") bad_images.push_back(index);
      if (array == "annotations") bad_annotations.push_back(index);
      OA_TRY(out.Reject(name + ":" + r.path, StripPrefix(r.reason, name + ": ")));
    }
    const formats::CocoFile& coco = parsed.coco;
    std::vector<int64_t> image_index = FileIndices(coco.images.size(), bad_images);
    std::vector<int64_t> ann_index = FileIndices(coco.annotations.size(), bad_annotations);
    std::unordered_map<int64_t, size_t> image_at;
    for (size_t i = 0; i < coco.images.size(); ++i) image_at.emplace(coco.images[i].id, i);
    std::unordered_map<int64_t, const std::string*> category;
    for (const auto& c : coco.categories) category.emplace(c.id, &c.name);

    // Annotations → VOC objects per image, in file order (as formats::CocoToVoc converts them),
    // with the §3.3 rule for shapes past the image edge.
    std::vector<std::vector<VocObject>> objects(coco.images.size());
    Tally skipped, clamped;
    for (size_t k = 0; k < coco.annotations.size(); ++k) {
      const formats::CocoAnnotation& a = coco.annotations[k];
      std::string where = "annotations[" + std::to_string(ann_index[k]) + "]";
      auto img = image_at.find(a.image_id);
      auto cat = category.find(a.category_id);
      if (img == image_at.end() || cat == category.end()) continue;  // the parser rejected those
      if (a.iscrowd) {
        skipped.Add("iscrowd", where + ": iscrowd: a crowd region is not a VOC object");
        continue;
      }
      if (!a.rle.is_null()) {
        skipped.Add("RLE", where + ": an RLE mask is not a VOC shape");
        continue;
      }
      const formats::CocoImage& image = coco.images[img->second];
      std::vector<VocObject> made;
      if (!a.polygons.empty()) {
        for (const auto& poly : a.polygons) {
          VocObject o = NewObject(*cat->second);
          o.shape.kind = VocShapeKind::kPolygon;
          for (size_t i = 0; i + 1 < poly.size(); i += 2) o.shape.points.push_back({poly[i], poly[i + 1]});
          made.push_back(std::move(o));
        }
      } else {
        double x = a.bbox[0], y = a.bbox[1], xmax = x + a.bbox[2], ymax = y + a.bbox[3];
        if (!(x < xmax) || !(y < ymax)) {
          skipped.Add("empty", where + ": bbox " + NumberList(a.bbox.data(), 4) + " has no area");
          continue;
        }
        VocObject o = NewObject(*cat->second);
        o.shape.points = {{x, y}, {xmax, ymax}};
        made.push_back(std::move(o));
      }
      bool outside = false, moved = false;
      for (VocObject& o : made) {
        Fit fit = FitToImage(o.shape, image.width, image.height);
        outside |= fit == Fit::kOutside;
        moved |= fit == Fit::kClamped;
      }
      if (outside) {
        std::string what = (a.polygons.empty() ? "bbox " : "segmentation with bbox ") + NumberList(a.bbox.data(), 4);
        OA_TRY(out.Reject(name + ":" + where, Outside(what, image.width, image.height)));
        continue;
      }
      if (moved) clamped.Add("clamped", where);
      for (VocObject& o : made) objects[img->second].push_back(std::move(o));
    }
    if (skipped.total() > 0) {
      job.warnings.push_back(name + ": skipped " + std::to_string(skipped.total()) +
                             " annotations that are not VOC objects (" + skipped.Kinds() + "): " +
                             skipped.Examples());
    }
    if (clamped.total() > 0) {
      job.warnings.push_back(name + ": clamped " + std::to_string(clamped.total()) +
                             " annotations reaching past the image edge to the image: " + clamped.Examples());
    }

    for (size_t i = 0; i < coco.images.size(); ++i) {
      const formats::CocoImage& image = coco.images[i];
      std::string where = name + ":images[" + std::to_string(image_index[i]) + "]";
      // The image: an obs:// or s3:// URI as it is; a relative name in the import directory,
      // beside the JSON file, or the one object under the directory whose path ends with it.
      std::string fn = image.file_name;
      std::replace(fn.begin(), fn.end(), '\\', '/');
      while (fn.starts_with("./")) fn.erase(0, 2);
      std::string source;
      std::string image_key;
      if (objstore::IsObsUri(fn)) {
        auto uri = objstore::ParseObsUri(fn);
        if (!uri.ok()) {
          OA_TRY(out.Reject(where, "file_name: " + uri.status().message()));
          continue;
        }
        source = uri->ToString();
        image_key = uri->key;
      } else {
        for (const std::string& k : {src.dir + fn, json_dir + fn}) {
          if (keys.count(k)) {
            image_key = k;
            break;
          }
        }
        if (image_key.empty()) {
          auto [lo, hi] = by_name.equal_range(Basename(fn));
          int found = 0;
          for (auto it = lo; it != hi; ++it) {
            std::string_view k = it->second;
            if (k.ends_with("/" + fn) || k == fn) {
              image_key = std::string(k);
              ++found;
            }
          }
          if (found > 1) {
            OA_TRY(out.Reject(where, "file_name \"" + image.file_name + "\" matches " + std::to_string(found) +
                                         " objects under " + ObsOf(src.bucket, src.dir) +
                                         "; give the path relative to that directory"));
            continue;
          }
        }
        if (image_key.empty()) {
          OA_TRY(out.Reject(where, "file_name \"" + image.file_name + "\": no such image under " +
                                       ObsOf(src.bucket, src.dir) + "; upload it or fix the name"));
          continue;
        }
        source = ObsOf(src.bucket, image_key);
      }
      ManifestSample s;
      s.source = std::move(source);
      if (!objects[i].empty()) {
        VocAnnotation voc = ImageVoc(image_key, image.width, image.height, segmentation);
        voc.objects = std::move(objects[i]);
        s.annotations.push_back(VocAnnotationOf(voc, job.ds.type));
      }
      OA_TRY(out.Add(std::move(where), std::move(s)));
    }
    job.progress(static_cast<double>(fi + 1) / static_cast<double>(files.size()));
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------
// COCO export: every image and annotation is kept as a value until Finish, then written by one
// CocoWriter (JSON wants every image before the first annotation). Images are referenced by their
// object URI, not copied (spec §12: no image download during label-only exports).

namespace {

class CocoExport final : public ForeignWriter {
 public:
  CocoExport(objstore::ObjectStore& objects, const Dataset& ds, const ExportRequest& req)
      : objects_(objects), ds_(ds), req_(req) {}

  bool ReadsStoredLines() const override { return true; }

  // The stored line read with simdjson, straight into what COCO needs (size, names, shapes): the
  // manifest sample and its nlohmann VOC objects are never built. Names are label ids there.
  Status AddStored(const Sample& s, std::string_view line, const LabelMap& labels) override {
    namespace dom = simdjson::dom;
    int64_t w = 0, h = 0;
    bool labeled = false;
    std::vector<VocObject> objects;
    if (!line.empty()) {
      auto bad = [&](std::string_view what) {
        return Internal("sample " + s.id + ": stored line: " + std::string(what));
      };
      dom::element root;
      if (parser_.parse(line.data(), line.size()).get(root)) return bad("not JSON");
      dom::array annotations;
      if (!root["annotation"].get_array().get(annotations)) {
        for (dom::element a : annotations) {
          dom::object voc;
          if (a["voc"].get_object().get(voc)) continue;
          if (!labeled) {
            if (voc["width"].get_int64().get(w) || voc["height"].get_int64().get(h)) return bad("VOC size");
            labeled = true;
          }
          dom::array objs;
          if (voc["objects"].get_array().get(objs)) return bad("VOC objects");
          for (dom::element o : objs) {
            VocObject obj;
            std::string_view name, kind;
            dom::object shape;
            dom::array points;
            if (o["name"].get_string().get(name) || o["shape"].get_object().get(shape) ||
                shape["kind"].get_string().get(kind) || shape["points"].get_array().get(points)) {
              return bad("VOC object");
            }
            // Label ids become names; an id whose label is gone stays as it is (as DecodeDoc does).
            int64_t id = 0;
            auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
            const Label* l = ec == std::errc() && end == name.data() + name.size() ? labels.ById(id) : nullptr;
            obj.name = l ? l->name : std::string(name);
            bool known = false;
            for (auto k : {VocShapeKind::kBndbox, VocShapeKind::kPolygon, VocShapeKind::kPolyline,
                           VocShapeKind::kLine, VocShapeKind::kDashed, VocShapeKind::kCircle,
                           VocShapeKind::kPoint}) {
              if (formats::VocShapeName(k) == kind) obj.shape.kind = k, known = true;
            }
            if (!known) return bad("VOC object of unknown shape \"" + std::string(kind) + "\"");
            for (dom::element p : points) {
              dom::array xy;
              double x = 0, y = 0;
              if (p.get_array().get(xy) || xy.at(0).get_double().get(x) || xy.at(1).get_double().get(y)) {
                return bad("VOC point");
              }
              obj.shape.points.push_back({x, y});
            }
            objects.push_back(std::move(obj));
          }
        }
      }
    }
    return AddImage(s, w, h, labeled, objects);
  }

  Status Add(const Sample& s) override {
    // The stored VOC JSON is read directly (not through VocFromJson): only names, shapes and
    // points matter here, and this loop is most of the writer's time.
    // Keys as strings: nlohmann's at(const char*) measures the key at every comparison.
    static const std::string kVoc = "voc", kWidth = "width", kHeight = "height", kObjects = "objects",
                             kName = "name", kShape = "shape", kKind = "kind", kPoints = "points";
    int64_t w = 0, h = 0;
    bool labeled = false;
    std::vector<VocObject> objects;
    try {
      for (const auto& a : s.manifest.annotations) {
        auto voc = a.extra.find(kVoc);
        if (voc == a.extra.end()) continue;
        if (!labeled) {
          w = voc->at(kWidth).get<int64_t>();
          h = voc->at(kHeight).get<int64_t>();
          labeled = true;
        }
        for (const Json& o : voc->at(kObjects)) {
          VocObject obj;
          obj.name = o.at(kName).get<std::string>();
          const Json& shape = o.at(kShape);
          const std::string& kind = shape.at(kKind).get_ref<const std::string&>();
          bool known = false;
          for (auto k : {VocShapeKind::kBndbox, VocShapeKind::kPolygon, VocShapeKind::kPolyline,
                         VocShapeKind::kLine, VocShapeKind::kDashed, VocShapeKind::kCircle,
                         VocShapeKind::kPoint}) {
            if (formats::VocShapeName(k) == kind) obj.shape.kind = k, known = true;
          }
          if (!known) return Internal("sample " + s.id + ": stored VOC object of unknown shape \"" + kind + "\"");
          for (const Json& p : shape.at(kPoints)) {
            obj.shape.points.push_back({p.at(0).get<double>(), p.at(1).get<double>()});
          }
          objects.push_back(std::move(obj));
        }
      }
    } catch (const std::exception& e) {
      return Internal("sample " + s.id + ": stored VOC annotation: " + e.what());
    }
    return AddImage(s, w, h, labeled, objects);
  }

 private:
  Status AddImage(const Sample& s, int64_t w, int64_t h, bool labeled, const std::vector<VocObject>& objects) {
    if (!labeled) {
      // An unlabeled image: COCO needs its size all the same.
      auto uri = objstore::ParseObsUri(s.source);
      auto size = uri.ok() ? ProbeImage(objects_, uri->bucket, uri->key)
                           : Result<std::pair<int64_t, int64_t>>(uri.status());
      if (!size.ok()) {
        unsized_.Add("unsized", (uri.ok() ? "" : s.source + ": ") + size.status().message());
        return Status::Ok();
      }
      std::tie(w, h) = *size;
    }
    formats::CocoImage image;
    image.id = static_cast<int64_t>(images_.size()) + 1;
    image.file_name = WithScheme(s.source, req_.source_type_header);
    image.width = w;
    image.height = h;
    images_.push_back(std::move(image));
    for (size_t i = 0; i < objects.size(); ++i) {
      const VocObject& o = objects[i];
      auto a = formats::VocObjectToCoco(o);
      if (!a.ok()) {
        skipped_.Add(std::string(formats::VocShapeName(o.shape.kind)),
                     s.source + ": object " + std::to_string(i) + ": " + a.status().message());
        continue;
      }
      a->id = static_cast<int64_t>(annotations_.size()) + 1;
      a->image_id = static_cast<int64_t>(images_.size());
      auto [it, fresh] = category_ids_.try_emplace(o.name, static_cast<int64_t>(categories_.size()) + 1);
      if (fresh) {
        formats::CocoCategory c;
        c.id = it->second;
        c.name = o.name;
        categories_.push_back(std::move(c));
      }
      a->category_id = it->second;
      annotations_.push_back(std::move(*a));
    }
    return Status::Ok();
  }

 public:
  Result<std::vector<std::string>> Finish(std::vector<std::string>& warnings) override {
    // About 140 bytes an annotation: the text is as big as the values it is written from, so it
    // is built in memory and put in one go.
    std::string text;
    text.reserve(annotations_.size() * 150 + images_.size() * 120 + 4096);
    formats::CocoWriter writer(&text);
    writer.Begin(Json{{"description", ds_.name + " (OpenArts export)"}}, Json::array(), categories_);
    for (const auto& i : images_) writer.AddImage(i);
    for (const auto& a : annotations_) writer.AddAnnotation(a);
    writer.Finish();
    std::string uri = req_.path + "annotations/instances_default.json";
    OA_TRY(PutText(objects_, uri, std::move(text)));
    if (skipped_.total() > 0) {
      warnings.push_back("skipped " + std::to_string(skipped_.total()) + " objects that are not COCO shapes (" +
                         skipped_.Kinds() + "): " + skipped_.Examples());
    }
    if (unsized_.total() > 0) {
      warnings.push_back("left out " + std::to_string(unsized_.total()) +
                         " unlabeled images whose size could not be read: " + unsized_.Examples());
    }
    return std::vector<std::string>{uri};
  }

 private:
  objstore::ObjectStore& objects_;
  const Dataset& ds_;
  const ExportRequest& req_;
  std::deque<formats::CocoImage> images_;  // deques: no moves as they grow
  std::deque<formats::CocoAnnotation> annotations_;
  std::vector<formats::CocoCategory> categories_;
  std::unordered_map<std::string, int64_t> category_ids_;
  Tally skipped_, unsized_;
  simdjson::dom::parser parser_;  // reused for every stored line
};

}  // namespace

Result<std::unique_ptr<ForeignWriter>> NewCocoWriter(objstore::ObjectStore& objects, const Dataset& ds,
                                                     const ExportRequest& req) {
  return std::unique_ptr<ForeignWriter>(new CocoExport(objects, ds, req));
}

// ------------------------------------------------------------------------------------------------
// YOLO import

namespace {

// The line number of each box a lenient parse kept: the non-blank lines that were not rejected.
std::vector<int64_t> BoxLines(std::string_view text, const std::vector<formats::RejectedLine>& rejected) {
  std::unordered_set<int64_t> bad;
  for (const auto& r : rejected) bad.insert(r.line);
  std::vector<int64_t> out;
  int64_t line = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(pos, nl - pos);
    ++line;
    if (line == 1 && l.starts_with("\xEF\xBB\xBF")) l.remove_prefix(3);
    bool blank = l.find_first_not_of(" \t\r") == std::string_view::npos;
    if (!blank && !bad.count(line)) out.push_back(line);
    pos = nl + 1;
  }
  return out;
}

std::string LineText(std::string_view text, int64_t line) {
  size_t pos = 0;
  for (int64_t i = 1; i < line && pos != std::string_view::npos; ++i) {
    pos = text.find('\n', pos);
    if (pos != std::string_view::npos) ++pos;
  }
  if (pos == std::string_view::npos || pos > text.size()) return {};
  size_t nl = text.find('\n', pos);
  std::string l(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
  while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.pop_back();
  return l;
}

}  // namespace

Status ReadYolo(ImportJob& job, Batcher& out) {
  OA_ASSIGN_OR_RETURN(SourceFiles src, ListSource(job.objects, job.uri));
  if (!src.single.empty()) {
    return InvalidArgument("import_path: YOLO imports a folder (obj.names, obj.data, train.txt, "
                           "obj_train_data/...); give the folder, not one file");
  }
  std::vector<std::string> paths;
  paths.reserve(src.all.size());
  for (const auto& o : src.all) paths.push_back(Relative(src, o.key));
  auto read = [&](const std::string& rel) { return ReadObject(job.objects, ObsOf(src.bucket, src.dir + rel), 64 << 20); };
  auto layout = formats::FindYoloLayout(paths);
  if (!layout.ok()) return InvalidArgument("import_path: " + layout.status().message());
  std::optional<int64_t> classes;
  if (!layout->data.empty()) {
    OA_ASSIGN_OR_RETURN(std::string text, read(layout->data));
    OA_ASSIGN_OR_RETURN(formats::YoloData data, formats::ParseYoloData(text, layout->data));
    layout = formats::FindYoloLayout(paths, &data);
    if (!layout.ok()) return InvalidArgument("import_path: " + layout.status().message());
    classes = data.classes;
  }
  OA_ASSIGN_OR_RETURN(std::string names_text, read(layout->names));
  OA_ASSIGN_OR_RETURN(std::vector<std::string> names, formats::ParseYoloNames(names_text, layout->names));
  if (classes && *classes != static_cast<int64_t>(names.size())) {
    job.warnings.push_back(layout->data + ": classes = " + std::to_string(*classes) + " but " + layout->names +
                           " has " + std::to_string(names.size()) + " names; the names were used");
  }
  std::vector<std::string> train, valid;
  if (!layout->train_list.empty()) {
    OA_ASSIGN_OR_RETURN(std::string t, read(layout->train_list));
    train = formats::ParseYoloImageList(t);
  }
  if (!layout->valid_list.empty()) {
    OA_ASSIGN_OR_RETURN(std::string t, read(layout->valid_list));
    valid = formats::ParseYoloImageList(t);
  }
  formats::YoloImageMap map = formats::MapYoloImages(paths, *layout, train, valid);
  if (!map.problems.empty()) {
    job.warnings.push_back("YOLO folder: " + std::to_string(map.problems.size()) +
                           " problems: " + Examples(map.problems, static_cast<int64_t>(map.problems.size())));
  }
  Tally clamped;
  for (size_t i = 0; i < map.images.size(); ++i) {
    const formats::YoloImageFiles& f = map.images[i];
    const std::string key = src.dir + f.image;
    auto size = ProbeImage(job.objects, src.bucket, key);
    if (!size.ok()) {
      OA_TRY(out.Reject(f.image, size.status().message()));
      continue;
    }
    auto [w, h] = *size;
    ManifestSample s;
    s.source = ObsOf(src.bucket, key);
    s.usage = f.subset == formats::YoloSubset::kTrain   ? formats::Usage::kTrain
              : f.subset == formats::YoloSubset::kValid ? formats::Usage::kEval
                                                        : formats::Usage::kUnset;
    if (!f.labels.empty()) {
      auto text = read(f.labels);
      if (!text.ok()) {
        OA_TRY(out.Reject(f.labels, text.status().message()));
        continue;
      }
      formats::YoloLabelsParse parsed =
          formats::ParseYoloLabelsLenient(*text, f.labels, static_cast<int64_t>(names.size()));
      for (const auto& r : parsed.rejected) {
        std::string where = f.labels + ":" + std::to_string(r.line);
        OA_TRY(out.Reject(where, StripPrefix(r.reason, where + ": ")));
      }
      auto converted = formats::YoloToVoc(parsed.boxes, names, w, h, f.image);
      if (!converted.ok()) {
        OA_TRY(out.Reject(f.labels, converted.status().message()));
        continue;
      }
      std::vector<int64_t> lines = BoxLines(*text, parsed.rejected);
      VocAnnotation voc = ImageVoc(key, w, h, false);
      for (size_t k = 0; k < converted->objects.size(); ++k) {
        VocObject& o = converted->objects[k];
        std::string where = f.labels + (lines.size() == converted->objects.size()
                                            ? ":" + std::to_string(lines[k])
                                            : ": box " + std::to_string(k));
        Fit fit = FitToImage(o.shape, w, h);
        if (fit == Fit::kOutside) {
          std::string box = lines.size() == converted->objects.size() ? LineText(*text, lines[k]) : "";
          OA_TRY(out.Reject(where, Outside("box \"" + box + "\"", w, h)));
          continue;
        }
        if (fit == Fit::kClamped) clamped.Add("clamped", where);
        voc.objects.push_back(std::move(o));
      }
      s.annotations.push_back(VocAnnotationOf(voc, job.ds.type));
    }
    OA_TRY(out.Add(f.image, std::move(s)));
    job.progress(static_cast<double>(i + 1) / static_cast<double>(map.images.size()));
  }
  if (clamped.total() > 0) {
    job.warnings.push_back("clamped " + std::to_string(clamped.total()) +
                           " boxes reaching past the image edge to the image: " + clamped.Examples());
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------
// YOLO export: the Darknet / CVAT "YOLO 1.1" folder, images copied beside their label files.

namespace {

class YoloExport final : public ForeignWriter {
 public:
  YoloExport(objstore::ObjectStore& objects, const ExportRequest& req, objstore::ObsUri dest)
      : objects_(objects), req_(req), dest_(std::move(dest)) {}

  Status Add(const Sample& s) override {
    auto src = objstore::ParseObsUri(s.source);
    if (!src.ok() || src->key.empty() || src->key.ends_with('/')) {
      left_out_.Add("not an object", s.source + ": not an object in storage");
      return Status::Ok();
    }
    // Unique file names in the folder: a second "a.jpg" becomes "a_1.jpg".
    std::string base(Basename(src->key));
    std::string_view ext = ExtensionOf(base);
    std::string stem = ext.empty() ? base : base.substr(0, base.size() - ext.size() - 1);
    int n = used_[base]++;
    if (n > 0) stem += "_" + std::to_string(n);
    std::string file = ext.empty() ? stem : stem + "." + std::string(ext);
    bool eval = s.usage == formats::Usage::kEval;
    std::string dir = eval ? "obj_valid_data/" : "obj_train_data/";
    auto copied = objects_.Copy(src->bucket, src->key, dest_.bucket, dest_.key + dir + file);
    if (!copied.ok()) {
      if (copied.status().code() != Code::kNotFound) return copied.status();
      left_out_.Add("missing", s.source + ": " + copied.status().message());
      return Status::Ok();
    }
    (eval ? valid_ : train_).push_back("data/" + dir + file);
    OA_ASSIGN_OR_RETURN(auto voc, SampleVoc(s));
    if (!voc) return Status::Ok();  // unlabeled: an image without a label file
    for (VocObject& o : voc->objects) {
      if (o.shape.kind != VocShapeKind::kBndbox) continue;
      Class(o.name);
      if (auto alias = aliases_.find(o.name); alias != aliases_.end()) o.name = alias->second;
    }
    formats::VocToYoloResult r = formats::VocToYolo(*voc, names_);
    for (size_t i = 0; i < voc->objects.size(); ++i) {
      if (voc->objects[i].shape.kind != VocShapeKind::kBndbox) {
        dropped_.Add(std::string(formats::VocShapeName(voc->objects[i].shape.kind)),
                     s.source + ": object " + std::to_string(i) + " is a " +
                         std::string(formats::VocShapeName(voc->objects[i].shape.kind)));
      }
    }
    for (const std::string& d : r.dropped) {
      if (d.find(" is not a YOLO box") == std::string::npos) dropped_.Add("box", s.source + ": " + d);
    }
    return PutText(objects_, req_.path + dir + stem + ".txt", formats::WriteYoloLabels(r.boxes));
  }

  Result<std::vector<std::string>> Finish(std::vector<std::string>& warnings) override {
    std::vector<std::string> files;
    auto put = [&](const std::string& name, std::string text) -> Status {
      files.push_back(req_.path + name);
      return PutText(objects_, files.back(), std::move(text));
    };
    formats::YoloData data;
    data.classes = static_cast<int64_t>(names_.size());
    data.train = "data/train.txt";
    if (!valid_.empty()) data.valid = "data/valid.txt";
    data.names = "data/obj.names";
    data.backup = "backup/";
    OA_TRY(put("obj.data", formats::WriteYoloData(data)));
    OA_TRY(put("obj.names", formats::WriteYoloNames(names_)));
    OA_TRY(put("train.txt", formats::WriteYoloImageList(train_)));
    if (!valid_.empty()) OA_TRY(put("valid.txt", formats::WriteYoloImageList(valid_)));
    if (dropped_.total() > 0) {
      warnings.push_back(std::to_string(dropped_.total()) + " objects dropped: YOLO has boxes only (" +
                         dropped_.Kinds() + "): " + dropped_.Examples());
    }
    if (left_out_.total() > 0) {
      warnings.push_back("left out " + std::to_string(left_out_.total()) + " samples: " + left_out_.Examples());
    }
    if (!renamed_.empty()) {
      warnings.push_back("YOLO trims class names: " + Examples(renamed_, static_cast<int64_t>(renamed_.size())));
    }
    return files;
  }

 private:
  // The class index of a label name, assigned in first-seen order. obj.names holds names without
  // surrounding whitespace, so " dog" is written "dog" (and merges with a "dog").
  void Class(const std::string& name) {
    if (aliases_.count(name) || std::find(names_.begin(), names_.end(), name) != names_.end()) return;
    std::string trimmed(TrimWhitespace(name));
    if (trimmed != name) {
      renamed_.push_back("\"" + name + "\" is written \"" + trimmed + "\"");
      if (std::find(names_.begin(), names_.end(), trimmed) == names_.end()) names_.push_back(trimmed);
      aliases_.emplace(name, trimmed);
      return;
    }
    names_.push_back(name);
  }

  objstore::ObjectStore& objects_;
  const ExportRequest& req_;
  objstore::ObsUri dest_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::string> aliases_;
  std::vector<std::string> renamed_;
  std::unordered_map<std::string, int> used_;
  std::vector<std::string> train_, valid_;
  Tally dropped_, left_out_;
};

}  // namespace

Result<std::unique_ptr<ForeignWriter>> NewYoloWriter(objstore::ObjectStore& objects, const Dataset& ds,
                                                     const ExportRequest& req) {
  OA_ASSIGN_OR_RETURN(auto dest, objstore::ParseObsUri(req.path));
  return std::unique_ptr<ForeignWriter>(new YoloExport(objects, req, std::move(dest)));
}

}  // namespace openarts::data::interchange
