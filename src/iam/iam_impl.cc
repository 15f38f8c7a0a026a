#include "iam_impl.h"

#include <algorithm>
#include <set>

#include "base/crypto.h"
#include "base/ids.h"
#include "base/log.h"
#include "util.h"

namespace openarts::iam {

namespace {

constexpr std::string_view kAdminName = "admin";

struct BuiltinRole {
  std::string_view name, description, policy;
};
// Ordinary policy documents (spec §3), so customers can copy and edit them into custom roles.
constexpr BuiltinRole kBuiltinRoles[] = {
    {"ModelArts FullAccess",
     "Administrator: every ModelArts and object-storage action, including dedicated resource "
     "pool create/update/delete. Use with care.",
     R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["modelarts:*:*","obs:*:*"]}]})"},
    {"ModelArts CommonOperations",
     "Developer: every ModelArts and object-storage action except creating, updating or deleting "
     "resource pools (pools may be used). Recommended for IAM users.",
     R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["modelarts:*:*","obs:*:*"]},)"
     R"({"Effect":"Deny","Action":["modelarts:pool:create","modelarts:pool:update",)"
     R"("modelarts:pool:delete"]}]})"},
    {"ModelArts ReadOnlyAccess", "Viewer: read-only ModelArts and object-storage actions.",
     R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["modelarts:*:get*",)"
     R"("modelarts:*:list*","obs:*:get*","obs:*:list*","obs:*:head*"]}]})"},
    {"Security Administrator", "Manages users, groups, roles, role bindings and credentials.",
     R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["iam:*:*"]}]})"},
};

Status ValidatePassword(const std::string& password) {
  if (password.size() < 8) return InvalidArgument("password must be at least 8 characters");
  // Argon2 cost is independent of length, but a megabyte "password" is no password.
  if (password.size() > 128) return InvalidArgument("password must be at most 128 characters");
  return Status::Ok();
}

std::string GeneratePassword() {
  // Retry until upper, lower and digit all appear, so any password policy a customer adds later
  // that asks for character classes is met by the generated one.
  while (true) {
    std::string out = RandomFrom(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 20);
    bool upper = false, lower = false, digit = false;
    for (char c : out) {
      upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
      lower |= std::islower(static_cast<unsigned char>(c)) != 0;
      digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
    }
    if (upper && lower && digit) return out;
  }
}

User RowToUser(const meta::Row& r) {
  User u;
  u.id = r.Str(0);
  u.name = r.Str(1);
  u.email = r.Str(2);
  u.description = r.Str(3);
  u.enabled = r.Int(4) != 0;
  u.is_admin = r.Int(5) != 0;
  u.create_time = r.Int(6);
  u.update_time = r.Int(7);
  return u;
}
constexpr std::string_view kUserCols =
    "id, name, email, description, enabled, is_admin, create_time, update_time";

Group RowToGroup(const meta::Row& r) { return Group{r.Str(0), r.Str(1), r.Str(2), r.Int(3)}; }

Result<Role> RowToRole(const meta::Row& r) {
  Role role;
  role.id = r.Str(0);
  role.name = r.Str(1);
  role.description = r.Str(2);
  OA_ASSIGN_OR_RETURN(role.policy, ParseJson(r.Str(3)));
  role.builtin = r.Int(4) != 0;
  return role;
}

}  // namespace

std::string_view AuthTypeName(AuthType t) {
  switch (t) {
    case AuthType::kPublic: return "PUBLIC";
    case AuthType::kPrivate: return "PRIVATE";
    case AuthType::kInternal: return "INTERNAL";
  }
  return "PUBLIC";
}

std::optional<AuthType> ParseAuthType(std::string_view s) {
  if (s == "PUBLIC") return AuthType::kPublic;
  if (s == "PRIVATE") return AuthType::kPrivate;
  if (s == "INTERNAL") return AuthType::kInternal;
  return std::nullopt;
}

Status ValidatePolicy(const Json& policy) { return CompilePolicy(policy).status(); }

