// Tasks: /v1/{project_id}/tasks[/{task_id}[/cancel]] — durable background work and its history.
#include "route_table.h"

namespace openarts::api {

void RegisterTaskRoutes(RouteTable& t) {
  const std::string base = "/v1/{project_id}/tasks";
  t.Authed("GET", base, [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    const std::string workspace = c.req.Query("workspace_id").value_or("");
    OA_TRY(c.Authorize("modelarts:task:list", workspace));
    tasks::ListFilter filter;
    OA_ASSIGN_OR_RETURN(filter.project_id, c.ProjectId());
    if (workspace.empty()) {
      OA_ASSIGN_OR_RETURN(auto visible, c.deps.iam.VisibleWorkspaces(c.who));
      filter.workspace_ids = std::move(visible);
    } else {
      filter.workspace_ids = std::vector<std::string>{workspace};
    }
    if (auto status = c.req.Query("status"); status && !status->empty()) {
      filter.status = tasks::ParseTaskStatus(*status);
      if (!filter.status) {
        return InvalidArgument("query parameter 'status' must be Queued, Running, Succeeded, "
                               "Failed or Cancelled");
      }
    }
    if (auto type = c.req.Query("type"); type && !type->empty()) filter.type = *type;
    OA_ASSIGN_OR_RETURN(filter.limit, QueryInt(c.req, "limit", 100, 1, 1000));
    OA_ASSIGN_OR_RETURN(filter.offset, QueryInt(c.req, "offset", 0, 0, 1 << 30));
    OA_ASSIGN_OR_RETURN(auto list, c.deps.tasks.List(filter));
    Json out = Json::array();
    for (const auto& task : list) out.push_back(task.ToJson());
    c.Reply(200, {{"tasks", std::move(out)}});
    return Status::Ok();
  });
  t.Authed("GET", base + "/{task_id}", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_ASSIGN_OR_RETURN(tasks::TaskInfo task, c.deps.tasks.Get(c.req.Param("task_id")));
    OA_TRY(c.Authorize("modelarts:task:get", task.workspace_id));
    c.Reply(200, task.ToJson());
    return Status::Ok();
  });
  t.Authed("POST", base + "/{task_id}/cancel", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_ASSIGN_OR_RETURN(tasks::TaskInfo task, c.deps.tasks.Get(c.req.Param("task_id")));
    OA_TRY(c.Authorize("modelarts:task:cancel", task.workspace_id));
    OA_TRY(c.deps.tasks.Cancel(task.id));
    OA_ASSIGN_OR_RETURN(tasks::TaskInfo now, c.deps.tasks.Get(task.id));
    c.Reply(202, now.ToJson());
    return Status::Ok();
  });
}

}  // namespace openarts::api
