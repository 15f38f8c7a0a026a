// A live progress line on stderr for long transfers: redrawn a few times a second by its own
// thread, only when stderr is a terminal (logs and pipes get the final summary alone).
// Thread-safe: workers add bytes and files concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace openarts::cli {

class ProgressReporter {
 public:
  // `enabled` false: counts, draws nothing.
  ProgressReporter(bool enabled, uint64_t bytes_total, uint64_t files_total);
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  void AddBytes(int64_t delta) { bytes_done_ += static_cast<uint64_t>(delta); }
  void FileDone() { ++files_done_; }
  // Stops drawing and erases the line, so that the summary starts on a clean line.
  void Finish();

  uint64_t bytes_done() const { return bytes_done_.load(); }
  double elapsed_seconds() const;

  // True when stderr is a terminal (and TERM is not "dumb").
  static bool StderrIsTty();

 private:
  void Draw();

  const bool enabled_;
  const uint64_t bytes_total_, files_total_;
  const int64_t start_ns_;
  std::atomic<uint64_t> bytes_done_{0}, files_done_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace openarts::cli
