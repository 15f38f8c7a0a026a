// The pure half of the sandbox: layout validation, argv[0] resolution as the sandbox sees the
// file system, and the bubblewrap command line.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "base/base.h"
#include "sandbox.h"

namespace openarts::exec {
namespace {

class SandboxLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("oa-exec-sbx-" + NewId())).string();
    std::filesystem::create_directories(dir_ + "/code");
    std::ofstream(dir_ + "/code/run.sh") << "#!/bin/sh\necho hi\n";
    ::chmod((dir_ + "/code/run.sh").c_str(), 0755);
    std::ofstream(dir_ + "/code/data.txt") << "not a program\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  TaskSpec Spec() {
    TaskSpec s;
    s.key = "k";
    s.task_dir = dir_ + "/task";
    s.argv = {"run.sh"};
    s.env = {{"PATH", "/home/ma-user/code:/usr/bin:/bin"}};
    s.mounts = {{dir_ + "/code", "/home/ma-user/code", true}};
    return s;
  }
  std::string dir_;
};

TEST_F(SandboxLayoutTest, ResolvesThroughMountsAndPath) {
  TaskSpec s = Spec();
  std::string exec;
  ASSERT_TRUE(ResolveExecutable(s, true, &exec).ok());
  EXPECT_EQ(exec, "run.sh");  // bwrap resolves it again inside, with the same PATH
  s.argv = {"/home/ma-user/code/run.sh"};
  ASSERT_TRUE(ResolveExecutable(s, true, &exec).ok());
  s.argv = {"sh"};
  ASSERT_TRUE(ResolveExecutable(s, true, &exec).ok());
  // On the host the mount does not exist.
  s.argv = {"/home/ma-user/code/run.sh"};
  Status st = ResolveExecutable(s, false, &exec);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("exec /home/ma-user/code/run.sh: No such file or directory"),
            std::string::npos)
      << st.message();
  s.argv = {"/home/ma-user/code/data.txt"};
  EXPECT_NE(ResolveExecutable(s, true, &exec).message().find("Permission denied"),
            std::string::npos);
  s.argv = {"no-such-program-anywhere"};
  EXPECT_EQ(ResolveExecutable(s, true, &exec).message(),
            "argv[0]: exec no-such-program-anywhere: No such file or directory");
  // The host path is what runs without a sandbox.
  s.argv = {"sh"};
  s.env = {};
  ASSERT_TRUE(ResolveExecutable(s, false, &exec).ok());
  EXPECT_EQ(exec, "/bin/sh");
}

TEST_F(SandboxLayoutTest, HiddenPathsHideExecutables) {
  TaskSpec s = Spec();
  s.mounts.clear();
  s.argv = {dir_ + "/code/run.sh"};
  std::string exec;
  EXPECT_TRUE(ResolveExecutable(s, false, &exec).ok());
  EXPECT_FALSE(ResolveExecutable(s, true, &exec).ok());  // under /tmp: an empty tmpfs inside
}

TEST_F(SandboxLayoutTest, ValidatesMountTargets) {
  TaskSpec s = Spec();
  EXPECT_TRUE(ValidateSandboxLayout(s).ok());
  s.mounts.push_back({dir_ + "/code", "/cache/new/dir", false});  // new top-level directory
  EXPECT_TRUE(ValidateSandboxLayout(s).ok());
  s.mounts.push_back({dir_ + "/code", "/usr/share", true});  // exists on the host
  EXPECT_TRUE(ValidateSandboxLayout(s).ok());
  s.mounts.push_back({dir_ + "/code", "/home/ma-user/code/sub", true});  // inside a ro mount
  Status st = ValidateSandboxLayout(s);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("mounts[3].target"), std::string::npos) << st.message();
  s.mounts.pop_back();
  s.mounts.push_back({dir_ + "/code", "/usr/no-such-dir-here", true});
  st = ValidateSandboxLayout(s);
  EXPECT_NE(st.message().find("read-only host directory /usr"), std::string::npos) << st.message();
  for (const auto& bad : std::vector<Mount>{{"relative", "/x", false},
                                            {dir_ + "/missing", "/x", false},
                                            {dir_ + "/code", "/", false},
                                            {dir_ + "/code", "/a/../b", false},
                                            {dir_ + "/code", "/proc/x", false}}) {
    TaskSpec t = Spec();
    t.mounts = {bad};
    EXPECT_EQ(ValidateSandboxLayout(t).code(), Code::kInvalidArgument) << bad.target;
  }
  TaskSpec t = Spec();
  t.cwd = "relative";
  EXPECT_EQ(ValidateSandboxLayout(t).code(), Code::kInvalidArgument);
}

TEST_F(SandboxLayoutTest, BwrapLayout) {
  TaskSpec s = Spec();
  s.uid = 1000;
  s.hidden_paths = {dir_};
  s.cwd = "/home/ma-user/code";
  auto a = BwrapArgs("/usr/bin/bwrap", s);
  auto find = [&](std::vector<std::string> seq) {
    return std::search(a.begin(), a.end(), seq.begin(), seq.end()) != a.end();
  };
  EXPECT_EQ(a.front(), "/usr/bin/bwrap");
  EXPECT_EQ(a.back(), "--");
  EXPECT_TRUE(find({"--uid", "1000"}));
  EXPECT_TRUE(find({"--ro-bind", "/usr", "/usr"}));
  EXPECT_TRUE(find({"--tmpfs", "/home"}));
  EXPECT_TRUE(find({"--tmpfs", dir_}));
  EXPECT_TRUE(find({"--ro-bind", dir_ + "/code", "/home/ma-user/code"}));
  EXPECT_TRUE(find({"--chdir", "/home/ma-user/code"}));
  EXPECT_FALSE(find({"--unshare-net"}));  // loopback between a job's tasks
  EXPECT_FALSE(find({"--ro-bind", "/tmp", "/tmp"}));
}

}  // namespace
}  // namespace openarts::exec
