// libFuzzer target: the AK/SK Authorization header and the canonical request are built from
// attacker-controlled bytes on every signed call. Parsing must never crash, and a header the
// parser accepts must describe what was signed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/sdk_hmac.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace openarts::sdk_hmac;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseAuthorization(in);
  if (parsed.ok()) {
    if (parsed->access_key.empty() || parsed->signature.size() != 64) std::abort();
  }
  // The same bytes as path, query and a header value of a request to sign.
  auto q = in.find('?');
  SignInput req;
  req.method = "PUT";
  req.raw_path = std::string(in.substr(0, q));
  req.raw_query = q == std::string_view::npos ? "" : std::string(in.substr(q + 1));
  req.headers = {{"Host", "h"}, {"X-Sdk-Date", "20260101T000000Z"}, {"X-Custom", std::string(in)}};
  req.body_sha256_hex = std::string(kUnsignedPayload);
  std::vector<std::string> signed_headers = {"host", "x-custom", "x-sdk-date"};
  std::string canonical = CanonicalRequest(req, signed_headers);
  // Signing twice gives the same header: canonicalisation is deterministic.
  if (Authorization("AK", "SK", req, signed_headers) != Authorization("AK", "SK", req, signed_headers)) {
    std::abort();
  }
  (void)canonical;
  return 0;
}
