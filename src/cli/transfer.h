// obs-copy: plans a copy (local → obs, obs → local, obs → obs) as a list of per-object items,
// then runs them on N workers, each with its own Client (own connection). An item whose
// destination already holds the same bytes (same size and MD5 = ETag) is skipped, so running
// an interrupted copy again finishes it without resending what arrived.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "args.h"
#include "base/status.h"
#include "client/client.h"

namespace openarts::cli {

// True when a destination of `dst_size` bytes with ETag `dst_etag` already holds the source
// (`src_size` bytes with MD5 / ETag `src_md5`): sizes equal and both hashes are the same
// 32-hex MD5 (case and quotes ignored). Anything else — a multipart ETag, an empty hash — is
// not known to be identical and is copied again.
bool SameContent(uint64_t src_size, std::string_view src_md5, uint64_t dst_size, std::string_view dst_etag);

struct CopyItem {
  enum class Kind { kUpload, kDownload, kServerCopy, kMakeDir };
  Kind kind = Kind::kUpload;
  std::filesystem::path local;           // upload source / download destination
  std::string src_bucket, src_key;       // download / server copy
  std::string dst_bucket, dst_key;       // upload / server copy
  uint64_t size = 0;                     // bytes to move (known at plan time)
  std::string src_etag;                  // download / server copy
  std::optional<client::ObjectInfo> existing;  // what the destination holds (upload / copy)

  std::string Source() const;
  std::string Destination() const;
};

struct CopyPlan {
  std::vector<CopyItem> items;
  uint64_t total_bytes = 0;
};

// Resolves SRC and DST (strings as typed) into items. kInvalidArgument when neither or both
// sides are local, for a directory without `recursive`, or for an object key that would escape
// the destination directory; kNotFound when the source does not exist.
Result<CopyPlan> PlanCopy(client::Client& c, const std::string& src, const std::string& dst, bool recursive);

struct CopyFailure {
  std::string source, destination, error;
};
struct CopyReport {
  uint64_t succeeded = 0, failed = 0, skipped = 0;
  uint64_t bytes_transferred = 0;  // not counting skipped items
  double seconds = 0;
  std::vector<CopyFailure> failures;  // in item order
};

struct RunOptions {
  int jobs = 4;
  bool progress = false;  // draw a progress line on stderr
};
// Runs every item; never stops at the first failure (the report lists them).
CopyReport RunCopy(const std::shared_ptr<client::Session>& session, const CopyPlan& plan,
                   const RunOptions& options);

// Runs `fn(client, index)` for i in [0, n) on `jobs` threads, one Client each.
void ParallelFor(const std::shared_ptr<client::Session>& session, size_t n, int jobs,
                 const std::function<void(client::Client&, size_t)>& fn);

}  // namespace openarts::cli
