// Task logs in the CRI format (the one containerd and CRI-O write, so tools that read
// Kubernetes node logs read ours): "<RFC 3339 ns time> stdout|stderr F|P <text>\n".
//
// Rotation keeps absolute offsets: a rotated file is named after the absolute offset of its first
// byte, and the current file (task.log) starts where the newest rotated file ends. Hence
// LogOptions::keep >= 1: the newest rotated file is what tells a reader where task.log starts.
#include "cri_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "base/fs.h"

namespace openarts::exec {
namespace {

constexpr std::string_view kRotatedPrefix = "task.log.";
constexpr size_t kOffsetDigits = 20;

// Days since 1970-01-01 of a civil date (proleptic Gregorian); H. Hinnant's algorithm.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Reads exactly `n` decimal digits at s[*i]; false if any is not a digit.
bool Digits(std::string_view s, size_t* i, size_t n, int* out) {
  if (*i + n > s.size()) return false;
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[*i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *i += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* i, char c) {
  if (*i >= s.size() || s[*i] != c) return false;
  ++*i;
  return true;
}

// "2026-11-22T06:13:01.123456789Z" or with a "+hh:mm"/"-hh:mm" offset → ms since the epoch.
bool ParseRfc3339(std::string_view s, int64_t* ms) {
  size_t i = 0;
  int year, mon, day, hour, min, sec;
  if (!Digits(s, &i, 4, &year) || !Expect(s, &i, '-') || !Digits(s, &i, 2, &mon) ||
      !Expect(s, &i, '-') || !Digits(s, &i, 2, &day) || !Expect(s, &i, 'T') ||
      !Digits(s, &i, 2, &hour) || !Expect(s, &i, ':') || !Digits(s, &i, 2, &min) ||
      !Expect(s, &i, ':') || !Digits(s, &i, 2, &sec)) {
    return false;
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    return false;
  }
  int frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (i - start < 3) frac_ms = frac_ms * 10 + (s[i] - '0');
      ++i;
    }
    size_t n = i - start;
    if (n == 0 || n > 9) return false;
    for (size_t k = n; k < 3; ++k) frac_ms *= 10;
  }
  int64_t offset_s = 0;
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '+' ? 1 : -1;
    ++i;
    int oh, om;
    if (!Digits(s, &i, 2, &oh) || !Expect(s, &i, ':') || !Digits(s, &i, 2, &om) || oh > 23 ||
        om > 59) {
      return false;
    }
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  if (i != s.size()) return false;
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec - offset_s;
  *ms = secs * 1000 + frac_ms;
  return true;
}

// Parses "task.log.<20 digits>"; false for anything else.
bool ParseRotatedName(std::string_view name, uint64_t* offset) {
  if (name.size() != kRotatedPrefix.size() + kOffsetDigits ||
      name.substr(0, kRotatedPrefix.size()) != kRotatedPrefix) {
    return false;
  }
  uint64_t v = 0;
  for (char c : name.substr(kRotatedPrefix.size())) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *offset = v;
  return true;
}

struct Rotated {
  uint64_t offset;
  std::string path;
};

// The rotated files of `dir`, oldest first. kNotFound if `dir` does not exist.
Result<std::vector<Rotated>> ListRotated(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return NotFound("task directory " + dir + " does not exist");
    return ErrnoStatus("opendir " + dir, errno);
  }
  std::vector<Rotated> out;
  while (dirent* e = ::readdir(d)) {
    uint64_t off;
    if (ParseRotatedName(e->d_name, &off)) out.push_back({off, dir + "/" + e->d_name});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const Rotated& a, const Rotated& b) { return a.offset < b.offset; });
  return out;
}

// An open log file and the absolute offsets it covers.
struct Segment {
  uint64_t offset = 0;
  uint64_t size = 0;
  int fd = -1;
};

class Segments {
 public:
  ~Segments() { Close(); }
  void Close() {
    for (auto& s : segs_) ::close(s.fd);
    segs_.clear();
  }
  std::vector<Segment>& get() { return segs_; }

 private:
  std::vector<Segment> segs_;
};

