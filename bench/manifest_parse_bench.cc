// Manifest reader and writer throughput (spec/data.md §4) on the import/export workload: 1,000,000
// generated lines (MANIFEST_BENCH_LINES overrides) of three shapes, ~200 bytes each:
//   cls   image classification: source, usage, id, one annotation {type, name, annotated-by,
//         creation-time} (the importer's target: 1M lines into SQLite in < 3 s on 2 cores)
//   det   object detection: the annotation has annotation-loc and annotation-format instead
//   text  text_entity: a content:// source, two annotations with an object `property`
// Baseline in the same run: nlohmann::json::parse of every line, which is what the reader cost
// before simdjson (the rest of the old reader came on top of it).
//
//   manifest_parse_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Items are lines: items_per_second is lines/s. Each iteration covers the whole text; freeing the
// parsed samples is not timed.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "base/json.h"
#include "formats/manifest.h"

namespace openarts::formats {
namespace {

enum Shape { kCls = 0, kDet = 1, kText = 2 };

int64_t LineCount() {
  const char* env = std::getenv("MANIFEST_BENCH_LINES");
  return env ? std::atoll(env) : 1'000'000;
}

std::string Hex32(uint64_t i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(i * 0x9E3779B97F4A7C15ull),
                static_cast<unsigned long long>(i));
  return buf;
}

std::string MakeLine(Shape shape, int64_t i) {
  static const char* kUsage[] = {"TRAIN", "EVAL", "TEST", "TRAIN"};
  static const char* kNames[] = {"sunflowers", "roses", "tulips", "daisy", "dandelion", "向日葵"};
  const std::string n = std::to_string(i);
  std::string s;
  switch (shape) {
    case kCls:
      s = R"({"source":"s3://bucket/flowers/train/img_)" + n + R"(.jpg","usage":")" +
          kUsage[i % 4] + R"(","id":")" + Hex32(i) +
          R"(","annotation":[{"type":"modelarts/image_classification","name":")" +
          kNames[i % 6] + R"(","annotated-by":"human","creation-time":"2019-03-30 17:22:31"}]})";
      break;
    case kDet:
      s = R"({"source":"s3://bucket/det/images/img_)" + n + R"(.jpg","usage":")" + kUsage[i % 4] +
          R"(","id":")" + Hex32(i) +
          R"(","annotation":[{"type":"modelarts/object_detection","annotation-loc":"s3://bucket/det/voc/img_)" +
          n + R"(.xml","annotation-format":"PASCAL VOC","annotated-by":"human","creation-time":"2019-01-23 11:30:30"}]})";
      break;
    case kText:
      s = R"({"source":"content://Michael Jordan is the most famous basketball player )" + n +
          R"(","usage":"TRAIN","id":")" + Hex32(i) + "." + std::string(9 - std::min<size_t>(9, n.size()), '0') + n +
          R"(","annotation":[{"type":"modelarts/text_entity","name":"Person","property":{"@modelarts:start_index":0,"@modelarts:end_index":14}},)"
          R"({"type":"modelarts/text_entity","name":"Category","property":{"@modelarts:start_index":34,"@modelarts:end_index":44}}]})";
      break;
  }
  return s;
}

const std::string& Text(Shape shape) {
  static std::string texts[3];
  std::string& t = texts[shape];
  if (t.empty()) {
    const int64_t n = LineCount();
    for (int64_t i = 0; i < n; ++i) {
      t += MakeLine(shape, i);
      t += '\n';
    }
  }
  return t;
}

void Count(benchmark::State& state, Shape shape) {
  state.SetItemsProcessed(state.iterations() * LineCount());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(Text(shape).size()));
}

const ManifestOptions kOptions{.base_uri = "s3://bucket/manifests/"};

void BM_ParseLenient(benchmark::State& state) {
  const Shape shape = static_cast<Shape>(state.range(0));
  const std::string& text = Text(shape);
  for (auto _ : state) {
    ManifestParse parsed = ParseManifestLenient(text, "bench.manifest", kOptions);
    if (static_cast<int64_t>(parsed.samples.size()) != LineCount()) state.SkipWithError("lines lost");
    state.PauseTiming();
    parsed = {};
    state.ResumeTiming();
  }
  Count(state, shape);
}
BENCHMARK(BM_ParseLenient)->ArgName("shape")->DenseRange(kCls, kText)->Unit(benchmark::kMillisecond);

