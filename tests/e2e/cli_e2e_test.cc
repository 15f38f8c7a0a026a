// End-to-end: the real `openarts serve` and the real `ma-cli`, as subprocesses, the way users
// run them. Each test gets its own daemon (temporary OPENARTS_HOME, port 0) and its own
// ma-cli config directory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/json.h"
#include "e2e_util.h"

namespace openarts {
namespace {

namespace fs = std::filesystem;
using namespace e2e;  // NOLINT: RunResult, Slurp, Spawn, kAdminPassword, DaemonTest

class CliE2eTest : public DaemonTest {
 protected:
  CliE2eTest() : DaemonTest("cli_e2e_") {}
};

// ---- data helpers ----

// `count` files with sizes from empty to ~300 KiB in nested directories, some names with
// spaces and non-ASCII characters. Deterministic for a seed.
void MakeTree(const fs::path& dir, int count, uint32_t seed, size_t big_size = 0) {
  std::mt19937 rng(seed);
  const char* dirs[] = {"", "a/", "a/b/", "a/b/c/", "d d/", "\xC3\xBC" "nicode/", "e/f/"};
  for (int i = 0; i < count; ++i) {
    size_t size;
    int kind = static_cast<int>(rng() % 100);
    if (big_size > 0) {
      size = big_size;
    } else if (kind < 5) {
      size = 0;
    } else if (kind < 90) {
      size = rng() % 8192;
    } else {
      size = rng() % (300 * 1024);
    }
    fs::path p = dir / (std::string(dirs[rng() % 7]) + "file " + std::to_string(i) + ".bin");
    fs::create_directories(p.parent_path());
    std::string data(size, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    std::ofstream(p, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
  }
}

std::map<std::string, std::string> ReadTree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).generic_string()] = Slurp(e.path());
  }
  return files;
}

void ExpectSameTree(const fs::path& a, const fs::path& b) {
  auto ta = ReadTree(a), tb = ReadTree(b);
  ASSERT_EQ(ta.size(), tb.size());
  for (const auto& [name, data] : ta) {
    auto it = tb.find(name);
    ASSERT_NE(it, tb.end()) << "missing " << name;
    ASSERT_TRUE(it->second == data) << "content differs: " << name;
  }
}

// "Succeed count is: N Failed count is: M Skipped count is: K"
struct Counts {
  long ok = -1, failed = -1, skipped = -1;
};
Counts ParseSummary(const std::string& out) {
  Counts c;
  auto pos = out.find("Succeed count is: ");
  if (pos != std::string::npos) {
    std::sscanf(out.c_str() + pos, "Succeed count is: %ld Failed count is: %ld Skipped count is: %ld", &c.ok,
                &c.failed, &c.skipped);
  }
  return c;
}

// ---- tests ----

