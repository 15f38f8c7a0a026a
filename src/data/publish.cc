// Versions (spec §9), export (spec §10) and the task handlers.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_map>

#include "base/fs.h"
#include "base/ids.h"
#include "base/io.h"
#include "objstore/names.h"
#include "interchange.h"
#include "service_impl.h"

namespace openarts::data {

using formats::ManifestAnnotation;
using formats::ManifestSample;
using meta::Row;
using meta::Tx;

namespace {

// obs://b/k → s3://b/k (or the other way), per the manifest writer's rule (spec §4.7, §10).
std::string WithScheme(const std::string& source, std::string_view scheme) {
  for (std::string_view from : {"obs://", "s3://"}) {
    if (source.starts_with(from)) return std::string(scheme) + source.substr(from.size());
  }
  return source;
}

std::string Basename(std::string_view key) {
  auto slash = key.rfind('/');
  return std::string(slash == std::string_view::npos ? key : key.substr(slash + 1));
}

std::string StripExt(const std::string& s) {
  auto dot = s.rfind('.');
  return dot == std::string::npos ? s : s.substr(0, dot);
}

// A file under the temp directory that streams into object storage when finished.
class SpoolFile {
 public:
  SpoolFile() : path_(std::filesystem::temp_directory_path() / ("openarts-spool-" + NewId())) {
    out_.open(path_, std::ios::binary);
  }
  ~SpoolFile() {
    out_.close();
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  void Write(std::string_view s) { out_.write(s.data(), static_cast<std::streamsize>(s.size())); }
  Status PutTo(objstore::ObjectStore& objects, const objstore::ObsUri& uri) {
    out_.flush();
    if (!out_) return Internal("spool file " + path_.string() + ": write failed");
    out_.close();
    OA_ASSIGN_OR_RETURN(auto src, OpenFileSource(path_.string()));
    return objects.Put(uri.bucket, uri.key, *src).status();
  }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

Status PutString(objstore::ObjectStore& objects, const std::string& uri_text, std::string data) {
  OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(uri_text));
  StringSource src(std::move(data));
  return objects.Put(uri.bucket, uri.key, src).status();
}

// Writes each VOC annotation of `s` to `<dir><base>.xml` and points annotation-loc at it.
Status WriteVocFiles(objstore::ObjectStore& objects, ManifestSample& s, const std::string& dir,
                     std::string_view scheme, std::unordered_map<std::string, int>& used) {
  for (ManifestAnnotation& a : s.annotations) {
    auto voc = a.extra.find("voc");
    if (voc == a.extra.end()) continue;
    OA_ASSIGN_OR_RETURN(auto v, VocFromJson(*voc));
    std::string base = StripExt(Basename(s.source));
    if (base.empty()) base = s.id.value_or("sample");
    int n = used[base]++;
    if (n > 0) base += "_" + std::to_string(n);
    std::string uri = dir + base + ".xml";
    OA_TRY(PutString(objects, uri, formats::WriteVoc(v)));
    a.extra.erase("voc");
    a.annotation_loc = WithScheme(uri, scheme);
    if (!a.annotation_format) a.annotation_format = "PASCAL VOC";
  }
  return Status::Ok();
}

}  // namespace

Result<Version> DataServiceImpl::PublishVersion(const Dataset& ds_in, const PublishRequest& req) {
  OA_ASSIGN_OR_RETURN(Dataset ds, GetDataset(ds_in.project_id, ds_in.id, false));
  const Capabilities* caps = CapabilitiesOf(ds.type);
  if (req.train_ratio < 1.0 && !caps->split) {
    return InvalidArgument("train_evaluate_sample_ratio: ModelArts.4342 Dataset publish with splitting "
                           "annotated samples error: a dataset of type " + std::to_string(ds.type) +
                           " cannot be split; leave the ratio at 1.00");
  }
  if (ImportRunning(ds.seq)) {
    return FailedPrecondition("ModelArts.4343 Dataset is publishing, the operation is forbidden: an "
                              "import is running; publish after it");
  }
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT next_version, last_publish_time FROM datasets WHERE seq = $1",
                                           {ds.seq}));
  int64_t next_version = rows.at(0).Int(0);
  int64_t now = clock_.NowMillis();
  if (now - rows[0].Int(1) < 60'000) {
    return FailedPrecondition("ModelArts.4370 One dataset version can be released in a minute, please try again later");
  }
  Version v;
  v.id = NewId();
  char buf[16];
  std::snprintf(buf, sizeof buf, "V%03lld", static_cast<long long>(next_version));
  v.name = req.name.empty() ? buf : req.name;
  v.description = req.description;
  v.train_ratio = req.train_ratio;
  v.create_time = now;
  OA_ASSIGN_OR_RETURN(auto exists, db_.Query("SELECT 1 FROM dataset_versions WHERE dataset_seq = $1 AND name = $2",
                                             {ds.seq, v.name}));
  if (!exists.empty()) return AlreadyExists("ModelArts.4371 Dataset version already exists: " + v.name);

