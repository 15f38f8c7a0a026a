// Feature analysis throughput (bench/features.sh): imaging::Analyze over every image of a
// directory, per image read from disk (page cache) + one scaled decode + every §11.1 metric, on N
// threads pulling from one queue. Prints one JSON object; --dump writes the metric values in the
// TSV layout of bench/features_baseline.py so the two can be compared.
//
//   features_bench [--threads N] [--min-side N] [--boxes DIR/boxes.json] [--dump FILE]
//                  [--times FILE] [--decode-only] DIR
//
// --times writes "file bytes wall_ms cpu_ms" per image (read + analyse; the thread's wall clock
// and CPU clock, the latter undisturbed by other processes on a shared machine).
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "base/fs.h"
#include "base/json.h"
#include "imaging/imaging.h"

namespace fs = std::filesystem;
using namespace openarts;
using namespace openarts::imaging;

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double ThreadCpuMillis() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: features_bench [--threads N] [--min-side N] [--boxes FILE] [--dump FILE] "
               "[--times FILE] [--decode-only] DIR\n");
  std::exit(2);
}

std::string G(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, min_side = 256;
  bool decode_only = false;
  std::string boxes_path, dump_path, times_path, dir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage();
      return argv[++i];
    };
    if (a == "--threads")
      threads = std::max(1, std::atoi(next().c_str()));
    else if (a == "--min-side")
      min_side = std::atoi(next().c_str());
    else if (a == "--boxes")
      boxes_path = next();
    else if (a == "--dump")
      dump_path = next();
    else if (a == "--times")
      times_path = next();
    else if (a == "--decode-only")
      decode_only = true;
    else if (!a.empty() && a[0] != '-' && dir.empty())
      dir = a;
    else
      Usage();
  }
  if (dir.empty()) Usage();
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp")
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::vector<Box>> boxes(files.size());
  if (!boxes_path.empty()) {
    auto text = ReadFile(boxes_path);
    if (!text.ok()) {
      std::fprintf(stderr, "%s\n", text.status().ToString().c_str());
      return 1;
    }
    auto json = ParseJson(*text);
    if (!json.ok() || !json->is_object()) {
      std::fprintf(stderr, "%s: not a JSON object\n", boxes_path.c_str());
      return 1;
    }
    for (size_t i = 0; i < files.size(); ++i) {
      auto it = json->find(files[i].filename().string());
      if (it == json->end()) continue;
      for (const auto& b : *it)
        boxes[i].push_back({b.at(0).get<double>(), b.at(1).get<double>(), b.at(2).get<double>(),
                            b.at(3).get<double>()});
    }
  }

  std::vector<Result<ImageFeatures>> results(files.size(), Status(Code::kInternal, "not run"));
  std::vector<double> millis(files.size(), 0), cpu_millis(files.size(), 0);
  std::vector<size_t> sizes(files.size(), 0);
  std::atomic<size_t> next{0};
  std::atomic<int> errors{0};
  auto process = [&](size_t i) {
    auto bytes = ReadFile(files[i]);
    if (!bytes.ok()) {
      results[i] = bytes.status();
      return;
    }
    sizes[i] = bytes->size();
    if (decode_only) {
      auto img = Decode(*bytes, {.min_side = min_side});
      if (img.ok())
        results[i] = ImageFeatures{};
      else
        results[i] = img.status();
      return;
    }
    results[i] = Analyze(*bytes, boxes[i], {.min_side = min_side});
  };
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < files.size();) {
      const auto start = std::chrono::steady_clock::now();
      const double cpu_start = ThreadCpuMillis();
      process(i);
      cpu_millis[i] = ThreadCpuMillis() - cpu_start;
      millis[i] =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      if (!results[i].ok()) ++errors;
    }
  };
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;

  for (size_t i = 0; i < files.size(); ++i)
    if (!results[i].ok())
      std::fprintf(stderr, "%s: %s\n", files[i].c_str(), results[i].status().ToString().c_str());
  if (!dump_path.empty() && !decode_only) {
    std::FILE* f = std::fopen(dump_path.c_str(), "w");
    if (f == nullptr) {
      std::perror(dump_path.c_str());
      return 1;
    }
    std::fprintf(
        f,
        "file\twidth\theight\tanalysed_width\tanalysed_height\tresolution\taspect_ratio\t"
        "brightness\tsaturation\tcontrast\tblur\tcolorfulness\tbox_count\tbox_area_std\tboxes\n");
    for (size_t i = 0; i < files.size(); ++i) {
      if (!results[i].ok()) continue;
      const ImageFeatures& r = *results[i];
      std::string line = files[i].filename().string();
      for (double v : {double(r.width), double(r.height), double(r.analysed_width),
                       double(r.analysed_height), double(r.resolution), r.aspect_ratio,
                       r.pixels.brightness, r.pixels.saturation, r.pixels.contrast, r.pixels.blur,
                       r.pixels.colorfulness, double(r.box_count), r.box_area_std})
        line += "\t" + G(v);
      line += "\t";
      for (size_t b = 0; b < r.boxes.size(); ++b) {
        const BoxMetrics& m = r.boxes[b];
        line += (b ? " " : "") + G(m.aspect_ratio) + "," + G(m.area_ratio) + "," +
                G(m.marginalization) + "," + G(m.overlap) + "," + G(m.brightness) + "," + G(m.blur);
      }
      std::fprintf(f, "%s\n", line.c_str());
    }
    std::fclose(f);
  }
  if (!times_path.empty()) {
    std::FILE* f = std::fopen(times_path.c_str(), "w");
    if (f == nullptr) {
      std::perror(times_path.c_str());
      return 1;
    }
    for (size_t i = 0; i < files.size(); ++i)
      std::fprintf(f, "%s %zu %.4f %.4f\n", files[i].filename().c_str(), sizes[i], millis[i],
                   cpu_millis[i]);
    std::fclose(f);
  }
  size_t box_total = 0;
  for (const auto& b : boxes) box_total += b.size();
  std::printf(
      "{\"threads\":%d,\"images\":%zu,\"boxes\":%zu,\"min_side\":%d,\"decode_only\":%s,"
      "\"errors\":%d,\"seconds\":%.4f,\"images_per_s\":%.2f,\"images_per_s_per_thread\":%.2f,"
      "\"cpu_seconds\":%.4f,\"images_per_cpu_s\":%.2f}\n",
      threads, files.size(), decode_only ? size_t{0} : box_total, min_side,
      decode_only ? "true" : "false", errors.load(), seconds, files.size() / seconds,
      files.size() / seconds / threads, cpu, cpu > 0 ? files.size() / cpu : 0.0);
  return errors.load() == 0 ? 0 : 1;
}