TEST_F(CliE2eTest, CopiesAThousandFilesUpAndDownAndSkipsWhatIsThere) {
  ConfigureAdmin();
  struct stat st {};
  ASSERT_EQ(::stat(config_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  RunResult mb = Cli({"obs", "mb", "obs://e2e-bucket"});
  ASSERT_EQ(mb.rc, 0) << mb;
  EXPECT_NE(mb.out.find("Create bucket [e2e-bucket] successfully!"), std::string::npos);

  fs::path src = root_ / "src";
  MakeTree(src, 1000, 42);
  RunResult up = Cli({"obs-copy", src.string(), "obs://e2e-bucket/data/", "-r", "-j", "8"});
  ASSERT_EQ(up.rc, 0) << up;
  Counts c = ParseSummary(up.out);
  EXPECT_EQ(c.ok, 1000);
  EXPECT_EQ(c.failed, 0);
  EXPECT_EQ(c.skipped, 0);

  // Everything is there: a second run sends nothing.
  RunResult again = Cli({"obs-copy", src.string(), "obs://e2e-bucket/data", "-r"});
  ASSERT_EQ(again.rc, 0) << again;
  c = ParseSummary(again.out);
  EXPECT_EQ(c.ok, 0);
  EXPECT_EQ(c.skipped, 1000);

  fs::path back = root_ / "back";
  RunResult down = Cli({"obs-copy", "obs://e2e-bucket/data/", back.string(), "-r"});
  ASSERT_EQ(down.rc, 0) << down;
  EXPECT_EQ(ParseSummary(down.out).ok, 1000);
  ExpectSameTree(src, back);

  RunResult down2 = Cli({"obs-copy", "s3://e2e-bucket/data/", back.string(), "-r"});  // s3:// alias
  ASSERT_EQ(down2.rc, 0) << down2;
  EXPECT_EQ(ParseSummary(down2.out).skipped, 1000);

  // A changed local file is sent again, and only it.
  {
    std::ofstream(src / "a" / "changed.txt") << "new content";
  }
  RunResult delta = Cli({"obs-copy", src.string(), "obs://e2e-bucket/data/", "-r"});
  ASSERT_EQ(delta.rc, 0) << delta;
  c = ParseSummary(delta.out);
  EXPECT_EQ(c.ok, 1);
  EXPECT_EQ(c.skipped, 1000);

  // Single file both ways, into a "directory" destination.
  RunResult one = Cli({"obs-copy", (src / "a" / "changed.txt").string(), "obs://e2e-bucket/single/"});
  ASSERT_EQ(one.rc, 0) << one;
  RunResult one_back = Cli({"obs-copy", "obs://e2e-bucket/single/changed.txt", (root_ / "one.txt").string()});
  ASSERT_EQ(one_back.rc, 0) << one_back;
  EXPECT_EQ(Slurp(root_ / "one.txt"), "new content");

  // ls: one level with directories, then everything as JSON.
  RunResult ls = Cli({"obs", "ls", "obs://e2e-bucket/data/"});
  ASSERT_EQ(ls.rc, 0) << ls;
  EXPECT_NE(ls.out.find("obs://e2e-bucket/data/a/"), std::string::npos) << ls;
  EXPECT_NE(ls.out.find("Folder number is:"), std::string::npos);
  Json all = CliJson({"obs", "ls", "obs://e2e-bucket/data/", "-r"});
  EXPECT_EQ(all["objects"].size(), 1001u);
  Json limited = CliJson({"obs", "ls", "obs://e2e-bucket/data/", "-r", "--limit", "10"});
  EXPECT_EQ(limited["objects"].size(), 10u);
  EXPECT_TRUE(limited["is_truncated"].get<bool>());
  Json buckets = CliJson({"obs", "ls"});
  ASSERT_TRUE(buckets["buckets"].is_array());
  EXPECT_EQ(buckets["buckets"][0]["name"], "e2e-bucket");

  // Server-side copy of a prefix into another bucket.
  ASSERT_EQ(Cli({"obs", "mb", "obs://e2e-copy"}).rc, 0);
  RunResult cp = Cli({"obs-copy", "obs://e2e-bucket/data/a/", "obs://e2e-copy/a/", "-r"});
  ASSERT_EQ(cp.rc, 0) << cp;
  EXPECT_GT(ParseSummary(cp.out).ok, 0);
  RunResult cp2 = Cli({"obs-copy", "obs://e2e-bucket/data/a/", "obs://e2e-copy/a/", "-r"});
  EXPECT_EQ(ParseSummary(cp2.out).ok, 0) << cp2;

  // rm: one object, then a prefix.
  RunResult rm1 = Cli({"obs", "rm", "obs://e2e-bucket/single/changed.txt", "-f"});
  ASSERT_EQ(rm1.rc, 0) << rm1;
  EXPECT_NE(rm1.out.find("Delete object [single/changed.txt] in the bucket [e2e-bucket] successfully!"),
            std::string::npos);
  RunResult rm_no_force = Cli({"obs", "rm", "obs://e2e-bucket/data/a/", "-r"});
  EXPECT_EQ(rm_no_force.rc, 1) << rm_no_force;  // no terminal to confirm on
  RunResult rmr = Cli({"obs", "rm", "obs://e2e-bucket/data/a", "-r", "-f"});
  ASSERT_EQ(rmr.rc, 0) << rmr;
  Json after = CliJson({"obs", "ls", "obs://e2e-bucket/data/", "-r"});
  for (const auto& o : after["objects"]) EXPECT_FALSE(o["key"].get<std::string>().starts_with("data/a/")) << o;
  EXPECT_LT(after["objects"].size(), 1001u);
}

TEST_F(CliE2eTest, AnInterruptedCopyCompletesWhenRunAgain) {
  ConfigureAdmin();
  ASSERT_EQ(Cli({"obs", "mb", "obs://resume"}).rc, 0);
  fs::path src = root_ / "big";
  MakeTree(src, 48, 7, 3 << 20);  // 48 × 3 MiB

  // Starts the copy, waits until `started()` says some data arrived, then kills it without
  // warning (as a lost SSH session would).
  auto interrupt = [&](std::vector<std::string> args, const std::string& what, const std::function<bool()>& started) {
    pid_t pid = Spawn(MA_CLI_PATH, args, Env(), root_ / "killed.out", root_ / "killed.err");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!started() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) std::cerr << what << " finished before the kill; the re-run still must succeed\n";
  };

  // The daemon's object directory grows as uploads land (its layout is not our business: any
  // new file under it will do).
  auto objects_dir = root_ / "home" / "objects";
  auto count_files = [](const fs::path& dir) {
    size_t n = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      n += it->is_regular_file(ec) && it->file_size(ec) > (1u << 20);
    }
    return n;
  };
  size_t before = count_files(objects_dir);
  interrupt({"obs-copy", src.string(), "obs://resume/big/", "-r", "-j", "2"}, "upload",
            [&] { return count_files(objects_dir) > before; });
  RunResult up = Cli({"obs-copy", src.string(), "obs://resume/big/", "-r", "-j", "2"});
  ASSERT_EQ(up.rc, 0) << up;
  Counts c = ParseSummary(up.out);
  EXPECT_EQ(c.ok + c.skipped, 48) << up;
  EXPECT_EQ(c.failed, 0);

  fs::path back = root_ / "back";
  interrupt({"obs-copy", "obs://resume/big/", back.string(), "-r", "-j", "2"}, "download",
            [&] { return fs::exists(back) && count_files(back) > 0; });
  RunResult down = Cli({"obs-copy", "obs://resume/big/", back.string(), "-r", "-j", "2"});
  ASSERT_EQ(down.rc, 0) << down;
  c = ParseSummary(down.out);
  EXPECT_EQ(c.ok + c.skipped, 48) << down;
  // Byte for byte, and no temporary file left behind by the killed run.
  ExpectSameTree(src, back);
}

