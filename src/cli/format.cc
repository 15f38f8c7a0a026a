#include "format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace openarts::cli {

namespace {

size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // count code points, not bytes
  return n;
}

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (auto& c : cells) {
    // One row, one line: a newline in a description would break every column after it.
    std::replace(c.begin(), c.end(), '\n', ' ');
    std::replace(c.begin(), c.end(), '\t', ' ');
  }
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> width(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) width[i] = DisplayWidth(headers_[i]);
  for (const auto& r : rows_) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], DisplayWidth(r[i]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string l;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string c = header ? Upper(cells[i]) : cells[i];
      l += c;
      if (i + 1 < cells.size()) l += std::string(width[i] - DisplayWidth(c) + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(headers_, true);
  for (const auto& r : rows_) line(r, false);
  return out;
}

std::string FormatBytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + "B";
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%s", v, kUnits[u]);
  return buf;
}

std::string FormatRate(double bps) {
  if (!(bps > 0) || !std::isfinite(bps)) return "0B/s";
  return FormatBytes(static_cast<uint64_t>(bps)) + "/s";
}

std::string FormatDuration(double s) {
  char buf[32];
  if (!(s >= 0) || !std::isfinite(s)) return "?";
  if (s < 10) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else if (s < 60) {
    std::snprintf(buf, sizeof buf, "%ds", static_cast<int>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) % 3600 / 60);
  }
  return buf;
}

std::string JsonField(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const Json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::string FormatTime(int64_t millis) {
  if (millis <= 0) return "";
  time_t t = static_cast<time_t>(millis / 1000);
  struct tm tm {};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string FormatProgress(const ProgressState& s, int width) {
  double frac = s.bytes_total > 0 ? static_cast<double>(s.bytes_done) / static_cast<double>(s.bytes_total)
                : s.files_total > 0 ? static_cast<double>(s.files_done) / static_cast<double>(s.files_total)
                                    : 0.0;
  frac = std::clamp(frac, 0.0, 1.0);
  double rate = s.elapsed_s > 0 ? static_cast<double>(s.bytes_done) / s.elapsed_s : 0;
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(frac * 100));
  std::string tail = std::string(pct) + "  " + FormatBytes(s.bytes_done) + "/" + FormatBytes(s.bytes_total) +
                     "  " + std::to_string(s.files_done) + "/" + std::to_string(s.files_total) + " files  " +
                     FormatRate(rate);
  if (rate > 0 && s.bytes_total > s.bytes_done) {
    tail += "  ETA " + FormatDuration(static_cast<double>(s.bytes_total - s.bytes_done) / rate);
  }
  // The bar takes what the numbers leave, within reason; on a narrow terminal it goes first.
  int bar = std::min(30, width - static_cast<int>(tail.size()) - 4);
  if (bar < 5) return tail.substr(0, static_cast<size_t>(std::max(width, 0)));
  int filled = static_cast<int>(frac * bar);
  return "[" + std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(bar - filled), '-') +
         "]  " + tail;
}

}  // namespace openarts::cli
