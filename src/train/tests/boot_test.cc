#include <gtest/gtest.h>

#include "boot.h"

namespace openarts::train {
namespace {

JobSpec Spec() {
  auto s = DecodeJobSpec(Json::parse(R"({
    "metadata": {"name": "j"},
    "algorithm": {
      "code_dir": "obs://bkt/mnist/code/", "boot_file": "train.py",
      "engine": {"engine_name": "PyTorch",
                 "engine_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"},
      "parameters": [{"name": "lr", "value": "0.1"}, {"name": "msg", "value": "a b"}, {"name": "pretrained"}],
      "inputs": [{"name": "data_url", "remote": {"obs": {"obs_url": "obs://bkt/data/"}}}],
      "outputs": [{"name": "train_url", "remote": {"obs": {"obs_url": "obs://bkt/out/"}}}],
      "environments": {"FOO": "bar", "ANACONDA_DIR": "/home/ma-user/anaconda3",
                       "DEFAULT_CONDA_ENV_NAME": "python-3.7.10"}
    },
    "spec": {"resource": {"flavor_id": "modelarts.vm.cpu.2u", "node_count": 2}}
  })"), Catalog::Default());
  EXPECT_TRUE(s.ok()) << s.status().message();
  return *s;
}

TEST(BootTest, AppendsArgumentsInTheContractOrder) {
  BootContext ctx{.job_id = "J", .run = 2, .task_index = 1, .master_port = 29500};
  auto t = BuildTaskSpec(Spec(), JobDirs{"/jobs/J"}, ctx);
  ASSERT_EQ(t.argv.size(), 3u);
  EXPECT_EQ(t.argv[2],
            "/usr/bin/python3 /home/ma-user/modelarts/user-job-dir/code/train.py"
            " --data_url=/home/ma-user/modelarts/inputs/data_url_0"
            " --train_url=/home/ma-user/modelarts/outputs/train_url_0 --lr=0.1 --msg='a b' --pretrained"
            " --init_method=tcp://modelarts-job-J-worker-0.modelarts-job-J:29500 --rank=1 --world_size=2");
  EXPECT_EQ(t.cwd, "/home/ma-user");
  EXPECT_EQ(t.key, "J.r2.worker-1");
  EXPECT_EQ(t.task_dir, "/jobs/J/tasks/worker-1");
}

TEST(BootTest, ReservedEnvironment) {
  BootContext ctx{.job_id = "J", .run = 3, .task_index = 1, .master_port = 29500, .project_id = "p"};
  auto env = BuildTaskSpec(Spec(), JobDirs{"/jobs/J"}, ctx).env;
  EXPECT_EQ(env["FOO"], "bar");
  EXPECT_EQ(env["MA_HOME"], "/home/ma-user");
  EXPECT_EQ(env["MA_JOB_DIR"], "/home/ma-user/modelarts/user-job-dir");
  EXPECT_EQ(env["WORKSPACE"], "/home/ma-user/modelarts/user-job-dir/code");
  EXPECT_EQ(env["VC_TASK_INDEX"], "1");
  EXPECT_EQ(env["VC_WORKER_NUM"], "2");
  EXPECT_EQ(env["VC_WORKER_HOSTS"],
            "modelarts-job-J-worker-0.modelarts-job-J,modelarts-job-J-worker-1.modelarts-job-J");
  EXPECT_EQ(env["MASTER_ADDR"], "modelarts-job-J-worker-0.modelarts-job-J");
  EXPECT_EQ(env["MASTER_PORT"], "29500");
  EXPECT_EQ(env["RANK"], "1");
  EXPECT_EQ(env["WORLD_SIZE"], "2");
  EXPECT_EQ(env["LOCAL_RANK"], "0");
  EXPECT_EQ(env["RUN_ID"], "3");
  EXPECT_EQ(env["MA_NUM_HOSTS"], "2");
  EXPECT_EQ(env["MA_IAM_PROJECT_ID"], "p");
  EXPECT_EQ(env["DLS_DATA_URL"], "s3://bkt/data/");
  EXPECT_EQ(env["DLS_TRAIN_URL"], "s3://bkt/out/");
  EXPECT_EQ(env["PYTHONUNBUFFERED"], "1");
  EXPECT_EQ(env["PATH"].rfind("/home/ma-user/anaconda3/envs/python-3.7.10/bin:", 0), 0u);
}

TEST(BootTest, MountsTheModelArtsLayout) {
  BootContext ctx{.job_id = "J", .task_index = 0, .hidden_paths = {"/var/lib/openarts"}};
  auto t = BuildTaskSpec(Spec(), JobDirs{"/jobs/J"}, ctx);
  std::map<std::string, std::string> m;
  for (const auto& mount : t.mounts) m[mount.target] = mount.source;
  EXPECT_EQ(m["/home/ma-user/modelarts/user-job-dir/code"], "/jobs/J/code");
  EXPECT_EQ(m["/home/ma-user/modelarts/inputs/data_url_0"], "/jobs/J/inputs/0");
  EXPECT_EQ(m["/home/ma-user/modelarts/outputs/train_url_0"], "/jobs/J/outputs/0");
  EXPECT_EQ(m["/cache"], "/jobs/J/cache/worker-0");
  EXPECT_EQ(m["/etc/hosts"], "/jobs/J/hosts");
  EXPECT_EQ(t.hidden_paths, std::vector<std::string>{"/var/lib/openarts"});
}

TEST(BootTest, WithoutASandboxTheHostPathsAreUsed) {
  BootContext ctx{.job_id = "J", .task_index = 0, .master_port = 1, .sandbox = false};
  auto t = BuildTaskSpec(Spec(), JobDirs{"/jobs/J"}, ctx);
  EXPECT_TRUE(t.mounts.empty());
  EXPECT_NE(t.argv[2].find("--data_url=/jobs/J/inputs/0"), std::string::npos);
  EXPECT_EQ(t.env["MASTER_ADDR"], "127.0.0.1");
}

TEST(BootTest, CondaEnvNamesFromTheCommand) {
  JobSpec s = Spec();
  s.command = "cd /home/ma-user && /home/ma-user/anaconda3/envs/PyTorch-1.8/bin/python main.py";
  EXPECT_EQ(CondaEnvNames(s), (std::vector<std::string>{"PyTorch-1.8", "python-3.7.10"}));
}

}  // namespace
}  // namespace openarts::train
