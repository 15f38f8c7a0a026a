// COCO, YOLO, CSV, doccano and CoNLL imports and exports (interchange.h): which format serves
// which dataset type, and the pieces the formats share. The formats themselves are in
// interchange_images.cc (COCO, YOLO) and interchange_text.cc (CSV, doccano, CoNLL).
#include "interchange.h"

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "base/ids.h"
#include "base/io.h"
#include "formats/coco.h"
#include "imaging/imaging.h"
#include "objstore/names.h"

namespace openarts::data {

using formats::ManifestAnnotation;
using formats::VocAnnotation;
using formats::VocShape;
using formats::VocShapeKind;

namespace {

struct FormatUse {
  std::string_view format;
  std::vector<int> import_types;
  std::vector<int> export_types;
};

const std::vector<FormatUse>& Uses() {
  static const std::vector<FormatUse> kUses = {
      {"coco", {1, 3}, {1, 3}},
      {"yolo", {1}, {1}},
      {"csv", {0, 100, 200, 400}, {0, 100, 200, 400}},
      {"doccano", {100, 101, 102}, {100, 101, 102}},
      {"conll", {101, 102}, {101, 102}},
  };
  return kUses;
}

const FormatUse* UseOf(std::string_view format) {
  for (const FormatUse& u : Uses()) {
    if (u.format == format) return &u;
  }
  return nullptr;
}

bool Has(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// "manifest, csv" — what a dataset type can use instead.
std::string FormatsFor(int dataset_type, bool import) {
  std::string out = import ? "manifest, dir" : "manifest";
  if (!import && (dataset_type == 1 || dataset_type == 3 || dataset_type == 600)) out += ", voc";
  for (const FormatUse& u : Uses()) {
    if (Has(import ? u.import_types : u.export_types, dataset_type)) out += ", " + std::string(u.format);
  }
  return out;
}

std::string TypeName(int dataset_type) {
  const Capabilities* c = CapabilitiesOf(dataset_type);
  return (c ? std::string(c->name) : "unknown") + " (" + std::to_string(dataset_type) + ")";
}

}  // namespace

bool IsForeignImportFormat(std::string_view format) { return UseOf(format) != nullptr; }
bool IsForeignExportFormat(std::string_view format) { return UseOf(format) != nullptr; }

Status ReadForeignImport(objstore::ObjectStore& objects, const Dataset& ds, const ImportRequest& req,
                         const objstore::ObsUri& uri, size_t batch, const ImportSink& sink,
                         std::vector<std::string>& warnings, Json& detected_schema,
                         const std::function<void(double)>& progress) {
  const FormatUse* use = UseOf(req.format);
  if (!use) return InvalidArgument("annotation_format: importing " + req.format + " is not available");
  if (!Has(use->import_types, ds.type)) {
    return InvalidArgument("annotation_format: " + req.format + " cannot be imported into a " +
                           TypeName(ds.type) + " dataset; use one of " + FormatsFor(ds.type, true));
  }
  static const std::function<void(double)> kNoProgress = [](double) {};
  interchange::ImportJob job{objects, ds, req, uri, warnings, detected_schema,
                             progress ? progress : kNoProgress};
  interchange::Batcher out(sink, batch);
  Status st;
  if (req.format == "coco") st = interchange::ReadCoco(job, out);
  else if (req.format == "yolo") st = interchange::ReadYolo(job, out);
  else if (req.format == "csv") st = interchange::ReadCsv(job, out);
  else if (req.format == "doccano") st = interchange::ReadDoccano(job, out);
  else st = interchange::ReadConll(job, out);
  OA_TRY(st);
  OA_TRY(out.Flush());
  job.progress(1.0);
  return Status::Ok();
}

Result<std::unique_ptr<ForeignWriter>> MakeForeignWriter(objstore::ObjectStore& objects,
                                                         const Dataset& ds, const ExportRequest& req) {
  const FormatUse* use = UseOf(req.format);
  if (!use || !Has(use->export_types, ds.type)) {
    return InvalidArgument("annotation_format: ModelArts.4384 Invalid export parameter: a " +
                           TypeName(ds.type) + " dataset cannot be exported as " + req.format +
                           "; use one of " + FormatsFor(ds.type, false));
  }
  if (req.format == "coco") return interchange::NewCocoWriter(objects, ds, req);
  if (req.format == "yolo") return interchange::NewYoloWriter(objects, ds, req);
  if (req.format == "csv") return interchange::NewCsvWriter(objects, ds, req);
  if (req.format == "doccano") return interchange::NewDoccanoWriter(objects, ds, req);
  return interchange::NewConllWriter(objects, ds, req);
}

namespace interchange {

Status Batcher::Add(std::string where, Result<formats::ManifestSample> sample) {
  items_.push_back({std::move(where), std::move(sample)});
  if (items_.size() >= batch_) return Flush();
  return Status::Ok();
}

Status Batcher::Flush() {
  if (items_.empty()) return Status::Ok();
  std::vector<ImportItem> items;
  items.swap(items_);
  return sink_(std::move(items));
}

Result<SourceFiles> ListSource(objstore::ObjectStore& objects, const objstore::ObsUri& uri) {
  SourceFiles src;
  src.bucket = uri.bucket;
  std::string dir = uri.key;
  if (!dir.empty() && !dir.ends_with('/')) {
    if (objects.Head(uri.bucket, uri.key).ok()) {
      src.single = uri.key;
      dir = dir.substr(0, dir.rfind('/') + 1);
    } else {
      dir += '/';
    }
  }
  src.dir = dir;
  objstore::ListOptions lo;
  lo.prefix = dir;
  while (true) {
    OA_ASSIGN_OR_RETURN(auto page, objects.List(uri.bucket, lo));
    for (auto& o : page.objects) {
      if (!o.key.ends_with('/')) src.all.push_back(std::move(o));
    }
    if (!page.is_truncated) break;
    lo.marker = page.next_marker;
  }
  if (src.all.empty()) {
    return NotFound("import_path: nothing at " + uri.ToString() + "; upload the files first or fix the path");
  }
  return src;
}

Result<std::vector<const objstore::ObjectInfo*>> PickFiles(const SourceFiles& src,
                                                          const std::vector<std::string_view>& exts,
                                                          std::string_view what) {
  std::vector<const objstore::ObjectInfo*> out;
  for (const auto& o : src.all) {
    if (!src.single.empty()) {
      if (o.key == src.single) out.push_back(&o);
      continue;
    }
    std::string ext = AsciiLower(ExtensionOf(o.key));
    if (std::find(exts.begin(), exts.end(), ext) != exts.end()) out.push_back(&o);
  }
  if (!src.single.empty() && out.empty()) {
    return NotFound("import_path: " + ObsOf(src.bucket, src.single) + " vanished during the import; try again");
  }
  if (out.empty()) {
    std::string list;
    for (auto e : exts) list += (list.empty() ? "*." : ", *.") + std::string(e);
    return InvalidArgument("import_path: no " + std::string(what) + " (" + list + ") under " +
                           ObsOf(src.bucket, src.dir) + "; upload one or give the file's path");
  }
  return out;
}

std::string Relative(const SourceFiles& src, const std::string& key) {
  return key.starts_with(src.dir) ? key.substr(src.dir.size()) : key;
}

std::string ObsOf(std::string_view bucket, std::string_view key) {
  return "obs://" + std::string(bucket) + "/" + std::string(key);
}

std::string NormalizeSource(std::string_view source) {
  if (source.starts_with("s3://")) return "obs://" + std::string(source.substr(5));
  return std::string(source);
}

std::string WithScheme(std::string_view source, std::string_view scheme) {
  for (std::string_view from : {"obs://", "s3://"}) {
    if (source.starts_with(from)) return std::string(scheme) + std::string(source.substr(from.size()));
  }
  return std::string(source);
}

std::string_view Basename(std::string_view key) {
  auto slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

std::string_view ExtensionOf(std::string_view key) {
  std::string_view base = Basename(key);
  auto dot = base.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : base.substr(dot + 1);
}

VocAnnotation ImageVoc(std::string_view key, int64_t width, int64_t height, bool segmented) {
  std::string_view base = Basename(key);
  std::string path(base);
  if (base.size() < key.size()) {
    std::string_view parent = key.substr(0, key.size() - base.size() - 1);
    std::string_view folder = Basename(parent);
    if (!folder.empty()) path = std::string(folder) + "/" + path;
  }
  VocAnnotation voc = formats::VocForImage(path, width, height);
  voc.segmented = segmented;
  return voc;
}

ManifestAnnotation VocAnnotationOf(const VocAnnotation& voc, int dataset_type) {
  ManifestAnnotation a;
  a.type = dataset_type == 3 ? "modelarts/image_segmentation" : "modelarts/object_detection";
  a.annotation_format = "PASCAL VOC";
  a.annotated_by = "human";
  a.extra["voc"] = VocToJson(voc);
  return a;
}

Result<std::optional<VocAnnotation>> SampleVoc(const Sample& s) {
  std::optional<VocAnnotation> out;
  for (const ManifestAnnotation& a : s.manifest.annotations) {
    auto it = a.extra.find("voc");
    if (it == a.extra.end()) continue;
    OA_ASSIGN_OR_RETURN(VocAnnotation v, VocFromJson(*it));
    if (!out) {
      out = std::move(v);
    } else {
      for (auto& o : v.objects) out->objects.push_back(std::move(o));
    }
  }
  return out;
}

Fit FitToImage(VocShape& shape, int64_t width, int64_t height) {
  if (shape.points.empty()) return Fit::kInside;
  const double w = static_cast<double>(width), h = static_cast<double>(height);
  double x0 = shape.points[0].x, x1 = x0, y0 = shape.points[0].y, y1 = y0;
  for (const auto& p : shape.points) {
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  }
  if (x0 >= 0 && y0 >= 0 && x1 <= w && y1 <= h) return Fit::kInside;
  // The part of the bounding box inside the image (a line or point: its extent along one axis).
  auto inside = [](double lo, double hi, double limit) {
    double len = hi - lo;
    double in = std::max(0.0, std::min(hi, limit) - std::max(lo, 0.0));
    return len > 0 ? in / len : (lo >= 0 && lo <= limit ? 1.0 : 0.0);
  };
  if (inside(x0, x1, w) * inside(y0, y1, h) < 0.5) return Fit::kOutside;
  for (auto& p : shape.points) {
    p.x = std::clamp(p.x, 0.0, w);
    p.y = std::clamp(p.y, 0.0, h);
  }
  return Fit::kClamped;
}

Result<std::pair<int64_t, int64_t>> ProbeImage(objstore::ObjectStore& objects, const std::string& bucket,
                                               const std::string& key) {
  std::string uri = ObsOf(bucket, key);
  auto h = objects.Get(bucket, key);
  if (!h.ok()) return InvalidArgument(uri + ": " + h.status().message());
  // JPEG frame headers usually lie within the first few kilobytes; EXIF thumbnails push them
  // further, so read more when the first try comes up short.
  for (uint64_t want : {uint64_t{64} << 10, uint64_t{16} << 20}) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(want, h->info.size));
    std::string head(n, '\0');
    size_t done = 0;
    while (done < n) {
      OA_ASSIGN_OR_RETURN(size_t got, h->reader->ReadAt(done, head.data() + done, n - done));
      if (got == 0) break;
      done += got;
    }
    head.resize(done);
    auto info = imaging::Probe(head);
    if (info.ok()) return std::pair<int64_t, int64_t>{info->width, info->height};
    if (n >= h->info.size || want > (uint64_t{64} << 10)) {
      return InvalidArgument(uri + ": " + info.status().message());
    }
  }
  return InvalidArgument(uri + ": unreadable image header");
}

std::string Num(double v) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, p) : "nan";
}