Result<std::unique_ptr<Iam>> Open(meta::Database& db, Clock& clock, const Options& options) {
  OA_ASSIGN_OR_RETURN(SecretBox box, SecretBox::Open(options.master_key_path));
  return std::unique_ptr<Iam>(std::make_unique<IamImpl>(db, clock, options, std::move(box)));
}

IamImpl::IamImpl(meta::Database& db, Clock& clock, Options options, SecretBox box)
    : db_(db), clock_(clock), options_(std::move(options)), box_(std::move(box)) {}

// ---------------------------------------------------------------- bootstrap and projects

Status IamImpl::EnsureBuiltinRoles() {
  return db_.Transact([&](meta::Tx& tx) -> Status {
    for (const auto& b : kBuiltinRoles) {
      OA_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, policy, description FROM roles "
                                              "WHERE name = $1",
                                              {std::string(b.name)}));
      if (rows.empty()) {
        OA_TRY(tx.Exec("INSERT INTO roles(id, name, description, policy, builtin, create_time) "
                       "VALUES ($1, $2, $3, $4, 1, $5)",
                       {NewId(), std::string(b.name), std::string(b.description),
                        std::string(b.policy), clock_.NowMillis()})
                   .status());
      } else if (rows[0].Str(1) != b.policy || rows[0].Str(2) != b.description) {
        // A newer release may refine a built-in role; bindings keep pointing at the same id.
        OA_TRY(tx.Exec("UPDATE roles SET policy = $1, description = $2, builtin = 1 WHERE id = $3",
                       {std::string(b.policy), std::string(b.description), rows[0].Str(0)})
                   .status());
      }
    }
    return Status::Ok();
  });
}

Result<std::string> IamImpl::Bootstrap(const std::string& project_name,
                                       const std::string& admin_password) {
  if (project_name.empty() || project_name.size() > 64 ||
      !std::all_of(project_name.begin(), project_name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      })) {
    return InvalidArgument("project name '" + project_name +
                           "' must be 1-64 letters, digits, '-' or '_' (e.g. cn-north-4)");
  }
  OA_TRY(EnsureBuiltinRoles());
  InvalidatePolicies();
  OA_ASSIGN_OR_RETURN(auto existing,
                      db_.Query("SELECT id FROM users WHERE name = $1", {std::string(kAdminName)}));
  if (!existing.empty()) return std::string();

  std::string password = admin_password.empty() ? GeneratePassword() : admin_password;
  OA_TRY(ValidatePassword(password).WithContext("admin password"));
  OA_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  const int64_t now = clock_.NowMillis();
  Status st = db_.Transact([&](meta::Tx& tx) -> Status {
    OA_ASSIGN_OR_RETURN(auto prows,
                        tx.Query("SELECT id FROM projects WHERE name = $1", {project_name}));
    std::string project_id = prows.empty() ? NewId() : prows[0].Str(0);
    if (prows.empty()) {
      OA_TRY(tx.Exec("INSERT INTO projects(id, name, create_time) VALUES ($1, $2, $3)",
                     {project_id, project_name, now})
                 .status());
    }
    std::string admin_id = NewId();
    OA_TRY(tx.Exec("INSERT INTO users(id, name, password_hash, description, enabled, is_admin, "
                   "create_time, update_time) VALUES ($1, $2, $3, $4, 1, 1, $5, $5)",
                   {admin_id, std::string(kAdminName), hash,
                    std::string("account administrator"), now})
               .status());
    for (std::string_view role : {"ModelArts FullAccess", "Security Administrator"}) {
      OA_TRY(tx.Exec("INSERT INTO role_bindings(role_id, principal_type, principal_id, "
                     "project_id, create_time) SELECT id, 'user', $1, $2, $3 FROM roles "
                     "WHERE name = $4",
                     {admin_id, project_id, now, std::string(role)})
                 .status());
    }
    OA_ASSIGN_OR_RETURN(auto wrows, tx.Query("SELECT id FROM workspaces WHERE id = '0'"));
    if (wrows.empty()) {
      OA_TRY(tx.Exec("INSERT INTO workspaces(id, project_id, name, description, owner_id, "
                     "auth_type, create_time, update_time) VALUES ('0', $1, 'default', $2, $3, "
                     "'PUBLIC', $4, $4)",
                     {project_id, std::string("the default workspace, visible to everyone"),
                      admin_id, now})
                 .status());
    }
    return Status::Ok();
  });
  if (st.code() == Code::kAlreadyExists) return std::string();  // lost a race with another start
  OA_TRY(st);
  InvalidatePolicies();
  InvalidateWorkspaces();
  {
    std::unique_lock lock(mu_);
    project_names_.clear();
    default_project_ = Project{};
  }
  OA_LOG_INFO("iam: bootstrapped project '{}' with administrator '{}'", project_name, kAdminName);
  return admin_password.empty() ? password : std::string();
}

