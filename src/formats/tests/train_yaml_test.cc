// train.yaml and submit options: the spec's samples as golden files (tests/golden/*.yaml →
// *.json, the REST create body), then tables of accepted and rejected inputs, each rejection
// checked for the message it must show. OPENARTS_UPDATE_GOLDEN=1 rewrites the *.json files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <regex>

#include "base/fs.h"
#include "formats/formats.h"

namespace openarts::formats {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(OPENARTS_SOURCE_DIR) / "src/formats/tests/golden";
constexpr int64_t kNow = 1'700'000'000'000;  // 2023-11-14 22:13:20 UTC

std::string Read(const fs::path& p) {
  auto text = ReadFile(p);
  EXPECT_TRUE(text.ok()) << p << ": " << text.status().ToString();
  return text.ok() ? *text : "";
}

SubmitConfig Parse(std::string_view text) {
  auto c = ParseTrainYaml(text, "train.yaml");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : SubmitConfig{};
}

// The message of a failed parse; "" (and a test failure) when it succeeded.
std::string ParseError(std::string_view text) {
  auto c = ParseTrainYaml(text, "train.yaml");
  EXPECT_FALSE(c.ok()) << text;
  if (c.ok()) return "";
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  return c.status().message();
}

#define EXPECT_CONTAINS(haystack, needle)                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) \
      << "expected to find: " << (needle) << "\n in: " << (haystack)

// A valid custom-image config that each validation case breaks in one way.
SubmitConfig Minimal() {
  SubmitConfig c;
  c.name = "job1";
  c.image_url = "team/pytorch:2.1";
  c.user_command = "python /home/ma-user/train.py";
  c.data_url = "obs://b/data/";
  c.log_url = "obs://b/logs/";
  c.code_dir = "obs://b/code/";
  return c;
}

// ------------------------------------------------------------------------------------------------
// Golden files

TEST(TrainYamlGolden, EveryYamlMatchesItsCreateBody) {
  FakeClock clock(kNow);
  const bool update = std::getenv("OPENARTS_UPDATE_GOLDEN") != nullptr;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kGolden)) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    SCOPED_TRACE(entry.path().filename().string());
    auto config = ParseTrainYaml(Read(entry.path()), entry.path().filename().string());
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto body = ToCreateBody(*config, clock);
    ASSERT_TRUE(body.ok()) << body.status().ToString();
    // A generated name has a random suffix; the golden file records only that it was generated.
    std::string name = (*body)["metadata"]["name"];
    if (!config->name) {
      EXPECT_TRUE(std::regex_match(name, std::regex("job-20231114221320-[0-9a-f]{4}"))) << name;
      (*body)["metadata"]["name"] = "<generated>";
    }
    fs::path json_path = fs::path(entry.path()).replace_extension(".json");
    if (update) {
      ASSERT_TRUE(WriteFileAtomic(json_path, body->dump(2) + "\n").ok());
      continue;
    }
    auto want = ParseJson(Read(json_path));
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    EXPECT_EQ(*body, *want) << "got:\n" << body->dump(2);
  }
  EXPECT_GE(count, 5);
}

// The manual's custom-image sample with its optional blocks uncommented, field by field.
TEST(TrainYamlGolden, CustomImageSampleParsesAsWritten) {
  SubmitConfig c = Parse(Read(kGolden / "custom_image_optional.yaml"));
  EXPECT_EQ(c.image_url,
            "atelier/pytorch_1_8:pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64-"
            "20220926104358-041ba2e");
  EXPECT_EQ(c.user_command,
            "export LD_LIBRARY_PATH=/usr/local/cuda/compat:$LD_LIBRARY_PATH && cd "
            "/home/ma-user/modelarts/user-job-dir/code && "
            "/home/ma-user/anaconda3/envs/PyTorch-1.8/bin/python main.py");
  EXPECT_EQ(c.train_instance_type, "modelarts.vm.cpu.8u");
  EXPECT_EQ(c.train_instance_count, 1);
  EXPECT_EQ(c.data_url, "obs://your-bucket/mnist/dataset/MNIST/");
  EXPECT_EQ(c.code_dir, "obs://your-bucket/mnist/code/");
  EXPECT_EQ(c.log_url, "obs://your-bucket/mnist/logs/");
  EXPECT_EQ(c.uid, 1000);
  EXPECT_EQ(c.outputs,
            (std::vector<IoChannel>{IoChannel{"output_dir", "obs://your-bucket/mnist/output1/"}}));
  EXPECT_EQ(
      c.inputs,
      (std::vector<IoChannel>{IoChannel{"data_url", "obs://your-bucket/mnist/dataset/MNIST/"}}));
  EXPECT_EQ(c.parameters, (std::vector<Parameter>{
                              {"epoch", "10"}, {"learning_rate", "0.01"}, {"pretrained", {}}}));
  EXPECT_EQ(c.pool_id, "pool_xxxx");
  EXPECT_EQ(c.volumes, (std::vector<Volume>{{"/xx/yy/zz", false, "xxx.xxx.xxx.xxx:/"}}));
  EXPECT_FALSE(c.name || c.description || c.boot_file || c.framework_type || c.policy);
}