std::string Examples(const std::vector<std::string>& examples, int64_t total) {
  std::string out;
  for (size_t i = 0; i < examples.size() && i < 3; ++i) out += (i ? "; " : "") + examples[i];
  int64_t shown = static_cast<int64_t>(std::min<size_t>(examples.size(), 3));
  if (total > shown) out += " (and " + std::to_string(total - shown) + " more)";
  return out;
}

std::string StripPrefix(std::string_view s, std::string_view prefix) {
  return std::string(s.starts_with(prefix) ? s.substr(prefix.size()) : s);
}

void Tally::Add(std::string_view kind, std::string example, int64_t n) {
  if (n <= 0) return;
  auto it = std::lower_bound(counts_.begin(), counts_.end(), kind,
                             [](const auto& c, std::string_view k) { return c.first < k; });
  if (it == counts_.end() || it->first != kind) it = counts_.insert(it, {std::string(kind), 0});
  it->second += n;
  total_ += n;
  ++events_;
  if (examples_.size() < 3) examples_.push_back(std::move(example));
}

std::string Tally::Kinds() const {
  std::string out;
  for (const auto& [k, n] : counts_) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + k;
  return out;
}

std::string Tally::Examples() const { return interchange::Examples(examples_, events_); }

Spool::Spool() {
  path_ = (std::filesystem::temp_directory_path() / ("openarts-export-" + NewId())).string();
  out_.open(path_, std::ios::binary);
}

Spool::~Spool() {
  out_.close();
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

Status Spool::PutTo(objstore::ObjectStore& objects, const std::string& uri_text) {
  out_.flush();
  if (!out_) return Unavailable("export spool file " + path_ + ": write failed (disk full?)");
  out_.close();
  OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(uri_text));
  OA_ASSIGN_OR_RETURN(auto src, OpenFileSource(path_));
  return objects.Put(uri.bucket, uri.key, *src).status();
}

Status PutText(objstore::ObjectStore& objects, const std::string& uri_text, std::string text) {
  OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(uri_text));
  StringSource src(std::move(text));
  return objects.Put(uri.bucket, uri.key, src).status();
}

Result<std::vector<std::string>> OneFileExport::Finish(std::vector<std::string>& warnings) {
  std::string uri = req_.path + ds_.name + "." + extension_;
  OA_TRY(spool_.PutTo(objects_, uri));
  if (left_out_.total() > 0) {
    warnings.push_back("left out " + std::to_string(left_out_.total()) + " samples" + left_out_note_ + ": " +
                       left_out_.Examples());
  }
  MoreWarnings(warnings);
  return std::vector<std::string>{uri};
}

}  // namespace interchange
}  // namespace openarts::data