Result<Project> IamImpl::DefaultProject() {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id, name FROM projects "
                                           "ORDER BY create_time, id LIMIT 1"));
  if (rows.empty()) return FailedPrecondition("no project exists yet; run Bootstrap first");
  return Project{rows[0].Str(0), rows[0].Str(1)};
}

Result<Project> IamImpl::CachedDefaultProject() {
  {
    std::shared_lock lock(mu_);
    if (!default_project_.id.empty()) return default_project_;
  }
  OA_ASSIGN_OR_RETURN(Project p, DefaultProject());
  std::unique_lock lock(mu_);
  default_project_ = p;
  return p;
}

Result<std::vector<Project>> IamImpl::ListProjects() {
  OA_ASSIGN_OR_RETURN(auto rows,
                      db_.Query("SELECT id, name FROM projects ORDER BY create_time, id"));
  std::vector<Project> out;
  for (const auto& r : rows) out.push_back({r.Str(0), r.Str(1)});
  return out;
}

Result<Project> IamImpl::ProjectByName(const std::string& name) {
  if (name.empty()) return DefaultProject();
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id, name FROM projects WHERE name = $1", {name}));
  if (rows.empty()) return NotFound("project '" + name + "' does not exist");
  return Project{rows[0].Str(0), rows[0].Str(1)};
}

Result<std::string> IamImpl::ProjectName(const std::string& project_id) {
  {
    std::shared_lock lock(mu_);
    auto it = project_names_.find(project_id);
    if (it != project_names_.end()) return it->second;
  }
  OA_ASSIGN_OR_RETURN(auto rows,
                      db_.Query("SELECT name FROM projects WHERE id = $1", {project_id}));
  if (rows.empty()) return NotFound("project '" + project_id + "' does not exist");
  std::unique_lock lock(mu_);
  project_names_[project_id] = rows[0].Str(0);
  return rows[0].Str(0);
}

// ---------------------------------------------------------------- users

Result<User> IamImpl::UserWhere(const std::string& where, const std::string& arg) {
  OA_ASSIGN_OR_RETURN(
      auto rows, db_.Query("SELECT " + std::string(kUserCols) + " FROM users WHERE " + where, {arg}));
  if (rows.empty()) return NotFound("user '" + arg + "' does not exist");
  return RowToUser(rows[0]);
}

Result<User> IamImpl::CreateUser(const User& user, const std::string& password) {
  OA_TRY(ValidateName("user", user.name));
  OA_TRY(ValidateText("email", user.email, 255));
  OA_TRY(ValidateText("description", user.description, 255));
  OA_TRY(ValidatePassword(password));
  OA_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  User out = user;
  out.id = NewId();
  out.is_admin = false;  // there is one account administrator, made by Bootstrap
  out.create_time = out.update_time = clock_.NowMillis();
  auto r = db_.Exec("INSERT INTO users(id, name, password_hash, email, description, enabled, "
                    "is_admin, create_time, update_time) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)",
                    {out.id, out.name, hash, out.email, out.description,
                     int64_t{out.enabled ? 1 : 0}, out.create_time});
  if (r.status().code() == Code::kAlreadyExists) {
    return AlreadyExists("user '" + user.name + "' already exists");
  }
  OA_TRY(r.status());
  return out;
}

Result<User> IamImpl::GetUser(const std::string& id) { return UserWhere("id = $1", id); }
Result<User> IamImpl::FindUserByName(const std::string& name) { return UserWhere("name = $1", name); }

