// The factory: picks a backend from the URL scheme.
#include "objstore/objstore.h"

#include "base/encoding.h"
#include "fs_store.h"

namespace openarts::objstore {

namespace {

// "file:///abs/dir" or "file://localhost/abs/dir", percent-escapes decoded (RFC 8089).
Result<std::filesystem::path> FileUrlPath(std::string_view url) {
  std::string_view rest = url.substr(7);  // after "file://"
  if (rest.starts_with("localhost/")) rest.remove_prefix(9);
  if (!rest.starts_with("/")) {
    return InvalidArgument("object store URL '" + std::string(url) +
                           "' must name an absolute local directory, like file:///var/lib/openarts/objects");
  }
  auto path = PercentDecode(rest);
  if (!path.ok() || path->find('\0') != std::string::npos) {
    return InvalidArgument("object store URL '" + std::string(url) +
                           "' has a bad percent-escape; write '%' as %25");
  }
  return std::filesystem::path(*path).lexically_normal();
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> Open(const Options& options) {
  const std::string& url = options.url;
  Clock& clock = options.clock ? *options.clock : SystemClock();
  if (url.starts_with("file://")) {
    OA_ASSIGN_OR_RETURN(auto root, FileUrlPath(url));
    return FsStore::Open(root, clock);
  }
  if (url.starts_with("s3://") || url.starts_with("http://") || url.starts_with("https://")) {
    return InvalidArgument("object store URL '" + url +
                           "': the S3-compatible backend is not available in this build; use "
                           "file:///absolute/dir");
  }
  return InvalidArgument("object store URL '" + url +
                         "' has an unknown scheme; use file:///absolute/dir");
}

}  // namespace openarts::objstore
