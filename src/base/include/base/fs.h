// File-system helpers with the durability rules of the platform: a file becomes visible only
// once complete (temp + fsync + rename + fsync of the directory).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace openarts {

// Writes `data` to `path` atomically. The parent directory must exist.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data, int mode = 0644);
Result<std::string> ReadFile(const std::filesystem::path& path);
// fsync of a directory so a rename inside it is durable.
Status SyncDir(const std::filesystem::path& dir);
// mkdir -p; kInternal with the OS error on failure.
Status MakeDirs(const std::filesystem::path& dir, int mode = 0755);
// strerror(errno) with a prefix: "open /x: No such file or directory".
Status ErrnoStatus(std::string_view what, int err);

}  // namespace openarts