Result<std::vector<User>> IamImpl::ListUsers() {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kUserCols) +
                                           " FROM users ORDER BY create_time, name"));
  std::vector<User> out;
  for (const auto& r : rows) out.push_back(RowToUser(r));
  return out;
}

Result<User> IamImpl::UpdateUser(const std::string& id, const UserPatch& patch) {
  OA_ASSIGN_OR_RETURN(User user, GetUser(id));
  if (patch.email) OA_TRY(ValidateText("email", *patch.email, 255));
  if (patch.description) OA_TRY(ValidateText("description", *patch.description, 255));
  if (patch.enabled && !*patch.enabled && user.is_admin) {
    return FailedPrecondition("the account administrator cannot be disabled");
  }
  std::optional<std::string> hash;
  if (patch.password) {
    OA_TRY(ValidatePassword(*patch.password));
    OA_ASSIGN_OR_RETURN(hash, HashPassword(*patch.password));
  }
  const int64_t now = clock_.NowMillis();
  const bool disabling = patch.enabled && !*patch.enabled && user.enabled;
  const bool revoke = hash.has_value() || disabling;
  OA_TRY(db_.Transact([&](meta::Tx& tx) -> Status {
    if (patch.email) {
      OA_TRY(tx.Exec("UPDATE users SET email = $1 WHERE id = $2", {*patch.email, id}).status());
    }
    if (patch.description) {
      OA_TRY(tx.Exec("UPDATE users SET description = $1 WHERE id = $2", {*patch.description, id})
                 .status());
    }
    if (patch.enabled) {
      OA_TRY(tx.Exec("UPDATE users SET enabled = $1 WHERE id = $2",
                     {int64_t{*patch.enabled ? 1 : 0}, id})
                 .status());
    }
    if (hash) {
      OA_TRY(tx.Exec("UPDATE users SET password_hash = $1 WHERE id = $2", {*hash, id}).status());
    }
    if (revoke) {
      // Both the per-token flag and the cut-off time: the flag for this process's exactness, the
      // cut-off for tokens another process might still hold in its cache.
      OA_TRY(tx.Exec("UPDATE users SET tokens_valid_after = $1 WHERE id = $2", {now, id}).status());
      OA_TRY(tx.Exec("UPDATE tokens SET revoked = 1 WHERE user_id = $1 AND revoked = 0", {id})
                 .status());
    }
    return tx.Exec("UPDATE users SET update_time = $1 WHERE id = $2", {now, id}).status();
  }));
  InvalidateUser(id, revoke);
  return GetUser(id);
}

Status IamImpl::DeleteUser(const std::string& id) {
  OA_ASSIGN_OR_RETURN(User user, GetUser(id));
  if (user.is_admin) return FailedPrecondition("the account administrator cannot be deleted");
  OA_TRY(db_.Transact([&](meta::Tx& tx) -> Status {
    // role_bindings.principal_id has no foreign key (it names a user or a group).
    OA_TRY(tx.Exec("DELETE FROM role_bindings WHERE principal_type = 'user' AND principal_id = $1",
                   {id})
               .status());
    return tx.Exec("DELETE FROM users WHERE id = $1", {id}).status();
  }));
  InvalidateUser(id, true);
  {
    std::unique_lock lock(mu_);
    for (auto it = secrets_.begin(); it != secrets_.end();) {
      it = it->second->user_id == id ? secrets_.erase(it) : std::next(it);
    }
  }
  cred_gen_.fetch_add(1);
  InvalidatePolicies();
  InvalidateWorkspaces();  // grants cascade
  return Status::Ok();
}

void IamImpl::InvalidateUser(const std::string& user_id, bool revoke_tokens) {
  user_gen_.fetch_add(1);
  if (revoke_tokens) token_gen_.fetch_add(1);
  std::unique_lock lock(mu_);
  users_.erase(user_id);
  policies_.erase(user_id);
  if (revoke_tokens) {
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      it = it->second->principal.user_id == user_id ? tokens_.erase(it) : std::next(it);
    }
  }
}

