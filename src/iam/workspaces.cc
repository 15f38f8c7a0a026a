// Workspaces: who may see what (the ACL half of Authorize) and per-workspace quotas.
#include <algorithm>
#include <set>

#include "base/ids.h"
#include "base/log.h"
#include "iam_impl.h"
#include "util.h"

namespace openarts::iam {

namespace {

constexpr std::string_view kDefaultWorkspace = "0";
constexpr size_t kMaxGrants = 500;

struct QuotaDef {
  std::string_view resource, name_en, unit_en;
  int64_t min_quota, max_quota;
};
// The resources a workspace can cap. -1 (the default) is unlimited.
constexpr QuotaDef kQuotaCatalog[] = {
    {"notebook", "Notebook instances", "count", 0, 1000},
    {"train_job", "Training jobs", "count", 0, 10000},
    {"service", "Real-time services", "count", 0, 1000},
    {"dataset", "Datasets", "count", 0, 10000},
    {"bucket", "Buckets", "count", 0, 1000},
};

Status ValidateWorkspaceName(const std::string& name) {
  if (name.size() < 4 || name.size() > 64) {
    return InvalidArgument("workspace name '" + name.substr(0, 80) +
                           "' must be 4-64 characters long");
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return InvalidArgument("workspace name '" + name +
                             "' may contain only letters, digits, '-' and '_'");
    }
  }
  // Reserved case-insensitively: "Default" next to "default" would only confuse people.
  if (IEquals(name, "default")) {
    return InvalidArgument("workspace name 'default' is reserved for workspace \"0\"; choose "
                           "another name");
  }
  return Status::Ok();
}

Status ValidateEnterpriseProject(const std::string& id) {
  if (id.empty() || id.size() > 64 ||
      !std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
      })) {
    return InvalidArgument("enterprise_project_id '" + id.substr(0, 80) +
                           "' must be \"0\" or an enterprise project id (letters, digits, '-')");
  }
  return Status::Ok();
}

Status InsertGrants(meta::Tx& tx, const std::string& workspace_id,
                    const std::vector<std::string>& user_ids) {
  for (const auto& uid : user_ids) {
    OA_TRY(tx.Exec("INSERT INTO workspace_grants(workspace_id, user_id) VALUES ($1, $2)",
                   {workspace_id, uid})
               .status());
  }
  return Status::Ok();
}

constexpr std::string_view kWorkspaceSelect =
    "SELECT w.id, w.project_id, w.name, w.description, w.enterprise_project_id, w.owner_id, "
    "COALESCE(u.name, ''), w.auth_type, w.status, w.status_info, w.create_time, w.update_time "
    "FROM workspaces w LEFT JOIN users u ON u.id = w.owner_id";

Workspace RowToWorkspace(const meta::Row& r) {
  Workspace w;
  w.id = r.Str(0);
  w.project_id = r.Str(1);
  w.name = r.Str(2);
  w.description = r.Str(3);
  w.enterprise_project_id = r.Str(4);
  w.owner_id = r.Str(5);
  w.owner_name = r.Str(6);
  w.auth_type = ParseAuthType(r.Str(7)).value_or(AuthType::kPrivate);
  w.status = r.Str(8);
  w.status_info = r.Str(9);
  w.create_time = r.Int(10);
  w.update_time = r.Int(11);
  return w;
}

}  // namespace

Result<std::shared_ptr<const IamImpl::WorkspaceAcls>> IamImpl::LoadAcls() {
  const int64_t now = clock_.NowMillis();
  const uint64_t gen = ws_gen_.load();
  {
    std::shared_lock lock(mu_);
    if (acls_ && acls_->generation == gen && now - acls_->loaded_at < kRefreshMs) return acls_;
  }
  // Workspaces number in the tens or hundreds, so the whole table is cheaper to hold than to
  // query per request.
  OA_ASSIGN_OR_RETURN(auto rows,
                      db_.Query("SELECT id, name, project_id, owner_id, auth_type FROM workspaces"));
  OA_ASSIGN_OR_RETURN(auto grants,
                      db_.Query("SELECT workspace_id, user_id FROM workspace_grants"));
  auto acls = std::make_shared<WorkspaceAcls>();
  acls->generation = gen;
  acls->loaded_at = now;
  for (const auto& r : rows) {
    WorkspaceAcl acl;
    acl.name = r.Str(1);
    acl.project_id = r.Str(2);
    acl.owner_id = r.Str(3);
    // An unknown value (hand-edited row) fails closed.
    acl.auth_type = ParseAuthType(r.Str(4)).value_or(AuthType::kPrivate);
    acls->by_id.emplace(r.Str(0), std::move(acl));
  }
  for (const auto& g : grants) {
    auto it = acls->by_id.find(g.Str(0));
    if (it != acls->by_id.end()) it->second.grants.push_back(g.Str(1));
  }
  for (auto& [id, acl] : acls->by_id) std::sort(acl.grants.begin(), acl.grants.end());
  std::unique_lock lock(mu_);
  if (ws_gen_.load() == gen) acls_ = acls;
  return std::shared_ptr<const WorkspaceAcls>(acls);
}

