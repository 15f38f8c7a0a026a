// The value types of exec.h.
#include "exec/exec.h"

namespace openarts::exec {

Json TaskHandle::ToJson() const {
  return Json{{"key", key},
              {"task_dir", task_dir},
              {"shim_pid", shim_pid},
              {"shim_start_ticks", shim_start_ticks},
              {"pgid", pgid},
              {"cgroup", cgroup},
              {"cgroup_extra", cgroup_extra},
              {"start_time", start_time}};
}

Result<TaskHandle> TaskHandle::FromJson(const Json& j) {
  OA_TRY(RequireObject(j, "task handle"));
  TaskHandle h;
  OA_ASSIGN_OR_RETURN(h.key, GetString(j, "key"));
  OA_ASSIGN_OR_RETURN(h.task_dir, GetString(j, "task_dir"));
  OA_ASSIGN_OR_RETURN(int64_t shim_pid, GetInt(j, "shim_pid"));
  OA_ASSIGN_OR_RETURN(int64_t ticks, GetInt(j, "shim_start_ticks"));
  OA_ASSIGN_OR_RETURN(int64_t pgid, GetInt(j, "pgid"));
  OA_ASSIGN_OR_RETURN(auto cgroup, GetOptString(j, "cgroup"));
  OA_ASSIGN_OR_RETURN(const Json* extra, GetOptArray(j, "cgroup_extra"));
  OA_ASSIGN_OR_RETURN(auto start_time, GetOptInt(j, "start_time"));
  if (shim_pid <= 0 || pgid <= 0 || ticks < 0) {
    return InvalidArgument("task handle: shim_pid, pgid and shim_start_ticks must be positive");
  }
  h.shim_pid = static_cast<int>(shim_pid);
  h.shim_start_ticks = static_cast<uint64_t>(ticks);
  h.pgid = static_cast<int>(pgid);
  h.cgroup = cgroup.value_or("");
  if (extra != nullptr) {
    for (const auto& e : *extra) {
      if (!e.is_string()) return InvalidArgument("field 'cgroup_extra' must hold strings");
      h.cgroup_extra.push_back(e.get<std::string>());
    }
  }
  h.start_time = start_time.value_or(0);
  return h;
}

}  // namespace openarts::exec
