#include "procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace openarts::exec {
namespace {

// Reads a small /proc file whole; "" when it cannot be read.
std::string ReadSmall(const char* path, size_t limit = 1 << 20) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  while (out.size() < limit) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

std::optional<ProcStat> ReadProcStat(int pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  std::string s = ReadSmall(path);
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  size_t rp = s.rfind(')');
  if (rp == std::string::npos || rp + 2 >= s.size()) return std::nullopt;
  ProcStat st;
  st.pid = pid;
  size_t lp = s.find('(');
  if (lp != std::string::npos && lp < rp) st.comm = s.substr(lp + 1, rp - lp - 1);
  const char* p = s.c_str() + rp + 2;
  // Fields 3.. : state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
  // stime cutime cstime priority nice num_threads itrealvalue starttime
  st.state = *p;
  std::vector<unsigned long long> f;
  f.reserve(20);
  p += 1;
  while (*p != '\0' && f.size() < 20) {
    char* end;
    f.push_back(std::strtoull(p, &end, 10));
    if (end == p) {
      // Not a number (cannot happen on a sane kernel): skip the field.
      while (*p != '\0' && *p != ' ') ++p;
    } else {
      p = end;
    }
    while (*p == ' ') ++p;
  }
  if (f.size() < 19) return std::nullopt;
  // f[0] = field 4 (ppid).
  st.ppid = static_cast<int>(f[0]);
  st.pgrp = static_cast<int>(f[1]);
  st.session = static_cast<int>(f[2]);
  st.cpu_ticks = f[10] + f[11] + f[12] + f[13];
  st.start_ticks = f[18];
  return st;
}

uint64_t LiveStartTicks(int pid) {
  if (pid <= 0) return 0;
  auto st = ReadProcStat(pid);
  if (!st || st->state == 'Z' || st->state == 'X') return 0;
  return st->start_ticks;
}

bool EnvironHas(int pid, std::string_view entry) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/environ", pid);
  std::string env = ReadSmall(path, 4 << 20);
  size_t pos = 0;
  while (pos < env.size()) {
    size_t end = env.find('\0', pos);
    if (end == std::string::npos) end = env.size();
    if (std::string_view(env).substr(pos, end - pos) == entry) return true;
    pos = end + 1;
  }
  return false;
}

uint64_t ReadRssBytes(int pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/status", pid);
  std::string s = ReadSmall(path);
  size_t p = s.find("\nVmRSS:");
  if (p == std::string::npos) return 0;
  return std::strtoull(s.c_str() + p + 7, nullptr, 10) * 1024;  // "VmRSS:   1234 kB"
}

std::vector<int> ListPids() {
  std::vector<int> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    char* end;
    long v = std::strtol(e->d_name, &end, 10);
    if (*end == '\0' && v > 0) out.push_back(static_cast<int>(v));
  }
  ::closedir(d);
  return out;
}

long TicksPerSecond() {
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks > 0 ? ticks : 100;
}

}  // namespace openarts::exec
