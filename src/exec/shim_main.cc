// openarts-task-shim: the supervisor of one task (see shim_spec.h for the protocol).
//
// It outlives the daemon: started in its own session and re-parented away from the daemon, it
// ignores SIGTERM/SIGINT/SIGHUP (stopping is done to the task, not to the shim), owns the task's
// stdout and stderr pipes, writes each line to the log as it arrives, reaps the task and records
// how it ended in exit.json. Its own troubles go to <task_dir>/shim.err.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/json.h"
#include "cri_log.h"
#include "procfs.h"
#include "shim_spec.h"

namespace openarts::exec {
namespace {

constexpr int64_t kPartialFlushNanos = 100'000'000;  // a pending partial line waits at most this
constexpr size_t kMaxRecordText = 16 << 10;          // longer pending text goes out as P records
constexpr int64_t kDrainNanos = 1'000'000'000;       // after the task is reaped, read at most this

std::string g_err_path;

// Appends one line to shim.err (and is quiet if even that fails: nobody else would listen).
void ShimLog(const std::string& msg) {
  if (g_err_path.empty()) return;
  int fd = ::open(g_err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return;
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  std::string line =
      FormatRfc3339Nanos(static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec) + " " +
      msg + "\n";
  ssize_t ignored = ::write(fd, line.data(), line.size());
  (void)ignored;
  ::close(fd);
}

int64_t NowNanos() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t MonoNanos() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// One of the task's output streams.
struct Stream {
  int fd = -1;
  bool is_stderr = false;
  bool eof = false;
  std::string pending;       // a line not yet ended
  int64_t pending_mono = 0;  // when its first byte arrived
};

class Logger {
 public:
  explicit Logger(std::unique_ptr<LogWriter> w) : w_(std::move(w)) {}

  // Writes `text` as records of at most kMaxRecordText bytes: all P but the last, which is
  // P or F as asked. Readers then never meet a record much longer than 16 KiB.
  void Emit(const Stream& s, bool partial, std::string_view text) {
    while (text.size() > kMaxRecordText) {
      EmitOne(s, true, text.substr(0, kMaxRecordText));
      text.remove_prefix(kMaxRecordText);
    }
    EmitOne(s, partial, text);
  }

  void EmitOne(const Stream& s, bool partial, std::string_view text) {
    Status st = w_->Append(FormatLogRecord(NowNanos(), s.is_stderr, partial, text));
    if (!st.ok() && !failed_) {
      // Keep draining the pipes so the task never blocks on a full pipe; say so once.
      failed_ = true;
      ShimLog("log write failed, output is being dropped: " + st.ToString());
    }
  }

  // Splits what arrived into records: complete lines as F, over-long pending text as P.
  void Take(Stream& s, const char* data, size_t n) {
    size_t i = 0;
    while (i < n) {
      const char* nl = static_cast<const char*>(std::memchr(data + i, '\n', n - i));
      if (nl == nullptr) {
        if (s.pending.empty()) s.pending_mono = MonoNanos();
        s.pending.append(data + i, n - i);
        break;
      }
      size_t len = static_cast<size_t>(nl - (data + i));
      if (s.pending.empty()) {
        Emit(s, false, std::string_view(data + i, len));
      } else {
        s.pending.append(data + i, len);
        Emit(s, false, s.pending);
        s.pending.clear();
      }
      i += len + 1;
    }
    while (s.pending.size() >= kMaxRecordText) {
      Emit(s, true, std::string_view(s.pending).substr(0, kMaxRecordText));
      s.pending.erase(0, kMaxRecordText);
      s.pending_mono = MonoNanos();
    }
  }

  // A partial line waiting longer than kPartialFlushNanos goes out as a P record (or as F at the
  // end of the stream).
  void FlushStale(Stream& s, bool final) {
    if (s.pending.empty()) return;
    if (!final && MonoNanos() - s.pending_mono < kPartialFlushNanos) return;
    Emit(s, !final, s.pending);
    s.pending.clear();
  }

 private:
  std::unique_ptr<LogWriter> w_;
  bool failed_ = false;
};

// Reads what is available without blocking; marks EOF.
void Drain(Stream& s, Logger& log) {
  char buf[64 << 10];
  while (!s.eof) {
    ssize_t n = ::read(s.fd, buf, sizeof(buf));
    if (n > 0) {
      log.Take(s, buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    s.eof = true;  // 0 (every writer closed) or a real error
    ::close(s.fd);
    s.fd = -1;
  }
}

// Runs in the forked child: becomes the task. Only reports a failure (through `err_fd`) and
// exits 127; on success execve does not return.
[[noreturn]] void BecomeTask(const ShimSpec& spec, int out_fd, int err_fd_stream, int report_fd,
                             char* const* argv, char* const* envp) {
  auto fail = [&](const std::string& what, int err) {
    std::string msg = what + ": " + std::strerror(err);
    WriteAll(report_fd, msg);
    _exit(127);
  };
  ::setpgid(0, 0);
  // The shim ignores some signals and the task must not inherit that (ignored dispositions
  // survive execve).
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull < 0) fail("open /dev/null", errno);
  if (::dup2(devnull, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd_stream, 2) < 0) {
    fail("dup2", errno);
  }
  // Join the cgroups while still privileged; "0" means the writing process.
  for (const auto& dir : spec.cgroups) {
    std::string path = dir + "/cgroup.procs";
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) fail("join cgroup " + dir, errno);
    ::close(fd);
  }
  if (spec.set_ids) {
    gid_t gid = static_cast<gid_t>(spec.gid);
    if (::setgroups(1, &gid) != 0) fail("setgroups", errno);
    if (::setgid(gid) != 0) fail("setgid " + std::to_string(spec.gid), errno);
    if (::setuid(static_cast<uid_t>(spec.uid)) != 0) fail("setuid " + std::to_string(spec.uid), errno);
  }
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) fail("chdir " + spec.cwd, errno);
  ::execve(spec.exec_path.c_str(), argv, envp);
  fail("exec " + spec.exec_path, errno);
  _exit(127);  // not reached: fail() exits
}

int PidfdOpen(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Runs the task to its end; returns the process exit code of the shim.
int Run(const ShimSpec& spec, int status_fd) {
  auto report = [&](const std::string& line) {
    if (status_fd < 0) return;
    WriteAll(status_fd, line + "\n");
    ::close(status_fd);
    status_fd = -1;
  };
  auto fail = [&](const std::string& msg) {
    ShimLog("start failed: " + msg);
    report("err " + msg);
    return 1;
  };

  auto writer = LogWriter::Open(spec.task_dir, spec.log);
  if (!writer.ok()) return fail(writer.status().message());
  Logger logger(std::move(*writer));

  int out_pipe[2], err_pipe[2], report_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(report_pipe, O_CLOEXEC) != 0) {
    return fail(std::string("pipe: ") + std::strerror(errno));
  }
  // Everything the child needs, built before fork.
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) return fail(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) BecomeTask(spec, out_pipe[1], err_pipe[1], report_pipe[1], argv.data(), envp.data());
  ::setpgid(pid, pid);  // also done by the child; whoever is first wins the race harmlessly
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(report_pipe[1]);

