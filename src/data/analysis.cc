// Feature analysis (spec §11): a task per published version computes the image- and box-level
// metrics of every image (imaging::Analyze, 2 threads) and writes them, one JSON line per image,
// to <output>/<dataset>-<id>/analysis/<version>/features.jsonl. Histograms are computed from
// those files on request, on a range shared by the versions compared, filtered by usage.
#include <atomic>
#include <mutex>
#include <thread>

#include "imaging/imaging.h"
#include "objstore/names.h"
#include "service_impl.h"

namespace openarts::data {

using formats::ManifestSample;

namespace {

constexpr const char* kImageMetrics[] = {"resolution", "aspect_ratio", "brightness", "saturation",
                                         "contrast", "blur", "colorfulness", "box_count", "box_area_std"};
constexpr const char* kBoxMetrics[] = {"box_aspect_ratio", "box_area_ratio", "box_marginalization",
                                       "box_overlap", "box_brightness", "box_blur"};

std::string FeaturesPath(const Dataset& ds, const Version& v) {
  return ds.output_path + ds.name + "-" + ds.id + "/analysis/" + v.name + "/features.jsonl";
}

}  // namespace

Result<Json> DataServiceImpl::AnalyzeVersion(const Dataset& ds_in, const std::string& version_id,
                                             const std::function<void(double)>& progress) {
  OA_ASSIGN_OR_RETURN(Dataset ds, GetDataset(ds_in.project_id, ds_in.id, false));
  if (ds.type != 0 && ds.type != 1) {
    return FailedPrecondition("feature analysis is for image classification and object detection datasets "
                              "(spec §11); this dataset is type " + std::to_string(ds.type));
  }
  OA_ASSIGN_OR_RETURN(Version v, GetVersion(ds, version_id));
  if (v.annotated_sample_count == 0) {
    return FailedPrecondition("version " + v.name + " has no labeled samples; feature analysis needs some (spec §11)");
  }
  std::vector<ManifestSample> samples;
  OA_TRY(ForEachObjectLine(objects_, v.manifest_path, [&](std::string_view line, int64_t line_no) -> Status {
    if (TrimWhitespace(line).empty()) return Status::Ok();
    auto s = formats::ParseManifestLine(line, v.manifest_path, line_no);
    // Detection analyses labeled images only; classification all (spec §11).
    if (s.ok() && !(ds.type == 1 && s->annotations.empty())) samples.push_back(std::move(*s));
    return Status::Ok();
  }));
  std::vector<std::string> lines(samples.size());
  std::atomic<size_t> next{0}, done{0};
  std::atomic<int64_t> failed{0};
  std::mutex mu;
  std::vector<std::string> failures;
  auto worker = [&] {
    while (true) {
      size_t i = next++;
      if (i >= samples.size()) return;
      const ManifestSample& s = samples[i];
      auto fail = [&](const std::string& why) {
        ++failed;
        std::lock_guard lock(mu);
        if (failures.size() < 20) failures.push_back(s.source + ": " + why);
      };
      std::vector<imaging::Box> boxes;
      bool bad = false;
      for (const auto& a : s.annotations) {
        if (!a.annotation_loc) continue;
        auto xml = ReadObject(objects_, *a.annotation_loc, 16 << 20);
        auto voc = xml.ok() ? formats::ParseVoc(*xml, *a.annotation_loc) : Result<formats::VocAnnotation>(xml.status());
        if (!voc.ok()) {
          fail(voc.status().message());
          bad = true;
          break;
        }
        for (const auto& o : voc->objects) {
          if (o.shape.kind != formats::VocShapeKind::kBndbox) continue;
          boxes.push_back({o.shape.points[0].x, o.shape.points[0].y, o.shape.points[1].x, o.shape.points[1].y});
        }
      }
      if (!bad) {
        auto bytes = ReadObject(objects_, s.source, 64 << 20);
        auto f = bytes.ok() ? imaging::Analyze(*bytes, boxes) : Result<imaging::ImageFeatures>(bytes.status());
        if (!f.ok()) {
          fail(f.status().message());
        } else {
          Json j = {{"source", s.source},
                    {"usage", std::string(formats::UsageName(s.usage))},
                    {"resolution", f->resolution},
                    {"aspect_ratio", f->aspect_ratio},
                    {"brightness", f->pixels.brightness},
                    {"saturation", f->pixels.saturation},
                    {"contrast", f->pixels.contrast},
                    {"blur", f->pixels.blur},
                    {"colorfulness", f->pixels.colorfulness}};
          if (ds.type == 1) {
            j["box_count"] = f->box_count;
            j["box_area_std"] = f->box_area_std;
            Json bs = Json::array();
            for (const auto& b : f->boxes) {
              bs.push_back({b.aspect_ratio, b.area_ratio, b.marginalization, b.overlap, b.brightness, b.blur});
            }
            j["boxes"] = std::move(bs);
          }
          lines[i] = j.dump();
        }
      }
      size_t d = ++done;
      if (progress && d % 64 == 0) progress(0.95 * static_cast<double>(d) / static_cast<double>(samples.size()));
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  std::string out;
  int64_t analysed = 0;
  for (const auto& l : lines) {
    if (l.empty()) continue;
    out += l;
    out += '\n';
    ++analysed;
  }
  std::string path = FeaturesPath(ds, v);
  OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(path));
  StringSource src(std::move(out));
  OA_TRY(objects_.Put(uri.bucket, uri.key, src).status());
  if (progress) progress(1.0);
  Json result = {{"version_id", v.id},
                 {"version_name", v.name},
                 {"features_path", path},
                 {"analysed_sample_count", analysed},
                 {"failed_sample_count", failed.load()},
                 {"failures", failures}};
  if (analysed < 1000) {
    result["note"] = "results are meaningful beyond 1,000 images (spec §11)";
  }
  return result;
}

Result<Json> DataServiceImpl::FeatureHistograms(const Dataset& ds, const std::vector<std::string>& version_ids,
                                                const std::string& metric, const std::string& usage) {
  bool box_metric = false;
  int box_index = -1;
  bool known = false;
  for (const char* m : kImageMetrics) known = known || metric == m;
  for (int i = 0; i < 6; ++i) {
    if (metric == kBoxMetrics[i]) {
      known = box_metric = true;
      box_index = i;
    }
  }
  if (!known) {
    std::string all;
    for (const char* m : kImageMetrics) all += std::string(all.empty() ? "" : ", ") + m;
    for (const char* m : kBoxMetrics) all += std::string(", ") + m;
    return InvalidArgument("metric: unknown \"" + metric + "\"; one of " + all);
  }
  std::string u = AsciiLower(usage.empty() ? "all" : usage);
  if (u != "all" && u != "train" && u != "eval" && u != "test" && u != "inference") {
    return InvalidArgument("usage: one of all, train, eval, test, inference");
  }
  if (version_ids.empty()) return InvalidArgument("version_id: at least one version");
  std::vector<std::vector<double>> sets;
  std::vector<Version> versions;
  for (const std::string& id : version_ids) {
    OA_ASSIGN_OR_RETURN(Version v, GetVersion(ds, id));
    std::string path = FeaturesPath(ds, v);
    OA_ASSIGN_OR_RETURN(auto features, objstore::ParseObsUri(path));
    if (!objects_.Head(features.bucket, features.key).ok()) {
      return FailedPrecondition("version " + v.name + " has not been analysed yet; start a feature analysis of it");
    }
    std::vector<double> values;
    OA_TRY(ForEachObjectLine(objects_, path, [&](std::string_view line, int64_t) -> Status {
      Json j = Json::parse(line, nullptr, false);
      if (!j.is_object()) return Status::Ok();
      std::string su = AsciiLower(j.value("usage", std::string()));
      if (u != "all" && su != u) return Status::Ok();
      if (box_metric) {
        for (const Json& b : j.value("boxes", Json::array())) values.push_back(b[box_index].get<double>());
      } else if (j.contains(metric)) {
        values.push_back(j[metric].get<double>());
      }
      return Status::Ok();
    }));
    sets.push_back(std::move(values));
    versions.push_back(v);
  }
  imaging::ValueRange range = imaging::SharedRange(sets);
  Json series = Json::array();
  for (size_t i = 0; i < sets.size(); ++i) {
    imaging::Histogram h = imaging::MakeHistogram(sets[i], range.lo, range.hi);
    double mean = 0;
    for (double v : sets[i]) mean += v;
    if (!sets[i].empty()) mean /= static_cast<double>(sets[i].size());
    series.push_back({{"version_id", versions[i].id},
                      {"version_name", versions[i].name},
                      {"count", sets[i].size()},
                      {"mean", mean},
                      {"counts", h.counts},
                      {"below", h.below},
                      {"above", h.above}});
  }
  imaging::Histogram shape = imaging::MakeHistogram(std::vector<double>{}, range.lo, range.hi);
  return Json{{"metric", metric}, {"usage", u}, {"lo", shape.lo}, {"hi", shape.hi},
              {"bins", imaging::kHistogramBins}, {"series", std::move(series)}};
}

Result<tasks::TaskInfo> DataServiceImpl::SubmitAnalysis(const Dataset& ds, const Json& body, const Caller& caller) {
  std::string version = body.value("version_id", std::string());
  if (version.empty()) return InvalidArgument("version_id: required (a published version, e.g. V001)");
  OA_ASSIGN_OR_RETURN(Version v, GetVersion(ds, version));
  if (ds.type != 0 && ds.type != 1) {
    return FailedPrecondition("feature analysis is for image classification and object detection datasets");
  }
  Json params = {{"project_id", ds.project_id}, {"dataset_id", ds.id}, {"request", {{"version_id", v.id}}}};
  return tasks_.Submit(ds.project_id, ds.workspace_id, std::string(kAnalysisTaskType), params, caller.user_id,
                       TaskSubject(ds));
}

}  // namespace openarts::data