  // The split: labeled samples, stratified by their first label, in an order seeded by the
  // version id; error diffusion gives each label round(n·ratio) train samples.
  std::unordered_map<std::string, formats::Usage> split;
  if (caps->split && req.train_ratio < 1.0) {
    struct Item {
      uint64_t h;
      std::string id;
      std::string label;
    };
    std::vector<Item> items;
    OA_TRY(ForEachSample(ds, [&](const Sample& s) -> Status {
      if (s.state != SampleState::kLabeled) return Status::Ok();
      std::string label;
      for (const auto& a : s.manifest.annotations) {
        if (a.name) {
          label = *a.name;
          break;
        }
        if (a.extra.contains("voc") && !a.extra.at("voc")["objects"].empty()) {
          label = a.extra.at("voc")["objects"][0]["name"].get<std::string>();
          break;
        }
      }
      items.push_back({std::hash<std::string>()(v.id + s.id), s.id, label});
      return Status::Ok();
    }));
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.h < b.h || (a.h == b.h && a.id < b.id); });
    std::unordered_map<std::string, std::pair<int64_t, int64_t>> seen;  // label → (seen, train)
    for (const Item& it : items) {
      auto& [n, t] = seen[it.label];
      ++n;
      bool train = static_cast<double>(t) < req.train_ratio * static_cast<double>(n) - 1e-9;
      if (train) ++t;
      split[it.id] = train ? formats::Usage::kTrain : formats::Usage::kEval;
    }
  }
  std::string dir = ds.output_path + ds.name + "-" + ds.id + "/annotation/" + v.name + "/";
  v.manifest_path = dir + v.name + ".manifest";
  SpoolFile spool;
  std::unordered_map<std::string, int> used;
  OA_TRY(ForEachSample(ds, [&](const Sample& s) -> Status {
    ManifestSample m = s.manifest;
    m.source = WithScheme(m.source, "s3://");
    if (req.remove_sample_usage) m.usage = formats::Usage::kUnset;
    if (auto it = split.find(s.id); it != split.end()) m.usage = it->second;
    if (req.clear_hard_property) {
      m.hard.reset();
      m.hard_coefficient.reset();
      m.hard_reasons.reset();
    }
    if (m.annotations.empty() && !s.predictions.empty()) {
      // Predictions awaiting confirmation are not labels; the version carries the object only.
    }
    OA_TRY(WriteVocFiles(objects_, m, dir + "annotations/", "s3://", used));
    spool.Write(formats::WriteManifestLine(m));
    spool.Write("\n");
    ++v.total_sample_count;
    if (!m.annotations.empty()) ++v.annotated_sample_count;
    if (m.usage == formats::Usage::kTrain) ++v.train_count;
    if (m.usage == formats::Usage::kEval) ++v.eval_count;
    return Status::Ok();
  }));
  OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(v.manifest_path));
  OA_TRY(spool.PutTo(objects_, uri));
  Status s = db_.Transact([&](Tx& tx) -> Status {
    auto r = tx.Exec("INSERT INTO dataset_versions(id, dataset_seq, name, description, status, train_ratio, "
                     "total_count, annotated_count, train_count, eval_count, manifest_path, create_time) "
                     "VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11)",
                     {v.id, ds.seq, v.name, v.description, v.train_ratio, v.total_sample_count,
                      v.annotated_sample_count, v.train_count, v.eval_count, v.manifest_path, v.create_time});
    if (r.status().code() == Code::kAlreadyExists) {
      return AlreadyExists("ModelArts.4371 Dataset version already exists: " + v.name);
    }
    OA_TRY(r.status());
    return tx.Exec("UPDATE datasets SET next_version = next_version + $1, last_publish_time = $2, "
                   "current_version = $3, update_time = $2 WHERE seq = $4",
                   {int64_t{req.name.empty() ? 1 : 0}, now, v.id, ds.seq})
        .status();
  });
  OA_TRY(s);
  return v;
}

