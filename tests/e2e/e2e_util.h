// Shared pieces of the end-to-end tests: the real `openarts serve` and the real `ma-cli`, as
// subprocesses, the way users run them. Each test gets its own daemon (temporary OPENARTS_HOME,
// port 0) and its own ma-cli config directory.
//
//   class MyE2eTest : public openarts::e2e::DaemonTest {
//    protected:
//     MyE2eTest() : DaemonTest("my_e2e_") {}
//   };
//   TEST_F(MyE2eTest, Works) { ConfigureAdmin(); EXPECT_EQ(Cli({"obs", "ls"}).rc, 0); }
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "base/crypto.h"
#include "base/json.h"

#ifndef OPENARTS_DAEMON_PATH
#error "OPENARTS_DAEMON_PATH must name the openarts executable"
#endif
#ifndef MA_CLI_PATH
#error "MA_CLI_PATH must name the ma-cli executable"
#endif

namespace openarts::e2e {

namespace fs = std::filesystem;

inline constexpr char kAdminPassword[] = "Admin-Passw0rd-e2e";

struct RunResult {
  int rc = -1;
  std::string out, err;

  std::vector<std::string> ErrLines() const {
    std::vector<std::string> lines;
    std::istringstream in(err);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }
};

inline std::ostream& operator<<(std::ostream& os, const RunResult& r) {
  return os << "rc=" << r.rc << "\n--- stdout ---\n" << r.out << "\n--- stderr ---\n" << r.err;
}

inline std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// fork + exec with stdout/stderr to files and stdin from /dev/null (never a terminal, as in CI).
inline pid_t Spawn(const std::string& exe, const std::vector<std::string>& args, const std::vector<std::string>& env,
                   const fs::path& out, const fs::path& err) {
  std::vector<std::string> argv_s = {exe};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s = env;
    std::vector<char*> envp;
    for (auto& v : env_s) envp.push_back(v.data());
    envp.push_back(nullptr);
    ::execve(exe.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

// A fixture with one daemon of its own. Subclasses pass the prefix of their temporary directory
// and may set base_dir_ (where it is created) and daemon_env_ (extra environment of the daemon)
// in their constructor, before SetUp() starts the daemon.
class DaemonTest : public ::testing::Test {
 protected:
  explicit DaemonTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    root_ = base_dir_ / (prefix_ + HexEncode(RandomBytes(6)));
    fs::create_directories(root_ / "home");
    fs::create_directories(root_ / "user");
    config_ = root_ / "user" / ".modelarts" / "ma-cli-profile.ini";
    StartDaemon();
  }

  void TearDown() override {
    StopDaemon(SIGTERM);
    if (!HasFailure()) {
      std::error_code ec;
      fs::remove_all(root_, ec);
    } else {
      std::cerr << "kept " << root_ << " for inspection; daemon log:\n" << DaemonLog().substr(0, 20000) << "\n";
    }
  }

  fs::path home() const { return root_ / "home"; }
  std::string DaemonLog() const { return Slurp(root_ / "daemon.err"); }

  // Starts `openarts serve` on OPENARTS_HOME=root_/home (reused as it is: a second start after
  // StopDaemon() finds the first one's data) on a free port, and sets url_. The daemon's stderr
  // is appended to root_/daemon.err.
  void StartDaemon() {
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    std::vector<std::string> env = {"OPENARTS_HOME=" + home().string(), "OPENARTS_LISTEN=127.0.0.1:0",
                                    std::string("OPENARTS_ADMIN_PASSWORD=") + kAdminPassword,
                                    "OPENARTS_LOG_LEVEL=warn"};
    for (const auto& e : daemon_env_) {
      const std::string key = e.substr(0, e.find('=') + 1);
      bool replaced = false;
      for (auto& d : env) {
        if (d.starts_with(key)) d = e, replaced = true;
      }
      if (!replaced) env.push_back(e);
    }
    url_.clear();
    daemon_ = fork();
    if (daemon_ == 0) {
      ::close(pipefd[0]);
      ::dup2(pipefd[1], 1);
      int e = ::open((root_ / "daemon.err").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(e, 2);
      std::vector<char*> envp;
      for (auto& v : env) envp.push_back(v.data());
      envp.push_back(nullptr);
      char* argv[] = {const_cast<char*>(OPENARTS_DAEMON_PATH), const_cast<char*>("serve"), nullptr};
      ::execve(OPENARTS_DAEMON_PATH, argv, envp.data());
      _exit(127);
    }
    ::close(pipefd[1]);
    // Wait for "OpenArts listening on http://HOST:PORT".
    std::string buf;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      struct pollfd p {pipefd[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char chunk[512];
      ssize_t n = ::read(pipefd[0], chunk, sizeof chunk);
      if (n <= 0) break;
      buf.append(chunk, static_cast<size_t>(n));
      auto pos = buf.find("OpenArts listening on ");
      auto nl = buf.find('\n', pos);
      if (pos != std::string::npos && nl != std::string::npos) {
        url_ = buf.substr(pos + 22, nl - pos - 22);
        break;
      }
    }
    // The daemon writes nothing else to stdout; keeping the pipe open avoids SIGPIPE if it ever
    // does.
    if (daemon_stdout_ >= 0) ::close(daemon_stdout_);
    daemon_stdout_ = pipefd[0];
    ASSERT_FALSE(url_.empty()) << "daemon did not start; stdout: " << buf << "\nstderr: " << DaemonLog();
  }

  // Sends `sig` to the daemon and reaps it. Idempotent.
  void StopDaemon(int sig) {
    if (daemon_ > 0) {
      ::kill(daemon_, sig);
      int status = 0;
      ::waitpid(daemon_, &status, 0);
      daemon_ = -1;
    }
    if (daemon_stdout_ >= 0) {
      ::close(daemon_stdout_);
      daemon_stdout_ = -1;
    }
  }

  std::vector<std::string> Env() const {
    return {"MA_CLI_CONFIG=" + config_.string(), "HOME=" + (root_ / "user").string(), "PATH=/usr/bin:/bin",
            "TERM=dumb"};
  }

  RunResult Cli(std::vector<std::string> args) {
    fs::path out = root_ / ("cli" + std::to_string(++cli_runs_) + ".out"),
             err = root_ / ("cli" + std::to_string(cli_runs_) + ".err");
    pid_t pid = Spawn(MA_CLI_PATH, args, Env(), out, err);
    int status = 0;
    ::waitpid(pid, &status, 0);
    RunResult r;
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }

  Json CliJson(std::vector<std::string> args) {
    args.push_back("--output");
    args.push_back("json");
    RunResult r = Cli(args);
    EXPECT_EQ(r.rc, 0) << r;
    auto j = ParseJson(r.out);
    EXPECT_TRUE(j.ok()) << "not JSON: " << r.out;
    return j.ok() ? *j : Json();
  }

  // Configures the DEFAULT profile for admin on the current url_ (again after a restart).
  void ConfigureAdmin() {
    RunResult r = Cli({"configure", "--server", url_, "--username", "admin", "--password", kAdminPassword});
    ASSERT_EQ(r.rc, 0) << r;
    ASSERT_NE(r.out.find("Verified user 'admin'"), std::string::npos) << r;
  }

  std::string prefix_;
  fs::path base_dir_ = fs::temp_directory_path();  // where root_ is created
  std::vector<std::string> daemon_env_;  // "KEY=VALUE", added to (or replacing) the defaults
  fs::path root_, config_;
  std::string url_;
  pid_t daemon_ = -1;
  int daemon_stdout_ = -1;
  int cli_runs_ = 0;
};

}  // namespace openarts::e2e
