#include "sandbox.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

namespace openarts::exec {
namespace {

// The PATH glibc's execvp uses when the environment has none.
constexpr const char* kDefaultPath = "/bin:/usr/bin";
// Directories the sandbox gives every task as empty tmpfs.
const char* const kTmpfsDirs[] = {"/tmp", "/home"};

bool IsUnder(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

// Absolute, no "." or ".." components, no empty components, no trailing slash (except "/").
bool IsNormalAbsolute(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  if (p == "/") return true;
  if (p.back() == '/') return false;
  size_t i = 1;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string_view c(p.data() + i, j - i);
    if (c.empty() || c == "." || c == "..") return false;
    i = j + 1;
  }
  return true;
}

bool Exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

// Where a sandbox path lives on the host: the source of the (last) mount covering it, nullopt
// inside an empty tmpfs, else the same path. `upto` limits the mounts considered (layout
// checks look only at earlier mounts).
struct HostView {
  std::optional<std::string> host;  // nullopt: inside an empty tmpfs
  const Mount* mount = nullptr;     // the covering mount, if any
};

HostView ToHost(const TaskSpec& spec, const std::string& path, size_t upto) {
  for (size_t i = upto; i-- > 0;) {
    const Mount& m = spec.mounts[i];
    if (IsUnder(path, m.target)) {
      return {m.source + path.substr(m.target.size()), &m};
    }
  }
  for (const auto& h : spec.hidden_paths) {
    if (IsUnder(path, h)) return {};
  }
  for (const char* t : kTmpfsDirs) {
    if (IsUnder(path, t)) return {};
  }
  return {path, nullptr};
}

bool IsExecutableFile(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}

std::string EnvPath(const TaskSpec& spec) {
  auto it = spec.env.find("PATH");
  return it == spec.env.end() ? kDefaultPath : it->second;
}

}  // namespace

Status ValidateSandboxLayout(const TaskSpec& spec) {
  if (!IsNormalAbsolute(spec.cwd)) {
    return InvalidArgument("cwd must be an absolute normalised path, got '" + spec.cwd + "'");
  }
  for (size_t i = 0; i < spec.hidden_paths.size(); ++i) {
    const auto& h = spec.hidden_paths[i];
    if (!IsNormalAbsolute(h) || h == "/") {
      return InvalidArgument("hidden_paths[" + std::to_string(i) +
                             "] must be an absolute normalised path other than /, got '" + h + "'");
    }
  }
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const Mount& m = spec.mounts[i];
    const std::string field = "mounts[" + std::to_string(i) + "]";
    if (!IsNormalAbsolute(m.source) || !Exists(m.source)) {
      return InvalidArgument(field + ".source must be an existing absolute path, got '" +
                             m.source + "'");
    }
    if (!IsNormalAbsolute(m.target) || m.target == "/" || IsUnder(m.target, "/proc") ||
        IsUnder(m.target, "/dev")) {
      return InvalidArgument(field + ".target must be an absolute normalised path outside /, "
                             "/proc and /dev, got '" + m.target + "'");
    }
    // bubblewrap creates a missing mount point, which works on a tmpfs or a new top-level
    // directory (the sandbox root is a tmpfs) but not inside a read-only host directory.
    HostView v = ToHost(spec, m.target, i);
    if (!v.host) continue;  // inside /home, /tmp or a hidden path
    if (Exists(*v.host)) continue;
    if (v.mount != nullptr) {
      if (!v.mount->read_only) continue;  // created inside the earlier writable mount's source
      return InvalidArgument(field + ".target " + m.target + " lies in the read-only mount of " +
                             v.mount->target + " and does not exist there");
    }
    size_t slash = m.target.find('/', 1);
    std::string top = m.target.substr(0, slash);
    if (!Exists(top)) continue;  // a new top-level directory, such as /cache
    return InvalidArgument(field + ".target " + m.target +
                           " does not exist on the host and cannot be created inside the "
                           "read-only host directory " + top +
                           "; use a target under /home, /tmp or a new top-level directory");
  }
  return Status::Ok();
}

Status ResolveExecutable(const TaskSpec& spec, bool sandboxed, std::string* exec_path) {
  const std::string& name = spec.argv[0];
  auto host_of = [&](const std::string& p) -> std::optional<std::string> {
    if (!sandboxed) return p;
    return ToHost(spec, p, spec.mounts.size()).host;
  };
  auto not_found = [&](const char* why) {
    return InvalidArgument("argv[0]: exec " + name + ": " + why);
  };
  if (name.find('/') != std::string::npos) {
    std::string p = name;
    if (p[0] != '/') p = (spec.cwd == "/" ? "" : spec.cwd) + "/" + p;
    auto h = host_of(p);
    if (!h || !Exists(*h)) return not_found("No such file or directory");
    if (!IsExecutableFile(*h)) return not_found("Permission denied");
    *exec_path = sandboxed ? name : *h;
    return Status::Ok();
  }
  std::string path = EnvPath(spec);
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = path.substr(i, j - i);
    i = j + 1;
    if (dir.empty() || dir[0] != '/') continue;  // relative PATH entries are not searched
    std::string p = dir + "/" + name;
    auto h = host_of(p);
    if (h && IsExecutableFile(*h)) {
      *exec_path = sandboxed ? name : *h;
      return Status::Ok();
    }
  }
  return not_found("No such file or directory");
}

std::vector<std::string> BwrapArgs(const std::string& bwrap, const TaskSpec& spec) {
  std::vector<std::string> a = {bwrap,
                                "--unshare-user",
                                "--uid",
                                std::to_string(spec.uid),
                                "--gid",
                                std::to_string(spec.gid),
                                "--unshare-pid",
                                "--unshare-ipc",
                                "--unshare-uts",
                                "--die-with-parent"};
  // The host root, entry by entry, read-only. The network namespace stays shared on purpose:
  // the tasks of one distributed job talk over loopback.
  std::vector<std::string> names;
  if (DIR* d = ::opendir("/")) {
    while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    if (n == "." || n == ".." || n == "proc" || n == "dev" || n == "tmp" || n == "home") continue;
    const std::string p = "/" + n;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      char buf[4096];
      ssize_t len = ::readlink(p.c_str(), buf, sizeof(buf) - 1);
      if (len <= 0) continue;
      a.insert(a.end(), {"--symlink", std::string(buf, static_cast<size_t>(len)), p});
    } else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
      a.insert(a.end(), {"--ro-bind", p, p});
    }
  }
  a.insert(a.end(), {"--dev", "/dev", "--proc", "/proc"});
  for (const char* t : kTmpfsDirs) a.insert(a.end(), {"--tmpfs", t});
  for (const auto& h : spec.hidden_paths) {
    if (Exists(h)) a.insert(a.end(), {"--tmpfs", h});
  }
  for (const auto& m : spec.mounts) {
    a.insert(a.end(), {m.read_only ? "--ro-bind" : "--bind", m.source, m.target});
  }
  a.insert(a.end(), {"--remount-ro", "/", "--chdir", spec.cwd, "--"});
  return a;
}

}  // namespace openarts::exec