// Commented-out optional blocks contribute nothing.
TEST(TrainYamlGolden, CommentedSampleIsTheRequiredPartOfTheUncommentedOne) {
  SubmitConfig full = Parse(Read(kGolden / "custom_image_optional.yaml"));
  full.uid.reset(), full.outputs.reset(), full.inputs.reset(), full.parameters.reset();
  full.pool_id.reset(), full.volumes.reset();
  EXPECT_EQ(Parse(Read(kGolden / "custom_image.yaml")), full);

  SubmitConfig preset = Parse(Read(kGolden / "preset_image.yaml"));
  EXPECT_EQ(preset.framework_type, "PyTorch");
  EXPECT_EQ(preset.framework_version, "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64");
  EXPECT_EQ(preset.boot_file, "main.py");
  EXPECT_EQ(preset.working_dir, "/home/ma-user/modelarts/user-job-dir/code");
  EXPECT_FALSE(preset.pool_id || preset.image_url || preset.uid);
}

// The shape the server decodes, written out in full once.
TEST(TrainYamlGolden, ExactCreateBody) {
  SubmitConfig c = Parse(Read(kGolden / "everything.yaml"));
  auto body = ToCreateBody(c, FakeClock(kNow));
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  Json want = Json::parse(R"({
    "kind": "job",
    "metadata": {"name": "mnist-resnet_01", "description": "MNIST: ResNet-18, 10 epochs",
                 "workspace_id": "ws-1",
                 "annotations": {"fault-tolerance/job-retry-num": "2",
                                 "fault-tolerance/job-unconditional-retry": "true"}},
    "algorithm": {
      "code_dir": "obs://bucket/mnist/code/", "boot_file": "train.py",
      "working_dir": "/home/ma-user/modelarts/user-job-dir/code",
      "local_code_dir": "/home/ma-user/modelarts/user-job-dir/code",
      "command": "cd /home/ma-user/modelarts/user-job-dir/code && python train.py",
      "engine": {"image_url": "swr.example.com/team/pytorch:2.1.0", "run_user": "1000"},
      "parameters": [{"name": "epoch", "value": "10"}, {"name": "pretrained"},
                     {"name": "lr", "value": "1e-3"}, {"name": "momentum", "value": "0.90"}],
      "inputs": [{"name": "data_url", "remote": {"obs": {"obs_url": "obs://bucket/mnist/data/"}}},
                 {"name": "weights",
                  "remote": {"obs": {"obs_url": "obs://bucket/pretrained/resnet18/"}}}],
      "outputs": [{"name": "train_url",
                   "remote": {"obs": {"obs_url": "obs://bucket/mnist/model/"}}},
                  {"name": "profile_dir",
                   "remote": {"obs": {"obs_url": "s3://bucket/mnist/profile/"}}}],
      "environments": {"NCCL_DEBUG": "INFO", "SAVE_INTERVAL": "100"}},
    "spec": {
      "resource": {"flavor_id": "modelarts.vm.gpu.1v100", "node_count": 2,
                   "pool_id": "pool-gpu-01"},
      "log_export_path": {"obs_url": "obs://bucket/mnist/logs/"},
      "volumes": [{"nfs": {"nfs_server_path": "192.168.0.10:/share",
                           "local_path": "/home/ma-user/nfs", "read_only": true}}],
      "schedule_policy": {"priority": 1, "preemptible": true}}
  })");
  EXPECT_EQ(*body, want) << body->dump(2);
  // The parameter order is the declaration order (they are appended to the boot command so).
  EXPECT_EQ((*body)["algorithm"]["parameters"][2]["name"], "lr");
}

// ------------------------------------------------------------------------------------------------
// Parsing

TEST(TrainYamlParse, EmptyDocumentsAreEmptyConfigs) {
  for (std::string_view text : {"", "\n", "# only a comment\n", "---\n", "~\n"}) {
    auto c = ParseTrainYaml(text, "train.yaml");
    ASSERT_TRUE(c.ok()) << "'" << text << "': " << c.status().ToString();
    EXPECT_EQ(*c, SubmitConfig{});
  }
}

TEST(TrainYamlParse, UnderscoreAndDashAreTheSame) {
  SubmitConfig a = Parse(
      "pool_id: p1\ntrain_instance_count: 3\nimage_url: i\nuser_command: c\n"
      "env_variables: [A=1]\nretry_num: 1\nunconditional_retry: false\n"
      "output: [{name: o, obs-path: obs://b/o}]\n"
      "volumes: [{efs: {local-path: /home/x, read-only: true, nfs-server-path: 'h:/'}}]\n");
  SubmitConfig b = Parse(
      "pool-id: p1\ntrain-instance-count: 3\nimage-url: i\nuser-command: c\n"
      "env-variables: [A=1]\nretry-num: 1\nunconditional-retry: false\n"
      "output: [{name: o, obs_path: obs://b/o}]\n"
      "volumes: [{efs: {local_path: /home/x, read_only: true, nfs_server_path: 'h:/'}}]\n");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.pool_id, "p1");
  EXPECT_EQ(a.train_instance_count, 3);
  EXPECT_EQ(a.volumes->at(0).read_only, true);
}

TEST(TrainYamlParse, ValuesAreKeptAsWritten) {
  SubmitConfig c = Parse(
      "parameters:\n  - lr: 0.010\n  - big: 1e+06\n  - flag: True\n  - s: 'quoted: yes'\n"
      "  - empty: ''\n  - bare:\n  - tilde: ~\n"
      "framework-version: 1.10\n"
      "train-instance-count: '2'\n");
  EXPECT_EQ(c.parameters, (std::vector<Parameter>{{"lr", "0.010"},
                                                  {"big", "1e+06"},
                                                  {"flag", "True"},
                                                  {"s", "quoted: yes"},
                                                  {"empty", ""},
                                                  {"bare", {}},
                                                  {"tilde", {}}}));
  EXPECT_EQ(c.framework_version, "1.10");  // not the float 1.1
  EXPECT_EQ(c.train_instance_count, 2);    // the manual's table calls it a String
}

