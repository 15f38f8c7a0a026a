// The boot-command contract (spec §5-§7): how one task of a job is started — its command line
// with the appended --name=value arguments, the reserved environment, the ModelArts directory
// layout as sandbox mounts. Pure: it computes an exec::TaskSpec; the caller creates directories.
#pragma once

#include <string>
#include <vector>

#include "exec/exec.h"
#include "spec.h"

namespace openarts::train {

// The host directories of one job (all under `root`).
struct JobDirs {
  std::string root;
  std::string code() const { return root + "/code"; }
  std::string input(size_t i) const { return root + "/inputs/" + std::to_string(i); }
  std::string output(size_t i) const { return root + "/outputs/" + std::to_string(i); }
  std::string cache(int task) const { return root + "/cache/worker-" + std::to_string(task); }
  std::string log() const { return root + "/log"; }
  std::string conda() const { return root + "/conda"; }     // interpreter symlinks
  std::string hosts() const { return root + "/hosts"; }     // /etc/hosts of the sandbox
  std::string task(int task) const { return root + "/tasks/worker-" + std::to_string(task); }
};

struct BootContext {
  std::string job_id;
  int run = 1;
  int task_index = 0;
  int master_port = 0;
  bool sandbox = true;        // the ModelArts paths exist (bubblewrap); else host paths are used
  std::string python = "/usr/bin/python3";
  std::string project_id;
  std::string daemon_url;
  std::vector<std::string> hidden_paths;
  int uid = 1000, gid = 1000;
  exec::LogOptions log;
};

// Paths the task sees.
struct TaskPaths {
  std::string home, job_dir, mount_path, log_dir, code, cache;
  std::vector<std::string> inputs, outputs;  // per entry, in order
};
TaskPaths PathsFor(const JobSpec& spec, const JobDirs& dirs, const BootContext& ctx);

// The task name (worker-<i>) and the host name other tasks reach it by.
std::string TaskName(int index);
std::string WorkerHost(const std::string& job_id, int index);

exec::TaskSpec BuildTaskSpec(const JobSpec& spec, const JobDirs& dirs, const BootContext& ctx);

// The conda environment names a command refers to (…/anaconda3/envs/<name>/bin/…), plus
// DEFAULT_CONDA_ENV_NAME: the job gets interpreter symlinks for them.
std::vector<std::string> CondaEnvNames(const JobSpec& spec);

// The content of the sandbox's /etc/hosts: localhost plus every worker's host name.
std::string HostsFile(const std::string& job_id, int node_count);

// obs://b/k → s3://b/k (the DLS_* legacy variables).
std::string ToS3Url(const std::string& obs_url);

}  // namespace openarts::train