TEST_F(CliE2eTest, AdminCreatesAUserWhoLogsInWithASecondProfile) {
  ConfigureAdmin();
  ASSERT_EQ(Cli({"obs", "mb", "obs://team"}).rc, 0);
  RunResult create = Cli({"user", "create", "alice", "--password", "Alice-Passw0rd", "--email", "alice@example.com"});
  ASSERT_EQ(create.rc, 0) << create;
  EXPECT_NE(create.out.find("Created user 'alice'"), std::string::npos);

  Json users = CliJson({"user", "list"});
  bool found = false;
  for (const auto& u : users) found = found || u["name"] == "alice";
  EXPECT_TRUE(found) << users.dump();

  RunResult conf = Cli({"configure", "-P", "alice", "--server", url_, "--username", "alice", "--password",
                        "Alice-Passw0rd"});
  ASSERT_EQ(conf.rc, 0) << conf;
  // The token is cached beside the config, private to the user.
  struct stat st {};
  ASSERT_EQ(::stat((config_.parent_path() / "ma-cli-token-alice").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // No role yet: denied, one line.
  RunResult denied = Cli({"obs", "ls", "obs://team", "-P", "alice"});
  EXPECT_EQ(denied.rc, 1) << denied;
  ASSERT_EQ(denied.ErrLines().size(), 1u) << denied;
  EXPECT_TRUE(denied.err.starts_with("Error: ")) << denied;

  RunResult bind = Cli({"role", "bind", "--user", "alice", "--role", "ModelArts CommonOperations"});
  ASSERT_EQ(bind.rc, 0) << bind;
  Json bindings = CliJson({"role", "bindings"});
  found = false;
  for (const auto& b : bindings) found = found || (b["principal_name"] == "alice");
  EXPECT_TRUE(found) << bindings.dump();

  RunResult allowed = Cli({"obs", "ls", "obs://team", "-P", "alice"});
  EXPECT_EQ(allowed.rc, 0) << allowed;

  // Groups resolve names too.
  ASSERT_EQ(Cli({"group", "create", "devs"}).rc, 0);
  ASSERT_EQ(Cli({"group", "add-user", "devs", "alice"}).rc, 0);
  Json members = CliJson({"group", "members", "devs"});
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0]["name"], "alice");

  // Unbind: denied again.
  ASSERT_EQ(Cli({"role", "unbind", "--user", "alice", "--role", "ModelArts CommonOperations"}).rc, 0);
  RunResult denied_again = Cli({"obs", "ls", "obs://team", "-P", "alice"});
  EXPECT_EQ(denied_again.rc, 1) << denied_again;

  // A new password revokes the cached token; the stale cache must not be a dead end.
  ASSERT_EQ(Cli({"user", "update", "alice", "--password", "Alice-Passw0rd-2"}).rc, 0);
  RunResult stale = Cli({"obs", "ls", "-P", "alice"});
  EXPECT_EQ(stale.rc, 1) << stale;  // the profile still has the old password: a clear auth error
  ASSERT_EQ(stale.ErrLines().size(), 1u) << stale;

  RunResult del = Cli({"user", "delete", "alice", "-f"});
  EXPECT_EQ(del.rc, 0) << del;
}