Result<std::shared_ptr<const IamImpl::UserInfo>> IamImpl::LoadUserInfo(const std::string& user_id) {
  const int64_t now = clock_.NowMillis();
  if (auto hit = FindFresh(users_, user_id, now)) return hit;
  const uint64_t gen = user_gen_.load();
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT name, enabled, is_admin, tokens_valid_after "
                                           "FROM users WHERE id = $1",
                                           {user_id}));
  if (rows.empty()) return NotFound("user '" + user_id + "' does not exist");
  auto info = std::make_shared<UserInfo>();
  info->id = user_id;
  info->name = rows[0].Str(0);
  info->enabled = rows[0].Int(1) != 0;
  info->is_admin = rows[0].Int(2) != 0;
  info->tokens_valid_after = rows[0].Int(3);
  info->loaded_at = now;
  Publish(users_, user_id, info, user_gen_, gen);
  return std::shared_ptr<const UserInfo>(info);
}

// ---------------------------------------------------------------- groups

Result<Group> IamImpl::CreateGroup(const Group& group) {
  OA_TRY(ValidateName("group", group.name));
  OA_TRY(ValidateText("description", group.description, 255));
  Group out = group;
  out.id = NewId();
  out.create_time = clock_.NowMillis();
  auto r = db_.Exec("INSERT INTO user_groups(id, name, description, create_time) "
                    "VALUES ($1, $2, $3, $4)",
                    {out.id, out.name, out.description, out.create_time});
  if (r.status().code() == Code::kAlreadyExists) {
    return AlreadyExists("group '" + group.name + "' already exists");
  }
  OA_TRY(r.status());
  return out;
}

Result<Group> IamImpl::GetGroup(const std::string& id) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id, name, description, create_time "
                                           "FROM user_groups WHERE id = $1",
                                           {id}));
  if (rows.empty()) return NotFound("group '" + id + "' does not exist");
  return RowToGroup(rows[0]);
}

Result<std::vector<Group>> IamImpl::ListGroups() {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id, name, description, create_time "
                                           "FROM user_groups ORDER BY create_time, name"));
  std::vector<Group> out;
  for (const auto& r : rows) out.push_back(RowToGroup(r));
  return out;
}

Result<Group> IamImpl::UpdateGroup(const std::string& id, const std::optional<std::string>& name,
                                   const std::optional<std::string>& description) {
  OA_TRY(GetGroup(id).status());
  if (name) OA_TRY(ValidateName("group", *name));
  if (description) OA_TRY(ValidateText("description", *description, 255));
  Status st = db_.Transact([&](meta::Tx& tx) -> Status {
    if (name) OA_TRY(tx.Exec("UPDATE user_groups SET name = $1 WHERE id = $2", {*name, id}).status());
    if (description) {
      OA_TRY(tx.Exec("UPDATE user_groups SET description = $1 WHERE id = $2", {*description, id})
                 .status());
    }
    return Status::Ok();
  });
  if (st.code() == Code::kAlreadyExists) return AlreadyExists("group '" + *name + "' already exists");
  OA_TRY(st);
  return GetGroup(id);
}

Status IamImpl::DeleteGroup(const std::string& id) {
  OA_TRY(GetGroup(id).status());
  OA_TRY(db_.Transact([&](meta::Tx& tx) -> Status {
    OA_TRY(tx.Exec("DELETE FROM role_bindings WHERE principal_type = 'group' AND principal_id = $1",
                   {id})
               .status());
    return tx.Exec("DELETE FROM user_groups WHERE id = $1", {id}).status();
  }));
  InvalidatePolicies();
  return Status::Ok();
}

Status IamImpl::AddGroupMember(const std::string& group_id, const std::string& user_id) {
  OA_TRY(GetGroup(group_id).status());
  OA_TRY(GetUser(user_id).status());
  auto r = db_.Exec("INSERT INTO group_members(group_id, user_id) VALUES ($1, $2)",
                    {group_id, user_id});
  if (!r.ok() && r.status().code() != Code::kAlreadyExists) return r.status();  // PUT: idempotent
  InvalidatePolicies();
  return Status::Ok();
}

