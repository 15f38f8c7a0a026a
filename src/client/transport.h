// One HTTP exchange over a reusable curl easy handle: bodies from memory or streamed from a
// file, responses into memory or streamed into a file descriptor. Knows nothing about auth or
// the API; Client adds those. Not thread-safe (one Transport per thread).
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/crypto.h"
#include "base/status.h"
#include "client/client.h"

namespace openarts::client::internal {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // full, already percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;       // sent when upload_fd < 0 (and method is not GET/HEAD/DELETE-empty)
  int upload_fd = -1;     // stream the body from here (rewound to 0 before each attempt)
  uint64_t upload_size = 0;
  int download_fd = -1;   // 2xx bodies go here instead of HttpResponse::body
  Hasher* download_md5 = nullptr;  // fed with every byte written to download_fd
  bool streaming = false;  // no total timeout (transfers), only the stall timeout
  const ProgressFn* progress = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; last value wins
  std::string body;                            // error bodies always land here
  uint64_t downloaded = 0;                     // bytes written to download_fd

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class Transport {
 public:
  explicit Transport(const Options& options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Returns the response whatever its HTTP status; an error only when no response came
  // (kUnavailable naming the URL, kDeadlineExceeded on timeouts) or a local file failed.
  Result<HttpResponse> Perform(const HttpRequest& request);

 private:
  const Options& options_;
  CURL* curl_;
};

}  // namespace openarts::client::internal
