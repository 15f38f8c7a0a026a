// End-to-end: training jobs with the real `openarts serve` and the real `ma-cli`, as
// subprocesses, the way users run them (spec/training.md §2, §3, §5-§7, §9-§11; docs/exec.md).
// Each test has its own daemon and its own bucket; code and data go up with `ma-cli obs-copy`.
// The job scripts are in tests/e2e/data/ and run on the preset PyTorch engine, which is the
// host's /usr/bin/python3 (Debian's python3-torch for the DDP ones).
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "base/json.h"
#include "e2e_util.h"

#ifndef E2E_DATA_DIR
#error "E2E_DATA_DIR must name tests/e2e/data"
#endif

namespace openarts {
namespace {

namespace fs = std::filesystem;
using namespace e2e;  // NOLINT: RunResult, Slurp, DaemonTest

constexpr char kBucket[] = "train-e2e";
constexpr char kEngine[] = "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64";

const fs::path kData = E2E_DATA_DIR;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The lines of `text` that contain `needle`, in order.
std::vector<std::string> Grep(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  for (auto& l : Lines(text)) {
    if (l.find(needle) != std::string::npos) out.push_back(l);
  }
  return out;
}

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Processes anywhere on the machine whose environment holds OPENARTS_TASK_KEY=<job id>... (the
// local backend's key is "<job id>.r<run>.<task>"), as "pid cmdline".
std::vector<std::string> TaskProcesses(const std::string& job_id) {
  std::vector<std::string> found;
  const std::string needle = "OPENARTS_TASK_KEY=" + job_id;
  DIR* d = ::opendir("/proc");
  if (!d) return found;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string env = Slurp(fs::path("/proc") / name / "environ");
    size_t pos = 0;
    bool match = false;
    while (pos < env.size()) {
      size_t end = env.find('\0', pos);
      if (end == std::string::npos) end = env.size();
      if (env.compare(pos, needle.size(), needle) == 0) match = true;
      pos = end + 1;
    }
    if (!match) continue;
    std::string cmd = Slurp(fs::path("/proc") / name / "cmdline");
    for (auto& c : cmd) {
      if (c == '\0') c = ' ';
    }
    found.push_back(name + " " + cmd);
  }
  ::closedir(d);
  return found;
}

std::string Join(const std::vector<std::string>& v, const std::string& sep = "\n") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

class TrainingE2eTest : public DaemonTest {
 protected:
  TrainingE2eTest() : DaemonTest("training_e2e_") {
    // Not under /tmp, which the sandbox replaces with a private tmpfs anyway: the daemon's data
    // directory must be hidden from jobs by the sandbox's hidden paths themselves.
    base_dir_ = "/var/tmp";
    // The sandbox check reads the daemon's "execution: sandbox ..." line (info level).
    daemon_env_ = {"OPENARTS_LOG_LEVEL=info", "OPENARTS_ACCESS_LOG=false"};
    // OPENARTS_SANDBOX=none in the test's environment runs the jobs without the sandbox (the
    // sandbox-only checks then skip), as on a machine without bubblewrap.
    if (const char* sandbox = std::getenv("OPENARTS_SANDBOX")) {
      daemon_env_.push_back(std::string("OPENARTS_SANDBOX=") + sandbox);
    }
  }

  void SetUp() override {
    start_ = std::chrono::steady_clock::now();
    DaemonTest::SetUp();
    if (HasFatalFailure()) return;
    ConfigureAdmin();
    if (HasFatalFailure()) return;
    RunResult mb = Cli({"obs", "mb", std::string("obs://") + kBucket});
    ASSERT_EQ(mb.rc, 0) << mb;
  }

  void TearDown() override {
    // Nothing of ours may outlive the test: stop what still runs (only after a failure), then
    // sweep whatever the daemon did not end.
    if (daemon_ > 0) {
      for (const auto& id : jobs_) {
        RunResult g = Cli({"ma-job", "get-job", "-i", id, "--output", "json"});
        auto j = ParseJson(g.out);
        if (!j.ok()) continue;
        const std::string phase = (*j)["status"].value("phase", "");
        if (phase == "Completed" || phase == "Failed" || phase == "Terminated" || phase == "Abnormal") continue;
        std::cerr << "job " << id << " still " << phase << " at the end of the test; stopping it\n"
                  << Diagnose(id);
        (void)Cli({"ma-job", "stop", "-i", id, "-y"});
        WaitPhase(id, {"Terminated", "Completed", "Failed", "Abnormal"}, 30, /*fail=*/false);
      }
    }
    StopDaemon(SIGTERM);
    for (const auto& id : jobs_) {
      for (const auto& p : TaskProcesses(id)) {
        std::cerr << "killing leftover task process of job " << id << ": " << p << "\n";
        ::kill(std::stoi(p.substr(0, p.find(' '))), SIGKILL);
      }
    }
    std::cerr << "[ timing ] "
              << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_)
                     .count()
              << " ms\n";
    DaemonTest::TearDown();
  }

  static std::string Obs(const std::string& path) { return std::string("obs://") + kBucket + "/" + path; }

  // Uploads a local directory to obs://<bucket>/<prefix>/.
  void Upload(const fs::path& dir, const std::string& prefix) {
    RunResult r = Cli({"obs-copy", dir.string(), Obs(prefix) + "/", "-r"});
    ASSERT_EQ(r.rc, 0) << r;
  }

  // A small data set (the DDP script makes its own data; data-url is still required).
  void UploadData(const std::string& prefix) {
    fs::path d = root_ / ("data-" + std::to_string(++local_dirs_));
    fs::create_directories(d);
    std::ofstream(d / "README.txt") << "training e2e data\n";
    Upload(d, prefix);
  }

