// exec: where the processes of training jobs, notebooks and services run. A backend starts a
// task (one boot command: worker-0 of a job, one notebook), tells whether it is still running and
// how it ended, stops it so that nothing it started survives, and keeps its log.
//
// The local backend (the default) runs every task under a small supervisor process, the task
// shim (`openarts-task-shim`, built from exec/shim_main.cc). The shim is started in its own
// session so it outlives the daemon: it owns the task's stdout/stderr pipe and writes each line
// to the task's log file as it is produced (CRI format, size-capped with rotation), reaps the
// task, and records how it ended in `<task_dir>/exit.json` (written atomically). The daemon never
// holds a pipe to a task, so a daemon restart loses no log line and re-adopts running tasks by
// (pid, start time) from their TaskHandle.
//
// Sandbox: where bubblewrap (`bwrap`) works, the task sees the host's userland read-only, an
// empty /home and /tmp, only the mounts of its TaskSpec writable, its own pid namespace, and
// nothing of the platform's data directory (hidden_paths are covered by empty tmpfs). Where it
// does not, the task runs on the host with the same environment and Capabilities says so.
// Limits: a cgroup per task (v2, or v1 memory+cpu) where the daemon may create one; else none,
// and Capabilities says so.
//
// Thread-safe. Calls block briefly (fork/exec, small file reads); none waits for a task to end
// except Wait().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"

namespace openarts::exec {

struct Mount {
  std::string source;  // host path (must exist)
  std::string target;  // path inside the sandbox
  bool read_only = false;
};

struct Limits {
  int64_t cpu_millis = 0;    // 0 = unlimited; 2000 = two cores (cpu.max / cfs quota)
  int64_t memory_bytes = 0;  // 0 = unlimited (memory.max / memory.limit_in_bytes)
};

struct LogOptions {
  uint64_t max_bytes = 64ull << 20;  // rotate the current file beyond this size (>= 4096)
  int keep = 4;  // rotated files kept (>= 1): task.log.<first offset>, the newest `keep` of them
};

struct TaskSpec {
  // Unique across the backend's lifetime, [A-Za-z0-9_.-]{1,200} (e.g. "<job id>.r1.worker-0").
  // Exported to the task as OPENARTS_TASK_KEY, which the sweep uses to find stray processes.
  std::string key;
  // Directory owned by this task (created if missing): shim state, exit.json and the log.
  std::string task_dir;
  // argv[0] is resolved through PATH of `env` inside the sandbox ("/bin/sh", "-c", "...").
  std::vector<std::string> argv;
  // The whole environment of the task; nothing of the daemon's is inherited.
  std::map<std::string, std::string> env;
  std::string cwd = "/";  // inside the sandbox (or on the host without one)
  // Sandbox only: bind mounts, applied in order after the read-only host root.
  std::vector<Mount> mounts;
  // Sandbox only: host paths covered by an empty tmpfs (the platform's data directory).
  std::vector<std::string> hidden_paths;
  // The task runs as this uid/gid when the daemon is root (setuid before exec); otherwise as
  // the daemon's user, mapped to `uid` inside the sandbox.
  int uid = 1000;
  int gid = 1000;
  Limits limits;
  LogOptions log;
};

// Everything needed to find a task again after a daemon restart. Persist ToJson().
struct TaskHandle {
  std::string key;
  std::string task_dir;
  int shim_pid = 0;
  uint64_t shim_start_ticks = 0;  // field 22 of /proc/<pid>/stat: guards against pid reuse
  int pgid = 0;                   // the task's process group (its first process)
  std::string cgroup;             // absolute cgroup directory, "" without one (cgroup v2, or the
                                  // v1 memory hierarchy: its cgroup.procs lists the task)
  std::vector<std::string> cgroup_extra;  // cgroup v1: the task's directories in other
                                          // hierarchies (cpu); empty otherwise
  int64_t start_time = 0;         // ms, when Start() returned