TEST_F(CliE2eTest, AkSkProfileSignsRequestsIncludingStreamedUploads) {
  ConfigureAdmin();
  ASSERT_EQ(Cli({"obs", "mb", "obs://signed"}).rc, 0);
  Json cred = CliJson({"credential", "create", "--description", "e2e"});
  std::string ak = cred.value("access", ""), sk = cred.value("secret", "");
  ASSERT_FALSE(ak.empty()) << cred.dump();
  ASSERT_FALSE(sk.empty());

  RunResult conf = Cli({"configure", "-P", "robot", "--server", url_, "--ak", ak, "--sk", sk});
  ASSERT_EQ(conf.rc, 0) << conf;
  EXPECT_NE(conf.out.find("Verified access key"), std::string::npos);

  fs::path src = root_ / "small";
  MakeTree(src, 20, 3);
  RunResult up = Cli({"obs-copy", src.string(), "obs://signed/s/", "-r", "-P", "robot"});
  ASSERT_EQ(up.rc, 0) << up;
  EXPECT_EQ(ParseSummary(up.out).ok, 20);
  RunResult cp = Cli({"obs-copy", "obs://signed/s/", "obs://signed/t/", "-r", "-P", "robot"});
  ASSERT_EQ(cp.rc, 0) << cp;
  fs::path back = root_ / "back";
  RunResult down = Cli({"obs-copy", "obs://signed/t/", back.string(), "-r", "-P", "robot"});
  ASSERT_EQ(down.rc, 0) << down;
  ExpectSameTree(src, back);

  Json creds = CliJson({"credential", "list"});
  bool listed = false;
  for (const auto& c : creds) listed = listed || c["access"] == ak;
  EXPECT_TRUE(listed);

  // A wrong SK is refused at configure time and nothing is saved.
  RunResult bad = Cli({"configure", "-P", "broken", "--server", url_, "--ak", ak, "--sk", "wrong"});
  EXPECT_EQ(bad.rc, 1) << bad;
  EXPECT_EQ(bad.ErrLines().size(), 1u) << bad;
  EXPECT_EQ(Slurp(config_).find("[broken]"), std::string::npos);

  ASSERT_EQ(Cli({"credential", "delete", ak, "-f"}).rc, 0);
  RunResult revoked = Cli({"obs", "ls", "-P", "robot"});
  EXPECT_EQ(revoked.rc, 1) << revoked;
}

TEST_F(CliE2eTest, ForceDeletesABucketThroughATask) {
  ConfigureAdmin();
  ASSERT_EQ(Cli({"obs", "mb", "obs://doomed"}).rc, 0);
  fs::path src = root_ / "d";
  MakeTree(src, 50, 9);
  ASSERT_EQ(Cli({"obs-copy", src.string(), "obs://doomed/", "-r"}).rc, 0);

  RunResult not_empty = Cli({"obs", "rm", "obs://doomed", "-f"});
  EXPECT_EQ(not_empty.rc, 1) << not_empty;  // not empty without -r

  RunResult rm = Cli({"obs", "rm", "obs://doomed", "-r", "-f"});
  ASSERT_EQ(rm.rc, 0) << rm;
  EXPECT_NE(rm.out.find("Task id is: "), std::string::npos) << rm;
  EXPECT_NE(rm.out.find("Delete bucket [doomed] successfully!"), std::string::npos) << rm;
  Json buckets = CliJson({"obs", "ls"});
  for (const auto& b : buckets["buckets"]) EXPECT_NE(b["name"], "doomed");

  Json tasks = CliJson({"task", "list"});
  ASSERT_TRUE(tasks.is_array());
  ASSERT_FALSE(tasks.empty());
  std::string id = tasks[0].value("id", "");
  Json task = CliJson({"task", "get", id});
  EXPECT_EQ(task.value("status", ""), "Succeeded") << task.dump();
}

TEST_F(CliE2eTest, WorkspacesAndQuotas) {
  ConfigureAdmin();
  RunResult create = Cli({"workspace", "create", "team-a", "--description", "e2e"});
  ASSERT_EQ(create.rc, 0) << create;
  Json ws = CliJson({"workspace", "get", "team-a"});
  EXPECT_EQ(ws.value("name", ""), "team-a");
  Json list = CliJson({"workspace", "list"});
  EXPECT_GE(list.size(), 2u);  // the default "0" and team-a
  RunResult quotas = Cli({"workspace", "quotas", "0"});
  EXPECT_EQ(quotas.rc, 0) << quotas;
  RunResult del = Cli({"workspace", "delete", "team-a", "-f"});
  EXPECT_EQ(del.rc, 0) << del;
}

