// Projects: GET /v3/projects. One project per installation (named by --project-name).
#include "route_table.h"

namespace openarts::api {

void RegisterProjectRoutes(RouteTable& t) {
  // Self-service: the project is already in every token body; listing it reveals nothing more,
  // and clients need it to build /v1/{project_id}/... paths when they hold only AK/SK.
  t.Authed("GET", "/v3/projects", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto projects, c.deps.iam.ListProjects());
    Json list = Json::array();
    for (const auto& p : projects) list.push_back({{"id", p.id}, {"name", p.name}});
    c.Reply(200, {{"projects", std::move(list)}});
    return Status::Ok();
  });
}

}  // namespace openarts::api