bool IamImpl::AclAllows(const Principal& who, const WorkspaceAcl& acl) const {
  if (!who.project_id.empty() && who.project_id != acl.project_id) return false;
  if (who.is_admin || who.user_id == acl.owner_id) return true;
  switch (acl.auth_type) {
    case AuthType::kPublic:
      return true;
    case AuthType::kPrivate:
      return false;
    case AuthType::kInternal:
      return std::binary_search(acl.grants.begin(), acl.grants.end(), who.user_id);
  }
  return false;
}

Status IamImpl::CheckAcl(const Principal& who, const std::string& workspace_id,
                         const WorkspaceAcls& acls) const {
  const WorkspaceAcl& acl = acls.by_id.at(workspace_id);
  if (AclAllows(who, acl)) return Status::Ok();
  OA_LOG_INFO("iam: denied user={} ({}) workspace={} by workspace ACL ({})", who.user_name,
              who.user_id, workspace_id, AuthTypeName(acl.auth_type));
  return PermissionDenied("user '" + who.user_name + "' may not access workspace '" + acl.name +
                          "' (" + workspace_id + "): it is " +
                          std::string(AuthTypeName(acl.auth_type)) +
                          "; ask its owner to grant access");
}

Result<std::vector<std::string>> IamImpl::VisibleWorkspaces(const Principal& who) {
  OA_ASSIGN_OR_RETURN(auto acls, LoadAcls());
  std::vector<std::pair<std::string, std::string>> named;  // (name, id)
  for (const auto& [id, acl] : acls->by_id) {
    if (AclAllows(who, acl)) named.emplace_back(id == kDefaultWorkspace ? "" : acl.name, id);
  }
  std::sort(named.begin(), named.end());  // the default workspace first, then by name
  std::vector<std::string> out;
  out.reserve(named.size());
  for (auto& [name, id] : named) out.push_back(std::move(id));
  return out;
}

Result<std::vector<std::string>> IamImpl::ResolveGrants(const std::vector<std::string>& grants) {
  if (grants.size() > kMaxGrants) {
    return InvalidArgument("grants lists " + std::to_string(grants.size()) +
                           " users; at most 500 are allowed");
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < grants.size(); ++i) {
    const std::string& g = grants[i];
    // A user id is preferred; a name is resolved (ids are 32 hex, names rarely collide).
    OA_ASSIGN_OR_RETURN(auto rows,
                        db_.Query("SELECT id FROM users WHERE id = $1 UNION ALL "
                                  "SELECT id FROM users WHERE name = $1",
                                  {g}));
    if (rows.empty()) {
      return InvalidArgument("grants[" + std::to_string(i) + "]: user '" + g.substr(0, 80) +
                             "' does not exist; give a user_id or user_name");
    }
    ids.insert(rows[0].Str(0));
  }
  return std::vector<std::string>(ids.begin(), ids.end());
}

Result<Workspace> IamImpl::LoadWorkspace(const std::string& id) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query(std::string(kWorkspaceSelect) + " WHERE w.id = $1",
                                           {id}));
  if (rows.empty()) return NotFound("workspace '" + id.substr(0, 80) + "' does not exist");
  Workspace w = RowToWorkspace(rows[0]);
  OA_ASSIGN_OR_RETURN(auto grants, db_.Query("SELECT user_id FROM workspace_grants "
                                             "WHERE workspace_id = $1 ORDER BY user_id",
                                             {id}));
  for (const auto& g : grants) w.grant_user_ids.push_back(g.Str(0));
  return w;
}

