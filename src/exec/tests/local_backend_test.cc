// The local backend with real processes: a real shim, bubblewrap and cgroups where this machine
// has them (tests that need them say why they skip). Generic behaviour runs twice: without the
// sandbox and with it ("auto": the same as none where bubblewrap does not work).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "base/base.h"
#include "exec/exec.h"
#include "procfs.h"

namespace openarts::exec {
namespace {

const char* const kShim = OPENARTS_BINARY_DIR "/src/exec/openarts-task-shim";

// A scratch directory on the build tree's file system, not /tmp: inside the sandbox /tmp is an
// empty tmpfs, and the sandbox tests need host paths the task could otherwise see.
class ScratchDir {
 public:
  ScratchDir() {
    path_ = std::string(OPENARTS_BINARY_DIR) + "/exec-test-tmp/" + NewId();
    std::filesystem::create_directories(path_);
    // Tasks run as uid 1000: they must be able to traverse to their mounts' sources.
    ::chmod((std::string(OPENARTS_BINARY_DIR) + "/exec-test-tmp").c_str(), 0711);
    ::chmod(path_.c_str(), 0711);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<Backend> MakeBackend(const std::string& sandbox) {
  auto b = CreateLocal({.shim_path = kShim, .sandbox = sandbox});
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? std::move(*b) : nullptr;
}

std::string UniqueKey(const std::string& name) {
  static std::atomic<int> n{0};
  return "t" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "." + name;
}

TaskSpec ShellSpec(const ScratchDir& dir, const std::string& name, const std::string& script) {
  TaskSpec s;
  s.key = UniqueKey(name);
  s.task_dir = dir.path() + "/" + s.key;
  s.argv = {"/bin/sh", "-c", script};
  s.env = {{"PATH", "/usr/bin:/bin"}};
  return s;
}

std::vector<LogLine> ReadAllLines(const std::string& task_dir) {
  std::vector<LogLine> out;
  uint64_t off = 0;
  for (int i = 0; i < 10000; ++i) {
    auto c = ReadLog(task_dir, off, 1 << 20);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (!c.ok()) break;
    for (auto& l : c->lines) out.push_back(std::move(l));
    if (c->next_offset == off) break;
    off = c->next_offset;
  }
  return out;
}

std::vector<std::string> Texts(const std::vector<LogLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

// Pids of live processes whose environment carries the task's key.
std::vector<int> Carriers(const std::string& key) {
  std::vector<int> out;
  for (int pid : ListPids()) {
    if (LiveStartTicks(pid) != 0 && EnvironHas(pid, "OPENARTS_TASK_KEY=" + key)) out.push_back(pid);
  }
  return out;
}

class LocalBackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = MakeBackend(GetParam());
    ASSERT_NE(backend_, nullptr);
  }
  void TearDown() override {
    for (const auto& h : started_) {
      EXPECT_TRUE(backend_->Stop(h, 0).ok());
      EXPECT_TRUE(backend_->Release(h).ok());
    }
  }
  TaskHandle Start(const TaskSpec& spec) {
    auto h = backend_->Start(spec);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    if (!h.ok()) return {};
    started_.push_back(*h);
    return *h;
  }
  TaskStatus WaitDone(const TaskHandle& h, int ms = 20000) {
    auto s = backend_->Wait(h, ms);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : TaskStatus{};
  }
  ScratchDir dir_;
  std::unique_ptr<Backend> backend_;
  std::vector<TaskHandle> started_;
};

TEST_P(LocalBackendTest, ReportsExitCode) {
  TaskHandle h = Start(ShellSpec(dir_, "exit", "exit 3"));
  EXPECT_GT(h.pgid, 0);
  TaskStatus s = WaitDone(h);
  EXPECT_EQ(s.state, TaskState::kExited);
  EXPECT_EQ(s.exit_code, 3);
  EXPECT_EQ(s.signal, 0);
  EXPECT_EQ(s.message, "exited with code 3");
  EXPECT_GT(s.end_time, 0);
  EXPECT_EQ(backend_->Poll(h).exit_code, 3);
}

TEST_P(LocalBackendTest, ReportsTerminatingSignal) {
  TaskHandle h = Start(ShellSpec(dir_, "sig", "kill -KILL $$"));
  TaskStatus s = WaitDone(h);
  EXPECT_EQ(s.state, TaskState::kExited);
  EXPECT_EQ(s.exit_code, 137);
  EXPECT_EQ(s.signal, 9);
  EXPECT_EQ(s.message, "killed by signal 9 (SIGKILL)");
}

TEST_P(LocalBackendTest, EnvironmentIsExactlyTheSpecsPlusTheKey) {
  TaskSpec spec = ShellSpec(dir_, "env", "");
  spec.argv = {"env"};
  spec.env = {{"PATH", "/usr/bin:/bin"}, {"A", "1"}, {"B", "two words"}, {"EMPTY", ""}};
  TaskHandle h = Start(spec);
  ASSERT_EQ(WaitDone(h).exit_code, 0);
  auto lines = Texts(ReadAllLines(spec.task_dir));
  std::sort(lines.begin(), lines.end());
  std::vector<std::string> want = {"A=1", "B=two words", "EMPTY=", "OPENARTS_TASK_KEY=" + spec.key,
                                   "PATH=/usr/bin:/bin"};
  EXPECT_EQ(lines, want);
}

TEST_P(LocalBackendTest, RunsInCwdAsTheTaskUser) {
  TaskSpec spec = ShellSpec(dir_, "cwd", "pwd; id -u; id -g");
  spec.cwd = "/usr/share";
  spec.uid = 1000;
  spec.gid = 1000;
  TaskHandle h = Start(spec);
  ASSERT_EQ(WaitDone(h).exit_code, 0);
  auto lines = Texts(ReadAllLines(spec.task_dir));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "/usr/share");
  if (backend_->capabilities().setuid || backend_->capabilities().sandbox) {
    EXPECT_EQ(lines[1], "1000");
    EXPECT_EQ(lines[2], "1000");
  }
}

TEST_P(LocalBackendTest, SeparatesStdoutAndStderr) {
  TaskSpec spec = ShellSpec(dir_, "streams", "echo out1; echo err1 >&2; echo; echo out2");
  TaskHandle h = Start(spec);
  ASSERT_EQ(WaitDone(h).exit_code, 0);
  auto lines = ReadAllLines(spec.task_dir);
  std::vector<std::pair<std::string, bool>> got;
  for (const auto& l : lines) got.emplace_back(l.text, l.is_stderr);
  std::vector<std::pair<std::string, bool>> out, err;
  for (const auto& g : got) (g.second ? err : out).push_back(g);
  EXPECT_EQ(out, (std::vector<std::pair<std::string, bool>>{{"out1", false}, {"", false},
                                                            {"out2", false}}));
  EXPECT_EQ(err, (std::vector<std::pair<std::string, bool>>{{"err1", true}}));
  // The raw file is CRI: "<time> stdout F out1".
  std::ifstream f(spec.task_dir + "/task.log");
  std::string first;
  std::getline(f, first);
  EXPECT_NE(first.find("Z std"), std::string::npos) << first;
  EXPECT_TRUE(first.ends_with(" F out1") || first.ends_with(" F err1")) << first;
}

TEST_P(LocalBackendTest, FlushesAPartialLineAndJoinsItLater) {
  TaskSpec spec = ShellSpec(dir_, "partial", "printf 'epoch 1: '; sleep 0.6; echo done");
  TaskHandle h = Start(spec);
  // The unfinished line is visible long before its newline.
  std::string seen;
  for (int i = 0; i < 50 && seen.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto c = ReadLog(spec.task_dir, 0, 1 << 20);
    if (c.ok() && !c->lines.empty()) seen = c->lines[0].text;
  }
  EXPECT_EQ(seen, "epoch 1: ");
  EXPECT_EQ(backend_->Poll(h).state, TaskState::kRunning);
  ASSERT_EQ(WaitDone(h).exit_code, 0);
  EXPECT_EQ(Texts(ReadAllLines(spec.task_dir)), std::vector<std::string>{"epoch 1: done"});
  std::ifstream f(spec.task_dir + "/task.log");
  std::string rec;
  std::getline(f, rec);
  EXPECT_TRUE(rec.ends_with(" stdout P epoch 1: ")) << rec;
}

TEST_P(LocalBackendTest, SplitsAVeryLongLine) {
  TaskSpec spec = ShellSpec(dir_, "long", "head -c 40000 /dev/zero | tr '\\0' x; echo");
  TaskHandle h = Start(spec);
  ASSERT_EQ(WaitDone(h).exit_code, 0);
  auto lines = Texts(ReadAllLines(spec.task_dir));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], std::string(40000, 'x'));
  std::ifstream f(spec.task_dir + "/task.log");
  int records = 0;
  for (std::string r; std::getline(f, r);) ++records;
  EXPECT_EQ(records, 3);  // 16 KiB P, 16 KiB P, the rest F
}