TEST(TrainYamlParse, EnvVariablesAsListOrMapping) {
  std::vector<EnvVar> want = {{"A", "1"}, {"B", "x=y"}, {"C", ""}};
  EXPECT_EQ(Parse("env-variables:\n  - A=1\n  - B=x=y\n  - C=\n").env_variables, want);
  EXPECT_EQ(Parse("env-variables:\n  A: 1\n  B: x=y\n  C: ''\n").env_variables, want);
  EXPECT_EQ(Parse("env-variables:\n  - A: 1\n  - B=x=y\n  - C: \"\"\n").env_variables, want);
}

TEST(TrainYamlParse, ParametersAsAString) {
  EXPECT_EQ(Parse("parameters: --epoch 3 --pretrained\n").parameters,
            (std::vector<Parameter>{{"epoch", "3"}, {"pretrained", {}}}));
}

TEST(TrainYamlParse, EmptyListsReplaceEarlierOnes) {
  SubmitConfig c = Parse("output:\ninput: []\nparameters:\nvolumes:\nenv-variables:\n");
  EXPECT_EQ(c.outputs, std::vector<IoChannel>{});
  EXPECT_EQ(c.inputs, std::vector<IoChannel>{});
  EXPECT_EQ(c.parameters, std::vector<Parameter>{});
  EXPECT_EQ(c.volumes, std::vector<Volume>{});
  EXPECT_EQ(c.env_variables, std::vector<EnvVar>{});
}

TEST(TrainYamlParse, UnknownKeyNamesKeyFileLineAndValidKeys) {
  std::string msg = ParseError("name: a\n\noutputs:\n  - name: o\n");
  EXPECT_CONTAINS(msg, "train.yaml:3:1: unknown key 'outputs'");
  EXPECT_CONTAINS(msg, "did you mean 'output'?");
  EXPECT_CONTAINS(msg, "'_' and '-' are interchangeable");
  EXPECT_CONTAINS(msg, "name, description, image-url, uid, working-dir");
  EXPECT_CONTAINS(msg, "retry-num, unconditional-retry");
  // Far from every key: no suggestion, still the list.
  msg = ParseError("quiet: true\n");
  EXPECT_CONTAINS(msg, "train.yaml:1:1: unknown key 'quiet'");
  EXPECT_EQ(msg.find("did you mean"), std::string::npos) << msg;
}