  // `ma-cli ma-job submit ARGS -q`: returns the job id (empty after a failure, which is reported).
  std::string Submit(std::vector<std::string> args) {
    args.insert(args.begin(), {"ma-job", "submit"});
    args.push_back("-q");
    RunResult r = Cli(args);
    EXPECT_EQ(r.rc, 0) << r;
    if (r.rc != 0) return "";
    std::string id = Trim(r.out);
    EXPECT_EQ(Lines(id).size(), 1u) << "submit -q prints only the id: " << r;
    EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f-]{36}"))) << r;
    jobs_.push_back(id);
    return id;
  }

  // The usual preset-engine options for a job with `boot` from obs://<bucket>/<code>/.
  std::vector<std::string> PresetArgs(const std::string& name, const std::string& code, const std::string& boot,
                                      int count, const std::string& flavor = "modelarts.vm.cpu.2u") {
    return {"--name", name,
            "--code-dir", Obs(code) + "/",
            "--boot-file", boot,
            "--framework-type", "PyTorch",
            "--framework-version", kEngine,
            "--train-instance-type", flavor,
            "--train-instance-count", std::to_string(count),
            "--data-url", Obs("data") + "/",
            "--log-url", Obs("logs/" + name) + "/"};
  }

  Json GetJob(const std::string& id) {
    RunResult r = Cli({"ma-job", "get-job", "-i", id, "--output", "json"});
    auto j = ParseJson(r.out);
    if (r.rc != 0 || !j.ok()) return Json();
    return *j;
  }

  static std::string Phase(const Json& job) {
    if (!job.is_object() || !job.contains("status")) return "";
    return job["status"].value("phase", "");
  }

  std::string Log(const std::string& id, const std::string& task = "worker-0") {
    RunResult r = Cli({"ma-job", "get-log", "-i", id, "-t", task});
    EXPECT_EQ(r.rc, 0) << r;
    return r.out;
  }

  std::string Events(const std::string& id) {
    RunResult r = Cli({"ma-job", "get-event", "-i", id});
    EXPECT_EQ(r.rc, 0) << r;
    return r.out;
  }

  // Everything about a job, for failure messages.
  std::string Diagnose(const std::string& id) {
    std::string out = "---- job " + id + " ----\n" + GetJob(id).dump(2) + "\n---- events ----\n" +
                      Cli({"ma-job", "get-event", "-i", id}).out;
    for (int i = 0; i < 4; ++i) {
      RunResult l = Cli({"ma-job", "get-log", "-i", id, "-t", "worker-" + std::to_string(i)});
      if (l.rc != 0) break;
      out += "---- log worker-" + std::to_string(i) + " ----\n" + l.out;
    }
    return out;
  }