  Json ToJson() const;
  static Result<TaskHandle> FromJson(const Json& j);
};

enum class TaskState { kRunning, kExited, kLost };

struct TaskStatus {
  TaskState state = TaskState::kRunning;
  // kExited: exit code 0..255, or 128+signal when killed by a signal (as a shell reports it).
  int exit_code = 0;
  int signal = 0;          // the terminating signal, 0 if it exited
  int64_t end_time = 0;    // ms
  std::string message;     // "exited with code 3", "killed by signal 9 (SIGKILL)", "shim lost"
};

struct Usage {
  double cpu_percent = 0;     // of one core, over the time since the previous sample
  uint64_t memory_bytes = 0;  // resident set of every process of the task
  int processes = 0;
};

struct Capabilities {
  bool sandbox = false;         // bubblewrap works here
  bool cgroups = false;         // per-task cgroups can be created
  bool setuid = false;          // the daemon is root and can run tasks as TaskSpec::uid
  std::string sandbox_reason;   // why not, when false ("bwrap not found", ...)
  std::string cgroups_reason;
};

// One chunk of a task's log.
struct LogLine {
  int64_t time_ms = 0;
  bool is_stderr = false;
  std::string text;  // without the trailing newline
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const Capabilities& capabilities() const = 0;

  // Starts the task and returns once its process exists (the shim has exec'd it). Errors:
  // kInvalidArgument (bad spec, naming the field), kUnavailable (fork/exec failed).
  virtual Result<TaskHandle> Start(const TaskSpec& spec) = 0;
  // Running, Exited (with the code) or Lost (the shim is gone without exit.json).
  virtual TaskStatus Poll(const TaskHandle& handle) = 0;
  // SIGTERM to the task's process group, up to `grace_ms`, then SIGKILL to the group and a sweep
  // of every process still carrying the task (cgroup members, or OPENARTS_TASK_KEY in
  // /proc/<pid>/environ). Returns when none is left. Idempotent.
  virtual Status Stop(const TaskHandle& handle, int grace_ms) = 0;
  // Blocks until the task has ended or `timeout_ms` passed (kDeadlineExceeded).
  virtual Result<TaskStatus> Wait(const TaskHandle& handle, int timeout_ms) = 0;
  // CPU and memory of the task's processes now.
  virtual Result<Usage> Sample(const TaskHandle& handle) = 0;
  // Removes the cgroup and the shim's state files; the log files stay. REQUIRES: not running.
  virtual Status Release(const TaskHandle& handle) = 0;
};

struct LocalOptions {
  // The shim binary; "" = `openarts-task-shim` beside /proc/self/exe, then on PATH.
  std::string shim_path;
  // "auto" (use bubblewrap when it works), "bwrap" (required: Create fails without it), "none".
  std::string sandbox = "auto";
  // "auto" (per-task cgroups when they can be created) or "none".
  std::string cgroups = "auto";
  // Parent cgroup for task cgroups, a cgroup path such as "/openarts.slice/tasks" (created in
  // each hierarchy); "" = a child "openarts" of the daemon's own cgroup.
  std::string cgroup_parent;
  Clock* clock = nullptr;  // nullptr = system clock
};

Result<std::unique_ptr<Backend>> CreateLocal(const LocalOptions& options = {});

// ---- Logs (the CRI log format the shim writes: "<RFC 3339 ns time> stdout|stderr F|P text") ---
//
// Offsets are absolute: byte N of everything the task ever logged, whatever rotation dropped.
// The current file is `task.log`; a rotated file is named `task.log.<its first absolute offset,
// 20 digits>` so a reader finds any offset without an index. Rotation keeps LogOptions::keep.
inline constexpr const char* kLogFileName = "task.log";

// The log files of a task, oldest first, the current one last.
std::vector<std::string> LogFiles(const std::string& task_dir);

// Reads complete records from absolute byte `offset` (0, or a previous next_offset), at most
// about `max_bytes`, joining partial (P) records into one line. An offset older than the oldest
// kept file starts at the oldest (`skipped` says how many bytes were lost to rotation).
struct LogChunk {
  std::vector<LogLine> lines;
  uint64_t next_offset = 0;  // pass back to continue
  uint64_t end_offset = 0;   // absolute size of the log now
  uint64_t skipped = 0;
};
Result<LogChunk> ReadLog(const std::string& task_dir, uint64_t offset, size_t max_bytes);

// Appends one line to a task's log while no process of it runs (a service banner between runs):
// the same record format, rotation and absolute offsets as the shim's.
Status AppendLogLine(const std::string& task_dir, std::string_view text, int64_t time_ms,
                     const LogOptions& options = {});
// Parses one CRI record (without its newline). kInvalidArgument for a malformed one.
Result<LogLine> ParseLogRecord(std::string_view record, bool* partial);

}  // namespace openarts::exec
