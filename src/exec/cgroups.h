// Per-task cgroups: memory and CPU limits, and a membership list that no setsid() escapes.
// cgroup v1 (memory + cpu hierarchies) and v2 (unified) are both handled; private to exec/.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "exec/exec.h"

namespace openarts::exec {

struct CgroupLayout {
  int version = 0;            // 0: unusable (see reason), 1 or 2
  std::string memory_parent;  // v1: parent in the memory hierarchy; v2: the parent
  std::string cpu_parent;     // v1: parent in the cpu hierarchy; v2: unused
  std::string reason;         // why version == 0
};

// Finds the hierarchies from /proc/self/cgroup and /proc/self/mountinfo and creates the parent
// (`parent_option`, a cgroup path such as "/openarts", or "" for a child "openarts" of the
// daemon's own cgroup). Never fails: an unusable setup comes back with version 0 and a reason.
CgroupLayout PrepareCgroups(const std::string& parent_option);

struct TaskCgroup {
  std::string primary;             // lists the task's processes (v2 dir, or v1 memory dir)
  std::vector<std::string> extra;  // v1: the cpu dir
};

// Creates the task's cgroup(s) named `key` (replacing an empty stale one) with `limits`.
Result<TaskCgroup> CreateTaskCgroup(const CgroupLayout& layout, const std::string& key,
                                    const Limits& limits);
// Pids in <dir>/cgroup.procs; empty when the file cannot be read.
std::vector<int> CgroupProcs(const std::string& dir);
// rmdir, retrying briefly while the last processes leave; ENOENT is success.
Status RemoveCgroupDir(const std::string& dir);

}  // namespace openarts::exec
