// Workspaces and their quotas: /v1/{project_id}/workspaces[/{workspace_id}[/quotas]] (spec §5).
#include "api/decode.h"
#include "route_table.h"

namespace openarts::api {

namespace {

Json WorkspaceJson(iam::Iam& iam, const iam::Workspace& w) {
  Json grants = Json::array();
  for (const auto& id : w.grant_user_ids) {
    auto user = iam.GetUser(id);
    // A granted user deleted since stays listed by id so the owner can see and remove the grant.
    grants.push_back({{"user_id", id}, {"user_name", user.ok() ? user->name : ""}});
  }
  return {{"id", w.id},
          {"name", w.name},
          {"description", w.description},
          {"owner", w.owner_name},
          {"owner_id", w.owner_id},
          {"auth_type", iam::AuthTypeName(w.auth_type)},
          {"enterprise_project_id", w.enterprise_project_id},
          {"grants", std::move(grants)},
          {"status", w.status},
          {"status_info", w.status_info},
          {"create_time", w.create_time},
          {"update_time", w.update_time}};
}

Json QuotaJson(const iam::Quota& q) {
  Json j = {{"resource", q.resource},
            {"quota", q.quota},
            {"min_quota", q.min_quota},
            {"max_quota", q.max_quota},
            {"name_en", q.name_en},
            {"unit_en", q.unit_en},
            {"update_time", q.update_time}};
  // Usage is not metered yet; the API says null for "unlimited" and we have no figure either.
  j["used_quota"] = nullptr;
  return j;
}

iam::WorkspaceSpec ToSpec(WorkspaceRequest in) {
  iam::WorkspaceSpec spec;
  spec.name = std::move(in.name);
  spec.description = std::move(in.description);
  spec.enterprise_project_id = std::move(in.enterprise_project_id);
  if (in.auth_type) spec.auth_type = iam::ParseAuthType(*in.auth_type);
  spec.grants = std::move(in.grants);
  return spec;
}

}  // namespace

void RegisterWorkspaceRoutes(RouteTable& t) {
  const std::string base = "/v1/{project_id}/workspaces";
  t.Authed("GET", base, [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_TRY(c.Authorize("modelarts:workspace:list"));
    OA_ASSIGN_OR_RETURN(int offset, QueryInt(c.req, "offset", 0, 0, 1 << 30));
    OA_ASSIGN_OR_RETURN(int limit, QueryInt(c.req, "limit", 1000, 1, 1000));
    const auto name_filter = c.req.Query("name");
    OA_ASSIGN_OR_RETURN(auto all, c.deps.iam.ListWorkspaces(c.who));
    std::vector<iam::Workspace> matching;
    for (auto& w : all) {
      if (name_filter && !name_filter->empty() && w.name.find(*name_filter) == std::string::npos) {
        continue;
      }
      matching.push_back(std::move(w));
    }
    Json list = Json::array();
    for (size_t i = offset; i < matching.size() && list.size() < size_t(limit); ++i) {
      list.push_back(WorkspaceJson(c.deps.iam, matching[i]));
    }
    const size_t count = list.size();
    c.Reply(200, {{"total_count", matching.size()}, {"count", count}, {"workspaces", list}});
    return Status::Ok();
  });
  t.Authed("POST", base, [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_TRY(c.Authorize("modelarts:workspace:create"));
    OA_ASSIGN_OR_RETURN(WorkspaceRequest in, DecodeWorkspaceCreate(c.req.body));
    OA_ASSIGN_OR_RETURN(iam::Workspace w, c.deps.iam.CreateWorkspace(c.who, ToSpec(std::move(in))));
    c.Reply(201, WorkspaceJson(c.deps.iam, w));
    return Status::Ok();
  });
  t.Authed("GET", base + "/{workspace_id}", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    const std::string& id = c.req.Param("workspace_id");
    OA_TRY(c.Authorize("modelarts:workspace:get", id));
    OA_ASSIGN_OR_RETURN(iam::Workspace w, c.deps.iam.GetWorkspace(id));
    c.Reply(200, WorkspaceJson(c.deps.iam, w));
    return Status::Ok();
  });
  t.Authed("PUT", base + "/{workspace_id}", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    const std::string& id = c.req.Param("workspace_id");
    OA_TRY(c.Authorize("modelarts:workspace:update", id));
    OA_ASSIGN_OR_RETURN(WorkspaceRequest in, DecodeWorkspaceUpdate(c.req.body));
    OA_ASSIGN_OR_RETURN(iam::Workspace w, c.deps.iam.UpdateWorkspace(id, ToSpec(std::move(in))));
    c.Reply(200, WorkspaceJson(c.deps.iam, w));
    return Status::Ok();
  });
  t.Authed("DELETE", base + "/{workspace_id}", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    const std::string& id = c.req.Param("workspace_id");
    OA_TRY(c.Authorize("modelarts:workspace:delete", id));
    OA_TRY(c.deps.iam.DeleteWorkspace(id));
    c.NoContent();
    return Status::Ok();
  });
  t.Authed("GET", base + "/{workspace_id}/quotas", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    const std::string& id = c.req.Param("workspace_id");
    OA_TRY(c.Authorize("modelarts:workspace:getQuotas", id));
    OA_ASSIGN_OR_RETURN(auto quotas, c.deps.iam.GetQuotas(id));
    Json list = Json::array();
    for (const auto& q : quotas) list.push_back(QuotaJson(q));
    c.Reply(200, {{"quotas", std::move(list)}});
    return Status::Ok();
  });
  t.Authed("PUT", base + "/{workspace_id}/quotas", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    const std::string& id = c.req.Param("workspace_id");
    OA_TRY(c.Authorize("modelarts:workspace:updateQuotas", id));
    OA_ASSIGN_OR_RETURN(auto quotas, DecodeQuotaUpdate(c.req.body));
    OA_TRY(c.deps.iam.SetQuotas(id, quotas));
    OA_ASSIGN_OR_RETURN(auto now, c.deps.iam.GetQuotas(id));
    Json list = Json::array();
    for (const auto& q : now) list.push_back(QuotaJson(q));
    c.Reply(200, {{"quotas", std::move(list)}});
    return Status::Ok();
  });
}

}  // namespace openarts::api