TEST_P(LocalBackendTest, RotatesAndReadsAcrossRotatedFiles) {
  TaskSpec spec = ShellSpec(
      dir_, "rotate",
      "i=0; while [ $i -lt 2000 ]; do echo \"line $i ................................................\"; i=$((i+1)); done");
  spec.log = {.max_bytes = 16384, .keep = 3};
  TaskHandle h = Start(spec);
  ASSERT_EQ(WaitDone(h).exit_code, 0);
  auto files = LogFiles(spec.task_dir);
  ASSERT_EQ(files.size(), 4u);
  auto c = ReadLog(spec.task_dir, 0, 1 << 20);
  ASSERT_TRUE(c.ok());
  EXPECT_GT(c->skipped, 0u);
  std::string first_name = std::filesystem::path(files[0]).filename().string();
  EXPECT_EQ(c->skipped, std::stoull(first_name.substr(9)));
  // Everything kept, in order, through to the last line; absolute end = all bytes ever written.
  auto lines = Texts(ReadAllLines(spec.task_dir));
  ASSERT_FALSE(lines.empty());
  int n0 = std::stoi(lines[0].substr(5));
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i].substr(0, lines[i].find(' ', 5)), "line " + std::to_string(n0 + i));
  }
  EXPECT_EQ(lines.back().substr(0, 9), "line 1999");
  uint64_t rotated_bytes = 0;
  for (const auto& f : files) rotated_bytes += std::filesystem::file_size(f);
  EXPECT_EQ(c->end_offset, c->skipped + rotated_bytes);
}

