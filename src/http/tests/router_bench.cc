// Routing and helper costs on the request hot path.
#include <benchmark/benchmark.h>

#include "http/http.h"

namespace openarts::http {
namespace {

Router MakeRouter() {
  Router r;
  auto h = [](Request&, Response&) {};
  for (const char* res : {"workspaces", "datasets", "training-jobs", "notebooks", "services", "tasks"}) {
    r.Add("GET", std::string("/v1/{project_id}/") + res, h);
    r.Add("POST", std::string("/v1/{project_id}/") + res, h);
    r.Add("GET", std::string("/v1/{project_id}/") + res + "/{id}", h);
    r.Add("DELETE", std::string("/v1/{project_id}/") + res + "/{id}", h);
  }
  r.Add("GET", "/v1/{project_id}/buckets/{bucket}/objects/{key+}", h);
  r.Add("PUT", "/v1/{project_id}/buckets/{bucket}/objects/{key+}", h, {.stream_body = true});
  r.Add("GET", "/v3/users/{user_id}", h);
  return r;
}

void BM_FindParam(benchmark::State& state) {
  Router r = MakeRouter();
  for (auto _ : state) {
    auto m = r.Find("GET", "/v1/0123456789abcdef0123456789abcdef/tasks/0123456789abcdef0123456789abcdef");
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_FindParam);

void BM_FindGreedy(benchmark::State& state) {
  Router r = MakeRouter();
  for (auto _ : state) {
    auto m = r.Find("GET", "/v1/p/buckets/data/objects/images/train/000123.jpg");
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_FindGreedy);

void BM_FindMiss(benchmark::State& state) {
  Router r = MakeRouter();
  for (auto _ : state) {
    auto m = r.Find("GET", "/v2/p/unknown/thing");
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_FindMiss);

void BM_PercentDecode(benchmark::State& state) {
  for (auto _ : state) {
    auto d = PercentDecode("/v1/p/buckets/data/objects/images%2Ftrain/000%20123.jpg");
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_PercentDecode);

}  // namespace
}  // namespace openarts::http

BENCHMARK_MAIN();
