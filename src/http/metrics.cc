#include "metrics.h"

#include <fmt/format.h>

#include <tuple>

namespace openarts::http {

namespace {

constexpr std::string_view kMethodNames[] = {"GET",   "HEAD",    "POST", "PUT",
                                             "DELETE", "PATCH", "OPTIONS", "OTHER"};

// Status codes the server and api/ actually produce; index = slot.
constexpr int kCodeTable[] = {100, 101, 200, 201, 202, 203, 204, 206, 301, 302, 303, 304, 307, 308,
                              400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415,
                              416, 417, 422, 429, 431, 499, 500, 501, 502, 503, 504, 505};
static_assert(std::size(kCodeTable) == 40);

constexpr double kBounds[] = {.0005, .001, .0025, .005, .01, .025, .05,
                              .1,    .25,  .5,    1,    2.5,  5,   10};
constexpr std::string_view kBoundLabels[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                             "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                             "1",      "2.5",   "5",      "10",    "+Inf"};

int MethodSlot(std::string_view m) {
  for (int i = 0; i < 7; ++i)
    if (kMethodNames[i] == m) return i;
  return 7;
}

int CodeSlot(int code) {
  // A 40-entry scan is cheaper than the cache miss of a 500-entry lookup table.
  for (int i = 0; i < 40; ++i)
    if (kCodeTable[i] == code) return i;
  return -1;
}

// Prometheus label values escape backslash, quote and newline.
std::string EscapeLabel(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Metrics::Metrics(const std::vector<std::string>& routes) {
  routes_.push_back(std::make_unique<RouteStats>());
  routes_.back()->label = "unmatched";
  for (const auto& r : routes) {
    routes_.push_back(std::make_unique<RouteStats>());
    routes_.back()->label = EscapeLabel(r);
  }
}

void Metrics::Record(int route, std::string_view method, int status, int64_t nanos) {
  if (route < 0 || route >= static_cast<int>(routes_.size())) route = kUnmatched;
  RouteStats& rs = *routes_[route];
  int m = MethodSlot(method);
  int c = CodeSlot(status);
  if (c >= 0) {
    rs.requests[m * kCodes + c].fetch_add(1, std::memory_order_relaxed);
  } else {
    std::lock_guard lock(rare_mu_);
    ++rare_[{route, m, status}];
  }
  double seconds = static_cast<double>(nanos) * 1e-9;
  int b = 0;
  while (b < kBuckets - 1 && seconds > kBounds[b]) ++b;
  rs.buckets[b].fetch_add(1, std::memory_order_relaxed);
  rs.sum_nanos.fetch_add(static_cast<uint64_t>(nanos < 0 ? 0 : nanos), std::memory_order_relaxed);
  rs.count.fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(4096);
  auto it = std::back_inserter(out);
  out +=
      "# HELP openarts_http_requests_total HTTP requests served, by route pattern, method and "
      "status code.\n"
      "# TYPE openarts_http_requests_total counter\n";
  std::map<std::tuple<int, int, int>, uint64_t> rare;
  {
    std::lock_guard lock(rare_mu_);
    rare = rare_;
  }
  for (size_t r = 0; r < routes_.size(); ++r) {
    const RouteStats& rs = *routes_[r];
    for (int m = 0; m < kMethods; ++m) {
      for (int c = 0; c < kCodes; ++c) {
        uint64_t v = rs.requests[m * kCodes + c].load(std::memory_order_relaxed);
        if (v == 0) continue;
        fmt::format_to(it, "openarts_http_requests_total{{route=\"{}\",method=\"{}\",code=\"{}\"}} {}\n",
                       rs.label, kMethodNames[m], kCodeTable[c], v);
      }
    }
  }
  for (const auto& [key, v] : rare) {
    auto [r, m, code] = key;
    fmt::format_to(it, "openarts_http_requests_total{{route=\"{}\",method=\"{}\",code=\"{}\"}} {}\n",
                   routes_[r]->label, kMethodNames[m], code, v);
  }
  out +=
      "# HELP openarts_http_request_duration_seconds Time from request header to response sent, "
      "by route pattern.\n"
      "# TYPE openarts_http_request_duration_seconds histogram\n";
  for (const auto& rsp : routes_) {
    const RouteStats& rs = *rsp;
    uint64_t count = rs.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    uint64_t cumulative = 0;
    for (int b = 0; b < kBuckets; ++b) {
      cumulative += rs.buckets[b].load(std::memory_order_relaxed);
      fmt::format_to(it, "openarts_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                     rs.label, kBoundLabels[b], cumulative);
    }
    fmt::format_to(it, "openarts_http_request_duration_seconds_sum{{route=\"{}\"}} {:.9f}\n", rs.label,
                   static_cast<double>(rs.sum_nanos.load(std::memory_order_relaxed)) * 1e-9);
    // The buckets were read one by one while requests kept landing; report the count the
    // buckets add up to so +Inf == _count, as scrapers expect.
    fmt::format_to(it, "openarts_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", rs.label,
                   cumulative);
  }
  out +=
      "# HELP openarts_http_in_flight Requests being handled now.\n"
      "# TYPE openarts_http_in_flight gauge\n";
  fmt::format_to(it, "openarts_http_in_flight {}\n", in_flight());
  out +=
      "# HELP openarts_http_streams Streaming responses (live logs, events) open now.\n"
      "# TYPE openarts_http_streams gauge\n";
  fmt::format_to(it, "openarts_http_streams {}\n", streams());
  return out;
}

}  // namespace openarts::http
