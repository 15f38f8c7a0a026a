#include "cgroups.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "base/fs.h"

namespace openarts::exec {
namespace {

struct CgMount {
  std::string root;  // the cgroup path this mount shows at its mount point
  std::string point;
};

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

Status WriteText(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  ssize_t n = ::write(fd, text.data(), text.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) return ErrnoStatus("write " + path, n < 0 ? err : EIO);
  return Status::Ok();
}

// "/sys/fs/cgroup/memory" + the part of `path` below the mount's root; "" if not below it.
std::string DirOf(const CgMount& m, const std::string& path) {
  if (m.root == "/") return path == "/" ? m.point : m.point + path;
  if (path == m.root) return m.point;
  if (path.rfind(m.root + "/", 0) == 0) return m.point + path.substr(m.root.size());
  return {};
}

// Creates `dir` (and parents) and proves we may create children in it.
Status PrepareParent(const std::string& dir) {
  OA_TRY(MakeDirs(dir, 0755));
  std::string probe = dir + "/.probe-" + std::to_string(::getpid());
  if (::mkdir(probe.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus("mkdir " + probe, errno);
  }
  ::rmdir(probe.c_str());
  return Status::Ok();
}

bool HasWord(const std::string& list, const std::string& word) {
  for (const auto& w : Split(list, ' ')) {
    std::string t = w;
    while (!t.empty() && (t.back() == '\n')) t.pop_back();
    if (t == word) return true;
  }
  return false;
}

Status EnableV2Controllers(const std::string& dir) {
  auto cur = ReadFile(dir + "/cgroup.subtree_control");
  if (cur.ok() && HasWord(*cur, "memory") && HasWord(*cur, "cpu")) return Status::Ok();
  return WriteText(dir + "/cgroup.subtree_control", "+memory +cpu");
}

}  // namespace

CgroupLayout PrepareCgroups(const std::string& parent_option) {
  CgroupLayout out;
  if (!parent_option.empty() && parent_option[0] != '/') {
    out.reason = "cgroup_parent must be a cgroup path starting with '/'";
    return out;
  }
  auto self = ReadFile("/proc/self/cgroup");
  auto mountinfo = ReadFile("/proc/self/mountinfo");
  if (!self.ok() || !mountinfo.ok()) {
    out.reason = "cannot read /proc/self/cgroup or /proc/self/mountinfo";
    return out;
  }
  std::map<std::string, std::string> v1_path;  // controller -> cgroup path
  std::string v2_path;
  bool has_v2 = false;
  for (const auto& line : Split(*self, '\n')) {
    size_t a = line.find(':');
    size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string ctrls = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (line.substr(0, a) == "0" && ctrls.empty()) {
      has_v2 = true;
      v2_path = path;
    }
    for (const auto& c : Split(ctrls, ',')) v1_path[c] = path;
  }
  std::map<std::string, CgMount> v1_mounts;
  std::optional<CgMount> v2_mount;
  for (const auto& line : Split(*mountinfo, '\n')) {
    auto f = Split(line, ' ');
    size_t dash = 0;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 5 || dash + 3 >= f.size()) continue;
    const std::string& fstype = f[dash + 1];
    CgMount m{f[3], f[4]};
    if (fstype == "cgroup2" && !v2_mount) v2_mount = m;
    if (fstype != "cgroup") continue;
    for (const auto& opt : Split(f[dash + 3], ',')) {
      if (opt == "memory" || opt == "cpu") v1_mounts.emplace(opt, m);
    }
  }