namespace {

Version VersionFromRow(const Row& r) {
  Version v;
  v.id = r.Str(0);
  v.name = r.Str(1);
  v.description = r.Str(2);
  v.status = static_cast<int>(r.Int(3));
  v.train_ratio = r.Real(4);
  v.total_sample_count = r.Int(5);
  v.annotated_sample_count = r.Int(6);
  v.train_count = r.Int(7);
  v.eval_count = r.Int(8);
  v.manifest_path = r.Str(9);
  v.create_time = r.Int(10);
  return v;
}

constexpr std::string_view kVersionColumns =
    "id, name, description, status, train_ratio, total_count, annotated_count, train_count, eval_count, "
    "manifest_path, create_time";

}  // namespace

Result<std::vector<Version>> DataServiceImpl::ListVersions(const Dataset& ds) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kVersionColumns) +
                                               " FROM dataset_versions WHERE dataset_seq = $1 ORDER BY create_time DESC, name DESC",
                                           {ds.seq}));
  std::vector<Version> out;
  for (const Row& r : rows) out.push_back(VersionFromRow(r));
  return out;
}

Result<Version> DataServiceImpl::GetVersion(const Dataset& ds, const std::string& version_id) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kVersionColumns) +
                                               " FROM dataset_versions WHERE dataset_seq = $1 AND (id = $2 OR name = $2)",
                                           {ds.seq, version_id}));
  if (rows.empty()) return NotFound("dataset version " + version_id + " does not exist");
  return VersionFromRow(rows[0]);
}

Status DataServiceImpl::DeleteVersion(const Dataset& ds, const std::string& version_id) {
  OA_ASSIGN_OR_RETURN(Version v, GetVersion(ds, version_id));
  // The manifest and VOC files stay in storage (spec §9: deleting keeps data and labels).
  return db_.Transact([&](Tx& tx) -> Status {
    OA_TRY(tx.Exec("DELETE FROM dataset_versions WHERE id = $1", {v.id}).status());
    return tx.Exec("UPDATE datasets SET current_version = '' WHERE seq = $1 AND current_version = $2",
                   {ds.seq, v.id}).status();
  });
}

namespace {

// Copies an object to a local file (streamed; the parent directories are made).
Status DownloadTo(objstore::ObjectStore& objects, const objstore::ObsUri& uri, const std::string& path) {
  OA_ASSIGN_OR_RETURN(auto h, objects.Get(uri.bucket, uri.key));
  OA_TRY(MakeDirs(std::filesystem::path(path).parent_path(), 0755));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Unavailable("cannot write " + path);
  std::string buf(1 << 20, '\0');
  uint64_t off = 0;
  while (off < h.info.size) {
    OA_ASSIGN_OR_RETURN(size_t n, h.reader->ReadAt(off, buf.data(), buf.size()));
    if (n == 0) break;
    out.write(buf.data(), static_cast<std::streamsize>(n));
    off += n;
  }
  out.close();
  if (!out) return Unavailable("cannot write " + path);
  return Status::Ok();
}

}  // namespace

Status DataServiceImpl::MaterializeVersion(const Dataset& ds, const std::string& version_id,
                                           const std::string& dir) {
  OA_ASSIGN_OR_RETURN(Version v, GetVersion(ds, version_id));
  std::ofstream out(dir + "/" + v.name + ".manifest", std::ios::binary | std::ios::trunc);
  if (!out) return Unavailable("cannot write " + dir + "/" + v.name + ".manifest");
  std::unordered_map<std::string, int> used;
  OA_TRY(ForEachObjectLine(objects_, v.manifest_path, [&](std::string_view line, int64_t line_no) -> Status {
    if (TrimWhitespace(line).empty()) return Status::Ok();
    OA_ASSIGN_OR_RETURN(ManifestSample s, formats::ParseManifestLine(line, v.manifest_path, line_no));
    if (auto uri = objstore::ParseObsUri(s.source); uri.ok() && objstore::IsObsUri(s.source)) {
      std::string rel = "data/" + uri->bucket + "/" + uri->key;
      OA_TRY(DownloadTo(objects_, *uri, dir + "/" + rel));
      s.source = rel;
    }
    for (ManifestAnnotation& a : s.annotations) {
      if (!a.annotation_loc || !objstore::IsObsUri(*a.annotation_loc)) continue;
      OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(*a.annotation_loc));
      std::string base = Basename(uri.key);
      int n = used[base]++;
      std::string rel = "annotations/" + (n ? StripExt(base) + "_" + std::to_string(n) + ".xml" : base);
      OA_TRY(DownloadTo(objects_, uri, dir + "/" + rel));
      a.annotation_loc = rel;
    }
    std::string l = formats::WriteManifestLine(s);
    out.write(l.data(), static_cast<std::streamsize>(l.size()));
    out.put('\n');
    return Status::Ok();
  }));
  out.close();
  if (!out) return Unavailable("cannot write the manifest into " + dir);
  return Status::Ok();
}