// What the importer does: cut the text into ~4 MiB runs of whole lines and parse them one after
// the other (`threads` = 1) or two at a time, dropping each chunk's samples once parsed. Timed
// in full (parse and free); wall-clock time.
struct Chunk {
  std::string_view text;
  int64_t first_line;
};

std::vector<Chunk> Chunks(std::string_view text) {
  std::vector<Chunk> chunks;
  int64_t line = 1;
  while (!text.empty()) {
    size_t cut = text.find('\n', std::min(text.size(), size_t{4} << 20));
    cut = cut == std::string_view::npos ? text.size() : cut + 1;
    chunks.push_back({text.substr(0, cut), line});
    line += std::count(text.begin(), text.begin() + cut, '\n');
    text.remove_prefix(cut);
  }
  return chunks;
}

void BM_ParseChunks(benchmark::State& state) {
  const Shape shape = static_cast<Shape>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const std::vector<Chunk> chunks = Chunks(Text(shape));
  for (auto _ : state) {
    std::vector<int64_t> parsed(threads);
    auto work = [&](int t) {
      for (size_t i = t; i < chunks.size(); i += threads)
        parsed[t] += ParseManifestChunk(chunks[i].text, "bench.manifest", chunks[i].first_line,
                                        kOptions).samples.size();
    };
    std::vector<std::thread> others;
    for (int t = 1; t < threads; ++t) others.emplace_back(work, t);
    work(0);
    for (auto& t : others) t.join();
    if (std::accumulate(parsed.begin(), parsed.end(), int64_t{0}) != LineCount())
      state.SkipWithError("lines lost");
  }
  Count(state, shape);
}
BENCHMARK(BM_ParseChunks)
    ->ArgNames({"shape", "threads"})
    ->ArgsProduct({{kCls, kDet, kText}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_WriteManifest(benchmark::State& state) {
  const Shape shape = static_cast<Shape>(state.range(0));
  const std::vector<ManifestSample> samples = ParseManifestLenient(Text(shape), "b", kOptions).samples;
  for (auto _ : state) {
    std::string out = WriteManifest(samples);
    benchmark::DoNotOptimize(out.data());
  }
  Count(state, shape);
}
BENCHMARK(BM_WriteManifest)->ArgName("shape")->DenseRange(kCls, kText)->Unit(benchmark::kMillisecond);

// Export streams line by line.
void BM_WriteManifestLine(benchmark::State& state) {
  const Shape shape = static_cast<Shape>(state.range(0));
  const std::vector<ManifestSample> samples = ParseManifestLenient(Text(shape), "b", kOptions).samples;
  for (auto _ : state) {
    size_t bytes = 0;
    for (const auto& s : samples) bytes += WriteManifestLine(s).size();
    benchmark::DoNotOptimize(bytes);
  }
  Count(state, shape);
}
BENCHMARK(BM_WriteManifestLine)->ArgName("shape")->DenseRange(kCls, kText)->Unit(benchmark::kMillisecond);

// Baseline: the JSON parse alone of the old reader, one nlohmann::json per line.
void BM_BaselineNlohmannParse(benchmark::State& state) {
  const Shape shape = static_cast<Shape>(state.range(0));
  const std::string_view text = Text(shape);
  for (auto _ : state) {
    size_t objects = 0;
    for (size_t pos = 0; pos < text.size();) {
      size_t nl = text.find('\n', pos);
      Json j = Json::parse(text.substr(pos, nl - pos), nullptr, /*allow_exceptions=*/false);
      objects += j.is_object();
      pos = nl + 1;
    }
    benchmark::DoNotOptimize(objects);
  }
  Count(state, shape);
}
BENCHMARK(BM_BaselineNlohmannParse)->ArgName("shape")->DenseRange(kCls, kText)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace openarts::formats

BENCHMARK_MAIN();