  if (v1_mounts.count("memory") && v1_mounts.count("cpu") && v1_path.count("memory") &&
      v1_path.count("cpu")) {
    std::string mem_own = DirOf(v1_mounts["memory"], v1_path["memory"]);
    std::string cpu_own = DirOf(v1_mounts["cpu"], v1_path["cpu"]);
    if (mem_own.empty() || cpu_own.empty()) {
      out.reason = "the daemon's cgroup is not visible under the mounted cgroup v1 hierarchies";
      return out;
    }
    out.memory_parent = parent_option.empty() ? mem_own + "/openarts"
                                              : v1_mounts["memory"].point + parent_option;
    out.cpu_parent = parent_option.empty() ? cpu_own + "/openarts"
                                           : v1_mounts["cpu"].point + parent_option;
    Status s = PrepareParent(out.memory_parent);
    if (s.ok()) s = PrepareParent(out.cpu_parent);
    if (!s.ok()) {
      out.reason = "cgroup v1: " + s.message();
      return out;
    }
    out.version = 1;
    return out;
  }
  if (has_v2 && v2_mount) {
    std::string own = DirOf(*v2_mount, v2_path);
    auto ctrls = ReadFile(own + "/cgroup.controllers");
    if (own.empty() || !ctrls.ok() || !HasWord(*ctrls, "memory") || !HasWord(*ctrls, "cpu")) {
      out.reason = "cgroup v2: the memory and cpu controllers are not available in " + own;
      return out;
    }
    std::string parent = parent_option.empty() ? own + "/openarts" : v2_mount->point + parent_option;
    // Controllers must be enabled in the parent's parent, which fails (EBUSY) when that cgroup
    // holds processes itself — the daemon's own cgroup usually does. A delegated, empty parent
    // (systemd Delegate=yes) given as cgroup_parent avoids that.
    std::string grand = parent.substr(0, parent.rfind('/'));
    Status s = EnableV2Controllers(grand);
    if (s.ok()) s = MakeDirs(parent, 0755);
    if (s.ok()) s = EnableV2Controllers(parent);
    if (s.ok()) s = PrepareParent(parent);
    if (!s.ok()) {
      out.reason = "cgroup v2: " + s.message() +
                   " (set LocalOptions.cgroup_parent to a delegated cgroup whose parent holds no "
                   "processes)";
      return out;
    }
    out.memory_parent = parent;
    out.version = 2;
    return out;
  }
  out.reason = "no cgroup hierarchy with the memory and cpu controllers is mounted";
  return out;
}

Result<TaskCgroup> CreateTaskCgroup(const CgroupLayout& layout, const std::string& key,
                                    const Limits& limits) {
  TaskCgroup tc;
  std::vector<std::string> dirs = {layout.memory_parent + "/" + key};
  if (layout.version == 1) dirs.push_back(layout.cpu_parent + "/" + key);
  std::vector<std::string> made;
  auto fail = [&](Status s) {
    for (const auto& d : made) ::rmdir(d.c_str());
    return s;
  };
  for (const auto& d : dirs) {
    if (::mkdir(d.c_str(), 0755) != 0) {
      // A stale cgroup of a crashed run with the same key: reuse is wrong, removal is fine when
      // it is empty.
      if (errno != EEXIST || ::rmdir(d.c_str()) != 0 || ::mkdir(d.c_str(), 0755) != 0) {
        return fail(ErrnoStatus("create cgroup " + d, errno));
      }
    }
    made.push_back(d);
  }
  tc.primary = dirs[0];
  if (layout.version == 1) {
    tc.extra.push_back(dirs[1]);
    if (limits.memory_bytes > 0) {
      std::string v = std::to_string(limits.memory_bytes);
      Status s = WriteText(dirs[0] + "/memory.limit_in_bytes", v);
      if (!s.ok()) return fail(s);
      // Without swap accounting this file is absent; with it, the limit covers swap too.
      (void)WriteText(dirs[0] + "/memory.memsw.limit_in_bytes", v);
    }
    if (limits.cpu_millis > 0) {
      Status s = WriteText(dirs[1] + "/cpu.cfs_period_us", "100000");
      if (s.ok()) s = WriteText(dirs[1] + "/cpu.cfs_quota_us",
                                std::to_string(std::max<int64_t>(1000, limits.cpu_millis * 100)));
      if (!s.ok()) return fail(s);
    }
  } else {
    if (limits.memory_bytes > 0) {
      Status s = WriteText(dirs[0] + "/memory.max", std::to_string(limits.memory_bytes));
      if (!s.ok()) return fail(s);
      (void)WriteText(dirs[0] + "/memory.swap.max", "0");
    }
    if (limits.cpu_millis > 0) {
      Status s = WriteText(dirs[0] + "/cpu.max",
                           std::to_string(std::max<int64_t>(1000, limits.cpu_millis * 100)) +
                               " 100000");
      if (!s.ok()) return fail(s);
    }
  }
  return tc;
}

std::vector<int> CgroupProcs(const std::string& dir) {
  std::vector<int> out;
  auto text = ReadFile(dir + "/cgroup.procs");
  if (!text.ok()) return out;
  for (const auto& l : Split(*text, '\n')) {
    if (!l.empty()) out.push_back(std::atoi(l.c_str()));
  }
  return out;
}

Status RemoveCgroupDir(const std::string& dir) {
  for (int i = 0; i < 100; ++i) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return Status::Ok();
    if (errno != EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ErrnoStatus("remove cgroup " + dir, errno);
}

}  // namespace openarts::exec
