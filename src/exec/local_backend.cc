// The local execution backend: tasks as process groups on this machine, each supervised by an
// openarts-task-shim (shim_main.cc), inside bubblewrap when it works, in a cgroup when one can be
// created. Every method works from the TaskHandle and the task directory alone, so a restarted
// daemon manages the tasks of its predecessor.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/fs.h"
#include "base/json.h"
#include "cgroups.h"
#include "exec/exec.h"
#include "procfs.h"
#include "sandbox.h"
#include "shim_spec.h"

namespace openarts::exec {
namespace {

constexpr int kStartTimeoutMs = 10'000;   // the shim reports within this or Start() fails
constexpr int kSweepTimeoutMs = 5'000;    // SIGKILL sweep gives up after this
constexpr int kShimExitTimeoutMs = 5'000; // Stop() waits this long for exit.json
constexpr int kStepMs = 20;

const char* const kTaskKeyVar = "OPENARTS_TASK_KEY";

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

int64_t MonoMs() { return MonotonicNanos() / 1'000'000; }

bool ValidKey(const std::string& k) {
  if (k.empty() || k.size() > 200 || k == "." || k == "..") return false;
  for (char c : k) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsExecutable(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// `name` in the directories of the daemon's PATH; "" if absent.
std::string FindOnPath(const std::string& name) {
  const char* path = ::getenv("PATH");
  std::string p = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find(':', i);
    if (j == std::string::npos) j = p.size();
    std::string cand = p.substr(i, j - i) + "/" + name;
    if (cand[0] == '/' && IsExecutable(cand)) return cand;
    i = j + 1;
  }
  return {};
}

std::string FindShim(const std::string& configured) {
  if (!configured.empty()) return IsExecutable(configured) ? configured : std::string();
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    std::string exe(buf, static_cast<size_t>(n));
    std::string beside = exe.substr(0, exe.rfind('/')) + "/openarts-task-shim";
    if (IsExecutable(beside)) return beside;
  }
  return FindOnPath("openarts-task-shim");
}

// Runs `argv` (dropping to uid/gid first when `drop`) and returns its exit status and the first
// line of its stderr. For the bubblewrap probe only.
struct ProbeResult {
  int status = -1;
  std::string err;
};
ProbeResult RunProbe(const std::vector<std::string>& args, bool drop, int uid, int gid) {
  ProbeResult r;
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return r;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    return r;
  }
  if (pid == 0) {
    // Only async-signal-safe calls here: the daemon may have threads.
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(p[1], 2);
    if (drop) {
      gid_t g = static_cast<gid_t>(gid);
      if (::setgroups(1, &g) != 0 || ::setgid(g) != 0 || ::setuid(static_cast<uid_t>(uid)) != 0) {
        _exit(126);
      }
    }
    ::execve(argv[0], argv.data(), envp);
    _exit(127);
  }
  ::close(p[1]);
  char buf[1024];
  int64_t deadline = MonoMs() + kStartTimeoutMs;
  while (true) {
    pollfd pfd{p[0], POLLIN, 0};
    int left = static_cast<int>(std::max<int64_t>(0, deadline - MonoMs()));
    if (::poll(&pfd, 1, left) <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    ssize_t n = ::read(p[0], buf, sizeof(buf));
    if (n <= 0) break;
    if (r.err.size() < 4096) r.err.append(buf, static_cast<size_t>(n));
  }
  ::close(p[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  r.status = st;
  size_t nl = r.err.find('\n');
  if (nl != std::string::npos) r.err.resize(nl);
  return r;
}

std::optional<TaskStatus> ReadExit(const std::string& task_dir) {
  auto text = ReadFile(task_dir + "/" + kExitFileName);
  if (!text.ok()) return std::nullopt;
  auto j = ParseJson(*text);
  if (!j.ok()) return std::nullopt;  // cannot happen: written atomically
  TaskStatus s;
  s.state = TaskState::kExited;
  s.exit_code = static_cast<int>(GetInt(*j, "exit_code").value_or(-1));
  s.signal = static_cast<int>(GetInt(*j, "signal").value_or(0));
  s.end_time = GetInt(*j, "end_time").value_or(0);
  s.message = GetString(*j, "message").value_or("");
  return s;
}

Status WriteSpec(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create " + path, errno);
  ssize_t n = ::write(fd, data.data(), data.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(data.size())) {
    ::unlink(path.c_str());
    return ErrnoStatus("write " + path, n < 0 ? err : EIO);
  }
  return Status::Ok();
}

bool ShimAlive(const TaskHandle& h) {
  return h.shim_start_ticks != 0 && LiveStartTicks(h.shim_pid) == h.shim_start_ticks;
}

class LocalBackend final : public Backend {
 public:
  LocalBackend(LocalOptions options, Capabilities caps, std::string shim, std::string bwrap,
               CgroupLayout cgroups)
      : options_(std::move(options)),
        caps_(std::move(caps)),
        shim_(std::move(shim)),
        bwrap_(std::move(bwrap)),
        cgroups_(std::move(cgroups)),
        clock_(options_.clock != nullptr ? options_.clock : &SystemClock()) {}

  const Capabilities& capabilities() const override { return caps_; }
  Result<TaskHandle> Start(const TaskSpec& spec) override;
  TaskStatus Poll(const TaskHandle& handle) override;
  Status Stop(const TaskHandle& handle, int grace_ms) override;
  Result<TaskStatus> Wait(const TaskHandle& handle, int timeout_ms) override;
  Result<Usage> Sample(const TaskHandle& handle) override;
  Status Release(const TaskHandle& handle) override;

 private:
  Status Validate(const TaskSpec& spec) const;
  // Spawns the shim and reads its report.
  Result<TaskHandle> SpawnShim(const TaskSpec& spec, const std::string& spec_path);
  // Every live process of the task; `*group_ours` says whether the process group is the task's.
  std::vector<int> TaskPids(const TaskHandle& h, bool cgroup_only, bool* group_ours) const;
  // SIGTERM to the task's processes not yet in `signalled` (bubblewrap spared).
  void Terminate(const TaskHandle& h, const std::vector<int>& pids, bool group_ours,
                 std::set<int>* signalled) const;
  void Kill(const TaskHandle& h, const std::vector<int>& pids, bool group_ours) const;

  const LocalOptions options_;
  const Capabilities caps_;
  const std::string shim_;
  const std::string bwrap_;
  const CgroupLayout cgroups_;
  Clock* const clock_;

  struct CpuMark {
    uint64_t ticks = 0;
    int64_t mono_ns = 0;
  };
  std::mutex mu_;
  std::map<std::string, CpuMark> cpu_marks_;  // key -> previous Sample(), for CPU%
};

Status LocalBackend::Validate(const TaskSpec& spec) const {
  if (!ValidKey(spec.key)) {
    return InvalidArgument("key must be 1-200 characters of [A-Za-z0-9_.-], got '" + spec.key + "'");
  }
  if (spec.task_dir.empty() || spec.task_dir[0] != '/') {
    return InvalidArgument("task_dir must be an absolute path, got '" + spec.task_dir + "'");
  }
  if (spec.argv.empty() || spec.argv[0].empty()) return InvalidArgument("argv must not be empty");
  for (size_t i = 0; i < spec.argv.size(); ++i) {
    if (spec.argv[i].find('\0') != std::string::npos) {
      return InvalidArgument("argv[" + std::to_string(i) + "] must not contain NUL");
    }
  }
  for (const auto& [k, v] : spec.env) {
    if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos ||
        v.find('\0') != std::string::npos) {
      return InvalidArgument("env: '" + k + "' is not a valid variable name (non-empty, no '=')");
    }
  }
  if (spec.cwd.empty() || spec.cwd[0] != '/') {
    return InvalidArgument("cwd must be an absolute path, got '" + spec.cwd + "'");
  }
  if (spec.uid < 0 || spec.gid < 0) return InvalidArgument("uid and gid must not be negative");
  if (spec.limits.cpu_millis < 0 || spec.limits.memory_bytes < 0) {
    return InvalidArgument("limits must not be negative");
  }
  if (spec.log.max_bytes < 4096) return InvalidArgument("log.max_bytes must be at least 4096");
  if (spec.log.keep < 1) return InvalidArgument("log.keep must be at least 1");
  if (caps_.sandbox) OA_TRY(ValidateSandboxLayout(spec));
  return Status::Ok();
}

Result<TaskHandle> LocalBackend::Start(const TaskSpec& spec) {
  OA_TRY(Validate(spec));
  const bool sandboxed = caps_.sandbox;
  std::string exec_path;
  OA_TRY(ResolveExecutable(spec, sandboxed, &exec_path));

  OA_TRY(MakeDirs(spec.task_dir, 0700));
  const std::string spec_path = spec.task_dir + "/" + kSpecFileName;
  if (::access(spec_path.c_str(), F_OK) == 0 ||
      ::access((spec.task_dir + "/" + kExitFileName).c_str(), F_OK) == 0) {
    return AlreadyExists("task_dir " + spec.task_dir +
                         " already holds a task; every task needs its own directory");
  }

  ShimSpec shim;
  shim.key = spec.key;
  shim.task_dir = spec.task_dir;
  for (const auto& [k, v] : spec.env) {
    if (k != kTaskKeyVar) shim.env.push_back(k + "=" + v);
  }
  shim.env.push_back(std::string(kTaskKeyVar) + "=" + spec.key);
  if (sandboxed) {
    shim.exec_path = bwrap_;
    shim.argv = BwrapArgs(bwrap_, spec);
    // bwrap sets PWD to the working directory; the task's environment is exactly its spec's, so
    // unless the spec sets PWD itself, env(1) removes it again (and execvp's argv[0] as bwrap
    // would, with the task's PATH).
    if (spec.env.count("PWD") == 0) {
      shim.argv.insert(shim.argv.end(), {"/usr/bin/env", "-u", "PWD", "--"});
    }
    shim.argv.insert(shim.argv.end(), spec.argv.begin(), spec.argv.end());
  } else {
    shim.exec_path = exec_path;
    shim.argv = spec.argv;
    shim.cwd = spec.cwd;
  }
  shim.set_ids = caps_.setuid;
  shim.uid = spec.uid;
  shim.gid = spec.gid;
  shim.sandboxed = sandboxed;
  shim.log = spec.log;

  TaskCgroup cg;
  if (caps_.cgroups) {
    OA_ASSIGN_OR_RETURN(cg, CreateTaskCgroup(cgroups_, spec.key, spec.limits));
    shim.cgroups.push_back(cg.primary);
    shim.cgroups.insert(shim.cgroups.end(), cg.extra.begin(), cg.extra.end());
  }
  auto cleanup = [&] {
    for (const auto& d : shim.cgroups) (void)RemoveCgroupDir(d);
    ::unlink(spec_path.c_str());
  };
  // Not fsynced: the spec matters only to the shim about to read it, and a machine crash ends
  // the task anyway.
  if (Status s = WriteSpec(spec_path, shim.ToJson().dump()); !s.ok()) {
    cleanup();
    return s;
  }
  auto handle = SpawnShim(spec, spec_path);
  if (!handle.ok()) {
    cleanup();
    return handle.status();
  }
  handle->cgroup = cg.primary;
  handle->cgroup_extra = cg.extra;
  handle->start_time = clock_->NowMillis();
  return handle;
}

Result<TaskHandle> LocalBackend::SpawnShim(const TaskSpec& spec, const std::string& spec_path) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Unavailable(std::string("pipe: ") + std::strerror(errno));
  std::vector<std::string> args = {shim_, "--spec", spec_path, "--status-fd", "3"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  char* envp[] = {nullptr};  // the shim needs no environment; the task's is in the spec

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, p[1], 3);
  // No descriptor of the daemon (sockets, databases) leaks into the shim or the task.
  posix_spawn_file_actions_addclosefrom_np(&fa, 4);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  // A new session: the shim is out of the daemon's process group and terminal, so signals aimed
  // at the daemon (Ctrl-C, systemd's KillMode=process) do not reach it.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, shim_.c_str(), &fa, &attr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(p[1]);
  if (rc != 0) {
    ::close(p[0]);
    return Unavailable("start task shim " + shim_ + ": " + std::strerror(rc));
  }
  std::string line;
  char buf[4096];
  int64_t deadline = MonoMs() + kStartTimeoutMs;
  bool timed_out = false;
  while (line.find('\n') == std::string::npos) {
    pollfd pfd{p[0], POLLIN, 0};
    int left = static_cast<int>(std::max<int64_t>(0, deadline - MonoMs()));
    int r = ::poll(&pfd, 1, left);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      timed_out = true;
      break;
    }
    ssize_t n = ::read(p[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  ::close(p[0]);
  // The first shim process exits right after forking the real one (or on an early error).
  int st;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Unavailable("task shim did not report within " + std::to_string(kStartTimeoutMs) +
                       " ms; see " + spec.task_dir + "/" + kShimErrFileName);
  }
  if (line.rfind("err ", 0) == 0) {
    line = line.substr(4);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    return Unavailable(line);
  }
  TaskHandle h;
  unsigned long long ticks = 0;
  if (std::sscanf(line.c_str(), "ok %d %llu %d", &h.shim_pid, &ticks, &h.pgid) != 3) {
    return Unavailable("task shim exited without reporting; see " + spec.task_dir + "/" +
                       kShimErrFileName);
  }
  h.key = spec.key;
  h.task_dir = spec.task_dir;
  h.shim_start_ticks = ticks;
  return h;
}

TaskStatus LocalBackend::Poll(const TaskHandle& handle) {
  if (auto s = ReadExit(handle.task_dir)) return *s;
  if (ShimAlive(handle)) return TaskStatus{};
  // The shim may have written exit.json and exited between the two looks.
  if (auto s = ReadExit(handle.task_dir)) return *s;
  TaskStatus lost;
  lost.state = TaskState::kLost;
  lost.message = "shim lost: the supervisor of task " + handle.key +
                 " is gone without recording how the task ended";
  return lost;
}

std::vector<int> LocalBackend::TaskPids(const TaskHandle& h, bool cgroup_only,
                                        bool* group_ours) const {
  std::set<int> out;
  const int self = ::getpid();
  auto live = [](const std::optional<ProcStat>& st) {
    return st && st->state != 'Z' && st->state != 'X';
  };
  if (!h.cgroup.empty()) {
    for (int pid : CgroupProcs(h.cgroup)) {
      if (pid != self && live(ReadProcStat(pid))) out.insert(pid);
    }
  }
  bool ours = ShimAlive(h);
  if (!(cgroup_only && !h.cgroup.empty())) {
    // Processes that left the process group (setsid, double fork) still carry the key in their
    // environment; the group itself is ours if the shim still holds its leader or one member
    // carries the key (a pgid cannot be reused while any member lives).
    const std::string entry = std::string(kTaskKeyVar) + "=" + h.key;
    std::vector<int> group;
    for (int pid : ListPids()) {
      if (pid == self || pid == h.shim_pid) continue;
      auto st = ReadProcStat(pid);
      if (!live(st)) continue;
      bool keyed = EnvironHas(pid, entry);
      if (keyed) out.insert(pid);
      if (st->pgrp == h.pgid) {
        group.push_back(pid);
        ours = ours || keyed;
      }
    }
    if (ours) out.insert(group.begin(), group.end());
  }
  if (group_ours != nullptr) *group_ours = ours;
  return {out.begin(), out.end()};
}

void LocalBackend::Kill(const TaskHandle& h, const std::vector<int>& pids, bool group_ours) const {
  if (group_ours && h.pgid > 1) ::kill(-h.pgid, SIGKILL);
  for (int pid : pids) ::kill(pid, SIGKILL);
}

void LocalBackend::Terminate(const TaskHandle& h, const std::vector<int>& pids, bool group_ours,
                             std::set<int>* signalled) const {
  // SIGTERM must reach the task, not bubblewrap: bwrap dies of SIGTERM at once and takes its
  // sandbox with it (--die-with-parent), which would cut the task's grace period to nothing.
  // So under a sandbox the members are signalled one by one, bwrap excepted; without one the
  // whole group at once (no fork slips between a scan and the kill). Each process gets SIGTERM
  // once (a second one means "hurry" to some programs); Stop() calls this again as processes
  // appear, e.g. the task itself while bwrap is still setting up the sandbox.
  auto leader = ReadProcStat(h.pgid);
  bool sandboxed = leader && leader->comm == "bwrap";
  if (group_ours && h.pgid > 1 && !sandboxed && signalled->empty()) {
    ::kill(-h.pgid, SIGTERM);
    for (int pid : pids) {
      auto st = ReadProcStat(pid);
      if (st && st->pgrp == h.pgid) signalled->insert(pid);
    }
  }
  for (int pid : pids) {
    if (signalled->count(pid)) continue;
    auto st = ReadProcStat(pid);
    if (!st || st->comm == "bwrap") continue;
    ::kill(pid, SIGTERM);
    signalled->insert(pid);
  }
}

Status LocalBackend::Stop(const TaskHandle& handle, int grace_ms) {
  bool group_ours = false;
  std::vector<int> pids = TaskPids(handle, false, &group_ours);
  if (!pids.empty()) {
    std::set<int> signalled;
    Terminate(handle, pids, group_ours, &signalled);
    const int64_t grace_end = MonoMs() + std::max(0, grace_ms);
    while (MonoMs() < grace_end) {
      SleepMs(std::min<int64_t>(kStepMs, std::max<int64_t>(1, grace_end - MonoMs())));
      pids = TaskPids(handle, false, &group_ours);
      if (pids.empty()) break;
      Terminate(handle, pids, group_ours, &signalled);
    }
    // SIGKILL until nothing carrying the task is left; a process forking while we look is
    // caught on the next round.
    const int64_t kill_end = MonoMs() + kSweepTimeoutMs;
    while (!pids.empty()) {
      Kill(handle, pids, group_ours);
      if (MonoMs() >= kill_end) {
        std::string list;
        for (int p : pids) list += (list.empty() ? "" : " ") + std::to_string(p);
        return Internal("processes of task " + handle.key + " survived SIGKILL for " +
                        std::to_string(kSweepTimeoutMs) + " ms: " + list);
      }
      SleepMs(kStepMs);
      pids = TaskPids(handle, false, &group_ours);
    }
  }
  // The shim reaps the task and records its end; give it the time to drain the pipes.
  const int64_t end = MonoMs() + kShimExitTimeoutMs;
  while (::access((handle.task_dir + "/" + kExitFileName).c_str(), F_OK) != 0 && ShimAlive(handle)) {
    if (MonoMs() >= end) {
      return Unavailable("task " + handle.key + " is stopped but its shim (pid " +
                         std::to_string(handle.shim_pid) + ") has not recorded its end");
    }
    SleepMs(kStepMs);
  }
  return Status::Ok();
}

Result<TaskStatus> LocalBackend::Wait(const TaskHandle& handle, int timeout_ms) {
  const int64_t deadline = MonoMs() + std::max(0, timeout_ms);
  // exit.json appears by rename: inotify wakes us at once; the timeout bounds how late a lost
  // shim is noticed.
  int in = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in >= 0) ::inotify_add_watch(in, handle.task_dir.c_str(), IN_MOVED_TO | IN_CREATE);
  while (true) {
    TaskStatus s = Poll(handle);
    if (s.state != TaskState::kRunning) {
      if (in >= 0) ::close(in);
      return s;
    }
    int64_t left = deadline - MonoMs();
    if (left <= 0) {
      if (in >= 0) ::close(in);
      return DeadlineExceeded("task " + handle.key + " still running after " +
                              std::to_string(timeout_ms) + " ms");
    }
    int step = static_cast<int>(std::min<int64_t>(left, in >= 0 ? 200 : kStepMs));
    if (in >= 0) {
      pollfd pfd{in, POLLIN, 0};
      if (::poll(&pfd, 1, step) > 0) {
        char buf[4096];
        while (::read(in, buf, sizeof(buf)) > 0) {
        }
      }
    } else {
      SleepMs(step);
    }
  }
}

Result<Usage> LocalBackend::Sample(const TaskHandle& handle) {
  Usage u;
  uint64_t ticks = 0;
  uint64_t oldest_start = 0;
  for (int pid : TaskPids(handle, true, nullptr)) {
    auto st = ReadProcStat(pid);
    if (!st) continue;
    ++u.processes;
    ticks += st->cpu_ticks;
    u.memory_bytes += ReadRssBytes(pid);
    if (oldest_start == 0 || st->start_ticks < oldest_start) oldest_start = st->start_ticks;
  }
  const int64_t now = MonotonicNanos();
  const double hz = static_cast<double>(TicksPerSecond());
  std::lock_guard lock(mu_);
  auto it = cpu_marks_.find(handle.key);
  if (it != cpu_marks_.end() && now > it->second.mono_ns) {
    double dt = static_cast<double>(now - it->second.mono_ns) / 1e9;
    double dticks = ticks > it->second.ticks ? static_cast<double>(ticks - it->second.ticks) : 0;
    u.cpu_percent = 100.0 * dticks / hz / dt;
  } else if (u.processes > 0) {
    // First sample (or a new daemon): the average since the oldest process started.
    auto uptime = ReadFile("/proc/uptime");
    double up = uptime.ok() ? std::atof(uptime->c_str()) : 0;
    double lived = up - static_cast<double>(oldest_start) / hz;
    if (lived > 0.01) u.cpu_percent = 100.0 * static_cast<double>(ticks) / hz / lived;
  }
  cpu_marks_[handle.key] = {ticks, now};
  return u;
}

Status LocalBackend::Release(const TaskHandle& handle) {
  if (Poll(handle).state == TaskState::kRunning) {
    return FailedPrecondition("task " + handle.key + " is still running; Stop() it first");
  }
  if (!handle.cgroup.empty()) OA_TRY(RemoveCgroupDir(handle.cgroup));
  for (const auto& d : handle.cgroup_extra) OA_TRY(RemoveCgroupDir(d));
  // The next task may reuse the directory (a restarted run appends to the same log).
  ::unlink((handle.task_dir + "/" + kSpecFileName).c_str());
  ::unlink((handle.task_dir + "/" + kExitFileName).c_str());
  std::lock_guard lock(mu_);
  cpu_marks_.erase(handle.key);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Backend>> CreateLocal(const LocalOptions& options) {
  if (options.sandbox != "auto" && options.sandbox != "bwrap" && options.sandbox != "none") {
    return InvalidArgument("sandbox must be \"auto\", \"bwrap\" or \"none\", got '" +
                           options.sandbox + "'");
  }
  std::string shim = FindShim(options.shim_path);
  if (shim.empty()) {
    return FailedPrecondition(
        options.shim_path.empty()
            ? std::string("openarts-task-shim not found beside this program or on PATH; install "
                          "it or set shim_path")
            : "shim_path " + options.shim_path + " is not an executable file");
  }
  Capabilities caps;
  caps.setuid = ::geteuid() == 0;
  std::string bwrap;
  if (options.sandbox == "none") {
    caps.sandbox_reason = "disabled (sandbox = \"none\")";
  } else {
    bwrap = FindOnPath("bwrap");
    if (bwrap.empty() && IsExecutable("/usr/bin/bwrap")) bwrap = "/usr/bin/bwrap";
    if (bwrap.empty()) {
      caps.sandbox_reason = "bwrap not found (install the bubblewrap package)";
    } else {
      // The probe runs the real layout as an unprivileged user, which is how tasks run.
      TaskSpec probe;
      probe.uid = 1000;
      probe.gid = 1000;
      std::vector<std::string> args = BwrapArgs(bwrap, probe);
      args.push_back("/bin/true");
      ProbeResult r = RunProbe(args, caps.setuid, 65534, 65534);
      if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) {
        caps.sandbox = true;
      } else {
        caps.sandbox_reason = "bwrap does not work here: " +
                              (r.err.empty() ? std::string("probe failed") : r.err) +
                              " (unprivileged user namespaces may be disabled)";
      }
    }
    if (!caps.sandbox && options.sandbox == "bwrap") {
      return FailedPrecondition("sandbox = \"bwrap\" but " + caps.sandbox_reason);
    }
  }
  if (options.cgroups != "auto" && options.cgroups != "none") {
    return InvalidArgument("cgroups must be \"auto\" or \"none\", got '" + options.cgroups + "'");
  }
  CgroupLayout cg;
  if (options.cgroups == "none") {
    cg.reason = "disabled (cgroups = \"none\")";
  } else {
    cg = PrepareCgroups(options.cgroup_parent);
  }
  caps.cgroups = cg.version != 0;
  caps.cgroups_reason = cg.reason;
  return std::unique_ptr<Backend>(
      new LocalBackend(options, std::move(caps), std::move(shim), std::move(bwrap), std::move(cg)));
}

}  // namespace openarts::exec