Status IamImpl::RemoveGroupMember(const std::string& group_id, const std::string& user_id) {
  OA_ASSIGN_OR_RETURN(int64_t n, db_.Exec("DELETE FROM group_members WHERE group_id = $1 AND "
                                          "user_id = $2",
                                          {group_id, user_id}));
  if (n == 0) {
    return NotFound("user '" + user_id + "' is not a member of group '" + group_id + "'");
  }
  InvalidatePolicies();
  return Status::Ok();
}

Result<std::vector<User>> IamImpl::ListGroupMembers(const std::string& group_id) {
  OA_TRY(GetGroup(group_id).status());
  OA_ASSIGN_OR_RETURN(auto rows,
                      db_.Query("SELECT u.id, u.name, u.email, u.description, u.enabled, "
                                "u.is_admin, u.create_time, u.update_time FROM users u JOIN "
                                "group_members m ON m.user_id = u.id WHERE m.group_id = $1 "
                                "ORDER BY u.name",
                                {group_id}));
  std::vector<User> out;
  for (const auto& r : rows) out.push_back(RowToUser(r));
  return out;
}

// ---------------------------------------------------------------- roles and bindings

Result<std::vector<Role>> IamImpl::ListRoles() {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id, name, description, policy, builtin "
                                           "FROM roles ORDER BY builtin DESC, name"));
  std::vector<Role> out;
  for (const auto& r : rows) {
    OA_ASSIGN_OR_RETURN(Role role, RowToRole(r));
    out.push_back(std::move(role));
  }
  return out;
}

Result<Role> IamImpl::GetRole(const std::string& id_or_name) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id, name, description, policy, builtin "
                                           "FROM roles WHERE id = $1 OR name = $1",
                                           {id_or_name}));
  if (rows.empty()) return NotFound("role '" + id_or_name + "' does not exist");
  return RowToRole(rows[0]);
}

Result<std::vector<RoleBinding>> IamImpl::ListRoleBindings() {
  OA_ASSIGN_OR_RETURN(
      auto rows,
      db_.Query("SELECT b.role_id, r.name, b.principal_type, b.principal_id, "
                "COALESCE(u.name, g.name, ''), b.project_id FROM role_bindings b "
                "JOIN roles r ON r.id = b.role_id "
                "LEFT JOIN users u ON b.principal_type = 'user' AND u.id = b.principal_id "
                "LEFT JOIN user_groups g ON b.principal_type = 'group' AND g.id = b.principal_id "
                "ORDER BY b.create_time, r.name"));
  std::vector<RoleBinding> out;
  for (const auto& r : rows) {
    out.push_back({r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Str(4), r.Str(5)});
  }
  return out;
}

Status IamImpl::BindRole(const std::string& project_id, const std::string& principal_type,
                         const std::string& principal_id, const std::string& role_id) {
  if (principal_type == "user") {
    OA_TRY(GetUser(principal_id).status());
  } else if (principal_type == "group") {
    OA_TRY(GetGroup(principal_id).status());
  } else {
    return InvalidArgument("principal_type must be \"user\" or \"group\", not '" + principal_type +
                           "'");
  }
  OA_TRY(ProjectName(project_id).status());
  OA_ASSIGN_OR_RETURN(Role role, GetRole(role_id));
  auto r = db_.Exec("INSERT INTO role_bindings(role_id, principal_type, principal_id, project_id, "
                    "create_time) VALUES ($1, $2, $3, $4, $5)",
                    {role.id, principal_type, principal_id, project_id, clock_.NowMillis()});
  if (!r.ok() && r.status().code() != Code::kAlreadyExists) return r.status();  // PUT: idempotent
  InvalidatePolicies();
  return Status::Ok();
}

Status IamImpl::UnbindRole(const std::string& project_id, const std::string& principal_type,
                           const std::string& principal_id, const std::string& role_id) {
  OA_ASSIGN_OR_RETURN(Role role, GetRole(role_id));
  OA_ASSIGN_OR_RETURN(int64_t n,
                      db_.Exec("DELETE FROM role_bindings WHERE role_id = $1 AND principal_type = "
                               "$2 AND principal_id = $3 AND project_id = $4",
                               {role.id, principal_type, principal_id, project_id}));
  if (n == 0) {
    return NotFound("role '" + role.name + "' is not bound to " + principal_type + " '" +
                    principal_id + "' in project '" + project_id + "'");
  }
  InvalidatePolicies();
  return Status::Ok();
}

