// `openarts serve` options: flag > environment > YAML > default, and errors that say where a bad
// value came from.
#include "server/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace openarts::server {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("openarts_config_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    env_["HOME"] = "/home/tester";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteYaml(const std::string& text) {
    const fs::path p = dir_ / "openarts.yaml";
    std::ofstream(p) << text;
    return p.string();
  }

  Result<Config> Parse(std::vector<std::string> args) {
    CLI::App app{"test"};
    CLI::App* serve = app.add_subcommand("serve");
    ServeCommand command(*serve);
    args.insert(args.begin(), {"openarts", "serve"});
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return InvalidArgument(std::string("parse error: ") + e.what());
    }
    return command.Resolve([this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    });
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, Defaults) {
  auto c = Parse({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->home, "/home/tester/.openarts");
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->project_name, "local");
  EXPECT_EQ(c->log_level, "info");
  EXPECT_EQ(c->worker_threads, 0);
  EXPECT_EQ(c->transfer_threads, 16);
  EXPECT_EQ(c->task_concurrency, 2);
  EXPECT_TRUE(c->access_log);
  EXPECT_EQ(c->metadata_url, "");  // derived from home by Server::Start
  EXPECT_EQ(c->admin_password, "");
}

TEST_F(ConfigTest, FlagBeatsEnvBeatsYamlBeatsDefault) {
  env_["OPENARTS_CONFIG"] = WriteYaml(
      "listen: 0.0.0.0:1\nproject_name: from-yaml\nworker_threads: 3\nlog_level: warn\n");
  env_["OPENARTS_LISTEN"] = "127.0.0.1:2";
  env_["OPENARTS_PROJECT_NAME"] = "from-env";
  auto c = Parse({"--listen", "127.0.0.1:3"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen, "127.0.0.1:3");       // flag
  EXPECT_EQ(c->project_name, "from-env");    // env over YAML
  EXPECT_EQ(c->worker_threads, 3);           // YAML over default
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_EQ(c->io_threads, 0);               // default
}

TEST_F(ConfigTest, ConfigFlagAndTildeHome) {
  auto c = Parse({"--config", WriteYaml("home: ~/data\naccess_log: false\n")});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->home, "/home/tester/data");
  EXPECT_FALSE(c->access_log);
}

TEST_F(ConfigTest, AdminPasswordFromEnvironmentOnly) {
  env_["OPENARTS_ADMIN_PASSWORD"] = "s3cret-Pass";
  auto c = Parse({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->admin_password, "s3cret-Pass");
  // Not a flag: command lines are visible to every user of the machine.
  EXPECT_FALSE(Parse({"--admin-password", "x"}).ok());
  auto yaml = Parse({"--config", WriteYaml("admin_password: x\n")});
  ASSERT_FALSE(yaml.ok());
  EXPECT_NE(yaml.status().message().find("OPENARTS_ADMIN_PASSWORD"), std::string::npos);
}

TEST_F(ConfigTest, ErrorsNameTheSource) {
  env_["OPENARTS_IO_THREADS"] = "many";
  auto c = Parse({});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("OPENARTS_IO_THREADS"), std::string::npos);
  EXPECT_NE(c.status().message().find("'many'"), std::string::npos);
  env_.erase("OPENARTS_IO_THREADS");

  c = Parse({"--task-concurrency", "0"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--task-concurrency"), std::string::npos);

  c = Parse({"--config", WriteYaml("access_log: maybe\n")});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("access_log"), std::string::npos);

  c = Parse({"--config", WriteYaml("listne: 1\n")});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unknown key 'listne'"), std::string::npos);

  c = Parse({"--log-level", "loud"});
  ASSERT_FALSE(c.ok());

  c = Parse({"--config", (dir_ / "missing.yaml").string()});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cannot be read"), std::string::npos);
}

TEST_F(ConfigTest, HelpNamesEveryEnvironmentVariable) {
  CLI::App app{"test"};
  CLI::App* serve = app.add_subcommand("serve");
  ServeCommand command(*serve);
  const std::string help = serve->help();
  for (const auto& spec : ServeOptions()) {
    EXPECT_NE(help.find(spec.env), std::string::npos) << spec.env << " missing from --help";
    if (!spec.flag.empty()) {
      EXPECT_NE(help.find("--" + spec.flag), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace openarts::server