// Opens every log file of `dir` consistently with a concurrent rotation: task.log is opened
// first and the rotated files listed after, so if task.log was rotated in between its inode
// shows up among the rotated files (or it is gone) and we try again.
Status OpenSegments(const std::string& dir, Segments* out) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    out->Close();
    const std::string cur_path = dir + "/" + kLogFileName;
    int cur = ::open(cur_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (cur < 0 && errno != ENOENT) return ErrnoStatus("open " + cur_path, errno);
    auto rotated = ListRotated(dir);
    if (!rotated.ok()) {
      if (cur >= 0) ::close(cur);
      return rotated.status();
    }
    bool retry = false;
    struct stat cur_st {};
    if (cur >= 0 && ::fstat(cur, &cur_st) != 0) {
      int err = errno;
      ::close(cur);
      return ErrnoStatus("stat " + cur_path, err);
    }
    if (cur >= 0 && cur_st.st_nlink == 0) retry = true;
    for (const auto& r : *rotated) {
      if (retry) break;
      int fd = ::open(r.path.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st {};
      if (fd < 0 || ::fstat(fd, &st) != 0) {
        if (fd >= 0) ::close(fd);
        retry = true;  // deleted by the rotation that is under way
        break;
      }
      out->get().push_back({r.offset, static_cast<uint64_t>(st.st_size), fd});
      if (cur >= 0 && st.st_ino == cur_st.st_ino && st.st_dev == cur_st.st_dev) retry = true;
    }
    if (retry) {
      if (cur >= 0) ::close(cur);
      continue;
    }
    if (cur >= 0) {
      uint64_t base = out->get().empty() ? 0 : out->get().back().offset + out->get().back().size;
      out->get().push_back({base, static_cast<uint64_t>(cur_st.st_size), cur});
    }
    return Status::Ok();
  }
  return Unavailable("the log of " + dir + " kept rotating while being read; try again");
}

// Reads the records of one segment from an absolute offset, a buffer at a time.
class RecordReader {
 public:
  RecordReader(const Segment& seg, uint64_t pos) : seg_(seg), buf_start_(pos) {}

  // Sets *record to the next complete record (without '\n') and *start/*end to its absolute
  // offsets. Returns false at the end of complete records (an unfinished tail stays unread).
  Result<bool> Next(std::string_view* record, uint64_t* start, uint64_t* end) {
    const uint64_t seg_end = seg_.offset + seg_.size;
    while (true) {
      size_t nl = buf_.find('\n', used_);
      if (nl != std::string::npos) {
        *record = std::string_view(buf_).substr(used_, nl - used_);
        *start = buf_start_ + used_;
        *end = buf_start_ + nl + 1;
        used_ = nl + 1;
        return true;
      }
      uint64_t file_pos = buf_start_ + buf_.size();
      if (file_pos >= seg_end) return false;
      // Drop what was consumed, then append the next block.
      buf_.erase(0, used_);
      buf_start_ += used_;
      used_ = 0;
      size_t want = static_cast<size_t>(std::min<uint64_t>(kBlock, seg_end - file_pos));
      size_t old = buf_.size();
      buf_.resize(old + want);
      ssize_t n = ::pread(seg_.fd, buf_.data() + old, want,
                          static_cast<off_t>(file_pos - seg_.offset));
      if (n < 0) return ErrnoStatus("read log", errno);
      buf_.resize(old + static_cast<size_t>(n));
      if (n == 0) return false;
    }
  }

 private:
  static constexpr size_t kBlock = 64 << 10;
  const Segment& seg_;
  uint64_t buf_start_;  // absolute offset of buf_[0]
  std::string buf_;
  size_t used_ = 0;
};

}  // namespace

std::string FormatRfc3339Nanos(int64_t unix_nanos) {
  time_t secs = static_cast<time_t>(unix_nanos / 1'000'000'000);
  int64_t frac = unix_nanos % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  struct tm tm {};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

std::string FormatLogRecord(int64_t unix_nanos, bool is_stderr, bool partial,
                            std::string_view text) {
  std::string out = FormatRfc3339Nanos(unix_nanos);
  out.reserve(out.size() + text.size() + 12);
  out += is_stderr ? " stderr " : " stdout ";
  out += partial ? "P " : "F ";
  out += text;
  out += '\n';
  return out;
}

std::string RotatedLogName(uint64_t first_offset) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "task.log.%020llu", static_cast<unsigned long long>(first_offset));
  return buf;
}

