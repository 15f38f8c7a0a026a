// The real `openarts` executable as a child process: it must survive SIGKILL in the middle of a
// large upload without losing an acknowledged object or exposing a partial one, and must exit 0
// on SIGTERM after letting an in-flight request finish.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "test_util.h"

namespace openarts::testing {
namespace {

namespace fs = std::filesystem;
constexpr char kAdminPassword[] = "Proc-Admin-Pass-9";

// One `openarts serve` child on port 0.
class Daemon {
 public:
  explicit Daemon(fs::path home) : home_(std::move(home)) {}
  ~Daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Starts the binary and waits for "OpenArts listening on URL". Returns the URL ("" on failure).
  std::string Start() {
    int out[2];
    if (::pipe(out) != 0) return "";
    const std::string binary = std::string(OPENARTS_BINARY_DIR) + "/src/server/openarts";
    const std::string log = (home_ / "daemon.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (err >= 0) ::dup2(err, STDERR_FILENO);
      ::close(out[0]);
      ::setenv("OPENARTS_HOME", home_.c_str(), 1);
      ::setenv("OPENARTS_ADMIN_PASSWORD", kAdminPassword, 1);
      ::setenv("OPENARTS_LISTEN", "127.0.0.1:0", 1);
      ::setenv("OPENARTS_LOG_LEVEL", "info", 1);
      ::unsetenv("OPENARTS_CONFIG");
      ::execl(binary.c_str(), "openarts", "serve", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    out_fd_ = out[0];
    std::string buffered;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_fd_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[512];
      ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0) break;
      buffered.append(buf, n);
      const std::string prefix = "OpenArts listening on ";
      auto at = buffered.find(prefix);
      auto eol = at == std::string::npos ? at : buffered.find('\n', at);
      if (eol != std::string::npos) return buffered.substr(at + prefix.size(), eol - at - prefix.size());
    }
    ADD_FAILURE() << "daemon did not report its address; log:\n" << ReadLog();
    return "";
  }

