// The job service with the real local execution backend: real processes (and bubblewrap where
// it works), a real SQLite store and the local object store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/clock.h"
#include "base/io.h"
#include "exec/exec.h"
#include "meta/meta.h"
#include "objstore/objstore.h"
#include "train/train.h"

namespace openarts::train {
namespace {

namespace fs = std::filesystem;

class JobServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("openarts_train_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ::chmod(dir_.c_str(), 0711);
    auto db = meta::Open({.url = "sqlite:" + (dir_ / "meta.db").string()});
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    auto store = objstore::Open({.url = "file://" + (dir_ / "objects").string()});
    ASSERT_TRUE(store.ok()) << store.status().message();
    objects_ = std::move(*store);
    ASSERT_TRUE(objects_->CreateBucket({.name = "bkt"}).ok());
    auto backend = exec::CreateLocal({.shim_path = OPENARTS_BINARY_DIR "/src/exec/openarts-task-shim"});
    ASSERT_TRUE(backend.ok()) << backend.status().message();
    backend_ = std::move(*backend);
    if (!backend_->capabilities().sandbox) {
      std::printf("note: tasks run without a sandbox here: %s\n",
                  backend_->capabilities().sandbox_reason.c_str());
    }
    Put("data/x.txt", "some data\n");
    StartService();
  }

  void TearDown() override {
    if (service_) service_->Stop();
    service_.reset();
    fs::remove_all(dir_);
  }

  Options Opts() {
    Options o;
    o.jobs_dir = (dir_ / "jobs").string();
    o.hidden_paths = {(dir_ / "objects").string()};
    o.stop_grace_ms = 2000;
    o.poll_interval_ms = 20;
    o.sample_interval_ms = 200;
    o.pool_cpu_millis = pool_cpu_;
    return o;
  }

  void StartService() {
    auto s = Create(*db_, *objects_, *backend_, clock_, Opts());
    ASSERT_TRUE(s.ok()) << s.status().message();
    service_ = std::move(*s);
    ASSERT_TRUE(service_->Start().ok());
  }

  void Put(const std::string& key, const std::string& data) {
    StringSource src(data);
    ASSERT_TRUE(objects_->Put("bkt", key, src).ok());
  }

  std::string GetObject(const std::string& key) {
    auto h = objects_->Get("bkt", key);
    if (!h.ok()) return "<missing " + key + ">";
    std::string out(h->info.size, '\0');
    (void)h->reader->ReadAt(0, out.data(), out.size());
    return out;
  }

  Json Body(const std::string& name, const std::string& script, int nodes = 1) {
    Put("code/" + name + "/main.py", script);
    return Json::parse(R"({
      "metadata": {"name": ")" + name + R"("},
      "algorithm": {
        "code_dir": "obs://bkt/code/)" + name + R"(/", "boot_file": "main.py",
        "engine": {"engine_name": "PyTorch",
                   "engine_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"},
        "inputs": [{"name": "data_url", "remote": {"obs": {"obs_url": "obs://bkt/data/"}}}],
        "outputs": [{"name": "train_url", "remote": {"obs": {"obs_url": "obs://bkt/out/)" + name + R"(/"}}}]
      },
      "spec": {"resource": {"flavor_id": "modelarts.vm.cpu.2u", "node_count": )" +
                       std::to_string(nodes) + R"(},
               "log_export_path": {"obs_url": "obs://bkt/logs/"}}
    })");
  }

  std::string Submit(const Json& body) {
    auto j = service_->Create({.user_id = "u", .user_name = "alice", .project_id = "p"}, body);
    EXPECT_TRUE(j.ok()) << j.status().message();
    return j.ok() ? (*j)["metadata"]["id"].get<std::string>() : "";
  }

  Json WaitEnd(const std::string& id, int timeout_ms = 60000) {
    auto j = service_->WaitForPhase(id, {"Completed", "Failed", "Terminated", "Abnormal"}, timeout_ms);
    EXPECT_TRUE(j.ok()) << j.status().message();
    return j.ok() ? *j : Json();
  }