Result<Json> DataServiceImpl::Export(const Dataset& ds_in, const ExportRequest& req,
                                     const std::function<void(double)>& progress) {
  OA_ASSIGN_OR_RETURN(Dataset ds, GetDataset(ds_in.project_id, ds_in.id, false));
  for (const std::string& p : {ds.input_path, ds.output_path}) {
    if (req.path.starts_with(p) || p.starts_with(req.path)) {
      return InvalidArgument("path: ModelArts.4358 Invalid export path: " + req.path +
                             " is, contains or lies inside the dataset's " +
                             (p == ds.input_path ? "input" : "output") + " path " + p +
                             "; export to another directory");
    }
  }
  OA_ASSIGN_OR_RETURN(auto dest, objstore::ParseObsUri(req.path));
  if (!objects_.GetBucket(dest.bucket).ok()) {
    return InvalidArgument("path: ModelArts.4358 Invalid export path: bucket \"" + dest.bucket + "\" does not exist");
  }
  std::unique_ptr<ForeignWriter> foreign;
  if (req.format != "manifest" && req.format != "voc") {
    if (!req.version_id.empty()) {
      return InvalidArgument("annotation_format: a version exports as its manifest; export the live samples "
                             "for other formats");
    }
    OA_ASSIGN_OR_RETURN(foreign, MakeForeignWriter(objects_, ds, req));
  }
  if (req.format == "voc" && ds.type != 1 && ds.type != 3 && ds.type != 600) {
    return InvalidArgument("annotation_format: PASCAL VOC exports detection and segmentation datasets");
  }
  if (!req.version_id.empty()) {
    // A published version: its manifest as it is, sources and annotation files with the
    // requested prefix (the VOC files stay with the version).
    if (req.format != "manifest") {
      return InvalidArgument("annotation_format: a version exports as its manifest; export the live samples "
                             "for other formats");
    }
    OA_ASSIGN_OR_RETURN(Version v, GetVersion(ds, req.version_id));
    SpoolFile spool;
    int64_t n = 0;
    OA_TRY(ForEachObjectLine(
        objects_, v.manifest_path,
        [&](std::string_view line, int64_t line_no) -> Status {
          if (TrimWhitespace(line).empty()) return Status::Ok();
          OA_ASSIGN_OR_RETURN(ManifestSample m, formats::ParseManifestLine(line, v.manifest_path, line_no));
          m.source = WithScheme(m.source, req.source_type_header);
          for (auto& a : m.annotations) {
            if (a.annotation_loc) a.annotation_loc = WithScheme(*a.annotation_loc, req.source_type_header);
          }
          spool.Write(formats::WriteManifestLine(m));
          spool.Write("\n");
          ++n;
          return Status::Ok();
        },
        [&](double f) {
          if (progress) progress(std::min(0.99, f));
        }));
    std::string uri_text = req.path + ds.name + "-" + v.name + ".manifest";
    OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(uri_text));
    OA_TRY(spool.PutTo(objects_, uri));
    if (progress) progress(1.0);
    return Json{{"export_path", req.path}, {"export_format", "manifest"}, {"version_name", v.name},
                {"total_sample_count", n}, {"finished_sample_count", n}, {"files", Json::array({uri_text})}};
  }
  std::unordered_map<std::string, bool> selected;
  for (const auto& id : req.sample_ids) selected[id] = true;
  auto filter = [&](const Sample& s) {
    if (!selected.empty() && !selected.count(s.id)) return false;
    switch (req.export_type) {
      case 0: return s.state == SampleState::kLabeled;
      case 1: return s.state == SampleState::kUnlabeled;
      case 3: return !req.query.state || s.state == *req.query.state;
      default: return true;
    }
  };
  int64_t total = std::max<int64_t>(1, ds.sample_count);
  int64_t seen = 0, exported = 0;
  std::unordered_map<std::string, int> used;
  SpoolFile spool;
  std::string manifest_uri = req.path + ds.name + ".manifest";
  auto count_one = [&] {  // one more sample exported: the count and the progress
    ++exported;
    if (progress && ++seen % 1000 == 0) progress(std::min(0.99, static_cast<double>(seen) / static_cast<double>(total)));
  };
  if (foreign && foreign->ReadsStoredLines()) {
    // The writer reads the stored lines itself: no manifest samples are built.
    OA_TRY(ForEachRow(ds, [&](const Row& r, const Fresh& fresh, const LabelMap& labels) -> Status {
      Sample s = SampleColumnsFromRow(r, fresh.salt);
      if (!filter(s)) return Status::Ok();
      count_one();
      return foreign->AddStored(s, r.IsNull(7) ? std::string_view() : std::string_view(r.Str(7)), labels);
    }));
  } else {
    OA_TRY(ForEachSample(
        ds,
        [&](const Sample& s) -> Status {
          if (foreign) {
            count_one();
            return foreign->Add(s);
          }
          ManifestSample m = s.manifest;
          std::string original = m.source;
          m.source = WithScheme(m.source, req.source_type_header);
          if (req.format == "manifest") {
            OA_TRY(WriteVocFiles(objects_, m, req.path + "annotations/", req.source_type_header, used));
            spool.Write(formats::WriteManifestLine(m));
            spool.Write("\n");
          } else {
            // VOC: the image beside its XML, as the directory importer reads them back.
            auto src = objstore::ParseObsUri(original);
            if (src.ok()) {
              std::string base = Basename(src->key);
              int n = used[base]++;
              std::string name = n ? StripExt(base) + "_" + std::to_string(n) + base.substr(StripExt(base).size()) : base;
              OA_TRY(objects_.Copy(src->bucket, src->key, dest.bucket, dest.key + name).status());
              for (ManifestAnnotation& a : m.annotations) {
                auto voc = a.extra.find("voc");
                if (voc == a.extra.end()) continue;
                OA_ASSIGN_OR_RETURN(auto v, VocFromJson(*voc));
                OA_TRY(PutString(objects_, req.path + StripExt(name) + ".xml", formats::WriteVoc(v)));
              }
            }
          }
          count_one();
          return Status::Ok();
        },
        filter));
  }
  Json files = Json::array();
  std::vector<std::string> warnings;
  if (foreign) {
    OA_ASSIGN_OR_RETURN(auto written, foreign->Finish(warnings));
    for (auto& f : written) files.push_back(std::move(f));
  } else if (req.format == "manifest") {
    OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(manifest_uri));
    OA_TRY(spool.PutTo(objects_, uri));
    files.push_back(manifest_uri);
  }
  if (progress) progress(1.0);
  return Json{{"export_path", req.path},
              {"warnings", warnings},
              {"export_format", req.format},
              {"total_sample_count", exported},
              {"finished_sample_count", exported},
              {"files", std::move(files)}};
}

