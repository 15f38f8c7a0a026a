// libFuzzer target: the parts of a request that come straight from the network before any
// handler runs — the path (router match + percent-decoding of parameters), the query and the
// Range header. They must never crash, and their results must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/http.h"

namespace {

const openarts::http::Router& TheRouter() {
  static const openarts::http::Router* router = [] {
    auto* r = new openarts::http::Router();
    auto nop = [](openarts::http::Request&, openarts::http::Response&) {};
    r->Add("GET", "/healthz", nop);
    r->Add("GET", "/v1/{project_id}/buckets", nop);
    r->Add("GET", "/v1/{project_id}/buckets/{bucket}", nop);
    r->Add("PUT", "/v1/{project_id}/buckets/{bucket}/objects/{key+}", nop);
    r->Add("GET", "/v1/{project_id}/buckets/{bucket}/objects/{key+}", nop);
    r->Add("GET", "/v1/{project_id}/workspaces/{workspace_id}/quotas", nop);
    r->Add("POST", "/v3/auth/tokens", nop);
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // First line: a path; second line: a Range header; the size for the range is the input size.
  auto nl = in.find('\n');
  std::string_view path = in.substr(0, nl);
  std::string_view range = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  for (const char* method : {"GET", "PUT", "HEAD", "DELETE"}) {
    auto m = TheRouter().Find(method, path);
    if (m.handler && !m.path_matched) std::abort();  // a match is always on a known path
    (void)TheRouter().AllowedMethods(path);
  }
  (void)openarts::http::PercentDecode(path, /*plus_is_space=*/true);

  const uint64_t object_size = size * 7;
  auto r = openarts::http::ParseRange(range, object_size);
  if (r.ok() && r->has_value()) {
    const auto& br = **r;
    // A satisfiable range lies inside the object and is not empty.
    if (br.length == 0 || br.offset >= object_size || br.offset + br.length > object_size) {
      std::abort();
    }
  }
  return 0;
}
