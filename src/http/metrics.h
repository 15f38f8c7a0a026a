// Request metrics of the server in Prometheus text format. Recording is lock-free (relaxed
// atomics on fixed slots) because it runs once per request on the network threads; only
// status codes outside the common table take a mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace openarts::http {

class Metrics {
 public:
  // Route slot 0 is "unmatched"; the others are labelled with `routes` in order.
  explicit Metrics(const std::vector<std::string>& routes);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  static constexpr int kUnmatched = 0;

  // Thread-safe. `method` is folded to a fixed set so clients cannot grow the label space.
  void Record(int route, std::string_view method, int status, int64_t nanos);
  void AddInFlight(int64_t delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }
  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  void AddStreams(int64_t delta) { streams_.fetch_add(delta, std::memory_order_relaxed); }
  int64_t streams() const { return streams_.load(std::memory_order_relaxed); }

  std::string Render() const;

 private:
  static constexpr int kMethods = 8;    // GET HEAD POST PUT DELETE PATCH OPTIONS OTHER
  static constexpr int kCodes = 40;     // the common table; the rest go to `rare_`
  static constexpr int kBuckets = 15;   // 14 bounds + Inf

  struct RouteStats {
    std::string label;
    std::array<std::atomic<uint64_t>, kMethods * kCodes> requests{};
    std::array<std::atomic<uint64_t>, kBuckets> buckets{};  // not cumulative
    std::atomic<uint64_t> sum_nanos{0};
    std::atomic<uint64_t> count{0};
  };

  std::vector<std::unique_ptr<RouteStats>> routes_;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> streams_{0};
  mutable std::mutex rare_mu_;
  // (route, method, code) → count, for codes outside the table.
  std::map<std::tuple<int, int, int>, uint64_t> rare_;
};

}  // namespace openarts::http
