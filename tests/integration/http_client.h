// A small blocking libcurl client for the integration tests: one request, whole response.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/json.h"

namespace openarts::testing {

struct CaseLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct HttpResponse {
  long status = 0;             // 0 when the transfer failed (see error)
  std::string error;           // curl's message when the transfer failed
  std::map<std::string, std::string, CaseLess> headers;
  std::string body;
  Json json() const;           // the body parsed; null when not JSON
  std::string Header(const std::string& name) const;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Produces the next piece of a streamed upload into `buf` (at most `n` bytes); returns the count,
// 0 at the end. May sleep (slow senders).
using BodyProducer = std::function<size_t(char* buf, size_t n)>;

class HttpClient {
 public:
  explicit HttpClient(std::string base_url) : base_(std::move(base_url)) {}
  const std::string& base() const { return base_; }
  // `target`: path and query, already percent-encoded.
  HttpResponse Do(const std::string& method, const std::string& target,
                  const HeaderList& headers = {}, const std::string& body = {}) const;
  // PUT of `size` bytes pulled from `producer`.
  HttpResponse Upload(const std::string& target, const HeaderList& headers, uint64_t size,
                      BodyProducer producer, int timeout_s = 120) const;

 private:
  std::string base_;
};

std::string HexMd5(const std::string& data);

}  // namespace openarts::testing
