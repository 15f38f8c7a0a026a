// Users, groups, roles and role bindings: /v3/users, /v3/groups, /v3/roles, /v3/role-bindings,
// /v3/projects/{project_id}/{users|groups}/{id}/roles/{role_id}.
#include "api/decode.h"
#include "route_table.h"

namespace openarts::api {

namespace {

Json UserJson(const iam::User& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"email", u.email},
          {"description", u.description},
          {"enabled", u.enabled},
          {"is_admin", u.is_admin},
          {"create_time", u.create_time},
          {"update_time", u.update_time}};
}

Json UsersJson(const std::vector<iam::User>& users) {
  Json list = Json::array();
  for (const auto& u : users) list.push_back(UserJson(u));
  return {{"users", std::move(list)}};
}

Json GroupJson(const iam::Group& g) {
  return {{"id", g.id},
          {"name", g.name},
          {"description", g.description},
          {"create_time", g.create_time}};
}

Json RoleJson(const iam::Role& r) {
  return {{"id", r.id},
          {"name", r.name},
          {"description", r.description},
          {"builtin", r.builtin},
          {"policy", r.policy}};
}

Json BindingJson(const iam::RoleBinding& b) {
  return {{"role_id", b.role_id},
          {"role_name", b.role_name},
          {"principal_type", b.principal_type},
          {"principal_id", b.principal_id},
          {"principal_name", b.principal_name},
          {"project_id", b.project_id}};
}

// PUT/DELETE /v3/projects/{project_id}/{users|groups}/{id}/roles/{role_id}.
CallFn RoleBindingHandler(const std::string& principal_type, const std::string& id_param,
                          bool bind) {
  return [principal_type, id_param, bind](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_TRY(c.Authorize(bind ? "iam:roles:bind" : "iam:roles:unbind"));
    const std::string& project_id = c.req.Param("project_id");
    const std::string& principal_id = c.req.Param(id_param);
    // Accept a role name as well as its id: "ModelArts CommonOperations" is what people type.
    OA_ASSIGN_OR_RETURN(iam::Role role, c.deps.iam.GetRole(c.req.Param("role_id")));
    if (bind) {
      OA_TRY(c.deps.iam.BindRole(project_id, principal_type, principal_id, role.id));
    } else {
      OA_TRY(c.deps.iam.UnbindRole(project_id, principal_type, principal_id, role.id));
    }
    c.NoContent();
    return Status::Ok();
  };
}

}  // namespace