Result<Workspace> IamImpl::CreateWorkspace(const Principal& owner, const WorkspaceSpec& spec) {
  if (!spec.name) return InvalidArgument("workspace name is required");
  OA_TRY(ValidateWorkspaceName(*spec.name));
  if (spec.description) OA_TRY(ValidateText("description", *spec.description, 256));
  if (spec.enterprise_project_id) OA_TRY(ValidateEnterpriseProject(*spec.enterprise_project_id));
  const AuthType auth = spec.auth_type.value_or(AuthType::kPublic);
  std::vector<std::string> grant_ids;
  if (spec.grants && !spec.grants->empty()) {
    if (auth != AuthType::kInternal) {
      return InvalidArgument("grants are only allowed when auth_type is INTERNAL");
    }
    OA_ASSIGN_OR_RETURN(grant_ids, ResolveGrants(*spec.grants));
  }
  OA_TRY(GetUser(owner.user_id).status().WithContext("workspace owner"));
  std::string project_id = owner.project_id;
  if (project_id.empty()) {
    OA_ASSIGN_OR_RETURN(Project p, CachedDefaultProject());
    project_id = p.id;
  }
  const std::string id = NewId();
  const int64_t now = clock_.NowMillis();
  Status st = db_.Transact([&](meta::Tx& tx) -> Status {
    OA_TRY(tx.Exec("INSERT INTO workspaces(id, project_id, name, description, "
                   "enterprise_project_id, owner_id, auth_type, create_time, update_time) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                   {id, project_id, *spec.name, spec.description.value_or(""),
                    spec.enterprise_project_id.value_or("0"), owner.user_id,
                    std::string(AuthTypeName(auth)), now})
               .status());
    return InsertGrants(tx, id, grant_ids);
  });
  if (st.code() == Code::kAlreadyExists) {
    return AlreadyExists("workspace '" + *spec.name + "' already exists; choose another name");
  }
  OA_TRY(st);
  InvalidateWorkspaces();
  return LoadWorkspace(id);
}

Result<Workspace> IamImpl::GetWorkspace(const std::string& id) { return LoadWorkspace(id); }

Result<std::vector<Workspace>> IamImpl::ListWorkspaces(const Principal& who) {
  OA_ASSIGN_OR_RETURN(std::vector<std::string> visible, VisibleWorkspaces(who));
  std::set<std::string> ids(visible.begin(), visible.end());
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query(std::string(kWorkspaceSelect) +
                                           " ORDER BY w.create_time, w.name"));
  OA_ASSIGN_OR_RETURN(auto grants, db_.Query("SELECT workspace_id, user_id FROM workspace_grants "
                                             "ORDER BY user_id"));
  std::vector<Workspace> out;
  for (const auto& r : rows) {
    if (ids.count(r.Str(0)) == 0) continue;
    out.push_back(RowToWorkspace(r));
    for (const auto& g : grants) {
      if (g.Str(0) == out.back().id) out.back().grant_user_ids.push_back(g.Str(1));
    }
  }
  return out;
}