TEST_P(LocalBackendTest, LogLineIsReadableWithin200Ms) {
  TaskSpec spec = ShellSpec(dir_, "latency",
                            "for i in 1 2 3 4 5; do sleep 0.2; date +%s%N; done; sleep 0.2");
  TaskHandle h = Start(spec);
  uint64_t off = 0;
  int checked = 0;
  int64_t worst_ms = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (checked < 5 && std::chrono::steady_clock::now() < until) {
    auto c = ReadLog(spec.task_dir, off, 1 << 20);
    ASSERT_TRUE(c.ok());
    int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    for (const auto& l : c->lines) {
      int64_t printed_ns = std::stoll(l.text);
      worst_ms = std::max<int64_t>(worst_ms, (now_ns - printed_ns) / 1'000'000);
      ++checked;
    }
    off = c->next_offset;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(checked, 5);
  EXPECT_LT(worst_ms, 200);
  std::printf("worst print-to-readable latency: %lld ms\n", static_cast<long long>(worst_ms));
}

TEST_P(LocalBackendTest, StopKillsWhatIgnoresTermAndEscapesTheGroup) {
  // The shell ignores SIGTERM (and so do its children), and one grandchild leaves the process
  // group through setsid -f (fork + setsid: a new session, re-parented away from the task).
  TaskSpec spec = ShellSpec(dir_, "stubborn",
                            "trap '' TERM; setsid -f sh -c \"trap '' TERM; sleep 1000\"; "
                            "sleep 1000 & echo started; wait");
  TaskHandle h = Start(spec);
  auto escaped = [&] {
    for (int pid : Carriers(spec.key)) {
      auto st = ReadProcStat(pid);
      if (st && st->pgrp != h.pgid && st->comm == "sleep") return true;
    }
    return false;
  };
  for (int i = 0; i < 500 && !escaped(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(escaped()) << "setsid -f did not leave the process group";
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the traps are set
  auto t0 = std::chrono::steady_clock::now();
  Status s = backend_->Stop(h, 300);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(took, std::chrono::milliseconds(300));  // the grace was honoured
  EXPECT_TRUE(Carriers(spec.key).empty());
  TaskStatus st = backend_->Poll(h);
  EXPECT_EQ(st.state, TaskState::kExited);
  EXPECT_EQ(st.signal, 9);
  EXPECT_TRUE(backend_->Stop(h, 300).ok());  // idempotent
}

TEST_P(LocalBackendTest, StopEndsAPoliteTaskWithSigterm) {
  TaskSpec spec = ShellSpec(dir_, "polite", "sleep 1000");
  spec.argv = {"sleep", "1000"};
  TaskHandle h = Start(spec);
  ASSERT_TRUE(backend_->Stop(h, 5000).ok());
  TaskStatus st = backend_->Poll(h);
  EXPECT_EQ(st.state, TaskState::kExited);
  EXPECT_EQ(st.signal, 15);
  EXPECT_EQ(st.exit_code, 143);
}

TEST_P(LocalBackendTest, MissingBinaryFailsStart) {
  TaskSpec spec = ShellSpec(dir_, "missing", "");
  spec.argv = {"/bin/nonexistent", "x"};
  auto h = backend_->Start(spec);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("exec /bin/nonexistent: No such file or directory"),
            std::string::npos)
      << h.status().ToString();
  spec.argv = {"no-such-program"};
  EXPECT_FALSE(backend_->Start(spec).ok());
}

TEST_P(LocalBackendTest, ExecFailureInTheShimFailsStart) {
  // Passes every check before exec (an executable file) but execve refuses it.
  std::string bad = dir_.path() + "/not-a-program";
  std::ofstream(bad) << "\x01\x02\x03 not a script\n";
  ::chmod(bad.c_str(), 0755);
  TaskSpec spec = ShellSpec(dir_, "noexec", "");
  spec.argv = {bad};
  auto h = backend_->Start(spec);
  if (h.ok()) started_.push_back(*h);
  if (backend_->capabilities().sandbox) {
    // Under the sandbox bubblewrap execs the task; its failure is the task's exit code.
    GTEST_SKIP() << "bubblewrap reports exec failures as exit code 1 of the task";
  }
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Code::kUnavailable);
  EXPECT_NE(h.status().message().find("exec " + bad + ": Exec format error"), std::string::npos)
      << h.status().ToString();
}

TEST_P(LocalBackendTest, RejectsBadSpecsNamingTheField) {
  TaskSpec spec = ShellSpec(dir_, "bad", "true");
  spec.key = "has space";
  EXPECT_NE(backend_->Start(spec).status().message().find("key"), std::string::npos);
  spec = ShellSpec(dir_, "bad", "true");
  spec.task_dir = "relative";
  EXPECT_NE(backend_->Start(spec).status().message().find("task_dir"), std::string::npos);
  spec = ShellSpec(dir_, "bad", "true");
  spec.env["A=B"] = "x";
  EXPECT_NE(backend_->Start(spec).status().message().find("env"), std::string::npos);
  spec = ShellSpec(dir_, "bad", "true");
  spec.log.keep = 0;
  EXPECT_EQ(backend_->Start(spec).status().code(), Code::kInvalidArgument);
  // A task directory holds one task.
  spec = ShellSpec(dir_, "once", "true");
  TaskHandle h = Start(spec);
  WaitDone(h);
  EXPECT_EQ(backend_->Start(spec).status().code(), Code::kAlreadyExists);
}

TEST_P(LocalBackendTest, SamplesCpuAndMemory) {
  TaskSpec spec = ShellSpec(dir_, "busy", "while :; do :; done");
  TaskHandle h = Start(spec);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(backend_->Sample(h).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto u = backend_->Sample(h);
  ASSERT_TRUE(u.ok());
  EXPECT_GE(u->processes, 1);
  EXPECT_GT(u->memory_bytes, 0u);
  // A busy loop: ~100 % on an idle machine, but a shared 2-core CI machine at load 8 gives it a
  // quarter of a core (37.7 % was seen). Above 10 % still shows the sampler reads its CPU time.
  EXPECT_GT(u->cpu_percent, 10.0);
  EXPECT_LT(u->cpu_percent, 250.0);
  ASSERT_TRUE(backend_->Stop(h, 1000).ok());
  auto after = backend_->Sample(h);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->processes, 0);
}

TEST_P(LocalBackendTest, LostShimIsReportedAndStopStillSweeps) {
  TaskSpec spec = ShellSpec(dir_, "lost", "sleep 1000");
  TaskHandle h = Start(spec);
  ASSERT_EQ(::kill(h.shim_pid, SIGKILL), 0);
  for (int i = 0; i < 100 && LiveStartTicks(h.shim_pid) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  TaskStatus st = backend_->Poll(h);
  EXPECT_EQ(st.state, TaskState::kLost);
  EXPECT_NE(st.message.find("shim lost"), std::string::npos);
  ASSERT_TRUE(backend_->Stop(h, 100).ok());
  EXPECT_TRUE(Carriers(spec.key).empty());
  auto w = backend_->Wait(h, 100);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->state, TaskState::kLost);
}

TEST_P(LocalBackendTest, WaitTimesOutAndReleaseNeedsAnEndedTask) {
  TaskSpec spec = ShellSpec(dir_, "release", "sleep 1000");
  TaskHandle h = Start(spec);
  auto w = backend_->Wait(h, 50);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(backend_->Release(h).code(), Code::kFailedPrecondition);
  ASSERT_TRUE(backend_->Stop(h, 1000).ok());
  ASSERT_TRUE(backend_->Release(h).ok());
  EXPECT_FALSE(std::filesystem::exists(spec.task_dir + "/spec.json"));
  EXPECT_TRUE(std::filesystem::exists(spec.task_dir + "/task.log"));
  if (!h.cgroup.empty()) {
    EXPECT_FALSE(std::filesystem::exists(h.cgroup));
  }
  // Released: the exit record is gone too (the directory may host the next run's task).
  EXPECT_FALSE(std::filesystem::exists(spec.task_dir + "/exit.json"));
  EXPECT_EQ(backend_->Poll(h).state, TaskState::kLost);
}

INSTANTIATE_TEST_SUITE_P(Modes, LocalBackendTest, ::testing::Values("none", "auto"),
                         [](const auto& info) { return info.param == "none" ? "Host" : "Sandbox"; });

TEST(LocalSandboxTest, HidesPathsAndLimitsWrites) {
  auto backend = MakeBackend("auto");
  ASSERT_NE(backend, nullptr);
  if (!backend->capabilities().sandbox) {
    std::printf("sandbox unavailable: %s\n", backend->capabilities().sandbox_reason.c_str());
    GTEST_SKIP() << backend->capabilities().sandbox_reason;
  }
  ScratchDir dir;
  const std::string hidden = dir.path() + "/platform-data";
  const std::string rw = dir.path() + "/outputs";
  const std::string ro = dir.path() + "/inputs";
  for (const auto& d : {hidden, rw, ro}) std::filesystem::create_directories(d);
  std::ofstream(hidden + "/secret") << "s3cr3t\n";
  std::ofstream(ro + "/data.txt") << "input data\n";
  // Writable directories must belong to the task's uid (or the daemon's user without root).
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(rw.c_str(), 1000, 1000), 0);
  }

  TaskSpec spec;
  spec.key = UniqueKey("sandbox");
  spec.task_dir = hidden + "/tasks/" + spec.key;  // the task dir itself is under the hidden path
  // A host directory that exists in every layout: the scratch dir may itself be under /tmp
  // (a checkout in /tmp), which inside the sandbox is the task's own tmpfs, not the host.
  const std::string escape = "/var/tmp/openarts-escape-" + spec.key;
  spec.uid = 1000;
  spec.gid = 1000;
  spec.env = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/home/ma-user"}};
  spec.cwd = "/home/ma-user/modelarts/outputs";
  spec.hidden_paths = {hidden};
  spec.mounts = {{rw, "/home/ma-user/modelarts/outputs", false},
                 {ro, "/cache/inputs", true}};
  spec.argv = {"/bin/sh", "-c",
               "id -u; id -g; ls -A " + hidden + " | wc -l; cat /cache/inputs/data.txt; "
               "(echo x > /cache/inputs/new) 2>/dev/null && echo ro-WRITABLE || echo ro-denied; "
               "echo result > out.txt && echo rw-ok; "
               "(echo x > " + escape + ") 2>/dev/null && echo host-WRITABLE || echo host-denied; "
               "(echo x > /usr/escape) 2>/dev/null && echo usr-WRITABLE || echo usr-denied; "
               "echo $$"};
  auto h = backend->Start(spec);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  auto st = backend->Wait(*h, 20000);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->exit_code, 0) << st->message;
  EXPECT_TRUE(backend->Release(*h).ok());
  auto lines = Texts(ReadAllLines(spec.task_dir));
  ASSERT_EQ(lines.size(), 9u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0], "1000");
  EXPECT_EQ(lines[1], "1000");
  EXPECT_EQ(lines[2], "0");  // the hidden directory is empty inside
  EXPECT_EQ(lines[3], "input data");
  EXPECT_EQ(lines[4], "ro-denied");
  EXPECT_EQ(lines[5], "rw-ok");
  EXPECT_EQ(lines[6], "host-denied");
  EXPECT_EQ(lines[7], "usr-denied");
  EXPECT_LT(std::stoi(lines[8]), 10);  // its own pid namespace
  struct stat out {};
  ASSERT_EQ(::stat((rw + "/out.txt").c_str(), &out), 0);
  EXPECT_EQ(out.st_uid, ::geteuid() == 0 ? 1000u : ::geteuid());
  EXPECT_FALSE(std::filesystem::exists(ro + "/new"));
  EXPECT_FALSE(std::filesystem::exists(escape));
}