TEST(TrainYamlParse, Rejections) {
  struct Case {
    std::string yaml;
    std::string error;
  };
  std::vector<Case> cases = {
      {"train-instance-count: two\n",
       "train.yaml:1:1: train-instance-count: expected an integer >= 1, got 'two'"},
      {"train-instance-count: 0\n", "expected an integer >= 1, got '0'"},
      {"train-instance-count: 1.5\n", "expected an integer >= 1, got '1.5'"},
      {"train-instance-count: 99999999999999999999\n", "expected an integer >= 1"},
      {"uid: -1\n", "uid: expected an integer >= 0, got '-1'"},
      {"retry-num: 4\n", "retry-num: expected an integer between 0 and 3, got '4'"},
      {"unconditional-retry: maybe\n", "unconditional-retry: expected true or false, got 'maybe'"},
      {"policy: cheap\n", "policy: expected one of regular, economic, turbo, auto, got 'cheap'"},
      {"name: [a, b]\n", "train.yaml:1:1: name: expected a string, got a list"},
      {"name:\n", "name: expected a string, got nothing"},
      {"name: ''\n", "name: must not be empty"},
      {"code-dir: {a: 1}\n", "code-dir: expected a string, got a mapping"},
      {"output: obs://b/x\n", "output: expected a list, got a scalar"},
      {"output:\n  - name: o\n",
       "train.yaml:2:5: output[0]: needs both name and obs_path, "
       "missing obs_path"},
      {"output:\n  - name: o\n    path: obs://b\n",
       "train.yaml:3:5: output[0]: unknown key "
       "'path' (expected name, obs_path)"},
      {"input:\n  - name: a\n    name: b\n    obs_path: obs://b\n", "key 'name' is given twice"},
      {"input:\n  - just-a-string\n", "input[0]: expected a mapping, got a scalar"},
      {"parameters:\n  - epoch: 1\n    lr: 2\n",
       "parameters[0]: expected a single-key mapping such as 'epoch: 10' or 'pretrained:'"},
      {"parameters:\n  - epoch: [1, 2]\n",
       "parameters[0].epoch: expected a scalar value, got a list"},
      {"parameters: 'a b'\n", "train.yaml:1:1: parameters: 'a' is not a keyword parameter"},
      {"env-variables:\n  - NOEQUALS\n", "env-variables[0]: expected NAME=VALUE, got 'NOEQUALS'"},
      {"env-variables: A=1\n", "env-variables: expected a list of NAME=VALUE or a mapping"},
      {"env-variables:\n  A:\n",
       "env-variables.A: expected a string (use \"\" for an empty value)"},
      {"volumes:\n  - nfs: {}\n", "volumes[0]: unknown key 'nfs' (expected efs)"},
      {"volumes:\n  - efs:\n      local_path: /x\n",
       "volumes[0].efs: needs local_path and nfs_server_path, missing nfs_server_path"},
      {"volumes:\n  - efs:\n      local_path: /x\n      read_only: no way\n      "
       "nfs_server_path: h:/\n",
       "volumes[0].efs.read_only: expected true or false, got 'no way'"},
      {"volumes:\n  - efs:\n      local_path: /x\n      size: 3\n", "unknown key 'size'"},
      {"pool_id: a\npool-id: b\n",
       "train.yaml:2:1: key 'pool-id' is given twice (first at line 1)"},
      {"name: a\nname: b\n", "key 'name' is given twice"},
      {"- name: a\n", "train.yaml:1:1: expected a mapping of option names to values, got a list"},
      {"just text\n", "expected a mapping of option names to values, got a scalar"},
      {"name: a\n---\nname: b\n", "train.yaml:2:1: a second YAML document starts here"},
      // yaml-cpp 0.7 looped forever on these in LoadAll (train_yaml_fuzz, timeout and OOM).
      {", *a]\n? [x]\n: y\npool_id: a\npool-id: b\n",
       "train.yaml:1:1: not valid YAML: "
       "unexpected flow indicator"},
      {",\n", "not valid YAML"},
      {std::string(1 << 20, '#') + "\n", "is more than a train.yaml may hold (1 MiB)"},
      {"name: [a, b\n", "train.yaml:2:1: not valid YAML: end of sequence flow not found"},
      {"name: a: b\n", "train.yaml:1:8: not valid YAML: illegal map value"},
      {"? [a]\n: b\n", "keys must be plain names"},
      {"name: \"a\\0b\"\n", "name: contains a NUL character"},
      {"name: \"\xff\"\n", "not valid"},
      {"description: !!binary abc\nname: *undefined\n", "not valid YAML"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    EXPECT_CONTAINS(ParseError(c.yaml), c.error);
  }
}

TEST(TrainYamlParse, AnchorsAndAliasesWork) {
  SubmitConfig c = Parse("data-url: &d obs://b/d/\ninput:\n  - name: x\n    obs_path: *d\n");
  EXPECT_EQ(c.inputs->at(0).obs_path, "obs://b/d/");
}

// ------------------------------------------------------------------------------------------------
// Merging and command-line options

TEST(TrainYamlMerge, LaterValuesWinAndListsAreReplaced) {
  SubmitConfig base = Parse(
      "name: base\ntrain-instance-count: 2\noutput:\n  - {name: a, obs_path: obs://b/a}\n"
      "  - {name: b, obs_path: obs://b/b}\nparameters: [{epoch: 1}]\npolicy: turbo\n");
  SubmitConfig over = Parse("name: over\noutput:\n  - {name: c, obs_path: obs://b/c}\n");
  MergeInto(base, over);
  EXPECT_EQ(base.name, "over");
  EXPECT_EQ(base.train_instance_count, 2);  // unset in `over`: kept
  EXPECT_EQ(base.outputs,
            (std::vector<IoChannel>{IoChannel{"c", "obs://b/c"}}));  // replaced, not appended
  EXPECT_EQ(base.parameters, (std::vector<Parameter>{Parameter{"epoch", "1"}}));
  EXPECT_EQ(base.policy, Policy::kTurbo);

  // An empty list in a later file clears the earlier list.
  MergeInto(base, Parse("parameters: []\n"));
  EXPECT_EQ(base.parameters, std::vector<Parameter>{});
}

// Every field takes part in the merge (a field missing from the option table fails here).
TEST(TrainYamlMerge, CoversEveryField) {
  SubmitConfig full = Parse(Read(kGolden / "everything.yaml"));
  full.framework_type = "PyTorch", full.framework_version = "v";
  SubmitConfig empty;
  MergeInto(empty, full);
  EXPECT_EQ(empty, full);
  SubmitConfig kept = full;
  MergeInto(kept, SubmitConfig{});
  EXPECT_EQ(kept, full);
  // And the table lists every option once, in the manual's order.
  EXPECT_EQ(SubmitOptions().size(), 25u);
  EXPECT_EQ(SubmitOptions().front().name, "name");
  EXPECT_EQ(SubmitOptions().back().name, "unconditional-retry");
  EXPECT_TRUE(SubmitOptions().back().flag);
}

TEST(TrainYamlOptions, CommandLineOverridesYaml) {
  SubmitConfig config = Parse(Read(kGolden / "custom_image_optional.yaml"));
  SubmitConfig cli;
  ASSERT_TRUE(ApplyOption(cli, "--train-instance-count", "4").ok());
  ASSERT_TRUE(ApplyOption(cli, "--input", "a=obs://b/a").ok());
  ASSERT_TRUE(ApplyOption(cli, "input", "b=obs://b/b").ok());  // repeatable: appends
  ASSERT_TRUE(ApplyOption(cli, "--env-variables", "K=V").ok());
  ASSERT_TRUE(ApplyOption(cli, "--env-variables", "K2=a=b").ok());
  ASSERT_TRUE(ApplyOption(cli, "--parameters", "--epoch 0 --pretrained").ok());
  ASSERT_TRUE(ApplyOption(cli, "--volumes", "local_path=/home/v;nfs_server_path=h:/s").ok());
  ASSERT_TRUE(ApplyOption(cli, "--unconditional-retry", "").ok());  // a flag
  ASSERT_TRUE(ApplyOption(cli, "--retry_num", "3").ok());
  ASSERT_TRUE(ApplyOption(cli, "--policy", "auto").ok());
  ASSERT_TRUE(ApplyOption(cli, "--description", "").ok());  // the one option that may be empty
  MergeInto(config, cli);
  EXPECT_EQ(config.train_instance_count, 4);
  EXPECT_EQ(config.inputs, (std::vector<IoChannel>{{"a", "obs://b/a"}, {"b", "obs://b/b"}}));
  EXPECT_EQ(config.env_variables, (std::vector<EnvVar>{{"K", "V"}, {"K2", "a=b"}}));
  EXPECT_EQ(config.parameters, (std::vector<Parameter>{{"epoch", "0"}, {"pretrained", {}}}));
  EXPECT_EQ(config.volumes, (std::vector<Volume>{{"/home/v", false, "h:/s"}}));
  EXPECT_EQ(config.unconditional_retry, true);
  EXPECT_EQ(config.retry_num, 3);
  EXPECT_EQ(config.policy, Policy::kAuto);
  EXPECT_EQ(config.description, "");
  EXPECT_EQ(config.pool_id, "pool_xxxx");  // from the YAML
}

TEST(TrainYamlOptions, Rejections) {
  struct Case {
    std::string option, value, error;
  };
  std::vector<Case> cases = {
      {"--train-instance-count", "two",
       "--train-instance-count: expected an integer >= 1, got 'two'"},
      {"--retry-num", "9", "--retry-num: expected an integer between 0 and 3, got '9'"},
      {"--unconditional-retry", "sure", "--unconditional-retry: expected true or false"},
      {"--input", "obs://b/x", "--input: expected NAME=obs://bucket/path, got 'obs://b/x'"},
      {"--output", "out=", "--output: expected NAME=obs://bucket/path"},
      {"--env-variables", "=x", "--env-variables: expected NAME=VALUE, got '=x'"},
      {"--parameters", "epoch 3", "--parameters: 'epoch' is not a keyword parameter"},
      {"--volumes", "local_path=/x", "--volumes: nfs_server_path is required"},
      {"--name", "", "--name: must not be empty"},
      {"--name", std::string("a\0b", 3), "--name: contains a NUL character"},
      {"--quiet", "", "unknown option '--quiet'"},
      {"--pool", "x", "unknown option '--pool'; did you mean 'pool-id'?"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.option + " " + c.value);
    SubmitConfig config;
    Status s = ApplyOption(config, c.option, c.value);
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_CONTAINS(s.message(), c.error);
  }
}

TEST(TrainYamlOptions, ParameterStrings) {
  struct Case {
    std::string text;
    std::vector<Parameter> want;
  };
  std::vector<Case> ok = {
      {"--epoch 0 --pretrained --lr=0.1", {{"epoch", "0"}, {"pretrained", {}}, {"lr", "0.1"}}},
      {"", {}},
      {"   ", {}},
      {"--a --b", {{"a", {}}, {"b", {}}}},
      {"--name 'two words' --q \"say \\\"hi\\\"\"", {{"name", "two words"}, {"q", "say \"hi\""}}},
      {"--path a\\ b --empty '' --eq=", {{"path", "a b"}, {"empty", ""}, {"eq", ""}}},
      {"--x=a=b --offset -1 --scale -.5", {{"x", "a=b"}, {"offset", "-1"}, {"scale", "-.5"}}},
      {"--s 'it'\"'\"'s'", {Parameter{"s", "it's"}}},
      {"--d \"a\\nb\" --e 'a\\nb'", {{"d", "a\\nb"}, {"e", "a\\nb"}}},
      {"\t--epoch\n10\n", {Parameter{"epoch", "10"}}},
      {"--lr=\"0.1 0.2\"", {Parameter{"lr", "0.1 0.2"}}},
  };
  for (const Case& c : ok) {
    SCOPED_TRACE(c.text);
    auto got = ParseParameterString(c.text);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, c.want);
  }
  std::vector<std::pair<std::string, std::string>> bad = {
      {"epoch 3", "'epoch' is not a keyword parameter; only keyword parameters are supported"},
      {"--epoch 3 4", "'4' is not a keyword parameter"},
      {"-e 3", "short option '-e' is not supported; use --name value or --name=value"},
      {"--a -b", "short option '-b'"},
      {"--", "'--' has no name"},
      {"--=3", "'--=3' has no name"},
      {"--a 'open", "unterminated single quote at offset 4"},
      {"--a \"open", "unterminated double quote at offset 4"},
      {"--a b\\", "ends with a lone backslash"},
  };
  for (const auto& [text, error] : bad) {
    SCOPED_TRACE(text);
    auto got = ParseParameterString(text);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), Code::kInvalidArgument);
    EXPECT_CONTAINS(got.status().message(), error);
  }
}