// `ma-cli configure` with no flags on a terminal asks for each value, hides the password, and
// verifies before saving. Driven through a pseudo-terminal as a person would type.
TEST_F(CliE2eTest, InteractiveConfigurePromptsAndHidesThePassword) {
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::vector<std::string> env = Env();
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    char* argv[] = {const_cast<char*>(MA_CLI_PATH), const_cast<char*>("configure"), nullptr};
    ::execve(MA_CLI_PATH, argv, envp.data());
    _exit(127);
  }
  // Whatever happens below, the child must not outlive the test: it holds ctest's output pipe.
  struct Reaper {
    pid_t pid;
    int master;
    bool reaped = false;
    ~Reaper() {
      if (!reaped) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
      ::close(master);
    }
  } reaper{pid, master};
  std::string screen;
  // Reads until `want` appears on the terminal (or 20 s pass); returns whether it did.
  auto wait_for = [&](const std::string& want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (screen.find(want) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      struct pollfd p {master, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[512];
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;
      screen.append(buf, static_cast<size_t>(n));
    }
    return screen.find(want) != std::string::npos;
  };
  auto type = [&](const std::string& line) {
    std::string l = line + "\n";
    ASSERT_EQ(::write(master, l.data(), l.size()), static_cast<ssize_t>(l.size()));
  };
  ASSERT_TRUE(wait_for("Server URL")) << screen;
  type(url_);
  ASSERT_TRUE(wait_for("Project")) << screen;
  type("");  // the default, "local"
  ASSERT_TRUE(wait_for("User name")) << screen;
  type("admin");
  ASSERT_TRUE(wait_for("Password")) << screen;
  type(kAdminPassword);
  ASSERT_TRUE(wait_for("Saved profile [DEFAULT]")) << screen;
  int status = 0;
  ::waitpid(pid, &status, 0);
  reaper.reaped = true;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << screen;
  EXPECT_EQ(screen.find(kAdminPassword), std::string::npos) << "the password was echoed: " << screen;
  // The saved profile works and is private.
  EXPECT_EQ(fs::status(config_).permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);
  RunResult r = Cli({"workspace", "list"});
  EXPECT_EQ(r.rc, 0) << r;
  EXPECT_NE(r.out.find("default"), std::string::npos) << r;
}

TEST_F(CliE2eTest, ErrorsExitNonZeroWithOneLine) {
  ConfigureAdmin();
  auto expect_one_line = [](const RunResult& r, int rc, const std::string& needle) {
    EXPECT_EQ(r.rc, rc) << r;
    ASSERT_EQ(r.ErrLines().size(), 1u) << r;
    EXPECT_TRUE(r.err.starts_with("Error: ")) << r;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r;
  };
  expect_one_line(Cli({"obs", "ls", "obs://no-such-bucket"}), 1, "no-such-bucket");
  expect_one_line(Cli({"obs-copy", (root_ / "nope").string(), "obs://x-bucket/"}), 1, "does not exist");
  expect_one_line(Cli({"obs-copy", "a", "b", "\xE2\x80\x93r"}), 2, "'-r'");
  expect_one_line(Cli({"obs", "ls", "obs://Bad_Bucket"}), 1, "bucket name");
  expect_one_line(Cli({"obs", "frobnicate"}), 2, "frobnicate");
  expect_one_line(Cli({"user", "get", "nobody"}), 1, "user 'nobody' does not exist");
  expect_one_line(Cli({"obs", "ls", "-P", "missing"}), 1, "ma-cli configure -P missing");
  // --debug adds the HTTP detail, still on one line.
  RunResult dbg = Cli({"obs", "ls", "obs://no-such-bucket", "-D"});
  expect_one_line(dbg, 1, "HTTP 404");
  // A wrong password is refused by configure and not saved.
  RunResult bad = Cli({"configure", "-P", "bad", "--server", url_, "--username", "admin", "--password", "nope"});
  expect_one_line(bad, 1, "not accepted");
  // A server that is not there: the URL and the fix.
  RunResult down = Cli({"configure", "-P", "down", "--server", "http://127.0.0.1:1", "--username", "a",
                        "--password", "b"});
  expect_one_line(down, 1, "http://127.0.0.1:1");
  EXPECT_NE(down.err.find("ma-cli configure"), std::string::npos);
  // Help works everywhere and exits 0.
  RunResult help = Cli({"obs", "rm", "-H"});
  EXPECT_EQ(help.rc, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
}

}  // namespace
}  // namespace openarts
