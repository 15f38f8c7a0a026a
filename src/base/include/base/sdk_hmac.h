// SDK-HMAC-SHA256, the Huawei API-gateway request signature used with AK/SK (docs/auth.md).
// Pure functions shared by the server (verification) and ma-cli (signing).
//
//   CanonicalRequest = Method \n CanonicalURI (ends with "/") \n CanonicalQueryString \n
//                      CanonicalHeaders \n SignedHeaders \n HexEncode(SHA256(body))
//   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n HexEncode(SHA256(CanonicalRequest))
//   Signature        = HexEncode(HMAC-SHA256(SK, StringToSign))
//   Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace openarts::sdk_hmac {

inline constexpr std::string_view kAlgorithm = "SDK-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SignInput {
  std::string method;
  std::string raw_path;   // percent-encoded as sent, without the query
  std::string raw_query;  // percent-encoded as sent, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // as sent (any case)
  std::string body_sha256_hex;  // or kUnsignedPayload
};

// `signed_headers`: lowercase names, sorted. Headers listed but missing sign as empty values.
std::string CanonicalRequest(const SignInput& in, const std::vector<std::string>& signed_headers);
std::string StringToSign(std::string_view sdk_date, std::string_view canonical_request);
std::string Signature(std::string_view secret_key, std::string_view string_to_sign);

// Signs: computes the signature over `signed_headers` (which must include "x-sdk-date" and be
// present in in.headers) and returns the Authorization header value.
std::string Authorization(std::string_view access_key, std::string_view secret_key,
                          const SignInput& in, const std::vector<std::string>& signed_headers);

struct ParsedAuthorization {
  std::string access_key;
  std::vector<std::string> signed_headers;
  std::string signature;
};
// kUnauthenticated with a message saying what is malformed.
Result<ParsedAuthorization> ParseAuthorization(std::string_view header);

}  // namespace openarts::sdk_hmac