TEST(TrainYamlOptions, NameValue) {
  auto nv = ParseNameValue("--input", "data=obs://b/x=y");
  ASSERT_TRUE(nv.ok());
  EXPECT_EQ(nv->first, "data");
  EXPECT_EQ(nv->second, "obs://b/x=y");
  nv = ParseNameValue("--env-variables", "K=");
  ASSERT_TRUE(nv.ok());
  EXPECT_EQ(nv->second, "");
  for (std::string_view bad : {"x", "=v", ""}) {
    nv = ParseNameValue("--input", bad);
    ASSERT_FALSE(nv.ok()) << bad;
    EXPECT_CONTAINS(nv.status().message(),
                    "--input: expected NAME=VALUE, got '" + std::string(bad));
  }
}

TEST(TrainYamlOptions, VolumeStrings) {
  auto v = ParseVolumeString("local_path=/xx/yy/zz;read_only=false;nfs_server_path=1.2.3.4:/");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, (Volume{"/xx/yy/zz", false, "1.2.3.4:/"}));
  v = ParseVolumeString(" nfs_server_path = h:/a ; local_path=/m ; read_only=TRUE ; ");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, (Volume{"/m", true, "h:/a"}));
  std::vector<std::pair<std::string, std::string>> bad = {
      {"", "local_path is required"},
      {"local_path=/m", "nfs_server_path is required"},
      {"local_path=/m;nfs_server_path=h:/;size=3", "unknown key 'size'"},
      {"local_path=/m;local_path=/n;nfs_server_path=h:/", "local_path is given twice"},
      {"local_path=/m;nfs_server_path=h:/;read_only=yes", "read_only: expected true or false"},
      {"local_path;nfs_server_path=h:/", "expected key=value, got 'local_path'"},
      {"local_path=;nfs_server_path=h:/", "local_path must not be empty"},
  };
  for (const auto& [text, error] : bad) {
    SCOPED_TRACE(text);
    auto got = ParseVolumeString(text);
    ASSERT_FALSE(got.ok());
    EXPECT_CONTAINS(got.status().message(), error);
  }
}

