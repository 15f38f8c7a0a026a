// What the daemon tells the task shim: a fully resolved command (the daemon does every decision
// — PATH lookup, bubblewrap layout, cgroup creation — so the shim stays small and dumb), and the
// files they share in the task directory. Private to exec/.
//
// Protocol: the daemon writes <task_dir>/spec.json, then starts
//   openarts-task-shim --spec <task_dir>/spec.json --status-fd 3
// in a new session. The shim forks once more (so it is not the daemon's child and never becomes
// its zombie), starts the task and writes exactly one line to fd 3:
//   "ok <shim pid> <shim start ticks> <task pid>\n"   or   "err <message>\n"
// and closes it. When the task has ended and its output is drained, the shim writes exit.json
// atomically and exits.
#pragma once

#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "exec/exec.h"

namespace openarts::exec {

inline constexpr const char* kSpecFileName = "spec.json";
inline constexpr const char* kExitFileName = "exit.json";
inline constexpr const char* kShimErrFileName = "shim.err";

struct ShimSpec {
  std::string key;
  std::string task_dir;
  std::string exec_path;           // what execve(2) gets (bwrap, or the resolved argv[0])
  std::vector<std::string> argv;   // its argv
  std::vector<std::string> env;    // "K=V", the whole environment
  std::string cwd;                 // chdir before exec ("" = leave as is: bwrap does it)
  bool set_ids = false;            // setgroups/setgid/setuid to uid/gid before exec (root only)
  int uid = 0;
  int gid = 0;
  std::vector<std::string> cgroups;  // directories whose cgroup.procs the task joins
  bool sandboxed = false;  // exit codes 129..192 from bwrap mean "killed by signal code-128"
  LogOptions log;

  Json ToJson() const;
  static Result<ShimSpec> FromJson(const Json& j);
};

// "exited with code 3", "killed by signal 9 (SIGKILL)".
std::string ExitMessage(int exit_code, int signal);

}  // namespace openarts::exec
