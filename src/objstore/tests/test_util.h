// Helpers shared by the objstore tests.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/fs.h"
#include "base/ids.h"
#include "base/io.h"
#include "objstore/objstore.h"

namespace openarts::objstore::testing {

// Serves a string in chunks of at most `chunk` bytes, to exercise short reads.
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data, size_t chunk = SIZE_MAX)
      : data_(std::move(data)), chunk_(chunk) {}
  Result<size_t> Read(char* buf, size_t n) override {
    n = std::min({n, chunk_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, buf);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

// Yields `good` bytes, then fails as a client that disconnected would.
class FailingSource final : public ByteSource {
 public:
  explicit FailingSource(size_t good) : good_(good) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ >= good_) return Unavailable("client went away");
    n = std::min(n, good_ - pos_);
    std::fill_n(buf, n, 'x');
    pos_ += n;
    return n;
  }

 private:
  size_t good_;
  size_t pos_ = 0;
};

inline std::string ReadAll(const RandomReader& r) {
  std::string out(r.Size(), '\0');
  size_t off = 0;
  while (off < out.size()) {
    auto n = r.ReadAt(off, out.data() + off, out.size() - off);
    if (!n.ok() || *n == 0) break;
    off += *n;
  }
  out.resize(off);
  return out;
}

enum class Disk { kFast, kReal };

// Where test stores live. kFast prefers tmpfs (/dev/shm): the semantics under test — visibility,
// ordering, recovery after SIGKILL, which the page cache survives — are the same, and the
// suite's run time then does not depend on how busy the shared disk's fsync is. kReal uses the
// system temp dir, to exercise real fsync/link/rename on a disk filesystem.
inline std::filesystem::path TestRoot(Disk disk) {
  if (const char* env = std::getenv("OPENARTS_TEST_TMPDIR")) return env;
  std::error_code ec;
  if (disk == Disk::kFast && std::filesystem::is_directory("/dev/shm", ec) &&
      ::access("/dev/shm", W_OK) == 0) {
    return "/dev/shm";
  }
  return std::filesystem::temp_directory_path();
}

// A fresh directory with a random name, removed on destruction.
class TempDir {
 public:
  explicit TempDir(Disk disk = Disk::kFast)
      : path_(TestRoot(disk) / ("oa-objstore-" + NewId())) {
    (void)MakeDirs(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string url() const { return "file://" + path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace openarts::objstore::testing