void DataServiceImpl::RegisterTasks() {
  tasks::HandlerOptions resumable;
  resumable.resumable = true;  // an import restarts from scratch: it purges what it left first
  tasks_.Register(std::string(kImportTaskType), [this](tasks::TaskContext& ctx) -> Result<Json> {
    const Json& p = ctx.task().params;
    OA_ASSIGN_OR_RETURN(Dataset ds, GetDataset(p.at("project_id").get<std::string>(),
                                               p.at("dataset_id").get<std::string>(), false));
    OA_ASSIGN_OR_RETURN(ImportRequest req, DecodeImportRequest(p.at("request")));
    OA_ASSIGN_OR_RETURN(ImportReport report,
                        Import(ds, req, [&](double f) { (void)ctx.ReportProgress(f); }));
    return report.ToJson();
  }, resumable);
  tasks_.Register(std::string(kAutoLabelTaskType), [this](tasks::TaskContext& ctx) -> Result<Json> {
    const Json& p = ctx.task().params;
    OA_ASSIGN_OR_RETURN(Dataset ds, GetDataset(p.at("project_id").get<std::string>(),
                                               p.at("dataset_id").get<std::string>(), false));
    return AutoLabel(ds, p.at("request"), [&](double f) { (void)ctx.ReportProgress(f); });
  }, resumable);
  tasks_.Register(std::string(kAnalysisTaskType), [this](tasks::TaskContext& ctx) -> Result<Json> {
    const Json& p = ctx.task().params;
    OA_ASSIGN_OR_RETURN(Dataset ds, GetDataset(p.at("project_id").get<std::string>(),
                                               p.at("dataset_id").get<std::string>(), false));
    return AnalyzeVersion(ds, p.at("request").at("version_id").get<std::string>(),
                          [&](double f) { (void)ctx.ReportProgress(f); });
  }, resumable);
  tasks_.Register(std::string(kExportTaskType), [this](tasks::TaskContext& ctx) -> Result<Json> {
    const Json& p = ctx.task().params;
    OA_ASSIGN_OR_RETURN(Dataset ds, GetDataset(p.at("project_id").get<std::string>(),
                                               p.at("dataset_id").get<std::string>(), false));
    OA_ASSIGN_OR_RETURN(ExportRequest req, DecodeExportRequest(p.at("request")));
    return Export(ds, req, [&](double f) { (void)ctx.ReportProgress(f); });
  }, resumable);
}