  // The report pipe closes on a successful exec (O_CLOEXEC) or carries the failure.
  std::string failure;
  char buf[1024];
  while (true) {
    ssize_t n = ::read(report_pipe[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    failure.append(buf, static_cast<size_t>(n));
  }
  ::close(report_pipe[0]);
  if (!failure.empty()) {
    int st;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return fail(failure);
  }
  report("ok " + std::to_string(::getpid()) + " " + std::to_string(LiveStartTicks(::getpid())) +
         " " + std::to_string(pid));

  Stream streams[2];
  streams[0].fd = out_pipe[0];
  streams[1].fd = err_pipe[0];
  streams[1].is_stderr = true;
  for (auto& s : streams) ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) | O_NONBLOCK);
  int pidfd = PidfdOpen(pid);  // -1 on kernels before 5.3: then waitpid every 50 ms

  bool reaped = false;
  int wstatus = 0;
  int64_t reaped_mono = 0;
  while (true) {
    int64_t now = MonoNanos();
    int64_t timeout_ns = -1;
    for (auto& s : streams) {
      if (!s.pending.empty()) {
        int64_t left = s.pending_mono + kPartialFlushNanos - now;
        timeout_ns = timeout_ns < 0 ? left : std::min(timeout_ns, left);
      }
    }
    if (!reaped && pidfd < 0) timeout_ns = timeout_ns < 0 ? 50'000'000 : std::min<int64_t>(timeout_ns, 50'000'000);
    if (reaped) {
      int64_t left = reaped_mono + kDrainNanos - now;
      timeout_ns = timeout_ns < 0 ? left : std::min(timeout_ns, left);
    }
    pollfd fds[3];
    int nfds = 0;
    for (auto& s : streams) {
      if (!s.eof) fds[nfds++] = {s.fd, POLLIN, 0};
    }
    int pidfd_index = -1;
    if (!reaped && pidfd >= 0) {
      pidfd_index = nfds;
      fds[nfds++] = {pidfd, POLLIN, 0};
    }
    int timeout_ms = timeout_ns < 0 ? -1 : static_cast<int>((std::max<int64_t>(timeout_ns, 0) + 999'999) / 1'000'000);
    int r = ::poll(fds, static_cast<nfds_t>(nfds), timeout_ms);
    if (r < 0 && errno != EINTR) {
      ShimLog(std::string("poll: ") + std::strerror(errno));
      ::usleep(10000);
    }
    for (auto& s : streams) {
      if (!s.eof) Drain(s, logger);
    }
    for (auto& s : streams) logger.FlushStale(s, s.eof);
    bool child_event = pidfd_index < 0 ? !reaped : (fds[pidfd_index].revents != 0);
    if (!reaped && child_event) {
      pid_t w = ::waitpid(pid, &wstatus, WNOHANG);
      if (w == pid) {
        reaped = true;
        reaped_mono = MonoNanos();
        if (pidfd >= 0) ::close(pidfd);
      } else if (w < 0 && errno != EINTR) {
        ShimLog(std::string("waitpid: ") + std::strerror(errno));
        reaped = true;  // nothing left to wait for; exit.json will say so
        reaped_mono = MonoNanos();
        wstatus = 255 << 8;
      }
    }
    // Grandchildren may keep the pipes open forever: after the task is reaped, read until EOF
    // or for at most kDrainNanos.
    if (reaped && ((streams[0].eof && streams[1].eof) || MonoNanos() - reaped_mono >= kDrainNanos)) {
      break;
    }
  }
  for (auto& s : streams) {
    if (!s.eof) Drain(s, logger);
    logger.FlushStale(s, true);
  }

  int exit_code = 0, sig = 0;
  if (WIFSIGNALED(wstatus)) {
    sig = WTERMSIG(wstatus);
    exit_code = 128 + sig;
  } else {
    exit_code = WEXITSTATUS(wstatus);
    // bubblewrap reports a task killed by signal N as exit code 128+N.
    if (spec.sandboxed && exit_code > 128 && exit_code < 128 + NSIG) sig = exit_code - 128;
  }
  Json exit = {{"exit_code", exit_code},
               {"signal", sig},
               {"end_time", NowNanos() / 1'000'000},
               {"message", ExitMessage(exit_code, sig)},
               {"pid", pid}};
  Status s = WriteFileAtomic(spec.task_dir + "/" + kExitFileName, exit.dump() + "\n", 0644);
  if (!s.ok()) {
    ShimLog("writing exit.json failed: " + s.ToString());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace openarts::exec

int main(int argc, char** argv) {
  using namespace openarts::exec;
  std::string spec_path;
  int status_fd = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--spec") spec_path = argv[i + 1];
    if (a == "--status-fd") status_fd = std::atoi(argv[i + 1]);
  }
  if (spec_path.empty()) {
    std::fprintf(stderr, "usage: openarts-task-shim --spec <task_dir>/spec.json [--status-fd N]\n");
    return 2;
  }
  // The status pipe must not leak into the task.
  if (status_fd >= 0) ::fcntl(status_fd, F_SETFD, FD_CLOEXEC);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) ::sigaction(sig, &ign, nullptr);

  std::string dir = spec_path.substr(0, spec_path.rfind('/'));
  g_err_path = dir + "/" + kShimErrFileName;
  auto report_err = [&](const std::string& msg) {
    ShimLog("start failed: " + msg);
    if (status_fd >= 0) WriteAll(status_fd, "err " + msg + "\n");
    return 1;
  };
  auto text = openarts::ReadFile(spec_path);
  if (!text.ok()) return report_err(text.status().message());
  auto json = openarts::ParseJson(*text);
  if (!json.ok()) return report_err(json.status().message());
  auto spec = ShimSpec::FromJson(*json);
  if (!spec.ok()) return report_err(spec.status().message());

  // Fork once more and let the first process exit at once (the daemon reaps it): the shim is
  // then re-parented to init (or a subreaper) and never lingers as the daemon's zombie.
  pid_t pid = ::fork();
  if (pid < 0) return report_err(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) _exit(0);
  return Run(*spec, status_fd);
}
