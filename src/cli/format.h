// What ma-cli prints: aligned tables, byte counts, rates, times and the progress line.
// Pure functions (no terminal access) so that tests pin the exact text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"

namespace openarts::cli {

// A table printed as aligned columns under an upper-case header, two spaces apart. Columns
// are sized by display width (UTF-8 code points), so CJK names do not skew it much.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);  // missing cells print empty
  size_t rows() const { return rows_.size(); }
  // Every line ends in '\n'; trailing spaces are trimmed. An empty table prints the header.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// 0 → "0B", 1536 → "1.50KiB", 5 GiB → "5.00GiB" (binary units, as obsutil's human-readable).
std::string FormatBytes(uint64_t bytes);
// bytes per second: "12.3MiB/s".
std::string FormatRate(double bytes_per_second);
// seconds → "1m05s", "2h03m", "45s", "0.8s".
std::string FormatDuration(double seconds);
// ms since the epoch → "2026-01-02 03:04:05" in local time; "" for 0.
std::string FormatTime(int64_t millis);

// A field of a JSON reply as table text: strings as they are, null or absent as "", anything else
// as compact JSON.
std::string JsonField(const Json& object, const char* key);

struct ProgressState {
  uint64_t bytes_done = 0, bytes_total = 0;
  uint64_t files_done = 0, files_total = 0;
  double elapsed_s = 0;
};
// One line at most `width` columns, no newline:
// "[#########-----------]  45%  12.3MiB/27.0MiB  340/1000 files  5.1MiB/s  ETA 3s"
std::string FormatProgress(const ProgressState& s, int width);

}  // namespace openarts::cli