  // Polls until the job's phase is one of `phases` (returns the job) or `seconds` pass.
  Json WaitPhase(const std::string& id, const std::set<std::string>& phases, int seconds, bool fail = true) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    Json job;
    while (std::chrono::steady_clock::now() < deadline) {
      job = GetJob(id);
      if (phases.count(Phase(job))) return job;
      // A terminal phase that is not the one wanted will not change.
      const std::string p = Phase(job);
      if (!phases.count(p) && (p == "Completed" || p == "Failed" || p == "Terminated" || p == "Abnormal")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (fail) {
      std::string want;
      for (const auto& p : phases) want += (want.empty() ? "" : "|") + p;
      ADD_FAILURE() << "job " << id << " did not reach " << want << " within " << seconds << " s; it is "
                    << Phase(job) << "\n"
                    << Diagnose(id);
    }
    return job;
  }

  // Polls the task's log until it contains `needle`.
  bool WaitLog(const std::string& id, const std::string& task, const std::string& needle, int seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      RunResult r = Cli({"ma-job", "get-log", "-i", id, "-t", task});
      if (Contains(r.out, needle)) return true;
      const std::string p = Phase(GetJob(id));
      if (p == "Completed" || p == "Failed" || p == "Terminated" || p == "Abnormal") {
        return Contains(Cli({"ma-job", "get-log", "-i", id, "-t", task}).out, needle);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Keys under obs://<bucket>/<prefix>/ (relative to it).
  std::set<std::string> ListObjects(const std::string& prefix) {
    Json all = CliJson({"obs", "ls", Obs(prefix) + "/", "-r"});
    std::set<std::string> keys;
    for (const auto& o : all.value("objects", Json::array())) {
      keys.insert(o.value("key", "").substr(prefix.size() + 1));
    }
    return keys;
  }

  // What the daemon said at startup: whether tasks run under bubblewrap.
  bool SandboxAvailable(std::string* why) {
    const std::string log = DaemonLog();
    auto lines = Grep(log, "execution: sandbox");
    if (lines.empty()) {
      *why = "the daemon did not log its execution capabilities";
      return false;
    }
    *why = lines.back();
    return Contains(lines.back(), "execution: sandbox bubblewrap");
  }

  // The "epoch N all-reduced loss X" lines of a log.
  static std::vector<std::string> LossLines(const std::string& log) { return Grep(log, "all-reduced loss"); }

  std::chrono::steady_clock::time_point start_;
  std::vector<std::string> jobs_;
  int local_dirs_ = 0;
};

// 1. A two-worker DDP job from a .ma/train.yaml, with an option that overrides the YAML; both
// workers log the same all-reduced losses; the model lands under the output's V0001/; the events
// tell the story. Then the same job without -q: ma-cli follows it and prints the log.
TEST_F(TrainingE2eTest, DdpJobFromTrainYamlCompletesOnTwoWorkers) {
  Upload(kData / "ddp", "ddp/code");
  UploadData("data");
  fs::create_directories(root_ / ".ma");
  const fs::path yaml = root_ / ".ma" / "train.yaml";
  std::ofstream(yaml) << "name: ddp-from-yaml\n"
                         "code-dir: " << Obs("ddp/code/") << "\n"
                         "boot-file: train.py\n"
                         "framework-type: PyTorch\n"
                         "framework-version: " << kEngine << "\n"
                         "train-instance-type: modelarts.vm.cpu.2u\n"
                         "train-instance-count: 2\n"
                         "data-url: " << Obs("data/") << "\n"
                         "log-url: " << Obs("ddp/logs/") << "\n"
                         "output:\n"
                         "  - name: train_url\n"
                         "    obs_path: " << Obs("ddp/output/") << "\n"
                         "parameters:\n"
                         "  - epochs: 3\n";
  const std::string id = Submit({yaml.string(), "--name", "ddp-option-wins"});
  ASSERT_FALSE(id.empty());

  Json job = WaitPhase(id, {"Completed"}, 120);
  ASSERT_EQ(Phase(job), "Completed");
  EXPECT_EQ(job["metadata"].value("name", ""), "ddp-option-wins") << "the command line wins over the YAML";
  EXPECT_EQ(job["spec"]["resource"].value("node_count", 0), 2) << job.dump(2);
  EXPECT_EQ(job["status"].value("output_version", ""), "V0001");
  ASSERT_EQ(job["status"]["task_statuses"].size(), 2u) << job.dump(2);
  for (const auto& t : job["status"]["task_statuses"]) EXPECT_EQ(t.value("exit_code", -1), 0) << t.dump();
  ASSERT_EQ(job["status"]["running_records"].size(), 1u) << job.dump(2);

  // Both workers took part and computed the same all-reduced losses, one line per epoch.
  const std::string log0 = Log(id, "worker-0"), log1 = Log(id, "worker-1");
  EXPECT_TRUE(Contains(log0, "rank 0 of 2 joined")) << log0;
  EXPECT_TRUE(Contains(log1, "rank 1 of 2 joined")) << log1;
  const auto loss0 = LossLines(log0), loss1 = LossLines(log1);
  ASSERT_EQ(loss0.size(), 3u) << "3 epochs (parameters: epochs: 3)\n" << log0;
  EXPECT_EQ(loss0, loss1) << "worker-0:\n" << log0 << "\nworker-1:\n" << log1;
  EXPECT_TRUE(Contains(log0, "saved model to /")) << log0;
  // The platform appended the DDP arguments (spec §7) and the output as --train_url.
  EXPECT_TRUE(Contains(log0, "joined via tcp://")) << log0;

  // The model is in object storage under the output's V0001/, and the logs under the log URL.
  auto keys = ListObjects("ddp/output");
  EXPECT_TRUE(keys.count("V0001/model.pt")) << Join({keys.begin(), keys.end()});
  EXPECT_TRUE(keys.count("V0001/checkpoint.pt")) << Join({keys.begin(), keys.end()});
  RunResult down = Cli({"obs-copy", Obs("ddp/output/V0001/model.pt"), (root_ / "model.pt").string()});
  ASSERT_EQ(down.rc, 0) << down;
  EXPECT_GT(fs::file_size(root_ / "model.pt"), 100u);
  auto logs = ListObjects("ddp/logs");
  EXPECT_TRUE(logs.count("ddp-option-wins-worker-0.log") && logs.count("ddp-option-wins-worker-1.log"))
      << Join({logs.begin(), logs.end()});

  // The events tell the story, in order.
  const std::string events = Events(id);
  const std::vector<std::string> story = {
      "Training job created.",
      "Download code finished.",
      "Download training input(parameter name: data_url) finished.",
      "[worker-0] Started.",
      "[worker-1] Started.",
      "Training job is running.",
      "Training finished. Exit code 0.",
      "Upload training output(parameter name: train_url) finished",
      "Training job completed.",
  };
  size_t pos = 0;
  for (const auto& s : story) {
    size_t at = events.find(s, pos);
    ASSERT_NE(at, std::string::npos) << "missing (or out of order): " << s << "\n" << events;
    pos = at;
  }
  EXPECT_TRUE(Contains(events, "[worker-0] Training finished. Exit code 0.")) << events;
  EXPECT_TRUE(Contains(events, "[worker-1] Training finished. Exit code 0.")) << events;
  EXPECT_EQ(Grep(events, "Training finished.").size(), 2u) << events;

  // Without -q, submit follows the job: phases on stderr, worker-0's log on stdout, exit 0.
  RunResult follow = Cli({"ma-job", "submit", yaml.string(), "--name", "ddp-followed"});
  EXPECT_EQ(follow.rc, 0) << follow;
  EXPECT_TRUE(Contains(follow.err, "Submitted training job ")) << follow;
  EXPECT_TRUE(Contains(follow.err, "Completed")) << follow;
  EXPECT_EQ(LossLines(follow.out).size(), 3u) << follow;
  EXPECT_TRUE(Contains(follow.out, "saved model to")) << follow;
  // Its output is the next version of the same output path.
  auto after = ListObjects("ddp/output");
  EXPECT_TRUE(after.count("V0002/model.pt")) << Join({after.begin(), after.end()});
}

// 2. The job crashes at epoch 1 on its first run; auto-restart (--retry-num 1
// --unconditional-retry, OpenArts extensions) starts a second run that resumes from the
// checkpoint it left in its output directory.
TEST_F(TrainingE2eTest, CrashedJobRestartsAndResumesFromItsCheckpoint) {
  Upload(kData / "ddp", "ddp/code");
  UploadData("data");
  auto args = PresetArgs("ddp-crash", "ddp/code", "train.py", 2);
  args.insert(args.end(), {"--output", "train_url=" + Obs("crash/output/"), "--parameters",
                           "--epochs 3 --crash_at_epoch 1", "--retry-num", "1", "--unconditional-retry"});
  const std::string id = Submit(args);
  ASSERT_FALSE(id.empty());
  Json job = WaitPhase(id, {"Completed"}, 180);
  ASSERT_EQ(Phase(job), "Completed");

  const Json& runs = job["status"]["running_records"];
  ASSERT_EQ(runs.size(), 2u) << job.dump(2);
  EXPECT_EQ(runs[0].value("start_type", ""), "init_or_rescheduled") << runs.dump(2);
  EXPECT_TRUE(Contains(runs[0].value("end_reason", ""), "exit code 1")) << runs.dump(2);
  EXPECT_EQ(runs[1].value("start_type", ""), "restarted") << runs.dump(2);
  EXPECT_EQ(runs[1].value("end_reason", ""), "completed") << runs.dump(2);

  const std::string log = Log(id);
  EXPECT_TRUE(Contains(log, "simulated crash at epoch 1")) << log;
  EXPECT_TRUE(Contains(log, "resumed from checkpoint at epoch 2")) << log;
  EXPECT_TRUE(Contains(log, "(RUN_ID=1)")) << log;
  EXPECT_TRUE(Contains(log, "(RUN_ID=2)")) << log;
  EXPECT_TRUE(Contains(log, "Training started: run 2 (restarted)")) << log;
  // Epochs 0 and 1 before the crash, epoch 2 after: each once.
  auto losses = LossLines(log);
  ASSERT_EQ(losses.size(), 3u) << log;
  EXPECT_TRUE(Contains(losses[2], "epoch 2 ")) << log;
  EXPECT_TRUE(Contains(Log(id, "worker-1"), "resumed from checkpoint at epoch 2"));

  const std::string events = Events(id);
  EXPECT_TRUE(Contains(events, "restarting the job (restart 1 of 1)")) << events;
  EXPECT_TRUE(Contains(events, "Training job restarted (run 2).")) << events;
  EXPECT_TRUE(ListObjects("crash/output").count("V0001/model.pt"));
}

// 3. A stop ends every process of the job, including a setsid'd grandchild, and still uploads
// what the job wrote. Without -y and without a terminal, stop refuses and says to add -y.
TEST_F(TrainingE2eTest, StopEndsEveryProcessAndUploadsTheOutputs) {
  Upload(kData / "stop", "stop/code");
  UploadData("data");
  auto args = PresetArgs("sleeper", "stop/code", "train.py", 2);
  args.insert(args.end(), {"--output", "train_url=" + Obs("stop/output/")});
  const std::string id = Submit(args);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Phase(WaitPhase(id, {"Running"}, 60)), "Running");
  ASSERT_TRUE(WaitLog(id, "worker-0", "ready", 30)) << Diagnose(id);
  ASSERT_TRUE(WaitLog(id, "worker-1", "ready", 30)) << Diagnose(id);
  auto procs = TaskProcesses(id);
  // Each worker: /bin/sh -c, python, and the setsid'd sleep (bubblewrap adds its own).
  EXPECT_GE(procs.size(), 4u) << Join(procs);
  bool grandchild = false;
  for (const auto& p : procs) grandchild = grandchild || Contains(p, "/bin/sleep 300");
  EXPECT_TRUE(grandchild) << Join(procs);

  RunResult ask = Cli({"ma-job", "stop", "-i", id});
  EXPECT_NE(ask.rc, 0) << ask;
  EXPECT_TRUE(Contains(ask.err, "add -y")) << ask;
  EXPECT_EQ(ask.ErrLines().size(), 1u) << ask;
  EXPECT_EQ(Phase(GetJob(id)), "Running") << "not confirmed: the job must still run";

  const auto t0 = std::chrono::steady_clock::now();
  RunResult stop = Cli({"ma-job", "stop", "-i", id, "-y"});
  ASSERT_EQ(stop.rc, 0) << stop;
  EXPECT_TRUE(Contains(stop.out, "Training job " + id + " is ")) << stop;
  Json job = WaitPhase(id, {"Terminated"}, 60);
  ASSERT_EQ(Phase(job), "Terminated");
  std::cerr << "[ timing ] stop -> Terminated: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()
            << " ms\n";
  EXPECT_EQ(job["status"].value("reason", ""), "stopped by the user") << job.dump(2);

  // Nothing with the job's key is left anywhere on the machine (the sweep may take a moment
  // after the phase changed, but not long).
  std::vector<std::string> left;
  for (int i = 0; i < 50; ++i) {
    left = TaskProcesses(id);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(left.empty()) << "processes of the stopped job still run:\n" << Join(left);

  auto keys = ListObjects("stop/output");
  EXPECT_TRUE(keys.count("V0001/written-by-worker-0.txt") && keys.count("V0001/written-by-worker-1.txt"))
      << Join({keys.begin(), keys.end()}) << "\n" << Events(id);
  const std::string events = Events(id);
  EXPECT_TRUE(Contains(events, "Training job is being stopped by the user.")) << events;
  EXPECT_TRUE(Contains(events, "Upload training output(parameter name: train_url) finished")) << events;
  EXPECT_TRUE(Contains(events, "Training job terminated.")) << events;
  EXPECT_FALSE(Contains(Log(id), "was not stopped"));

  // A finished job cannot be stopped again.
  RunResult again = Cli({"ma-job", "stop", "-i", id, "-y"});
  EXPECT_NE(again.rc, 0) << again;
}

// 4. The daemon is SIGKILLed while a job runs. The task keeps running under its shim; a new
// daemon on the same OPENARTS_HOME re-adopts it, and the job completes with its whole log.
TEST_F(TrainingE2eTest, JobSurvivesADaemonSigkill) {
  Upload(kData / "restart", "restart/code");
  UploadData("data");
  const std::string id = Submit(PresetArgs("survivor", "restart/code", "train.py", 1));
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Phase(WaitPhase(id, {"Running"}, 60)), "Running");
  ASSERT_TRUE(WaitLog(id, "worker-0", "first line", 30)) << Diagnose(id);
  ASSERT_FALSE(Contains(Log(id), "second line")) << "too late: the job already finished its pause";

  StopDaemon(SIGKILL);
  // While no daemon runs, the task still does.
  auto procs = TaskProcesses(id);
  EXPECT_FALSE(procs.empty()) << "the task died with the daemon";

  const std::string old_url = url_;
  StartDaemon();
  ASSERT_FALSE(HasFatalFailure());
  if (url_ != old_url) std::cerr << "daemon moved from " << old_url << " to " << url_ << "\n";
  ConfigureAdmin();  // the port may have changed

  Json job = WaitPhase(id, {"Completed"}, 60);
  ASSERT_EQ(Phase(job), "Completed");
  const std::string log = Log(id);
  EXPECT_TRUE(Contains(log, "first line, before the daemon is killed")) << log;
  EXPECT_TRUE(Contains(log, "second line")) << log;
  ASSERT_EQ(job["status"]["running_records"].size(), 1u) << "re-adopted, not restarted: " << job.dump(2);
  EXPECT_EQ(job["status"]["task_statuses"][0].value("exit_code", -1), 0) << job.dump(2);
  const std::string events = Events(id);
  EXPECT_TRUE(Contains(events, "Daemon restarted: re-adopting run 1.")) << events;
  EXPECT_TRUE(Contains(events, "Training job completed.")) << events;
  EXPECT_TRUE(ListObjects("logs/survivor").count("survivor-worker-0.log"));
}

// 5. Under the sandbox a job cannot read the daemon's data or another job's files, nor write
// outside its own directories; it runs as uid 1000 and sees the ModelArts paths and variables.
TEST_F(TrainingE2eTest, SandboxHidesTheDaemonAndOtherJobs) {
  std::string why;
  if (!SandboxAvailable(&why)) {
    std::cerr << "no sandbox: " << why << "\n";
    GTEST_SKIP() << "tasks run without a sandbox here: " << why;
  }
  Upload(kData / "sandbox", "sandbox/code");
  UploadData("data");

  // The other job: leaves a secret in its output directory on the host.
  auto victim_args = PresetArgs("victim", "sandbox/code", "victim.py", 1, "modelarts.vm.cpu.1u");
  victim_args.insert(victim_args.end(), {"--output", "train_url=" + Obs("victim/output/")});
  const std::string victim = Submit(victim_args);
  ASSERT_FALSE(victim.empty());
  ASSERT_EQ(Phase(WaitPhase(victim, {"Completed"}, 60)), "Completed");
  const fs::path other = home() / "jobs" / victim;
  ASSERT_TRUE(fs::exists(other / "outputs" / "0" / "secret.txt"))
      << "the test's assumption about the job directory layout is wrong: " << other;
  ASSERT_TRUE(fs::exists(home() / "meta.db"));
  ASSERT_TRUE(fs::exists(home() / "secrets" / "master.key"));

  const std::string tag = HexEncode(RandomBytes(4));
  auto args = PresetArgs("probe", "sandbox/code", "probe.py", 1, "modelarts.vm.cpu.1u");
  args.insert(args.end(), {"--output", "train_url=" + Obs("probe/output/"), "--env-variables",
                           "PROBE_DAEMON_HOME=" + home().string(), "--env-variables",
                           "PROBE_OTHER_JOB_DIR=" + other.string(), "--env-variables", "PROBE_TAG=" + tag,
                           "--env-variables", "PROBE_HOST_DIR=" + root_.string()});
  const std::string id = Submit(args);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Phase(WaitPhase(id, {"Completed"}, 60)), "Completed");
  EXPECT_FALSE(Contains(Events(id), "Tasks run without a sandbox")) << Events(id);

  const std::string log = Log(id);
  auto lines = Grep(log, "PROBE_RESULT ");
  ASSERT_EQ(lines.size(), 1u) << log;
  auto parsed = ParseJson(lines[0].substr(lines[0].find("PROBE_RESULT ") + 13));
  ASSERT_TRUE(parsed.ok()) << lines[0];
  const Json& r = *parsed;
  std::cerr << "sandbox probe: " << r.dump(2) << "\n";

  // Reads of the daemon's data and of the other job: all refused (or an empty directory).
  for (const auto& [what, outcome] : r["read"].items()) {
    EXPECT_FALSE(outcome.get<std::string>().starts_with("ok")) << "the job could read " << what << ": " << outcome;
  }
  // Writes outside its own directories: the read-only host ones fail inside; none reaches the host.
  EXPECT_FALSE(r["write"]["/usr"].get<std::string>().starts_with("ok")) << r["write"].dump();
  EXPECT_FALSE(r["write"]["/etc"].get<std::string>().starts_with("ok")) << r["write"].dump();
  EXPECT_FALSE(r["write"]["/var/tmp"].get<std::string>().starts_with("ok")) << r["write"].dump();
  const std::string escape = "escape-" + tag + ".txt";
  for (const fs::path& p : {home() / escape, other / "outputs" / "0" / escape, fs::path("/usr") / escape,
                            fs::path("/etc") / escape, fs::path("/var/tmp") / escape, root_ / escape}) {
    EXPECT_FALSE(fs::exists(p)) << "the job wrote " << p << " on the host";
    std::error_code ec;
    fs::remove(p, ec);
  }
  EXPECT_EQ(Slurp(other / "outputs" / "0" / "secret.txt"), "the other job's secret\n");

  // What it should see and do.
  EXPECT_EQ(r.value("uid", -1), 1000) << r.dump();
  EXPECT_EQ(r.value("gid", -1), 1000) << r.dump();
  const Json& own = r["own"];
  EXPECT_EQ(own.value("script path", ""), "/home/ma-user/modelarts/user-job-dir/code/probe.py") << own.dump();
  EXPECT_TRUE(Contains(own.value("code dir", ""), "probe.py")) << own.dump();
  EXPECT_EQ(own.value("cwd", ""), "/home/ma-user") << own.dump();
  EXPECT_EQ(own.value("data_url", ""), "/home/ma-user/modelarts/inputs/data_url_0") << own.dump();
  EXPECT_TRUE(Contains(own.value("read input", ""), "README.txt")) << own.dump();
  EXPECT_EQ(own.value("train_url", ""), "/home/ma-user/modelarts/outputs/train_url_0") << own.dump();
  for (const char* w : {"write output", "write /cache", "write home", "write /tmp"}) {
    EXPECT_EQ(own.value(w, ""), "ok") << w << ": " << own.dump();
  }
  const Json& env = r["env"];
  EXPECT_EQ(env.value("MA_HOME", ""), "/home/ma-user") << env.dump();
  EXPECT_EQ(env.value("MA_JOB_DIR", ""), "/home/ma-user/modelarts/user-job-dir") << env.dump();
  EXPECT_EQ(env.value("MA_MOUNT_PATH", ""), "/home/ma-user/modelarts") << env.dump();
  EXPECT_EQ(env.value("MA_NUM_HOSTS", ""), "1") << env.dump();
  EXPECT_EQ(env.value("MA_TASK_NAME", ""), "worker") << env.dump();
  EXPECT_EQ(env.value("VC_TASK_INDEX", ""), "0") << env.dump();
  EXPECT_EQ(env.value("VC_WORKER_NUM", ""), "1") << env.dump();
  EXPECT_EQ(env.value("VC_WORKER_HOSTS", ""), "modelarts-job-" + id + "-worker-0.modelarts-job-" + id)
      << env.dump();
  EXPECT_FALSE(env.value("MA_IAM_PROJECT_ID", "").empty()) << env.dump();
  // Its own pid namespace: a handful of processes (bubblewrap, sh, python), not the host's.
  EXPECT_LE(r.value("visible processes", 1000), 5) << r.dump();
  EXPECT_TRUE(ListObjects("probe/output").count("V0001/own-output.txt"));
}

// 6. The manual's two .ma/train.yaml samples (spec §3), as written but for the bucket name, with
// the ##[Optional] blocks uncommented except pool_id (this installation has only the public
// pool) and volumes (NFS volumes are not supported locally). See data/samples/.
TEST_F(TrainingE2eTest, TheManualsTrainYamlSamplesRun) {
  Upload(kData / "mnist" / "code", "mnist/code");
  {
    fs::path d = root_ / "MNIST";
    fs::create_directories(d);
    for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                          "t10k-labels-idx1-ubyte"}) {
      std::ofstream(d / f) << "not really MNIST: " << f << "\n";
    }
    Upload(d, "mnist/dataset/MNIST");
  }
  std::string why;
  const bool sandbox = SandboxAvailable(&why);
  auto sample = [&](const std::string& file) {
    std::string text = Slurp(kData / "samples" / file);
    EXPECT_TRUE(Contains(text, "obs://your-bucket/"));
    text = std::regex_replace(text, std::regex("your-bucket"), kBucket);
    fs::path dir = root_ / file / ".ma";
    fs::create_directories(dir);
    std::ofstream(dir / "train.yaml") << text;
    return (dir / "train.yaml").string();
  };

  const std::string preset = Submit({sample("preset-image.yaml")});
  ASSERT_FALSE(preset.empty());
  std::string custom;
  if (sandbox) {
    custom = Submit({sample("custom-image.yaml")});
    ASSERT_FALSE(custom.empty());
  } else {
    std::cerr << "skipping the custom-image sample: its interpreter path "
                 "/home/ma-user/anaconda3/envs/PyTorch-1.8/bin/python exists only in the sandbox ("
              << why << ")\n";
  }

  // modelarts.vm.cpu.8u reserves 2000 mCPU: on a 2-core machine the two run one after the other.
  Json p = WaitPhase(preset, {"Completed"}, 120);
  ASSERT_EQ(Phase(p), "Completed");
  const std::string plog = Log(preset);
  EXPECT_TRUE(Contains(plog, "MNIST sample done")) << plog;
  EXPECT_TRUE(Contains(plog, "epochs 10 learning_rate 0.01 pretrained True")) << plog;
  EXPECT_TRUE(Contains(plog, "dataset files: t10k-images-idx3-ubyte")) << plog;
  if (sandbox) {
    EXPECT_TRUE(Contains(plog, "cwd /home/ma-user/modelarts/user-job-dir/code, uid 1000")) << plog;
  }
  EXPECT_EQ(p["spec"]["resource"].value("flavor_id", ""), "modelarts.vm.cpu.8u");

  std::set<std::string> versions = {p["status"].value("output_version", "")};
  if (sandbox) {
    Json c = WaitPhase(custom, {"Completed"}, 120);
    ASSERT_EQ(Phase(c), "Completed");
    const std::string clog = Log(custom);
    EXPECT_TRUE(Contains(clog, "interpreter /home/ma-user/anaconda3/envs/PyTorch-1.8/bin/python")) << clog;
    EXPECT_TRUE(Contains(clog, "cwd /home/ma-user/modelarts/user-job-dir/code, uid 1000")) << clog;
    EXPECT_TRUE(Contains(clog, "--pretrained")) << clog;
    EXPECT_TRUE(Contains(clog, "MNIST sample done")) << clog;
    versions.insert(c["status"].value("output_version", ""));
    // Both samples name the same output path; that each job gets its own version of it is
    // OutputVersionsOfConcurrentJobsDoNotCollide's business.
  }
  auto keys = ListObjects("mnist/output1");
  for (const auto& v : versions) EXPECT_TRUE(keys.count(v + "/result.txt")) << v << ": " << Join({keys.begin(), keys.end()});
  auto logs = ListObjects("mnist/logs");
  EXPECT_FALSE(logs.empty());
}

