// objstore: object storage for datasets, checkpoints, logs and traces — buckets of immutable
// objects addressed by key, as in S3/OBS. The local backend keeps everything under one
// directory; an S3-compatible backend will drive an external service through the same interface.
//
// Durability: Put writes to a temporary file, fsyncs and renames, then records the object; an
// object is visible only once complete and stays visible once Put returned OK.
// Thread-safe: every method may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/io.h"
#include "base/status.h"
#include "objstore/names.h"

namespace openarts::objstore {

struct BucketInfo {
  std::string name;
  std::string workspace_id = "0";  // the workspace that owns the bucket
  std::string owner;               // user id of the creator
  int64_t create_time = 0;         // ms
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  uint64_t size = 0;
  std::string etag;            // lowercase hex MD5 of the content (as S3 for a single PUT)
  int64_t last_modified = 0;   // ms
  std::string content_type;    // "application/octet-stream" unless given
};

struct PutOptions {
  std::string content_type;
  std::optional<std::string> expected_md5_hex;  // kInvalidArgument ("Content-MD5 mismatch") if differs
  std::optional<uint64_t> expected_size;        // kInvalidArgument if the source is shorter/longer
  uint64_t max_size = 5ull << 30;               // kResourceExhausted beyond
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;   // "" or "/" (any single string is accepted)
  std::string marker;      // list keys strictly after this one
  int max_keys = 1000;     // 1..1000
};

struct ListResult {
  std::vector<ObjectInfo> objects;          // ascending by key (bytewise)
  std::vector<std::string> common_prefixes; // with delimiter: "dir/" groups, ascending
  bool is_truncated = false;
  std::string next_marker;  // pass as marker to continue when truncated
};

// An open object: its info and a reader over exactly its bytes at the time of opening (a later
// overwrite or delete does not change what this reader returns).
struct ObjectHandle {
  ObjectInfo info;
  std::shared_ptr<const RandomReader> reader;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // kInvalidArgument for a bad name (see ValidateBucketName), kAlreadyExists if present.
  virtual Result<BucketInfo> CreateBucket(const BucketInfo& bucket) = 0;
  virtual Result<BucketInfo> GetBucket(std::string_view name) = 0;  // kNotFound
  virtual Result<std::vector<BucketInfo>> ListBuckets() = 0;       // ascending by name
  // kNotFound; kFailedPrecondition "bucket 'x' is not empty" if it holds objects.
  virtual Status DeleteBucket(std::string_view name) = 0;

  // Streams `source` into bucket/key, replacing any previous object atomically.
  // kNotFound if the bucket does not exist; kInvalidArgument for a bad key.
  virtual Result<ObjectInfo> Put(std::string_view bucket, std::string_view key,
                                 ByteSource& source, const PutOptions& options = {}) = 0;
  virtual Result<ObjectHandle> Get(std::string_view bucket, std::string_view key) = 0;  // kNotFound
  virtual Result<ObjectInfo> Head(std::string_view bucket, std::string_view key) = 0;   // kNotFound
  virtual Result<ListResult> List(std::string_view bucket, const ListOptions& options) = 0;
  // kNotFound if the object does not exist.
  virtual Status Delete(std::string_view bucket, std::string_view key) = 0;
  // Server-side copy; the destination gets the source's content, etag and content type.
  virtual Result<ObjectInfo> Copy(std::string_view src_bucket, std::string_view src_key,
                                  std::string_view dst_bucket, std::string_view dst_key) = 0;
};

struct Options {
  // "file:///abs/dir" — the local backend rooted at that directory.
  std::string url;
  // Source of create_time and last_modified; SystemClock() when null. Not owned; must outlive
  // the store. (Added so tests can pin timestamps.)
  Clock* clock = nullptr;
};
// kInvalidArgument for an unknown scheme; kUnavailable if the directory cannot be used.
Result<std::unique_ptr<ObjectStore>> Open(const Options& options);

}  // namespace openarts::objstore
