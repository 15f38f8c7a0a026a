// Names in object storage: bucket-name and object-key rules and obs:// URIs. Pure functions with
// no backend behind them, so ma-cli and every subsystem that takes a storage path share one set
// of rules (library openarts::objstore_names).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace openarts::objstore {

// Bucket names: 3–63 characters, lowercase letters, digits, '-' and '.', starting and ending
// with a letter or digit, not an IP address (S3/OBS rules). The error names the rule broken.
Status ValidateBucketName(std::string_view name);
// Keys: 1–1024 bytes of valid UTF-8, no NUL or control characters, no "." or ".." segment,
// no leading '/', no "//". The error names the rule broken.
Status ValidateObjectKey(std::string_view key);

// obs://bucket/key and s3://bucket/key name the same object. `key` may be empty (a bucket) or
// end in '/' (a prefix). kInvalidArgument naming the problem for anything else.
struct ObsUri {
  std::string bucket;
  std::string key;
  std::string ToString() const;  // "obs://bucket/key"
};
Result<ObsUri> ParseObsUri(std::string_view uri);
bool IsObsUri(std::string_view s);  // starts with obs:// or s3://

}  // namespace openarts::objstore
