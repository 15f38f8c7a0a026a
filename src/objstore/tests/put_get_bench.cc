// Put and Get throughput of the local backend for small (4 KiB) and large (64 MiB) objects.
//   ninja -C build objstore_put_get_bench && build/src/objstore/objstore_put_get_bench
// Every Put is durable (three fsyncs), so the small-object figure is bounded by the disk's
// fsync latency; run it on the disk you mean to measure (TMPDIR).
#include <benchmark/benchmark.h>

#include <cstring>
#include <filesystem>

#include "base/ids.h"
#include "objstore/objstore.h"

namespace openarts::objstore {
namespace {

class RepeatSource final : public ByteSource {
 public:
  explicit RepeatSource(size_t size) : left_(size) {}
  Result<size_t> Read(char* buf, size_t n) override {
    n = std::min(n, left_);
    std::memset(buf, 'b', n);
    left_ -= n;
    return n;
  }

 private:
  size_t left_;
};

struct Env {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("oa-objstore-bench-" + NewId());
  std::unique_ptr<ObjectStore> store;
  Env() {
    store = std::move(*Open({.url = "file://" + dir.string()}));
    (void)store->CreateBucket({.name = "bench"});
  }
  ~Env() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

void BM_Put(benchmark::State& state) {
  Env env;
  const size_t size = static_cast<size_t>(state.range(0));
  int64_t i = 0;
  for (auto _ : state) {
    RepeatSource src(size);
    auto r = env.store->Put("bench", "obj/" + std::to_string(i++ % 64), src);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

void BM_Get(benchmark::State& state) {
  Env env;
  const size_t size = static_cast<size_t>(state.range(0));
  RepeatSource src(size);
  (void)env.store->Put("bench", "obj", src);
  std::vector<char> buf(std::min<size_t>(size, 1 << 20));
  for (auto _ : state) {
    auto h = env.store->Get("bench", "obj");
    if (!h.ok()) state.SkipWithError(h.status().ToString().c_str());
    uint64_t off = 0;
    while (off < size) {
      auto n = h->reader->ReadAt(off, buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
      off += *n;
    }
    benchmark::DoNotOptimize(off);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

BENCHMARK(BM_Put)->Arg(4 << 10)->Arg(64 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Get)->Arg(4 << 10)->Arg(64 << 20)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace openarts::objstore

BENCHMARK_MAIN();
