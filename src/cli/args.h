// Pure argument helpers: obs:// URIs and the en-dash trap.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace openarts::cli {

// obs://bucket/key and s3://bucket/key name the same object. `key` is "" for a bucket and ends
// in '/' for a prefix ("directory").
struct ObsPath {
  std::string bucket;
  std::string key;

  bool is_bucket() const { return key.empty(); }
  bool is_prefix() const { return key.empty() || key.back() == '/'; }
  std::string ToString() const { return "obs://" + bucket + (key.empty() ? "" : "/" + key); }
};

bool IsObsUri(std::string_view s);  // starts with obs:// or s3:// (any case)
// kInvalidArgument naming the problem: no bucket, a bucket name that breaks the S3 rules,
// "//" or a "." / ".." segment in the key. objstore's own rules (objstore/names.h).
Result<ObsPath> ParseObsPath(std::string_view uri);

// Manuals and chat apps turn "-r" into "–r" (U+2013) or "—r" (U+2014); shells pass them on as
// plain words and the copy then fails far from the cause. kInvalidArgument with the fix for the
// first such argument.
Status CheckDashes(int argc, const char* const* argv);

}  // namespace openarts::cli
