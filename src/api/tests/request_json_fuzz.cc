// libFuzzer target: arbitrary bytes into every request-body decoder of api/. They must return
// (OK or kInvalidArgument), never crash, hang or throw. Links base + api_decode only.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace openarts::api;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)DecodeTokenRequest(body);
  (void)DecodeUserCreate(body);
  (void)DecodeUserPatch(body);
  (void)DecodeGroupCreate(body);
  (void)DecodeGroupPatch(body);
  (void)DecodeCredentialCreate(body);
  (void)DecodeWorkspaceCreate(body);
  (void)DecodeWorkspaceUpdate(body);
  (void)DecodeQuotaUpdate(body);
  (void)DecodeBucketCreate(body);
  (void)DecodeBase64(body, "fuzz");
  return 0;
}
