// Byte streams shared by object storage, HTTP and the client, so a 2 GiB upload or download
// flows through in bounded memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace openarts {

// A sequential source of bytes (a request body, a file being uploaded). Not thread-safe.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `buf`. Returns the count read; 0 means end of stream.
  // Blocking. An error (client went away, disk error) is final.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// A readable blob of known size (an object on disk). Thread-safe for concurrent ReadAt.
class RandomReader {
 public:
  virtual ~RandomReader() = default;
  virtual uint64_t Size() const = 0;
  // Reads up to `n` bytes at `offset`. Returns the count read; 0 at or past the end.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const = 0;
  // A file descriptor positioned nowhere in particular that holds exactly these bytes, for
  // sendfile(2); -1 if there is none. Owned by the reader.
  virtual int NativeFd() const { return -1; }
};

// A ByteSource over a string held in memory.
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// A ByteSource reading a file from its start (kNotFound / kUnavailable naming the path).
Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path);

// Drains `source` into a string (at most `max_bytes`; kResourceExhausted beyond).
Result<std::string> ReadAll(ByteSource& source, size_t max_bytes);

}  // namespace openarts
