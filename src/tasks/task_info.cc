#include <algorithm>
#include <cmath>

#include "tasks/tasks.h"

namespace openarts::tasks {

std::string_view TaskStatusName(TaskStatus s) {
  switch (s) {
    case TaskStatus::kQueued: return "Queued";
    case TaskStatus::kRunning: return "Running";
    case TaskStatus::kSucceeded: return "Succeeded";
    case TaskStatus::kFailed: return "Failed";
    case TaskStatus::kCancelled: return "Cancelled";
  }
  return "Unknown";
}

std::optional<TaskStatus> ParseTaskStatus(std::string_view s) {
  for (TaskStatus t : {TaskStatus::kQueued, TaskStatus::kRunning, TaskStatus::kSucceeded,
                       TaskStatus::kFailed, TaskStatus::kCancelled}) {
    if (TaskStatusName(t) == s) return t;
  }
  return std::nullopt;
}

Json TaskInfo::ToJson() const {
  // ModelArts shows progress as a percentage; one decimal keeps long tasks visibly moving
  // without printing float noise such as 33.33333333333333.
  double percent = std::round(std::clamp(progress, 0.0, 1.0) * 1000.0) / 10.0;
  return Json{
      {"id", id},
      {"type", type},
      {"status", std::string(TaskStatusName(status))},
      {"progress", percent},
      {"workspace_id", workspace_id},
      {"project_id", project_id},
      {"params", params},
      {"result", status == TaskStatus::kSucceeded ? result : Json()},
      {"error", error},
      {"created_by", created_by},
      {"create_time", create_time},
      {"start_time", start_time},
      {"end_time", end_time},
      {"update_time", update_time},
  };
}

}  // namespace openarts::tasks