Result<std::unique_ptr<LogWriter>> LogWriter::Open(const std::string& task_dir,
                                                   const LogOptions& options) {
  if (options.keep < 1) return InvalidArgument("log.keep must be at least 1");
  std::unique_ptr<LogWriter> w(new LogWriter(task_dir, options));
  OA_ASSIGN_OR_RETURN(auto rotated, ListRotated(task_dir));
  if (!rotated.empty()) {
    struct stat st {};
    if (::stat(rotated.back().path.c_str(), &st) != 0) {
      return ErrnoStatus("stat " + rotated.back().path, errno);
    }
    w->base_ = rotated.back().offset + static_cast<uint64_t>(st.st_size);
  }
  const std::string path = task_dir + "/" + kLogFileName;
  w->fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (w->fd_ < 0) return ErrnoStatus("open " + path, errno);
  struct stat st {};
  if (::fstat(w->fd_, &st) != 0) return ErrnoStatus("stat " + path, errno);
  w->size_ = static_cast<uint64_t>(st.st_size);
  return w;
}

LogWriter::~LogWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status LogWriter::Rotate() {
  const std::string cur = dir_ + "/" + kLogFileName;
  const std::string rotated = dir_ + "/" + RotatedLogName(base_);
  if (::rename(cur.c_str(), rotated.c_str()) != 0) return ErrnoStatus("rename " + cur, errno);
  ::close(fd_);
  base_ += size_;
  size_ = 0;
  fd_ = ::open(cur.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) return ErrnoStatus("open " + cur, errno);
  OA_ASSIGN_OR_RETURN(auto all, ListRotated(dir_));
  for (size_t i = 0; i + static_cast<size_t>(options_.keep) < all.size(); ++i) {
    ::unlink(all[i].path.c_str());
  }
  return Status::Ok();
}

Status LogWriter::Append(std::string_view record) {
  if (size_ > 0 && size_ + record.size() > options_.max_bytes) OA_TRY(Rotate());
  if (fd_ < 0) return Internal("log file is not open");
  size_t done = 0;
  while (done < record.size()) {
    ssize_t n = ::write(fd_, record.data() + done, record.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + dir_ + "/" + kLogFileName, errno);
    }
    done += static_cast<size_t>(n);
  }
  size_ += record.size();
  return Status::Ok();
}

std::vector<std::string> LogFiles(const std::string& task_dir) {
  std::vector<std::string> out;
  auto rotated = ListRotated(task_dir);
  if (!rotated.ok()) return out;
  for (auto& r : *rotated) out.push_back(std::move(r.path));
  std::string cur = task_dir + "/" + kLogFileName;
  if (::access(cur.c_str(), F_OK) == 0) out.push_back(std::move(cur));
  return out;
}

Result<LogLine> ParseLogRecord(std::string_view record, bool* partial) {
  size_t sp1 = record.find(' ');
  if (sp1 == std::string_view::npos) return InvalidArgument("log record has no time field");
  LogLine line;
  if (!ParseRfc3339(record.substr(0, sp1), &line.time_ms)) {
    return InvalidArgument("log record time is not RFC 3339");
  }
  std::string_view rest = record.substr(sp1 + 1);
  if (rest.substr(0, 7) == "stdout ") {
    line.is_stderr = false;
  } else if (rest.substr(0, 7) == "stderr ") {
    line.is_stderr = true;
  } else {
    return InvalidArgument("log record stream must be stdout or stderr");
  }
  rest = rest.substr(7);
  if (rest.empty() || (rest[0] != 'F' && rest[0] != 'P')) {
    return InvalidArgument("log record tag must be F or P");
  }
  bool is_partial = rest[0] == 'P';
  if (rest.size() > 1) {
    if (rest[1] != ' ') return InvalidArgument("log record tag must be F or P");
    line.text = std::string(rest.substr(2));
  }
  if (partial != nullptr) *partial = is_partial;
  return line;
}

