// Dataset benchmarks on the service itself (the code path of the daemon's import task), with a
// real SQLite file and the local object store: bench/datasets.sh runs it beside the Python
// baseline (bench/datasets_baseline.py) and prints the comparison.
//
//   data_bench import  <manifest> <home>        import a manifest; prints seconds
//   data_bench page    <home> <iterations>      filtered pages of 100 from the imported dataset
//   data_bench export  <home>                   export the dataset as a manifest; prints seconds
//   data_bench coco    <home> <boxes> [n]       a detection dataset of boxes/10 images with 10 boxes
//                                               each (VOC files, imported untimed); export as COCO
//                                               n times
// Each timed step also prints the process CPU seconds it took (every thread), which other load on
// the machine distorts far less than the wall clock.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/resource.h>
#include <sstream>

#include "base/clock.h"
#include "base/io.h"
#include "data/data.h"
#include "meta/meta.h"
#include "objstore/objstore.h"
#include "tasks/tasks.h"

using namespace openarts;
namespace fs = std::filesystem;

namespace {

double CpuSeconds() {  // user + system time of the whole process (every thread)
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Env {
  std::unique_ptr<meta::Database> db;
  std::unique_ptr<objstore::ObjectStore> objects;
  std::unique_ptr<tasks::TaskService> tasks;
  std::unique_ptr<data::DataService> data;
};

Env Open(const std::string& home) {
  Env e;
  fs::create_directories(home);
  auto db = meta::Open({.url = "sqlite:" + home + "/meta.db"});
  if (!db.ok()) { std::fprintf(stderr, "%s\n", db.status().message().c_str()); std::exit(1); }
  e.db = std::move(*db);
  auto obj = objstore::Open({.url = "file://" + home + "/objects"});
  if (!obj.ok()) { std::fprintf(stderr, "%s\n", obj.status().message().c_str()); std::exit(1); }
  e.objects = std::move(*obj);
  e.tasks = std::move(*tasks::Create(*e.db, SystemClock()));
  auto d = data::Create(*e.db, *e.objects, *e.tasks, SystemClock());
  if (!d.ok()) { std::fprintf(stderr, "%s\n", d.status().message().c_str()); std::exit(1); }
  e.data = std::move(*d);
  return e;
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.status().message().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

data::Dataset TheDataset(Env& e) {
  data::DataService::ListRequest lr;
  lr.project_id = "bench";
  auto list = Must(e.data->ListDatasets(lr), "list");
  if (list.first.empty()) {
    std::fprintf(stderr, "no dataset: run import first\n");
    std::exit(1);
  }
  return list.first[0];
}

int Import(const std::string& manifest, const std::string& home) {
  Env e = Open(home);
  (void)e.objects->CreateBucket({.name = "bench-in"});
  (void)e.objects->CreateBucket({.name = "bench-out"});
  auto src = Must(OpenFileSource(manifest), "open manifest");
  Must(e.objects->Put("bench-in", "m/classification.manifest", *src), "put manifest");
  data::CreateDatasetRequest r;
  r.name = "bench";
  r.type = 0;
  r.input_path = "obs://bench-in/m/";
  r.output_path = "obs://bench-out/o/";
  auto ds = Must(e.data->CreateDataset({"u", "bench", "bench", "0"}, r), "create");
  data::ImportRequest ir;
  ir.path = "obs://bench-in/m/classification.manifest";
  ir.format = "manifest";
  double t0 = Now(), c0 = CpuSeconds();
  auto rep = Must(e.data->Import(ds, ir), "import");
  double t1 = Now(), c1 = CpuSeconds();
  std::printf("import_seconds %.3f cpu_seconds %.3f added %lld rejected %lld (parse+encode %.2f s, write %.2f s, "
              "commit %.2f s)\n",
              t1 - t0, c1 - c0, static_cast<long long>(rep.added), static_cast<long long>(rep.rejected),
              rep.parse_seconds, rep.write_seconds, rep.commit_seconds);
  return 0;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

int Page(const std::string& home, int iterations) {
  Env e = Open(home);
  data::Dataset ds = TheDataset(e);
  std::mt19937 rng(42);
  struct Kind {
    const char* name;
    std::function<data::SampleQuery()> make;
  };
  int64_t n = ds.sample_count;
  // Deep keyset pages: a marker anywhere in the dataset.
  auto marker_at = [&](int64_t k) -> std::string {
    data::SampleQuery q;
    q.limit = 1;
    q.offset = k;
    q.with_count = false;
    auto p = Must(e.data->ListSamples(ds, q), "marker");
    return p.samples.empty() ? "" : p.samples[0].id;
  };
  std::vector<std::string> markers;
  for (int i = 0; i < 20; ++i) markers.push_back(marker_at(std::uniform_int_distribution<int64_t>(0, n - 200)(rng)));
  std::vector<Kind> kinds = {
      {"label", [&] {
         data::SampleQuery q;
         q.labels = {"class_" + std::to_string(std::uniform_int_distribution<int>(0, 8)(rng))};
         q.limit = 100;
         q.marker = markers[rng() % markers.size()];
         q.with_count = false;
         return q;
       }},
      {"state+label", [&] {
         data::SampleQuery q;
         q.state = data::SampleState::kLabeled;
         q.labels = {"class_" + std::to_string(std::uniform_int_distribution<int>(0, 8)(rng))};
         q.limit = 100;
         q.marker = markers[rng() % markers.size()];
         q.with_count = false;
         return q;
       }},
      {"usage", [&] {
         data::SampleQuery q;
         q.usage = formats::Usage::kEval;
         q.limit = 100;
         q.marker = markers[rng() % markers.size()];
         q.with_count = false;
         return q;
       }},
      {"unlabeled", [&] {
         data::SampleQuery q;
         q.state = data::SampleState::kUnlabeled;
         q.limit = 100;
         q.with_count = false;
         return q;
       }},
  };
  for (auto& k : kinds) {
    std::vector<double> ms;
    for (int i = 0; i < iterations; ++i) {
      data::SampleQuery q = k.make();
      double t0 = Now();
      auto p = Must(e.data->ListSamples(ds, q), "page");
      ms.push_back((Now() - t0) * 1000);
      if (p.samples.empty() && std::string(k.name) != "unlabeled") {
        std::fprintf(stderr, "empty page for %s\n", k.name);
        return 1;
      }
    }
    std::printf("page %s p50_ms %.3f p99_ms %.3f\n", k.name, Percentile(ms, 0.5), Percentile(ms, 0.99));
  }
  return 0;
}

int Export(const std::string& home) {
  Env e = Open(home);
  data::Dataset ds = TheDataset(e);
  (void)e.objects->CreateBucket({.name = "bench-exp"});
  data::ExportRequest r;
  r.path = "obs://bench-exp/e/";
  double t0 = Now();
  auto out = Must(e.data->Export(ds, r), "export");
  std::printf("export_seconds %.3f samples %lld\n", Now() - t0,
              static_cast<long long>(out["total_sample_count"].get<int64_t>()));
  return 0;
}

int Coco(const std::string& home, int64_t boxes, int repeats) {
  Env e = Open(home);
  for (const char* b : {"coco-in", "coco-out", "coco-exp"}) (void)e.objects->CreateBucket({.name = b});
  constexpr int kPerImage = 10;
  int64_t images = boxes / kPerImage;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> ux(0, 1800), uy(0, 1000), uw(1, 100), uh(1, 70);
  std::string manifest;
  auto put = [&](const std::string& bucket, const std::string& key, const std::string& text) {
    StringSource src(text);
    Must(e.objects->Put(bucket, key, src), "put");
  };
  double s0 = Now();
  for (int64_t i = 0; i < images; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "img_%06lld", static_cast<long long>(i));
    std::string xml = "<annotation><folder>d</folder><filename>" + std::string(name) +
                      ".jpg</filename><source><database>Unknown</database></source><size><width>1920</width><height>1080</height><depth>3</depth></size><segmented>0</segmented>";
    for (int k = 0; k < kPerImage; ++k) {
      double x = ux(rng), y = uy(rng), w = uw(rng), h = uh(rng);
      char obj[256];
      std::snprintf(obj, sizeof obj,
                    "<object><name>class_%d</name><pose>Unspecified</pose><truncated>0</truncated>"
                    "<occluded>0</occluded><difficult>0</difficult><bndbox><xmin>%.1f</xmin><ymin>%.1f</ymin><xmax>%.1f</xmax>"
                    "<ymax>%.1f</ymax></bndbox></object>",
                    k % 5, x, y, x + w, y + h);
      xml += obj;
    }
    xml += "</annotation>";
    put("coco-in", std::string("d/") + name + ".xml", xml);
    put("coco-in", std::string("d/") + name + ".jpg", "jpeg bytes");  // sources exist; not decoded
    manifest += "{\"source\":\"s3://coco-in/d/" + std::string(name) +
                ".jpg\",\"annotation\":[{\"type\":\"modelarts/object_detection\",\"annotation-loc\":"
                "\"s3://coco-in/d/" + std::string(name) + ".xml\",\"annotation-format\":\"PASCAL VOC\"}]}\n";
  }
  put("coco-in", "m/detection.manifest", manifest);
  data::CreateDatasetRequest r;
  r.name = "coco";
  r.type = 1;
  r.input_path = "obs://coco-in/d/";
  r.output_path = "obs://coco-out/o/";
  auto ds = Must(e.data->CreateDataset({"u", "bench", "bench", "0"}, r), "create");
  data::ImportRequest ir;
  ir.path = "obs://coco-in/m/detection.manifest";
  ir.format = "manifest";
  auto rep = Must(e.data->Import(ds, ir), "import");
  double s1 = Now();
  ds = Must(e.data->GetDataset(ds.project_id, ds.id), "get");
  for (int i = 0; i < repeats; ++i) {
    data::ExportRequest x;
    x.path = "obs://coco-exp/e" + std::to_string(i) + "/";
    x.format = "coco";
    double t0 = Now(), c0 = CpuSeconds();
    auto out = Must(e.data->Export(ds, x), "export");
    double t1 = Now(), c1 = CpuSeconds();
    std::printf("coco_seconds %.3f cpu_seconds %.3f boxes %lld images %lld (setup and import %.1f s; files %s)\n",
                t1 - t0, c1 - c0, static_cast<long long>(boxes), static_cast<long long>(rep.added), s1 - s0,
                out["files"].dump().c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "import" && argc == 4) return Import(argv[2], argv[3]);
  if (mode == "page" && argc == 4) return Page(argv[2], std::atoi(argv[3]));
  if (mode == "export" && argc == 3) return Export(argv[2]);
  if (mode == "coco" && (argc == 4 || argc == 5)) return Coco(argv[2], std::atoll(argv[3]), argc == 5 ? std::atoi(argv[4]) : 1);
  std::fprintf(stderr,
               "usage: data_bench import <manifest> <home> | page <home> <iterations> | export <home> | "
               "coco <home> <boxes> [n]\n");
  return 2;
}