TEST(LocalCgroupTest, AppliesLimits) {
  auto backend = MakeBackend("none");
  ASSERT_NE(backend, nullptr);
  if (!backend->capabilities().cgroups) {
    std::printf("cgroups unavailable: %s\n", backend->capabilities().cgroups_reason.c_str());
    GTEST_SKIP() << backend->capabilities().cgroups_reason;
  }
  ScratchDir dir;
  TaskSpec spec = ShellSpec(dir, "limits", "sleep 1000");
  spec.limits = {.cpu_millis = 500, .memory_bytes = 64 << 20};
  auto h = backend->Start(spec);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_FALSE(h->cgroup.empty());
  auto procs = ReadFile(h->cgroup + "/cgroup.procs");
  ASSERT_TRUE(procs.ok());
  EXPECT_NE(procs->find(std::to_string(h->pgid)), std::string::npos);
  if (h->cgroup_extra.empty()) {  // v2
    EXPECT_EQ(ReadFile(h->cgroup + "/memory.max").value_or(""), "67108864\n");
    EXPECT_EQ(ReadFile(h->cgroup + "/cpu.max").value_or(""), "50000 100000\n");
  } else {
    EXPECT_EQ(ReadFile(h->cgroup + "/memory.limit_in_bytes").value_or(""), "67108864\n");
    EXPECT_EQ(ReadFile(h->cgroup_extra[0] + "/cpu.cfs_quota_us").value_or(""), "50000\n");
  }
  ASSERT_TRUE(backend->Stop(*h, 1000).ok());
  ASSERT_TRUE(backend->Release(*h).ok());
  EXPECT_FALSE(std::filesystem::exists(h->cgroup));

  // Over the memory limit, the kernel kills the task.
  TaskSpec hog = ShellSpec(dir, "hog", "");
  hog.argv = {"python3", "-c",
              "import time\nb = bytearray(256 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\n"
              "print('survived')"};
  hog.limits.memory_bytes = 64 << 20;
  auto hh = backend->Start(hog);
  ASSERT_TRUE(hh.ok()) << hh.status().ToString();
  auto st = backend->Wait(*hh, 30000);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->signal, 9) << st->message;
  EXPECT_EQ(st->exit_code, 137);
  (void)backend->Release(*hh);
}