Result<LogChunk> ReadLog(const std::string& task_dir, uint64_t offset, size_t max_bytes) {
  Segments segments;
  OA_TRY(OpenSegments(task_dir, &segments));
  auto& segs = segments.get();
  LogChunk chunk;
  if (segs.empty()) {
    if (offset > 0) {
      return InvalidArgument("offset " + std::to_string(offset) + " is past the end of the log (0)");
    }
    return chunk;
  }
  chunk.end_offset = segs.back().offset + segs.back().size;
  if (offset > chunk.end_offset) {
    return InvalidArgument("offset " + std::to_string(offset) + " is past the end of the log (" +
                           std::to_string(chunk.end_offset) + ")");
  }
  if (offset < segs.front().offset) {
    chunk.skipped = segs.front().offset - offset;
    offset = segs.front().offset;
  }
  chunk.next_offset = offset;
  if (max_bytes == 0) max_bytes = 1;
  // A line split into P records is joined when its F record is within reach; a run still open
  // when we stop (the task is mid-line, or we ran past the budget) is returned as it stands, so
  // a follower sees progress bars without waiting for the newline.
  constexpr uint64_t kJoinSlack = 1 << 20;
  struct Run {
    bool open = false;
    uint64_t start = 0;
    LogLine line;
  };
  Run runs[2];
  auto flush_runs = [&] {
    Run* order[2] = {&runs[0], &runs[1]};
    if (runs[1].open && (!runs[0].open || runs[1].start < runs[0].start)) {
      std::swap(order[0], order[1]);
    }
    for (Run* r : order) {
      if (r->open) chunk.lines.push_back(std::move(r->line));
      *r = Run{};
    }
  };
  const uint64_t start = offset;
  bool stop = false;
  for (const Segment& seg : segs) {
    if (stop) break;
    if (offset >= seg.offset + seg.size) continue;
    RecordReader reader(seg, std::max(offset, seg.offset));
    std::string_view rec;
    uint64_t rec_start, rec_end;
    while (true) {
      // Offsets inside a segment beyond `offset` are whole-record aligned (offset is 0 or a
      // next_offset we returned), so reading starts at a record boundary.
      if (offset < seg.offset) offset = seg.offset;
      uint64_t used = offset - start;
      bool any_open = runs[0].open || runs[1].open;
      if ((!any_open && used >= max_bytes) || used >= max_bytes + kJoinSlack) {
        stop = true;
        break;
      }
      OA_ASSIGN_OR_RETURN(bool more, reader.Next(&rec, &rec_start, &rec_end));
      if (!more) {
        // An unfinished tail in the current file is a record being written; stop before it.
        if (&seg == &segs.back()) stop = true;
        break;
      }
      offset = rec_end;
      chunk.next_offset = rec_end;
      bool partial = false;
      auto parsed = ParseLogRecord(rec, &partial);
      if (!parsed.ok()) continue;  // a damaged record (disk full, crash) is skipped
      Run& run = runs[parsed->is_stderr ? 1 : 0];
      if (partial) {
        if (!run.open) {
          run.open = true;
          run.start = rec_start;
          run.line = std::move(*parsed);
        } else {
          run.line.text += parsed->text;
        }
        continue;
      }
      if (run.open) {
        run.line.text += parsed->text;
        chunk.lines.push_back(std::move(run.line));
        run = Run{};
      } else {
        chunk.lines.push_back(std::move(*parsed));
      }
    }
  }
  flush_runs();
  return chunk;
}

Status AppendLogLine(const std::string& task_dir, std::string_view text, int64_t time_ms,
                     const LogOptions& options) {
  OA_TRY(MakeDirs(task_dir, 0700));
  OA_ASSIGN_OR_RETURN(auto writer, LogWriter::Open(task_dir, options));
  return writer->Append(FormatLogRecord(time_ms * 1000000, /*is_stderr=*/false, /*partial=*/false, text));
}

}  // namespace openarts::exec