// Two jobs submitted back to back with the same output path (as the manual's two samples are)
// each get their own version V000k of it (spec §9), and neither upload overwrites the other.
TEST_F(TrainingE2eTest, OutputVersionsOfConcurrentJobsDoNotCollide) {
  Upload(kData / "slow", "slow/code");  // 2 s: the second is created before the first uploads
  UploadData("data");
  std::vector<std::string> ids;
  for (const char* name : {"first", "second"}) {
    auto args = PresetArgs(name, "slow/code", "train.py", 1, "modelarts.vm.cpu.1u");
    args.insert(args.end(),
                {"--output", "train_url=" + Obs("shared/output/"), "--env-variables", std::string("JOB_LABEL=") + name});
    ids.push_back(Submit(args));
    ASSERT_FALSE(ids.back().empty());
  }
  std::set<std::string> versions;
  for (const auto& id : ids) {
    Json job = WaitPhase(id, {"Completed"}, 60);
    ASSERT_EQ(Phase(job), "Completed");
    versions.insert(job["status"].value("output_version", ""));
  }
  EXPECT_EQ(versions.size(), 2u) << "both jobs got output version " << *versions.begin() << " of "
                                 << Obs("shared/output/") << ": the second upload overwrites the first";
  std::set<std::string> contents;
  for (const auto& v : versions) {
    fs::path local = root_ / ("result-" + v + ".txt");
    RunResult r = Cli({"obs-copy", Obs("shared/output/" + v + "/result.txt"), local.string()});
    EXPECT_EQ(r.rc, 0) << r;
    contents.insert(Slurp(local));
  }
  EXPECT_EQ(contents, (std::set<std::string>{"written by first\n", "written by second\n"}));
}