Result<Workspace> IamImpl::UpdateWorkspace(const std::string& id, const WorkspaceSpec& spec) {
  OA_ASSIGN_OR_RETURN(Workspace cur, LoadWorkspace(id));
  const bool renaming = spec.name && *spec.name != cur.name;
  const AuthType auth = spec.auth_type.value_or(cur.auth_type);
  if (id == kDefaultWorkspace && (renaming || auth != AuthType::kPublic)) {
    return FailedPrecondition("the default workspace \"0\" cannot be renamed or made non-public");
  }
  if (renaming) OA_TRY(ValidateWorkspaceName(*spec.name));
  if (spec.description) OA_TRY(ValidateText("description", *spec.description, 256));
  if (spec.enterprise_project_id) OA_TRY(ValidateEnterpriseProject(*spec.enterprise_project_id));
  std::optional<std::vector<std::string>> grant_ids;
  if (spec.grants) {
    if (auth != AuthType::kInternal && !spec.grants->empty()) {
      return InvalidArgument("grants are only allowed when auth_type is INTERNAL");
    }
    OA_ASSIGN_OR_RETURN(grant_ids, ResolveGrants(*spec.grants));
  }
  // Leaving INTERNAL drops the allow-list, so re-entering it later starts from nobody.
  if (auth != AuthType::kInternal) grant_ids = std::vector<std::string>();
  const int64_t now = clock_.NowMillis();
  Status st = db_.Transact([&](meta::Tx& tx) -> Status {
    OA_TRY(tx.Exec("UPDATE workspaces SET name = $1, description = $2, enterprise_project_id = $3, "
                   "auth_type = $4, update_time = $5 WHERE id = $6",
                   {spec.name.value_or(cur.name), spec.description.value_or(cur.description),
                    spec.enterprise_project_id.value_or(cur.enterprise_project_id),
                    std::string(AuthTypeName(auth)), now, id})
               .status());
    if (grant_ids) {
      OA_TRY(tx.Exec("DELETE FROM workspace_grants WHERE workspace_id = $1", {id}).status());
      OA_TRY(InsertGrants(tx, id, *grant_ids));
    }
    return Status::Ok();
  });
  if (st.code() == Code::kAlreadyExists) {
    return AlreadyExists("workspace '" + *spec.name + "' already exists; choose another name");
  }
  OA_TRY(st);
  InvalidateWorkspaces();
  return LoadWorkspace(id);
}

Status IamImpl::DeleteWorkspace(const std::string& id) {
  if (id == kDefaultWorkspace) {
    return FailedPrecondition("the default workspace \"0\" cannot be deleted");
  }
  OA_ASSIGN_OR_RETURN(int64_t n, db_.Exec("DELETE FROM workspaces WHERE id = $1", {id}));
  if (n == 0) return NotFound("workspace '" + id.substr(0, 80) + "' does not exist");
  InvalidateWorkspaces();
  return Status::Ok();
}

Result<std::vector<Quota>> IamImpl::GetQuotas(const std::string& workspace_id) {
  OA_TRY(LoadWorkspace(workspace_id).status());
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT resource, quota, update_time FROM "
                                           "workspace_quotas WHERE workspace_id = $1",
                                           {workspace_id}));
  std::vector<Quota> out;
  for (const auto& def : kQuotaCatalog) {
    Quota q;
    q.resource = std::string(def.resource);
    q.min_quota = def.min_quota;
    q.max_quota = def.max_quota;
    q.name_en = std::string(def.name_en);
    q.unit_en = std::string(def.unit_en);
    for (const auto& r : rows) {
      if (r.Str(0) == def.resource) {
        q.quota = r.Int(1);
        q.update_time = r.Int(2);
      }
    }
    out.push_back(std::move(q));
  }
  return out;
}

Status IamImpl::SetQuotas(const std::string& workspace_id,
                          const std::vector<std::pair<std::string, int64_t>>& quotas) {
  OA_TRY(LoadWorkspace(workspace_id).status());
  // Validate everything before writing anything: a PUT applies completely or not at all.
  for (size_t i = 0; i < quotas.size(); ++i) {
    const auto& [resource, quota] = quotas[i];
    const QuotaDef* def = nullptr;
    for (const auto& d : kQuotaCatalog) {
      if (d.resource == resource) def = &d;
    }
    std::string at = "quotas[" + std::to_string(i) + "]";
    if (def == nullptr) {
      return InvalidArgument(at + ".resource '" + resource.substr(0, 80) +
                             "' is not known; use notebook, train_job, service, dataset or bucket");
    }
    if (quota != -1 && (quota < def->min_quota || quota > def->max_quota)) {
      return InvalidArgument(at + ".quota " + std::to_string(quota) + " for '" + resource +
                             "' must be -1 (unlimited) or between " +
                             std::to_string(def->min_quota) + " and " +
                             std::to_string(def->max_quota));
    }
  }
  const int64_t now = clock_.NowMillis();
  return db_.Transact([&](meta::Tx& tx) -> Status {
    for (const auto& [resource, quota] : quotas) {
      OA_TRY(tx.Exec("INSERT INTO workspace_quotas(workspace_id, resource, quota, update_time) "
                     "VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, resource) DO UPDATE "
                     "SET quota = excluded.quota, update_time = excluded.update_time",
                     {workspace_id, resource, quota, now})
                 .status());
    }
    return Status::Ok();
  });
}

}  // namespace openarts::iam