// ------------------------------------------------------------------------------------------------
// The create body

TEST(TrainYamlCreateBody, MinimalCustomImage) {
  auto body = ToCreateBody(Minimal(), FakeClock(kNow));
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, Json::parse(R"({
    "kind": "job",
    "metadata": {"name": "job1", "workspace_id": "0"},
    "algorithm": {"code_dir": "obs://b/code/", "command": "python /home/ma-user/train.py",
                  "engine": {"image_url": "team/pytorch:2.1"},
                  "inputs": [{"name": "data_url",
                              "remote": {"obs": {"obs_url": "obs://b/data/"}}}]},
    "spec": {"resource": {"node_count": 1}, "log_export_path": {"obs_url": "obs://b/logs/"}}
  })"))
      << body->dump(2);
}

TEST(TrainYamlCreateBody, PolicyMapping) {
  struct Case {
    Policy policy;
    Json want;
  };
  std::vector<Case> cases = {
      {Policy::kRegular, {{"priority", 1}, {"preemptible", false}}},
      {Policy::kEconomic, {{"priority", 1}, {"preemptible", true}}},
      {Policy::kTurbo, {{"priority", 3}, {"preemptible", false}}},
  };
  for (const Case& c : cases) {
    SubmitConfig config = Minimal();
    config.policy = c.policy;
    auto body = ToCreateBody(config, FakeClock(kNow));
    ASSERT_TRUE(body.ok());
    EXPECT_EQ((*body)["spec"]["schedule_policy"], c.want);
  }
  SubmitConfig config = Minimal();
  config.policy = Policy::kAuto;
  auto body = ToCreateBody(config, FakeClock(kNow));
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE((*body)["spec"].contains("schedule_policy"));
}

TEST(TrainYamlCreateBody, RetrySettings) {
  SubmitConfig config = Minimal();
  config.retry_num = 0;
  auto body = ToCreateBody(config, FakeClock(kNow));
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE((*body)["metadata"].contains("annotations"));  // 0 = off, the default
  config.retry_num = 3;
  config.unconditional_retry = false;
  body = ToCreateBody(config, FakeClock(kNow));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["metadata"]["annotations"],
            (Json{{"fault-tolerance/job-retry-num", "3"},
                  {"fault-tolerance/job-unconditional-retry", "false"}}));
}

TEST(TrainYamlCreateBody, DefaultName) {
  EXPECT_EQ(DefaultJobName(kNow, 0xab1), "job-20231114221320-0ab1");
  EXPECT_EQ(DefaultJobName(0, 0xffff), "job-19700101000000-ffff");
  SubmitConfig config = Minimal();
  config.name.reset();
  auto body = ToCreateBody(config, FakeClock(kNow));
  ASSERT_TRUE(body.ok());
  std::string name = (*body)["metadata"]["name"];
  EXPECT_TRUE(std::regex_match(name, std::regex("job-20231114221320-[0-9a-f]{4}"))) << name;
  // A generated name passes the name rules.
  config.name = name;
  EXPECT_TRUE(ToCreateBody(config, FakeClock(kNow)).ok());
}

TEST(TrainYamlCreateBody, DataUrlRepeatedAsAnInputIsOneChannel) {
  SubmitConfig config = Minimal();
  config.inputs = {{"data_url", "obs://b/data/"}, {"extra", "obs://b/extra/"}};
  auto body = ToCreateBody(config, FakeClock(kNow));
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  ASSERT_EQ((*body)["algorithm"]["inputs"].size(), 2u);
  EXPECT_EQ((*body)["algorithm"]["inputs"][1]["name"], "extra");
}

