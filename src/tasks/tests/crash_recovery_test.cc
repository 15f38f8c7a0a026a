// A real crash: a child process runs the task service, two of its tasks are mid-run with a
// checkpoint saved, and it is SIGKILLed — no destructor, no Stop(). The parent then reopens the
// store as the restarted daemon would.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "base/base.h"
#include "meta/meta.h"
#include "tasks/tasks.h"
#include "testing/sync.h"

namespace openarts::tasks {
namespace {

void WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) _exit(3);
    done += static_cast<size_t>(n);
  }
}

// Runs in the child; never returns.
[[noreturn]] void RunDoomedDaemon(const std::string& db_url, int out_fd) {
  auto fail = [&](const std::string& what) {
    WriteAll(out_fd, "ERR " + what + "\n");
    _exit(1);
  };
  auto db = meta::Open({.url = db_url});
  if (!db.ok()) fail(db.status().ToString());
  auto svc = Create(**db, SystemClock(), {.max_concurrency = 2, .poll_interval_ms = 10});
  if (!svc.ok()) fail(svc.status().ToString());
  testing::Counter checkpointed;
  testing::Gate never;
  auto block = [&](const std::string& cp) {
    return [&, cp](TaskContext& ctx) -> Result<Json> {
      OA_TRY(ctx.ReportProgress(0.3, cp));
      checkpointed.Add();
      never.WaitOrCancelled(ctx);
      return Cancelled("unreachable: the process is killed first");
    };
  };
  (*svc)->Register("resumable", block("row-300"), {.resumable = true});
  (*svc)->Register("plain", block("unused"));
  if (Status s = (*svc)->Start(); !s.ok()) fail(s.ToString());
  auto r = (*svc)->Submit("p1", "0", "resumable", Json::object(), "u1");
  auto p = (*svc)->Submit("p1", "0", "plain", Json::object(), "u1");
  if (!r.ok() || !p.ok()) fail("submit failed");
  if (!checkpointed.WaitAtLeast(2)) fail("handlers did not start");
  WriteAll(out_fd, r->id + " " + p->id + "\n");
  for (;;) pause();
}

// Reads one line from `fd`, or "" after `timeout_ms`.
std::string ReadLine(int fd, int timeout_ms) {
  std::string line;
  char c;
  while (true) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) <= 0) return "";
    ssize_t n = ::read(fd, &c, 1);
    if (n <= 0 || c == '\n') return line;
    line.push_back(c);
  }
}

TEST(CrashRecoveryTest, SigkilledDaemonsTasksResumeOrFail) {
  auto dir = std::filesystem::temp_directory_path() / ("oa-tasks-crash-" + NewId());
  ASSERT_TRUE(MakeDirs(dir).ok());
  const std::string url = "sqlite:" + (dir / "meta.db").string();
  {
    // Migrate before forking so the child does not race anybody on schema creation.
    auto db = meta::Open({.url = url});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
  }

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0) << std::strerror(errno);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0) << std::strerror(errno);
  if (pid == 0) {
    ::close(fds[0]);
    RunDoomedDaemon(url, fds[1]);
  }
  ::close(fds[1]);
  std::string line = ReadLine(fds[0], 10000);
  ::close(fds[0]);
  ::kill(pid, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
      << "child exited on its own: " << line;
  ASSERT_FALSE(line.empty()) << "child reported nothing";
  ASSERT_NE(line.rfind("ERR ", 0), 0u) << line;
  auto space = line.find(' ');
  ASSERT_NE(space, std::string::npos) << line;
  const std::string resumable_id = line.substr(0, space);
  const std::string plain_id = line.substr(space + 1);

  // The restarted daemon.
  auto db = meta::Open({.url = url});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto svc = Create(**db, SystemClock(), {.max_concurrency = 2, .poll_interval_ms = 10});
  ASSERT_TRUE(svc.ok());
  for (const auto& id : {resumable_id, plain_id}) {
    auto t = (*svc)->Get(id);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->status, TaskStatus::kRunning) << "the killed process left it Running";
    EXPECT_DOUBLE_EQ(t->progress, 0.3);
  }
  (*svc)->Register("resumable", [](TaskContext& ctx) -> Result<Json> {
    OA_TRY(ctx.ReportProgress(1.0));
    return Json{{"resumed_from", ctx.task().checkpoint}, {"attempt", ctx.task().attempts}};
  }, {.resumable = true});
  (*svc)->Register("plain", [](TaskContext&) -> Result<Json> {
    ADD_FAILURE() << "a non-resumable task must not run twice";
    return Json();
  });
  ASSERT_TRUE((*svc)->Start().ok());

  auto r = (*svc)->WaitFor(resumable_id, 5000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, TaskStatus::kSucceeded);
  EXPECT_EQ(r->result["resumed_from"], "row-300");
  EXPECT_EQ(r->result["attempt"], 2);
  auto p = (*svc)->WaitFor(plain_id, 5000);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->status, TaskStatus::kFailed);
  EXPECT_EQ(p->error, "interrupted by a daemon restart");

  svc->reset();
  db->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace openarts::tasks
