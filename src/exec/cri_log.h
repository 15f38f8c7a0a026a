// The writing half of the task log (the reading half is public in exec.h): record formatting
// and the rotating file writer the shim uses. Private to exec/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "exec/exec.h"

namespace openarts::exec {

// "2026-11-22T06:13:01.123456789Z" (always 9 fractional digits, UTC).
std::string FormatRfc3339Nanos(int64_t unix_nanos);

// One CRI record with its newline: "<time> stdout|stderr F|P <text>\n". `text` must not contain
// '\n' (the shim splits on it).
std::string FormatLogRecord(int64_t unix_nanos, bool is_stderr, bool partial,
                            std::string_view text);

// The rotated file holding absolute offsets from `first_offset`: "task.log.<20 digits>".
std::string RotatedLogName(uint64_t first_offset);

// Appends whole records to <task_dir>/task.log, rotating it once it would exceed
// options.max_bytes, and keeping the newest options.keep rotated files. Not thread-safe; one
// writer per task (the shim).
class LogWriter {
 public:
  // Opens (or continues) the log of `task_dir`.
  static Result<std::unique_ptr<LogWriter>> Open(const std::string& task_dir,
                                                 const LogOptions& options);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // One write(2) of a complete record, so a concurrent reader never sees half of one unless the
  // disk is full. Rotates first when needed.
  Status Append(std::string_view record);
  // Absolute offset of the end of the log.
  uint64_t end_offset() const { return base_ + size_; }

 private:
  LogWriter(std::string dir, LogOptions options) : dir_(std::move(dir)), options_(options) {}
  Status Rotate();

  std::string dir_;
  LogOptions options_;
  int fd_ = -1;
  uint64_t base_ = 0;  // absolute offset of task.log's first byte
  uint64_t size_ = 0;  // bytes in task.log
};

}  // namespace openarts::exec