  std::string Log(const std::string& id, const std::string& task = "worker-0") {
    auto r = service_->ReadLog(id, task, 0, 1 << 20);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::string out;
    if (r.ok()) {
      for (const auto& l : r->lines) out += l.text + "\n";
    }
    return out;
  }

  std::string Events(const std::string& id) {
    auto e = service_->Events(id, {.limit = 100});
    std::string out;
    if (e.ok()) {
      for (const auto& ev : (*e)["events"]) out += ev["message"].get<std::string>() + "\n";
    }
    return out;
  }

  fs::path dir_;
  Clock& clock_ = SystemClock();
  int64_t pool_cpu_ = 4000;
  std::unique_ptr<meta::Database> db_;
  std::unique_ptr<objstore::ObjectStore> objects_;
  std::unique_ptr<exec::Backend> backend_;
  std::unique_ptr<JobService> service_;
};

TEST_F(JobServiceTest, RunsAJobToCompletionAndUploadsItsOutput) {
  const std::string id = Submit(Body("ok", R"(
import argparse, os, sys
p = argparse.ArgumentParser()
p.add_argument('--data_url'); p.add_argument('--train_url')
a = p.parse_args()
print('data:', open(os.path.join(a.data_url, 'x.txt')).read().strip())
print('rank', os.environ['RANK'], 'of', os.environ['WORLD_SIZE'], 'cwd', os.getcwd())
print('to stderr', file=sys.stderr)
open(os.path.join(a.train_url, 'model.txt'), 'w').write('weights')
)"));
  Json job = WaitEnd(id);
  EXPECT_EQ(job["status"]["phase"], "Completed") << job.dump(2) << Log(id) << Events(id);
  EXPECT_EQ(job["status"]["output_version"], "V0001");
  EXPECT_EQ(job["status"]["running_records"].size(), 1u);
  EXPECT_EQ(job["status"]["task_statuses"][0]["exit_code"], 0);
  const std::string log = Log(id);
  EXPECT_NE(log.find("data: some data"), std::string::npos) << log;
  EXPECT_NE(log.find("rank 0 of 1"), std::string::npos) << log;
  EXPECT_NE(log.find("to stderr"), std::string::npos) << log;
  EXPECT_NE(log.find("[ModelArts Service Log] Training started: run 1"), std::string::npos) << log;
  EXPECT_EQ(GetObject("out/ok/V0001/model.txt"), "weights");
  EXPECT_NE(GetObject("logs/ok-worker-0.log").find("data: some data"), std::string::npos);
  const std::string events = Events(id);
  for (const char* e : {"Training job created.", "Download code finished", "[worker-0] Started.",
                        "Training job is running.", "[worker-0] Training finished. Exit code 0.",
                        "Upload training output(parameter name: train_url) finished",
                        "Training job completed."}) {
    EXPECT_NE(events.find(e), std::string::npos) << e << "\n" << events;
  }
  // The next job writing to the same output gets the next version.
  const std::string id2 = Submit(Body("ok", R"(
import argparse, os
p = argparse.ArgumentParser(); p.add_argument('--data_url'); p.add_argument('--train_url')
a = p.parse_args()
open(os.path.join(a.train_url, 'model.txt'), 'w').write('v2')
)"));
  Json second = WaitEnd(id2);
  EXPECT_EQ(second["status"]["output_version"], "V0002");
  EXPECT_EQ(GetObject("out/ok/V0002/model.txt"), "v2");
  EXPECT_EQ(GetObject("out/ok/V0001/model.txt"), "weights");
}

TEST_F(JobServiceTest, AFailingTaskFailsTheJobWithItsExitCode) {
  const std::string id = Submit(Body("bad", "import sys\nprint('about to fail')\nsys.exit(3)\n"));
  Json job = WaitEnd(id);
  EXPECT_EQ(job["status"]["phase"], "Failed");
  EXPECT_EQ(job["status"]["reason"], "[worker-0] exit code 3");
  EXPECT_EQ(job["status"]["task_statuses"][0]["exit_code"], 3);
  EXPECT_NE(Events(id).find("[worker-0] Training finished. Exit code 3."), std::string::npos);
}

TEST_F(JobServiceTest, AutoRestartResumesFromTheCheckpointAsASecondRun) {
  Json body = Body("resume", R"(
import argparse, os, sys
p = argparse.ArgumentParser(); p.add_argument('--data_url'); p.add_argument('--train_url')
a = p.parse_args()
ck = os.path.join(a.train_url, 'ckpt.txt')
start = int(open(ck).read()) if os.path.exists(ck) else 0
print('resuming from epoch', start, 'run', os.environ['RUN_ID'])
for epoch in range(start, 4):
    open(ck, 'w').write(str(epoch + 1))
    print('epoch', epoch, 'done')
    if epoch == 1 and start == 0:
        print('crash!'); sys.exit(1)
)");
  body["metadata"]["annotations"] = {{"fault-tolerance/job-retry-num", "2"},
                                     {"fault-tolerance/job-unconditional-retry", "true"}};
  const std::string id = Submit(body);
  Json job = WaitEnd(id);
  EXPECT_EQ(job["status"]["phase"], "Completed") << Log(id) << Events(id);
  ASSERT_EQ(job["status"]["running_records"].size(), 2u) << job.dump(2);
  EXPECT_EQ(job["status"]["running_records"][0]["start_type"], "init_or_rescheduled");
  EXPECT_EQ(job["status"]["running_records"][1]["start_type"], "restarted");
  EXPECT_EQ(job["status"]["running_records"][0]["end_related_task"], "worker-0");
  const std::string log = Log(id);
  EXPECT_NE(log.find("crash!"), std::string::npos) << log;
  EXPECT_NE(log.find("resuming from epoch 2 run 2"), std::string::npos) << log;
  EXPECT_NE(log.find("Training started: run 2 (restarted)"), std::string::npos) << log;
  EXPECT_EQ(GetObject("out/resume/V0001/ckpt.txt"), "4");
}

TEST_F(JobServiceTest, WithoutUnconditionalRetryOnlySignalExitsAreRetried) {
  Json body = Body("noretry", "import sys\nsys.exit(2)\n");
  body["metadata"]["annotations"] = {{"fault-tolerance/job-retry-num", "1"}};
  const std::string id = Submit(body);
  Json job = WaitEnd(id);
  EXPECT_EQ(job["status"]["phase"], "Failed");
  EXPECT_EQ(job["status"]["running_records"].size(), 1u);
}

TEST_F(JobServiceTest, StopEndsEveryProcessAndStillUploadsOutputs) {
  const std::string id = Submit(Body("stop", R"(
import argparse, os, subprocess, time
p = argparse.ArgumentParser(); p.add_argument('--data_url'); p.add_argument('--train_url')
a = p.parse_args()
open(os.path.join(a.train_url, 'partial.txt'), 'w').write('partial')
subprocess.Popen(['sleep', '300'], start_new_session=True)
print('working', flush=True)
time.sleep(300)
)"));
  auto running = service_->WaitForPhase(id, {"Running"}, 30000);
  ASSERT_TRUE(running.ok()) << running.status().message();
  for (int i = 0; i < 200 && Log(id).find("working") == std::string::npos; ++i) ::usleep(20000);
  ASSERT_TRUE(service_->Terminate(id).ok());
  Json job = WaitEnd(id);
  EXPECT_EQ(job["status"]["phase"], "Terminated");
  EXPECT_EQ(GetObject("out/stop/V0001/partial.txt"), "partial");
  // No process carrying the job's task key survives.
  const std::string key = "OPENARTS_TASK_KEY=" + id + ".r1.worker-0";
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::ifstream env(e.path() / "environ", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(env)), {});
    EXPECT_EQ(all.find(key), std::string::npos) << "pid " << e.path().filename() << " survived";
  }
  EXPECT_FALSE(service_->Terminate(id).ok());
}

TEST_F(JobServiceTest, GangAdmissionQueuesWithAReason) {
  service_->Stop();
  pool_cpu_ = 1000;  // two 2u tasks reserve 1000 mCPU (overcommit 4)
  StartService();
  const std::string first = Submit(Body("g1", "import time\ntime.sleep(1.5)\n", 2));
  ASSERT_TRUE(service_->WaitForPhase(first, {"Running"}, 30000).ok());
  const std::string second = Submit(Body("g2", "print('second')\n", 1));
  auto pending = service_->WaitForPhase(second, {"Pending"}, 10000);
  ASSERT_TRUE(pending.ok()) << pending.status().message();
  EXPECT_NE((*pending)["status"].value("reason", "").find("waiting for CPU"), std::string::npos)
      << pending->dump(2);
  EXPECT_EQ(WaitEnd(first)["status"]["phase"], "Completed");
  EXPECT_EQ(WaitEnd(second)["status"]["phase"], "Completed");
  // A job that can never fit fails at submit, naming what fits.
  auto never = service_->Create({.user_id = "u", .project_id = "p"}, Body("g3", "print(1)\n", 16));
  ASSERT_FALSE(never.ok());
  EXPECT_NE(never.status().message().find("can never fit"), std::string::npos) << never.status().message();
}

TEST_F(JobServiceTest, ARestartedServiceReadoptsRunningTasks) {
  const std::string id = Submit(Body("adopt", R"(
import time
print('before', flush=True)
time.sleep(2)
print('after', flush=True)
)"));
  ASSERT_TRUE(service_->WaitForPhase(id, {"Running"}, 30000).ok());
  service_->Stop();  // the tasks keep running under their shims
  service_.reset();
  StartService();
  Json job = WaitEnd(id);
  EXPECT_EQ(job["status"]["phase"], "Completed") << Events(id);
  const std::string log = Log(id);
  EXPECT_NE(log.find("before"), std::string::npos);
  EXPECT_NE(log.find("after"), std::string::npos);
  EXPECT_NE(Events(id).find("Daemon restarted"), std::string::npos);
}

TEST_F(JobServiceTest, CpuAndMemoryAreSampledAsMetrics) {
  // Busy for a second with 20 MB held; samples every 200 ms (Opts()).
  const std::string id = Submit(Body("busy", R"(
import time
hold = bytearray(20 * 1024 * 1024)
end = time.time() + 1.2
while time.time() < end:
    pass
)"));
  EXPECT_EQ(WaitEnd(id)["status"]["phase"], "Completed");
  auto m = service_->Metrics(id, "worker-0");
  ASSERT_TRUE(m.ok()) << m.status().message();
  std::map<std::string, Json> series;
  for (const auto& s : (*m)["metrics"]) series[s["metric"].get<std::string>()] = s["value"];
  ASSERT_EQ(series.size(), 6u);
  double cpu = -1, mem = -1;
  for (const auto& v : series["cpuUsage"]) cpu = std::max(cpu, v.get<double>());
  for (const auto& v : series["memUsage"]) mem = std::max(mem, v.get<double>());
  EXPECT_GT(cpu, 10) << m->dump();   // percent of a core, a 1-minute average
  EXPECT_GT(mem, 15) << m->dump();   // MiB
  for (const auto& v : series["gpuUtil"]) EXPECT_EQ(v.get<double>(), -1);
  EXPECT_FALSE(service_->Metrics(id, "worker-7").ok());
}

TEST_F(JobServiceTest, VolumesAreRefusedAtSubmit) {
  Json body = Body("vol", "print(1)\n");
  body["spec"]["volumes"] = Json::parse(R"([{"host": {"host_path": "/", "local_path": "/mnt/host"}}])");
  auto r = service_->Create({.user_id = "u", .project_id = "p"}, body);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("spec.volumes[0].host: volumes are not supported"), std::string::npos)
      << r.status().message();
}

TEST_F(JobServiceTest, SearchPagesAndFilters) {
  for (int i = 0; i < 3; ++i) Submit(Body("s" + std::to_string(i), "print(1)\n"));
  auto r = service_->Search({.project_id = "p", .limit = 2, .name = "s"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)["total"], 3);
  EXPECT_EQ((*r)["count"], 2);
  auto other = service_->Search({.project_id = "other"});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)["total"], 0);
}

}  // namespace
}  // namespace openarts::train
