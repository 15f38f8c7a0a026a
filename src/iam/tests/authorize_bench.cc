// Hot paths of every request: ValidateToken (token → principal) and Authorize (policy AND
// workspace ACL), both served from memory. Spec targets: validation ≤ 20 µs, Authorize ≤ 10 µs.
//   ninja -C build authorize_bench && build/src/iam/authorize_bench
#include <benchmark/benchmark.h>

#include <memory>

#include "base/crypto.h"
#include "base/log.h"
#include "base/sdk_hmac.h"
#include "iam/testing/iam_env.h"

namespace openarts::iam {
namespace {

struct Fixture {
  testing::IamEnv env;
  std::string token;
  Principal dev;
  std::string workspace_id;
  Credential cred;

  Fixture() {
    auto u = env.iam().CreateUser(User{.name = "dev"}, "password-123");
    OA_CHECK(u.ok());
    dev = env.As(*u);
    auto role = env.iam().GetRole("ModelArts CommonOperations");
    OA_CHECK(env.iam().BindRole(env.project().id, "user", u->id, role->id).ok());
    auto ws = env.iam().CreateWorkspace(
        env.admin(), WorkspaceSpec{.name = "bench-ws", .auth_type = AuthType::kInternal,
                                   .grants = std::vector{u->id}});
    OA_CHECK(ws.ok());
    workspace_id = ws->id;
    auto tok = env.iam().IssueToken("dev", "password-123", "local");
    OA_CHECK(tok.ok());
    token = tok->token;
    auto c = env.iam().CreateCredential(u->id, "bench");
    OA_CHECK(c.ok());
    cred = *c;
  }
};

Fixture& F() {
  static auto* f = new Fixture();  // leaked: benchmarks share one bootstrapped installation
  return *f;
}

void BM_ValidateToken(benchmark::State& state) {
  auto& f = F();
  for (auto _ : state) {
    auto p = f.env.iam().ValidateToken(f.token);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_ValidateToken);

void BM_AuthorizeAllow(benchmark::State& state) {
  auto& f = F();
  for (auto _ : state) {
    Status s = f.env.iam().Authorize(f.dev, "modelarts:trainJob:create", f.workspace_id);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_AuthorizeAllow);

void BM_AuthorizeExplicitDeny(benchmark::State& state) {
  auto& f = F();
  spdlog::set_level(spdlog::level::warn);  // denials log at info; measure the decision itself
  for (auto _ : state) {
    Status s = f.env.iam().Authorize(f.dev, "modelarts:pool:create", f.workspace_id);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_AuthorizeExplicitDeny);

void BM_VerifySignature(benchmark::State& state) {
  auto& f = F();
  sdk_hmac::SignInput in{"GET", "/v1/" + f.env.project().id + "/workspaces", "limit=10",
                         {{"Host", "localhost"},
                          {"X-Sdk-Date", FormatSdkDate(f.env.clock().NowMillis())}},
                         HexEncode(Sha256(""))};
  SignedRequest req{in.method, in.raw_path, in.raw_query, in.headers, in.body_sha256_hex};
  req.headers.emplace_back("Authorization", sdk_hmac::Authorization(f.cred.access_key,
                                                                    f.cred.secret, in,
                                                                    {"host", "x-sdk-date"}));
  for (auto _ : state) {
    auto p = f.env.iam().VerifySignature(req);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_VerifySignature);

}  // namespace
}  // namespace openarts::iam

BENCHMARK_MAIN();