TEST(TrainYamlCreateBody, Rejections) {
  struct Case {
    std::function<void(SubmitConfig&)> change;
    std::string error;
  };
  std::vector<Case> cases = {
      {[](SubmitConfig& c) { c.data_url.reset(); },
       "missing required option: --data-url; set them in the YAML file or on the command line"},
      {[](SubmitConfig& c) { c.data_url.reset(), c.log_url.reset(), c.code_dir.reset(); },
       "missing required options: --data-url --log-url --code-dir"},
      {[](SubmitConfig& c) { c.code_dir.reset(); }, "missing required option: --code-dir"},
      {[](SubmitConfig& c) { c.framework_type = "PyTorch"; },
       "--image-url cannot be combined with --framework-type/--framework-version"},
      {[](SubmitConfig& c) { c.user_command.reset(); },
       "--user-command is required with --image-url (a custom-image job)"},
      {[](SubmitConfig& c) { c.image_url.reset(); },
       "--framework-type is required for a preset-engine job"},
      {[](SubmitConfig& c) { c.image_url.reset(), c.framework_type = "PyTorch"; },
       "--framework-version is required for a preset-engine job"},
      {[](SubmitConfig& c) {
         c.image_url.reset(), c.framework_type = "PyTorch", c.framework_version = "v";
       },
       "--boot-file is required for a preset-engine job (with --framework-type/"
       "--framework-version); set it or use --image-url with --user-command"},
      {[](SubmitConfig& c) { c.image_url = "a b"; }, "--image-url must be"},
      {[](SubmitConfig& c) { c.name = "my job"; },
       "--name must be 1-64 characters of letters, digits, '_' and '-', got 'my job'"},
      {[](SubmitConfig& c) { c.name = std::string(65, 'a'); }, "--name must be 1-64"},
      {[](SubmitConfig& c) { c.name = ""; }, "--name must be 1-64"},
      {[](SubmitConfig& c) { c.description = std::string(257, 'd'); },
       "--description must be at most 256 characters, got 257"},
      {[](SubmitConfig& c) { c.data_url = "/local/data"; },
       "--data-url must be an object-storage path obs://bucket/path (or s3://), got '/local/data'"},
      {[](SubmitConfig& c) { c.log_url = "file:///tmp/logs"; },
       "--log-url must be an object-storage"},
      {[](SubmitConfig& c) { c.code_dir = "http://x/code"; },
       "--code-dir must be an object-storage path obs://bucket/path (or s3://, or "
       "file:///abs/dir)"},
      {[](SubmitConfig& c) { c.code_dir = "obs:///code"; },
       "--code-dir: 'obs:///code' has no bucket"},
      {[](SubmitConfig& c) { c.data_url = "obs://"; }, "has no bucket"},
      {[](SubmitConfig& c) {
         c.outputs = {{IoChannel{"out", "bucket/out"}}};
       },
       "--output out must be an object-storage path"},
      {[](SubmitConfig& c) {
         c.inputs = {{IoChannel{"data_url", "obs://b/other/"}}};
       },
       "--input data_url=obs://b/other/ conflicts with --data-url obs://b/data/"},
      {[](SubmitConfig& c) {
         c.inputs = {{IoChannel{"x", "obs://b/1"}}}, c.outputs = {{IoChannel{"x", "obs://b/2"}}};
       },
       "--output x: the name 'x' is already used by --input x"},
      {[](SubmitConfig& c) {
         c.inputs = {{"x", "obs://b/1"}, {"x", "obs://b/2"}};
       },
       "--input x: the name 'x' is already used by --input x"},
      {[](SubmitConfig& c) {
         c.parameters = {{Parameter{"data_url", "3"}}};
       },
       "--parameters --data_url: the name 'data_url' is already used by --data-url"},
      {[](SubmitConfig& c) {
         c.parameters = {{"a", {}}, {"a", "1"}};
       },
       "already used by"},
      {[](SubmitConfig& c) {
         c.parameters = {{Parameter{"a;rm", {}}}};
       },
       "--parameters --a;rm: 'a;rm' is not a valid name"},
      {[](SubmitConfig& c) {
         c.outputs = {{IoChannel{"../up", "obs://b/o"}}};
       },
       "'../up' is not a valid name"},
      {[](SubmitConfig& c) {
         c.env_variables = {{EnvVar{"MA_HOME", "/x"}}};
       },
       "--env-variables: 'MA_HOME' starts with MA_, which is reserved for the platform"},
      {[](SubmitConfig& c) {
         c.env_variables = {{EnvVar{"ENABLE_HTTPS", "0"}}};
       },
       "--env-variables: ENABLE_HTTPS is protected"},
      {[](SubmitConfig& c) {
         c.env_variables = {{EnvVar{"$HOME", "x"}}};
       },
       "--env-variables: '$HOME' is not a valid name"},
      {[](SubmitConfig& c) {
         c.env_variables = {{EnvVar{"1X", "x"}}};
       },
       "'1X' is not a valid name"},
      {[](SubmitConfig& c) {
         c.env_variables = {{EnvVar{"A-B", "x"}}};
       },
       "'A-B' is not a valid name"},
      {[](SubmitConfig& c) {
         c.env_variables = {{"A", "1"}, {"A", "2"}};
       },
       "'A' is given twice"},
      {[](SubmitConfig& c) {
         c.env_variables.emplace();
         for (int i = 0; i < 101; ++i) c.env_variables->emplace_back("V" + std::to_string(i), "");
       },
       "--env-variables: at most 100 variables, got 101"},
      {[](SubmitConfig& c) { c.working_dir = "code"; },
       "--working-dir must be an absolute container path without '..'"},
      {[](SubmitConfig& c) { c.local_code_dir = "/home/../etc"; }, "--local-code-dir must be an"},
      {[](SubmitConfig& c) { c.boot_file = "/abs/train.py"; },
       "--boot-file must be a path relative to --code-dir without '..'"},
      {[](SubmitConfig& c) { c.boot_file = "../train.py"; }, "--boot-file must be a path relative"},
      {[](SubmitConfig& c) {
         c.volumes = {{Volume{"rel", false, "h:/"}}};
       },
       "--volumes: local_path must be an absolute container path"},
      {[](SubmitConfig& c) {
         c.volumes = {{Volume{"/m", false, "h"}}};
       },
       "--volumes: nfs_server_path must be host:/path"},
      {[](SubmitConfig& c) {
         c.volumes = {{"/m", false, "h:/a"}, {"/m", true, "h:/b"}};
       },
       "--volumes: local_path '/m' is mounted twice; mount paths must be unique"},
      {[](SubmitConfig& c) { c.train_instance_type = "gpu 8"; }, "--train-instance-type must be"},
      {[](SubmitConfig& c) { c.pool_id = "p 1"; }, "--pool-id must be"},
      {[](SubmitConfig& c) { c.unconditional_retry = true; },
       "--unconditional-retry needs --retry-num between 1 and 3"},
  };
  ASSERT_TRUE(ToCreateBody(Minimal(), FakeClock(kNow)).ok());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": " + cases[i].error);
    SubmitConfig config = Minimal();
    cases[i].change(config);
    auto body = ToCreateBody(config, FakeClock(kNow));
    ASSERT_FALSE(body.ok());
    EXPECT_EQ(body.status().code(), Code::kInvalidArgument);
    EXPECT_CONTAINS(body.status().message(), cases[i].error);
  }
}