// ---------------------------------------------------------------- authorization

Result<std::shared_ptr<const IamImpl::PolicyEntry>> IamImpl::LoadPolicy(
    const std::string& user_id, const std::string& project_id) {
  const int64_t now = clock_.NowMillis();
  const uint64_t gen = policy_gen_.load();
  {
    std::shared_lock lock(mu_);
    auto it = policies_.find(user_id);
    if (it != policies_.end() && it->second->generation == gen &&
        it->second->project_id == project_id && now - it->second->loaded_at < kRefreshMs) {
      return it->second;
    }
  }
  OA_ASSIGN_OR_RETURN(
      auto rows,
      db_.Query("SELECT DISTINCT r.name, r.policy FROM role_bindings b JOIN roles r ON r.id = "
                "b.role_id WHERE b.project_id = $1 AND ((b.principal_type = 'user' AND "
                "b.principal_id = $2) OR (b.principal_type = 'group' AND b.principal_id IN "
                "(SELECT group_id FROM group_members WHERE user_id = $2))) ORDER BY r.name",
                {project_id, user_id}));
  auto entry = std::make_shared<PolicyEntry>();
  entry->project_id = project_id;
  entry->generation = gen;
  entry->loaded_at = now;
  for (const auto& r : rows) {
    auto doc = ParseJson(r.Str(1));
    auto compiled = doc.ok() ? CompilePolicy(*doc, "role '" + r.Str(0) + "'")
                             : Result<std::vector<Statement>>(doc.status());
    if (!compiled.ok()) {
      // A broken stored role must not take the whole principal down; it simply grants nothing.
      OA_LOG_WARN("iam: role '{}' has an invalid policy, ignored: {}", r.Str(0),
                  compiled.status().message());
      continue;
    }
    for (const auto& s : *compiled) {
      for (const auto& c : s.conditions) entry->needs_time |= IEquals(c.key, "g:CurrentTime");
    }
    entry->policies.Add(std::move(*compiled));
    entry->role_names.push_back(r.Str(0));
  }
  std::unique_lock lock(mu_);
  if (policy_gen_.load() == gen) policies_[user_id] = entry;
  return std::shared_ptr<const PolicyEntry>(entry);
}

Status IamImpl::Authorize(const Principal& who, const std::string& action,
                          const std::string& workspace_id, const ConditionContext& ctx) {
  std::shared_ptr<const WorkspaceAcls> acls;
  if (!workspace_id.empty()) {
    OA_ASSIGN_OR_RETURN(acls, LoadAcls());
    if (acls->by_id.find(workspace_id) == acls->by_id.end()) {
      return NotFound("workspace '" + workspace_id + "' does not exist");
    }
  }
  if (who.is_admin) return Status::Ok();

  std::string project_id = who.project_id;
  if (project_id.empty()) {
    OA_ASSIGN_OR_RETURN(Project p, CachedDefaultProject());
    project_id = p.id;
  }
  OA_ASSIGN_OR_RETURN(auto entry, LoadPolicy(who.user_id, project_id));
  std::string now_text = entry->needs_time ? FormatIso8601(clock_.NowMillis()) : std::string();
  EvalContext ectx{who.user_name, who.user_id, who.project_name, now_text, &ctx};
  Decision d = entry->policies.Evaluate(action, ectx);
  if (!d.allowed()) {
    OA_LOG_INFO("iam: denied action={} user={} ({}) workspace={} by {}", action, who.user_name,
                who.user_id, workspace_id.empty() ? "-" : workspace_id,
                d.statement ? d.statement->source + " (Deny)"
                            : std::string("implicit deny: no bound role allows it"));
    return PermissionDenied("user '" + who.user_name + "' is not allowed to perform '" + action +
                            "'" + (d.statement ? " (denied by " + d.statement->source + ")" : ""));
  }
  if (acls) OA_TRY(CheckAcl(who, workspace_id, *acls));
  return Status::Ok();
}

}  // namespace openarts::iam
