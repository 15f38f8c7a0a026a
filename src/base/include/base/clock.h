// Time for the whole platform. Code takes a Clock& so tests can inject a FakeClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace openarts {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch (ModelArts timestamps are ms).
  virtual int64_t NowMillis() const = 0;
  int64_t NowSeconds() const { return NowMillis() / 1000; }
};

// The real wall clock. Thread-safe; a process-wide instance.
Clock& SystemClock();

// A clock tests move by hand. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMillis() const override { return now_.load(); }
  void Advance(std::chrono::milliseconds d) { now_ += d.count(); }
  void Set(int64_t ms) { now_ = ms; }

 private:
  std::atomic<int64_t> now_;
};

// "2026-11-22T10:00:00.123Z"
std::string FormatIso8601(int64_t millis);
// "20191115T033655Z" (the X-Sdk-Date form). Returns -1 on a malformed string.
int64_t ParseSdkDate(const std::string& s);
std::string FormatSdkDate(int64_t millis);

// Monotonic nanoseconds, for latency measurement only.
inline int64_t MonotonicNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace openarts