TEST(TrainYamlCreateBody, AcceptedEdges) {
  std::vector<std::function<void(SubmitConfig&)>> cases = {
      [](SubmitConfig& c) { c.name = std::string(64, 'a'); },
      [](SubmitConfig& c) { c.description = std::string(256, 'd'); },
      // 256 characters of three bytes each: characters, not bytes, are counted.
      [](SubmitConfig& c) {
        c.description = "";
        for (int i = 0; i < 256; ++i) *c.description += "\xe4\xb8\xad";
      },
      [](SubmitConfig& c) { c.code_dir = "file:///home/me/code"; },
      [](SubmitConfig& c) { c.data_url = "s3://b/d"; },
      [](SubmitConfig& c) { c.user_command.reset(), c.boot_file = "train.py"; },
      [](SubmitConfig& c) {
        c.env_variables.emplace();
        for (int i = 0; i < 100; ++i) c.env_variables->emplace_back("_V" + std::to_string(i), "");
      },
      [](SubmitConfig& c) {
        c.parameters = {{"model.lr", "1"}, {"data-dir", "x"}};
      },
      [](SubmitConfig& c) {
        c.env_variables = {{EnvVar{"MY_MA_VAR", "x"}}};
      },
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SubmitConfig config = Minimal();
    cases[i](config);
    auto body = ToCreateBody(config, FakeClock(kNow));
    EXPECT_TRUE(body.ok()) << "case " << i << ": " << body.status().ToString();
  }
}

// ------------------------------------------------------------------------------------------------
// Lint

TEST(TrainYamlLint, CleanConfigsHaveNoWarnings) {
  EXPECT_EQ(LintWarnings(Minimal()), std::vector<std::string>{});
  EXPECT_EQ(LintWarnings(Parse(Read(kGolden / "custom_image_optional.yaml"))),
            std::vector<std::string>{});
  EXPECT_EQ(LintWarnings(Parse(Read(kGolden / "preset_image.yaml"))), std::vector<std::string>{});
  for (std::string_view cmd : {
           "python3 train.py",
           "cd /home/ma-user/code; PYTHONPATH=. python train.py",
           "export A=1 && torchrun --nproc_per_node 8 train.py",
           "bash run.sh",
           "./run.sh",
           "/home/ma-user/anaconda3/bin/conda run -n py37 python t.py",
           "echo 'a && pwd' && python3.10 t.py",
           "cd /home/x && exec python t.py",
       }) {
    SubmitConfig c = Minimal();
    c.user_command = std::string(cmd);
    EXPECT_EQ(LintWarnings(c), std::vector<std::string>{}) << cmd;
  }
}

TEST(TrainYamlLint, Warnings) {
  struct Case {
    std::function<void(SubmitConfig&)> change;
    std::string warning;
  };
  std::vector<Case> cases = {
      {[](SubmitConfig& c) { c.user_command = "python train.py\r"; },
       "user-command contains a carriage return (\\r)"},
      {[](SubmitConfig& c) { c.user_command = "python train.py && pwd"; },
       "user-command: the last command 'pwd' does not look like an interpreter call"},
      {[](SubmitConfig& c) { c.user_command = "cd /opt/code && python t.py"; },
       "user-command runs from '/opt/code', which is not under /home"},
      {[](SubmitConfig& c) { c.working_dir = "/opt/code"; },
       "working-dir '/opt/code' is not under /home"},
      {[](SubmitConfig& c) { c.local_code_dir = "/tmp/code"; },
       "local-code-dir '/tmp/code' is not under /home"},
      {[](SubmitConfig& c) { c.code_dir = "file:///home/me/code"; },
       "user-command is ignored when code-dir is a file:// path"},
  };
  for (const Case& c : cases) {
    SubmitConfig config = Minimal();
    c.change(config);
    auto warnings = LintWarnings(config);
    ASSERT_EQ(warnings.size(), 1u) << c.warning;
    EXPECT_CONTAINS(warnings[0], c.warning);
    // Warnings never block a submit.
    EXPECT_TRUE(ToCreateBody(config, FakeClock(kNow)).ok()) << c.warning;
  }
}

}  // namespace
}  // namespace openarts::formats