Result<tasks::TaskInfo> DataServiceImpl::SubmitAutoLabel(const Dataset& ds, const Json& body,
                                                         const Caller& caller) {
  std::string type = body.value("task_type", std::string("auto-label"));
  if (type != "auto-label") {
    return InvalidArgument("task_type: only \"auto-label\" (active learning) is available; pre-label needs a "
                           "model service");
  }
  std::string algorithm = body.value("algorithm_type", std::string("fast"));
  if (algorithm != "fast") return InvalidArgument("algorithm_type: only \"fast\" is available");
  return SubmitExclusive(ds, kAutoLabelTaskType, body, caller,
                         "ModelArts.4387 an intelligent labeling task is already running: ");
}

Result<tasks::TaskInfo> DataServiceImpl::SubmitExclusive(const Dataset& ds, std::string_view type, const Json& body,
                                                         const Caller& caller, const std::string& busy) {
  OA_ASSIGN_OR_RETURN(auto existing, ListTasks(ds, type));
  for (const auto& t : existing) {
    if (t.status == tasks::TaskStatus::kQueued || t.status == tasks::TaskStatus::kRunning) {
      return FailedPrecondition(busy + t.id);
    }
  }
  Json params = {{"project_id", ds.project_id}, {"dataset_id", ds.id}, {"request", body}};
  return tasks_.Submit(ds.project_id, ds.workspace_id, std::string(type), params, caller.user_id,
                       TaskSubject(ds));
}

Result<std::vector<tasks::TaskInfo>> DataServiceImpl::ListTasks(const Dataset& ds, std::string_view type) {
  tasks::ListFilter f;
  f.project_id = ds.project_id;
  f.type = std::string(type);
  f.subject = TaskSubject(ds);
  f.limit = 1000;
  return tasks_.List(f);
}

Result<tasks::TaskInfo> DataServiceImpl::SubmitImport(const Dataset& ds, const Json& body,
                                                      const Caller& caller) {
  OA_ASSIGN_OR_RETURN(ImportRequest req, DecodeImportRequest(body));
  OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(req.path));
  if (!objects_.GetBucket(uri.bucket).ok()) {
    return InvalidArgument("import_path: bucket \"" + uri.bucket + "\" does not exist");
  }
  return SubmitExclusive(ds, kImportTaskType, body, caller, "ModelArts.4356 Dataset already has running import task ");
}

Result<tasks::TaskInfo> DataServiceImpl::SubmitExport(const Dataset& ds, const Json& body,
                                                      const Caller& caller) {
  OA_ASSIGN_OR_RETURN(ExportRequest req, DecodeExportRequest(body));
  for (const std::string& p : {ds.input_path, ds.output_path}) {
    if (req.path.starts_with(p) || p.starts_with(req.path)) {
      return InvalidArgument("path: ModelArts.4358 Invalid export path: " + req.path +
                             " is, contains or lies inside the dataset's " +
                             (p == ds.input_path ? "input" : "output") + " path " + p +
                             "; export to another directory");
    }
  }
  Json params = {{"project_id", ds.project_id}, {"dataset_id", ds.id}, {"request", body}};
  return tasks_.Submit(ds.project_id, ds.workspace_id, std::string(kExportTaskType), params, caller.user_id,
                       TaskSubject(ds));
}

}  // namespace openarts::data