// Reads one line from `fd`, or "" after `timeout_ms`.
std::string ReadLine(int fd, int timeout_ms) {
  std::string line;
  char c;
  while (true) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) <= 0) return line;
    if (::read(fd, &c, 1) <= 0 || c == '\n') return line;
    line.push_back(c);
  }
}

// The daemon is SIGKILLed while its task runs; a new daemon (a new Backend in another process)
// finds the task from its handle alone, sees it finish, and reads its whole log.
TEST(LocalReadoptionTest, NewBackendAdoptsTheTaskOfAKilledDaemon) {
  ScratchDir dir;
  TaskSpec spec = ShellSpec(dir, "adopt",
                            "echo begin; sleep 1; i=0; while [ $i -lt 50 ]; do echo line $i; "
                            "i=$((i+1)); done; exit 3");
  const std::string handle_file = dir.path() + "/handle.json";
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(p[0]);
    auto b = CreateLocal({.shim_path = kShim});
    if (!b.ok()) _exit(1);
    auto h = (*b)->Start(spec);
    if (!h.ok()) {
      std::string m = "ERR " + h.status().ToString() + "\n";
      (void)!::write(p[1], m.data(), m.size());
      _exit(1);
    }
    if (!WriteFileAtomic(handle_file, h->ToJson().dump()).ok()) _exit(1);
    (void)!::write(p[1], "ready\n", 6);
    for (;;) ::pause();
  }
  ::close(p[1]);
  std::string line = ReadLine(p[0], 20000);
  ::close(p[0]);
  ASSERT_EQ(line, "ready");
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int wst;
  ASSERT_EQ(::waitpid(child, &wst, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wst));

  auto backend = MakeBackend("auto");
  ASSERT_NE(backend, nullptr);
  auto text = ReadFile(handle_file);
  ASSERT_TRUE(text.ok());
  auto handle = TaskHandle::FromJson(ParseJson(*text).value());
  ASSERT_TRUE(handle.ok()) << handle.status().ToString();
  EXPECT_EQ(backend->Poll(*handle).state, TaskState::kRunning);
  auto st = backend->Wait(*handle, 20000);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->state, TaskState::kExited);
  EXPECT_EQ(st->exit_code, 3);
  auto lines = Texts(ReadAllLines(spec.task_dir));
  ASSERT_EQ(lines.size(), 51u);
  EXPECT_EQ(lines[0], "begin");
  EXPECT_EQ(lines[50], "line 49");
  EXPECT_TRUE(backend->Stop(*handle, 100).ok());
  EXPECT_TRUE(backend->Release(*handle).ok());
}