void RegisterIdentityRoutes(RouteTable& t) {
  // --- users ---
  t.Authed("GET", "/v3/users", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:users:list"));
    OA_ASSIGN_OR_RETURN(auto users, c.deps.iam.ListUsers());
    c.Reply(200, UsersJson(users));
    return Status::Ok();
  });
  t.Authed("POST", "/v3/users", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:users:create"));
    OA_ASSIGN_OR_RETURN(UserCreate in, DecodeUserCreate(c.req.body));
    iam::User user;
    user.name = in.name;
    user.email = in.email.value_or("");
    user.description = in.description.value_or("");
    user.enabled = in.enabled.value_or(true);
    OA_ASSIGN_OR_RETURN(iam::User created, c.deps.iam.CreateUser(user, in.password));
    c.Reply(201, {{"user", UserJson(created)}});
    return Status::Ok();
  });
  t.Authed("GET", "/v3/users/{user_id}", [](Call& c) -> Status {
    const std::string& id = c.req.Param("user_id");
    // Reading yourself is self-service (whoami); anyone else needs iam:users:get.
    if (id != c.who.user_id) OA_TRY(c.Authorize("iam:users:get"));
    OA_ASSIGN_OR_RETURN(iam::User user, c.deps.iam.GetUser(id));
    c.Reply(200, {{"user", UserJson(user)}});
    return Status::Ok();
  });
  t.Authed("PATCH", "/v3/users/{user_id}", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:users:update"));
    OA_ASSIGN_OR_RETURN(UserPatch in, DecodeUserPatch(c.req.body));
    iam::Iam::UserPatch patch{in.password, in.email, in.description, in.enabled};
    OA_ASSIGN_OR_RETURN(iam::User user, c.deps.iam.UpdateUser(c.req.Param("user_id"), patch));
    c.Reply(200, {{"user", UserJson(user)}});
    return Status::Ok();
  });
  t.Authed("DELETE", "/v3/users/{user_id}", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:users:delete"));
    OA_TRY(c.deps.iam.DeleteUser(c.req.Param("user_id")));
    c.NoContent();
    return Status::Ok();
  });

  // --- groups ---
  t.Authed("GET", "/v3/groups", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:groups:list"));
    OA_ASSIGN_OR_RETURN(auto groups, c.deps.iam.ListGroups());
    Json list = Json::array();
    for (const auto& g : groups) list.push_back(GroupJson(g));
    c.Reply(200, {{"groups", std::move(list)}});
    return Status::Ok();
  });
  t.Authed("POST", "/v3/groups", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:groups:create"));
    OA_ASSIGN_OR_RETURN(GroupSpec in, DecodeGroupCreate(c.req.body));
    iam::Group group;
    group.name = *in.name;
    group.description = in.description.value_or("");
    OA_ASSIGN_OR_RETURN(iam::Group created, c.deps.iam.CreateGroup(group));
    c.Reply(201, {{"group", GroupJson(created)}});
    return Status::Ok();
  });
  t.Authed("GET", "/v3/groups/{group_id}", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:groups:get"));
    OA_ASSIGN_OR_RETURN(iam::Group group, c.deps.iam.GetGroup(c.req.Param("group_id")));
    c.Reply(200, {{"group", GroupJson(group)}});
    return Status::Ok();
  });
  t.Authed("PATCH", "/v3/groups/{group_id}", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:groups:update"));
    OA_ASSIGN_OR_RETURN(GroupSpec in, DecodeGroupPatch(c.req.body));
    OA_ASSIGN_OR_RETURN(iam::Group group,
                        c.deps.iam.UpdateGroup(c.req.Param("group_id"), in.name, in.description));
    c.Reply(200, {{"group", GroupJson(group)}});
    return Status::Ok();
  });
  t.Authed("DELETE", "/v3/groups/{group_id}", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:groups:delete"));
    OA_TRY(c.deps.iam.DeleteGroup(c.req.Param("group_id")));
    c.NoContent();
    return Status::Ok();
  });
  t.Authed("GET", "/v3/groups/{group_id}/users", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:groups:listUsers"));
    OA_ASSIGN_OR_RETURN(auto users, c.deps.iam.ListGroupMembers(c.req.Param("group_id")));
    c.Reply(200, UsersJson(users));
    return Status::Ok();
  });
  t.Authed("PUT", "/v3/groups/{group_id}/users/{user_id}", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:groups:addUser"));
    OA_TRY(c.deps.iam.AddGroupMember(c.req.Param("group_id"), c.req.Param("user_id")));
    c.NoContent();
    return Status::Ok();
  });
  t.Authed("DELETE", "/v3/groups/{group_id}/users/{user_id}", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:groups:removeUser"));
    OA_TRY(c.deps.iam.RemoveGroupMember(c.req.Param("group_id"), c.req.Param("user_id")));
    c.NoContent();
    return Status::Ok();
  });

  // --- roles and bindings ---
  t.Authed("GET", "/v3/roles", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:roles:list"));
    OA_ASSIGN_OR_RETURN(auto roles, c.deps.iam.ListRoles());
    Json list = Json::array();
    for (const auto& r : roles) list.push_back(RoleJson(r));
    c.Reply(200, {{"roles", std::move(list)}});
    return Status::Ok();
  });
  t.Authed("GET", "/v3/role-bindings", [](Call& c) -> Status {
    OA_TRY(c.Authorize("iam:roles:list"));
    OA_ASSIGN_OR_RETURN(auto bindings, c.deps.iam.ListRoleBindings());
    Json list = Json::array();
    for (const auto& b : bindings) list.push_back(BindingJson(b));
    c.Reply(200, {{"bindings", std::move(list)}});
    return Status::Ok();
  });
  const std::string user_roles = "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}";
  const std::string group_roles = "/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}";
  t.Authed("PUT", user_roles, RoleBindingHandler("user", "user_id", true));
  t.Authed("DELETE", user_roles, RoleBindingHandler("user", "user_id", false));
  t.Authed("PUT", group_roles, RoleBindingHandler("group", "group_id", true));
  t.Authed("DELETE", group_roles, RoleBindingHandler("group", "group_id", false));
}

}  // namespace openarts::api