  void Signal(int sig) { ::kill(pid_, sig); }
  // Waits for the child; returns the raw wait status.
  int Wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (out_fd_ >= 0) ::close(out_fd_);
    out_fd_ = -1;
    return status;
  }
  std::string ReadLog() const {
    std::ifstream in(home_ / "daemon.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  fs::path home_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
};

std::string ProjectId(const HttpClient& c, const std::string& token) {
  auto r = c.Do("GET", "/v3/projects", Auth(token));
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json()["projects"][0]["id"].get<std::string>();
}

TEST(DaemonProcess, SigkillDuringUploadLosesNoAcknowledgedObject) {
  const fs::path home = MakeTempDir("crash");
  std::map<std::string, std::pair<size_t, std::string>> acked;  // key → (size, md5)
  const std::string interrupted_key = "big/interrupted.bin";
  bool interrupted_acked = false;
  std::string project;
  {
    Daemon daemon(home);
    const std::string url = daemon.Start();
    ASSERT_FALSE(url.empty());
    HttpClient c(url);
    const std::string token = Login(c, "admin", kAdminPassword);
    project = ProjectId(c, token);
    const std::string objects = "/v1/" + project + "/buckets/crash/objects/";
    ASSERT_EQ(c.Do("PUT", "/v1/" + project + "/buckets/crash", Auth(token), "").status, 201);

    std::mt19937 rng(42);
    for (int i = 0; i < 30; ++i) {
      std::string data(rng() % (256 * 1024) + 1, '\0');
      for (auto& ch : data) ch = static_cast<char>(rng());
      const std::string key = "small/o" + std::to_string(i);
      auto r = c.Do("PUT", objects + key, Auth(token), data);
      if (r.status == 200) acked[key] = {data.size(), HexMd5(data)};
    }
    ASSERT_EQ(acked.size(), 30u);

    // 64 MiB sent in 256 KiB pieces; the daemon dies once 16 MiB are in flight.
    constexpr uint64_t kSize = 64ull << 20;
    std::atomic<uint64_t> sent{0};
    std::atomic<bool> killed{false};
    HttpResponse big;
    std::thread uploader([&] {
      big = c.Upload(objects + interrupted_key, Auth(token), kSize, [&](char* buf, size_t n) {
        if (sent >= kSize) return size_t{0};
        n = std::min<size_t>({n, 256 * 1024, kSize - sent});
        std::memset(buf, 'z', n);
        sent += n;
        if (sent > (16ull << 20) && !killed) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return n;
      });
    });
    while (sent < (16ull << 20)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    daemon.Signal(SIGKILL);
    const int status = daemon.Wait();
    killed = true;
    uploader.join();
    EXPECT_TRUE(WIFSIGNALED(status));
    interrupted_acked = big.status == 200;
    EXPECT_FALSE(interrupted_acked) << "the upload finished before the kill; the test proves nothing";
  }

  Daemon restarted(home);
  const std::string url = restarted.Start();
  ASSERT_FALSE(url.empty());
  HttpClient c(url);
  const std::string token = Login(c, "admin", kAdminPassword);
  const std::string objects = "/v1/" + project + "/buckets/crash/objects/";
  for (const auto& [key, expect] : acked) {
    auto r = c.Do("GET", objects + key, Auth(token));
    ASSERT_EQ(r.status, 200) << key << ": " << r.body;
    EXPECT_EQ(r.body.size(), expect.first) << key;
    EXPECT_EQ(HexMd5(r.body), expect.second) << key;
  }
  auto big = c.Do("HEAD", objects + interrupted_key, Auth(token));
  if (interrupted_acked) {
    EXPECT_EQ(big.status, 200);
    EXPECT_EQ(big.Header("Content-Length"), std::to_string(64ull << 20));
  } else {
    EXPECT_EQ(big.status, 404) << "a partial upload became visible";
  }
  // Nothing else (no temporary file) shows up in the listing either.
  auto list = c.Do("GET", "/v1/" + project + "/buckets/crash/objects", Auth(token));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["objects"].size(), acked.size() + (interrupted_acked ? 1 : 0)) << list.body;
  restarted.Signal(SIGTERM);
  const int status = restarted.Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  fs::remove_all(home);
}

TEST(DaemonProcess, SigtermLetsInFlightRequestsFinishAndExitsZero) {
  const fs::path home = MakeTempDir("sigterm");
  Daemon daemon(home);
  const std::string url = daemon.Start();
  ASSERT_FALSE(url.empty());
  HttpClient c(url);
  const std::string token = Login(c, "admin", kAdminPassword);
  const std::string project = ProjectId(c, token);
  ASSERT_EQ(c.Do("PUT", "/v1/" + project + "/buckets/term", Auth(token), "").status, 201);

  // 4 MiB over about a second; SIGTERM arrives after the first MiB.
  constexpr uint64_t kSize = 4ull << 20;
  std::atomic<uint64_t> sent{0};
  HttpResponse up;
  std::thread uploader([&] {
    up = c.Upload("/v1/" + project + "/buckets/term/objects/slow.bin", Auth(token), kSize,
                  [&](char* buf, size_t n) {
                    if (sent >= kSize) return size_t{0};
                    n = std::min<size_t>({n, 128 * 1024, kSize - sent});
                    std::memset(buf, 'q', n);
                    sent += n;
                    std::this_thread::sleep_for(std::chrono::milliseconds(30));
                    return n;
                  });
  });
  while (sent < (1ull << 20)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  daemon.Signal(SIGTERM);
  uploader.join();
  EXPECT_EQ(up.status, 200) << up.error << up.body;
  const int status = daemon.Wait();
  EXPECT_TRUE(WIFEXITED(status)) << "killed by a signal";
  EXPECT_EQ(WEXITSTATUS(status), 0) << daemon.ReadLog();
  // The acknowledged upload is there after a restart.
  Daemon again(home);
  const std::string url2 = again.Start();
  ASSERT_FALSE(url2.empty());
  HttpClient c2(url2);
  const std::string token2 = Login(c2, "admin", kAdminPassword);
  auto head = c2.Do("HEAD", "/v1/" + project + "/buckets/term/objects/slow.bin", Auth(token2));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("Content-Length"), std::to_string(kSize));
  fs::remove_all(home);
}

TEST(DaemonProcess, FirstStartWritesTheGeneratedPasswordToAPrivateFile) {
  const fs::path home = MakeTempDir("firstpw") / "home";  // created by the daemon
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const std::string binary = std::string(OPENARTS_BINARY_DIR) + "/src/server/openarts";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(out[1], STDERR_FILENO);
    ::close(out[0]);
    ::unsetenv("OPENARTS_ADMIN_PASSWORD");
    ::unsetenv("OPENARTS_CONFIG");
    ::execl(binary.c_str(), "openarts", "serve", "--home", home.c_str(), "--listen",
            "127.0.0.1:0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (output.find("OpenArts listening on ") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    output.append(buf, n);
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(out[0]);
  struct stat st;
  ASSERT_EQ(::stat(home.c_str(), &st), 0);
  // 0711: job processes (another uid) may pass through to <home>/jobs, but not list the home;
  // what the daemon keeps there is its owner's only.
  EXPECT_EQ(st.st_mode & 0777, 0711u);
  for (const char* name : {"meta.db", "objects", "secrets"}) {
    ASSERT_EQ(::stat((home / name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0077, 0u) << name << " is readable by others";
  }
  const fs::path pw = home / "initial_admin_password";
  ASSERT_EQ(::stat(pw.c_str(), &st), 0) << output;
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(pw);
  std::string password;
  std::getline(in, password);
  ASSERT_FALSE(password.empty());
  EXPECT_EQ(output.find(password), std::string::npos) << "the password leaked into the log";
  EXPECT_NE(output.find(pw.string()), std::string::npos) << "the log names the file";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "wait status " << status << "; output:\n" << output;
  fs::remove_all(home.parent_path());
}

}  // namespace
}  // namespace openarts::testing