// 7. The query commands and the errors a user meets first.
TEST_F(TrainingE2eTest, CommandSurface) {
  // Flavors: -t filters, -v shows resources, JSON parses.
  RunResult flavors = Cli({"ma-job", "get-flavor", "-t", "CPU"});
  ASSERT_EQ(flavors.rc, 0) << flavors;
  for (const char* f : {"modelarts.vm.cpu.1u", "modelarts.vm.cpu.2u", "modelarts.vm.cpu.4u", "modelarts.vm.cpu.8u"}) {
    EXPECT_TRUE(Contains(flavors.out, f)) << flavors;
  }
  EXPECT_FALSE(Contains(flavors.out, "GPU")) << flavors;
  RunResult verbose = Cli({"ma-job", "get-flavor", "-t", "CPU", "-v"});
  ASSERT_EQ(verbose.rc, 0) << verbose;
  EXPECT_TRUE(Contains(verbose.out, "MAX_NUM") && Contains(verbose.out, "MEMORY_GB")) << verbose;
  Json fj = CliJson({"ma-job", "get-flavor", "-t", "CPU"});
  ASSERT_TRUE(fj["flavors"].is_array()) << fj.dump();
  EXPECT_EQ(fj["flavors"].size(), 4u) << fj.dump();
  for (const auto& f : fj["flavors"]) EXPECT_EQ(f.value("flavor_type", ""), "CPU") << f.dump();
  Json all_flavors = CliJson({"ma-job", "get-flavor"});
  EXPECT_GT(all_flavors["flavors"].size(), 4u);
  RunResult bad_type = Cli({"ma-job", "get-flavor", "-t", "TPU"});
  EXPECT_NE(bad_type.rc, 0) << bad_type;

  // Engines.
  RunResult engines = Cli({"ma-job", "get-engine", "-v"});
  ASSERT_EQ(engines.rc, 0) << engines;
  EXPECT_TRUE(Contains(engines.out, "PyTorch")) << engines;
  EXPECT_TRUE(Contains(engines.out, kEngine)) << engines;
  EXPECT_TRUE(Contains(engines.out, "RUN_USER") && Contains(engines.out, "atelier/pytorch_1_8:")) << engines;
  Json ej = CliJson({"ma-job", "get-engine"});
  bool found = false;
  for (const auto& e : ej["items"]) {
    found = found || (e.value("engine_name", "") == "PyTorch" && e.value("engine_version", "") == kEngine);
  }
  EXPECT_TRUE(found) << ej.dump(2);

  // Three small jobs, then pages of the list.
  Upload(kData / "hello", "hello/code");
  UploadData("data");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto args = PresetArgs("hello-" + std::to_string(i), "hello/code", "hello.py", 1, "modelarts.vm.cpu.1u");
    args.insert(args.end(), {"--parameters", "--greeting world" + std::to_string(i)});
    ids.push_back(Submit(args));
    ASSERT_FALSE(ids.back().empty());
  }
  // submit -q --output json prints the job.
  {
    auto args = PresetArgs("hello-json", "hello/code", "hello.py", 1, "modelarts.vm.cpu.1u");
    args.insert(args.begin(), {"ma-job", "submit"});
    args.insert(args.end(), {"-q", "--output", "json"});
    RunResult r = Cli(args);
    ASSERT_EQ(r.rc, 0) << r;
    auto j = ParseJson(r.out);
    ASSERT_TRUE(j.ok()) << r;
    EXPECT_EQ((*j)["metadata"].value("name", ""), "hello-json");
    ids.push_back((*j)["metadata"].value("id", ""));
    jobs_.push_back(ids.back());
  }
  for (const auto& id : ids) ASSERT_EQ(Phase(WaitPhase(id, {"Completed"}, 60)), "Completed");
  // Inputs, then hyperparameters, appended as --name=value (spec §5).
  const std::string hello = Log(ids[1]);
  EXPECT_TRUE(Contains(hello, "hello from the training e2e test: --data_url=") && Contains(hello, " --greeting=world1"))
      << hello;

  Json page1 = CliJson({"ma-job", "get-job", "-ps", "3", "-pn", "1"});
  EXPECT_EQ(page1.value("total", 0), 4) << page1.dump(2);
  ASSERT_EQ(page1["items"].size(), 3u) << page1.dump(2);
  Json page2 = CliJson({"ma-job", "get-job", "-ps", "3", "-pn", "2"});
  ASSERT_EQ(page2["items"].size(), 1u) << page2.dump(2);
  std::set<std::string> listed;
  for (const auto& j : page1["items"]) listed.insert(j["metadata"].value("id", ""));
  for (const auto& j : page2["items"]) listed.insert(j["metadata"].value("id", ""));
  EXPECT_EQ(listed, std::set<std::string>(ids.begin(), ids.end()));
  // Newest first.
  EXPECT_EQ(page1["items"][0]["metadata"].value("name", ""), "hello-json") << page1.dump(2);
  RunResult table = Cli({"ma-job", "get-job", "--page-size", "2", "--page-num", "2"});
  ASSERT_EQ(table.rc, 0) << table;
  EXPECT_TRUE(Contains(table.out, "hello-")) << table;
  EXPECT_TRUE(Contains(table.err, "page 2: 2 of 4 job(s)")) << table;
  Json by_name = CliJson({"ma-job", "get-job", "-n", "hello-json"});
  EXPECT_EQ(by_name.value("total", 0), 1) << by_name.dump(2);
  RunResult too_big = Cli({"ma-job", "get-job", "-ps", "51"});
  EXPECT_NE(too_big.rc, 0) << too_big;
  RunResult zero = Cli({"ma-job", "get-job", "-pn", "0"});
  EXPECT_NE(zero.rc, 0) << zero;

  // One job, its events and the human views.
  Json one = CliJson({"ma-job", "get-job", "-i", ids[0]});
  EXPECT_EQ(one["metadata"].value("name", ""), "hello-0");
  Json ev = CliJson({"ma-job", "get-event", "-i", ids[0]});
  ASSERT_TRUE(ev["events"].is_array()) << ev.dump();
  EXPECT_GE(ev["events"].size(), 5u) << ev.dump(2);
  for (const auto& e : ev["events"]) {
    EXPECT_TRUE(e.contains("time") && e.contains("level") && e.contains("source") && e.contains("message"))
        << e.dump();
  }
  RunResult human = Cli({"ma-job", "get-job", "-i", ids[0], "-v"});
  ASSERT_EQ(human.rc, 0) << human;
  EXPECT_TRUE(Contains(human.out, "Completed")) << human;
  EXPECT_TRUE(Contains(human.out, "worker-0")) << human;
  RunResult missing_job = Cli({"ma-job", "get-job", "-i", "00000000-0000-0000-0000-000000000000"});
  EXPECT_NE(missing_job.rc, 0) << missing_job;
  EXPECT_EQ(missing_job.ErrLines().size(), 1u) << missing_job;

  // An unknown flavor fails at submit and lists the valid ones.
  RunResult bad_flavor = Cli([&] {
    auto a = PresetArgs("bad-flavor", "hello/code", "hello.py", 1, "modelarts.vm.cpu.3u");
    a.insert(a.begin(), {"ma-job", "submit"});
    a.push_back("-q");
    return a;
  }());
  EXPECT_NE(bad_flavor.rc, 0) << bad_flavor;
  EXPECT_EQ(bad_flavor.ErrLines().size(), 1u) << bad_flavor;
  EXPECT_TRUE(Contains(bad_flavor.err, "modelarts.vm.cpu.3u")) << bad_flavor;
  for (const char* f : {"modelarts.vm.cpu.1u", "modelarts.vm.cpu.2u", "modelarts.vm.cpu.4u", "modelarts.vm.cpu.8u"}) {
    EXPECT_TRUE(Contains(bad_flavor.err, f)) << bad_flavor;
  }

  // A missing required option is named.
  for (const std::string opt : {"--log-url", "--data-url", "--code-dir", "--boot-file"}) {
    auto a = PresetArgs("missing", "hello/code", "hello.py", 1, "modelarts.vm.cpu.1u");
    for (size_t i = 0; i + 1 < a.size(); ++i) {
      if (a[i] == opt) {
        a.erase(a.begin() + static_cast<long>(i), a.begin() + static_cast<long>(i) + 2);
        break;
      }
    }
    a.insert(a.begin(), {"ma-job", "submit"});
    a.push_back("-q");
    RunResult r = Cli(a);
    EXPECT_NE(r.rc, 0) << opt << ": " << r;
    EXPECT_EQ(r.ErrLines().size(), 1u) << r;
    EXPECT_TRUE(Contains(r.err, opt.substr(2))) << "the error should name " << opt << ": " << r;
  }
  // Nothing was created by the failed submits.
  Json after = CliJson({"ma-job", "get-job"});
  EXPECT_EQ(after.value("total", 0), 4) << after.dump(2);
}

}  // namespace
}  // namespace openarts
