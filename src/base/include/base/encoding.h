// Text encodings of bytes shared by the server, the client and request signing: RFC 3986
// percent-encoding and RFC 4648 base64. (Hex lives in crypto.h beside the digests.)
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace openarts {

// Encodes every byte outside the RFC 3986 unreserved set (A-Z a-z 0-9 - _ . ~) as %XX
// (uppercase hex); '/' is kept when `keep_slash` (object keys in paths).
std::string PercentEncode(std::string_view s, bool keep_slash = false);
// kInvalidArgument naming the offset when a '%' is not followed by two hex digits.
// `plus_is_space`: form/query decoding, where '+' means ' '.
Result<std::string> PercentDecode(std::string_view s, bool plus_is_space = false);
// Never fails: a '%' not followed by two hex digits stays literal. For canonical forms (request
// signing) that must be deterministic even for malformed input.
std::string PercentDecodeLenient(std::string_view s);

// Standard alphabet with '=' padding.
std::string Base64Encode(std::string_view raw);
// Strict: standard alphabet, padded, no whitespace. kInvalidArgument otherwise.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace openarts