// Start() latency, reported for docs/exec.md (not a pass/fail threshold beyond sanity).
TEST(LocalStartLatencyTest, MedianOfFiftyStarts) {
  for (std::string mode : {"none", "auto"}) {
   for (std::string cgroups : {"none", "auto"}) {
    auto made = CreateLocal({.shim_path = kShim, .sandbox = mode, .cgroups = cgroups});
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    auto backend = std::move(*made);
    if (mode == "auto" && !backend->capabilities().sandbox) continue;
    if (cgroups == "auto" && !backend->capabilities().cgroups) continue;
    ScratchDir dir;
    std::vector<double> ms;
    for (int i = 0; i < 50; ++i) {
      TaskSpec spec = ShellSpec(dir, "lat", "");
      spec.argv = {"/bin/true"};
      auto t0 = std::chrono::steady_clock::now();
      auto h = backend->Start(spec);
      auto t1 = std::chrono::steady_clock::now();
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      (void)backend->Wait(*h, 10000);
      (void)backend->Release(*h);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("Start() latency (%s, %s): median %.2f ms, p90 %.2f ms\n",
                mode == "none" ? "no sandbox" : "bwrap sandbox",
                cgroups == "none" ? "no cgroup" : "cgroup", ms[25], ms[45]);
    EXPECT_LT(ms[25], 500.0);
   }
  }
}

}  // namespace
}  // namespace openarts::exec
