#include "boot.h"

#include <regex>

namespace openarts::train {
namespace {

constexpr const char* kHome = "/home/ma-user";
constexpr const char* kMount = "/home/ma-user/modelarts";
constexpr const char* kJobDir = "/home/ma-user/modelarts/user-job-dir";

std::string Basename(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  const auto slash = url.rfind('/');
  std::string base = slash == std::string::npos ? url : url.substr(slash + 1);
  return base.empty() ? "code" : base;
}

}  // namespace

std::string TaskName(int index) { return "worker-" + std::to_string(index); }

std::string WorkerHost(const std::string& job_id, int index) {
  return "modelarts-job-" + job_id + "-worker-" + std::to_string(index) + ".modelarts-job-" + job_id;
}

std::string HostsFile(const std::string& job_id, int node_count) {
  std::string out = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n";
  for (int i = 0; i < node_count; ++i) out += "127.0.0.1 " + WorkerHost(job_id, i) + "\n";
  return out;
}

std::string ToS3Url(const std::string& obs_url) {
  if (obs_url.rfind("obs://", 0) == 0) return "s3://" + obs_url.substr(6);
  return obs_url;
}

std::vector<std::string> CondaEnvNames(const JobSpec& spec) {
  std::vector<std::string> names;
  static const std::regex re(R"(anaconda3/envs/([A-Za-z0-9._-]+)/)");
  for (std::sregex_iterator it(spec.command.begin(), spec.command.end(), re), end; it != end; ++it) {
    names.push_back((*it)[1].str());
  }
  if (auto it = spec.environments.find("DEFAULT_CONDA_ENV_NAME"); it != spec.environments.end()) {
    names.push_back(it->second);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

TaskPaths PathsFor(const JobSpec& spec, const JobDirs& dirs, const BootContext& ctx) {
  TaskPaths p;
  if (ctx.sandbox) {
    p.home = kHome;
    p.mount_path = kMount;
    p.job_dir = kJobDir;
    p.log_dir = std::string(kMount) + "/log";
    p.code = spec.local_code_dir.empty() ? std::string(kJobDir) + "/" + Basename(spec.code_dir)
                                         : spec.local_code_dir;
    p.cache = "/cache";
    for (size_t i = 0; i < spec.inputs.size(); ++i) {
      const auto& e = spec.inputs[i];
      p.inputs.push_back(!e.local_dir.empty() ? e.local_dir
                                              : std::string(kMount) + "/inputs/" + e.name + "_" +
                                                    std::to_string(i));
    }
    for (size_t i = 0; i < spec.outputs.size(); ++i) {
      const auto& e = spec.outputs[i];
      p.outputs.push_back(!e.local_dir.empty() ? e.local_dir
                                               : std::string(kMount) + "/outputs/" + e.name + "_" +
                                                     std::to_string(i));
    }
  } else {
    // No sandbox: the job sees its host directories.
    p.home = dirs.root;
    p.mount_path = dirs.root;
    p.job_dir = dirs.root;
    p.log_dir = dirs.log();
    p.code = dirs.code();
    p.cache = dirs.cache(ctx.task_index);
    for (size_t i = 0; i < spec.inputs.size(); ++i) p.inputs.push_back(dirs.input(i));
    for (size_t i = 0; i < spec.outputs.size(); ++i) p.outputs.push_back(dirs.output(i));
  }
  return p;
}

exec::TaskSpec BuildTaskSpec(const JobSpec& spec, const JobDirs& dirs, const BootContext& ctx) {
  const TaskPaths p = PathsFor(spec, dirs, ctx);
  const int n = spec.node_count;
  const int i = ctx.task_index;
  exec::TaskSpec t;
  t.key = ctx.job_id + ".r" + std::to_string(ctx.run) + "." + TaskName(i);
  t.task_dir = dirs.task(i);
  t.uid = ctx.uid;
  t.gid = ctx.gid;
  t.log = ctx.log;
  t.hidden_paths = ctx.hidden_paths;

  // Appended arguments: inputs, outputs, hyperparameters, then the DDP arguments (spec §5, §7).
  std::string args;
  std::map<std::string, std::string> io_env;
  auto add_io = [&](const std::vector<IoEntry>& list, const std::vector<std::string>& paths) {
    for (size_t k = 0; k < list.size(); ++k) {
      if (list[k].access == "env") {
        io_env[list[k].name] = paths[k];
      } else {
        args += " --" + list[k].name + "=" + ShellQuote(paths[k]);
      }
    }
  };
  add_io(spec.inputs, p.inputs);
  add_io(spec.outputs, p.outputs);
  for (const auto& param : spec.parameters) {
    args += " --" + param.name;
    if (param.value) args += "=" + ShellQuote(*param.value);
  }
  const std::string master = ctx.sandbox ? WorkerHost(ctx.job_id, 0) : "127.0.0.1";
  if (spec.ddp_args) {
    args += " --init_method=tcp://" + master + ":" + std::to_string(ctx.master_port) +
            " --rank=" + std::to_string(i) + " --world_size=" + std::to_string(n);
  }

  std::string command;
  if (!spec.command.empty()) {
    command = spec.command + args;
  } else {
    command = ShellQuote(ctx.python) + " " + ShellQuote(p.code + "/" + spec.boot_file) + args;
  }
  t.argv = {"/bin/sh", "-c", command};
  t.cwd = !spec.working_dir.empty() && ctx.sandbox ? spec.working_dir : p.home;
  if (!ctx.sandbox && !spec.working_dir.empty()) t.cwd = p.code;

  // Environment (spec §6): user variables first, the reserved ones win.
  auto& env = t.env;
  env = spec.environments;
  for (auto& [k, v] : io_env) env[k] = v;
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  if (auto a = env.find("ANACONDA_DIR"), d = env.find("DEFAULT_CONDA_ENV_NAME");
      a != env.end() && d != env.end()) {
    path = a->second + "/envs/" + d->second + "/bin:" + path;
  }
  env["PATH"] = path;
  env["HOME"] = p.home;
  env["LANG"] = "C.UTF-8";
  env["PYTHONUNBUFFERED"] = "1";
  env["MA_HOME"] = p.home;
  env["MA_JOB_DIR"] = p.job_dir;
  env["MA_MOUNT_PATH"] = p.mount_path;
  env["MA_LOG_DIR"] = p.log_dir;
  env["WORKSPACE"] = p.code;
  env["MA_CURRENT_IP"] = "127.0.0.1";
  env["MA_NUM_GPUS"] = "0";
  env["MA_NUM_HOSTS"] = std::to_string(n);
  env["MA_CURRENT_INSTANCE_NAME"] = "modelarts-job-" + ctx.job_id + "-" + TaskName(i);
  env["MA_TASK_NAME"] = "worker";
  env["MA_IAM_PROJECT_ID"] = ctx.project_id;
  env["MA_JOB_ID"] = ctx.job_id;
  if (!ctx.daemon_url.empty()) {
    env["MA_APIGW_ENDPOINT"] = ctx.daemon_url;
    env["S3_ENDPOINT"] = ctx.daemon_url;
  }
  std::string hosts;
  for (int k = 0; k < n; ++k) {
    if (k) hosts += ",";
    hosts += ctx.sandbox ? WorkerHost(ctx.job_id, k) : "127.0.0.1";
  }
  env["VC_TASK_INDEX"] = std::to_string(i);
  env["VK_TASK_INDEX"] = std::to_string(i);
  env["VC_WORKER_NUM"] = std::to_string(n);
  env["VC_WORKER_HOSTS"] = hosts;
  env["MASTER_ADDR"] = master;
  env["MASTER_PORT"] = std::to_string(ctx.master_port);
  env["RANK"] = std::to_string(i);
  env["WORLD_SIZE"] = std::to_string(n);
  env["LOCAL_RANK"] = "0";
  env["RUN_ID"] = std::to_string(ctx.run);
  env["RANK_TABLE_FILE"] = "/user/config";
  for (size_t k = 0; k < spec.inputs.size(); ++k) {
    if (spec.inputs[k].name == "data_url") env["DLS_DATA_URL"] = ToS3Url(spec.inputs[k].obs_url);
  }
  for (size_t k = 0; k < spec.outputs.size(); ++k) {
    if (spec.outputs[k].name == "train_url" || k == 0) {
      env["DLS_TRAIN_URL"] = ToS3Url(spec.outputs[k].obs_url);
    }
  }
  // Workers on one host talk over loopback (gloo picks the interface by name).
  if (!env.count("GLOO_SOCKET_IFNAME")) env["GLOO_SOCKET_IFNAME"] = "lo";

  if (ctx.sandbox) {
    auto& m = t.mounts;
    m.push_back({dirs.code(), p.code, false});
    for (size_t k = 0; k < spec.inputs.size(); ++k) m.push_back({dirs.input(k), p.inputs[k], false});
    for (size_t k = 0; k < spec.outputs.size(); ++k) m.push_back({dirs.output(k), p.outputs[k], false});
    m.push_back({dirs.cache(i), "/cache", false});
    m.push_back({dirs.log(), p.log_dir, false});
    m.push_back({dirs.conda(), std::string(kHome) + "/anaconda3", true});
    m.push_back({dirs.hosts(), "/etc/hosts", true});
    for (const auto& v : spec.volumes) {
      if (v.kind == "host") m.push_back({v.source, v.local_path, v.read_only});
    }
  }
  return t;
}

}  // namespace openarts::train
