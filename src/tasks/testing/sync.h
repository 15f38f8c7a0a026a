// Synchronisation helpers for tests that drive task handlers step by step, without sleeps.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "tasks/tasks.h"

namespace openarts::tasks::testing {

// A gate handlers block on until the test opens it. Handlers may also give up when their task
// is cancelled, which TaskContext exposes only as a flag: that one condition is polled.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  // True once open; false as soon as ctx.cancelled().
  bool WaitOrCancelled(const TaskContext& ctx) {
    std::unique_lock lock(mu_);
    while (!open_) {
      if (ctx.cancelled()) return false;
      cv_.wait_for(lock, std::chrono::milliseconds(2));
    }
    return true;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// A counter tests wait on ("three handlers are running").
class Counter {
 public:
  int Add(int delta = 1) {
    int now;
    {
      std::lock_guard lock(mu_);
      now = (value_ += delta);
    }
    cv_.notify_all();
    return now;
  }
  int value() {
    std::lock_guard lock(mu_);
    return value_;
  }
  // True if the value reached `n` within the timeout.
  bool WaitAtLeast(int n, int timeout_ms = 5000) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return value_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int value_ = 0;
};

}  // namespace openarts::tasks::testing
