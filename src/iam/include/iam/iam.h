// iam: who is calling and what they may do. One account per installation with its projects,
// users, user groups, roles (policy documents), role bindings, tokens, AK/SK credentials and
// workspaces; and Authorize(), the one function that decides every call
// (identity × role × workspace × action).
//
// Tokens are random, stored as SHA-256 only, valid 24 h, revocable; validation is served from an
// in-memory cache (no database hit on the hot path). AK/SK secrets are sealed with the
// installation's master key (AES-256-GCM) because HMAC verification needs them.
// Policies compile into a per-principal decision table, rebuilt when grants change.
//
// Thread-safe. Blocking (database): call from worker threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"
#include "meta/meta.h"

namespace openarts::iam {

// The authenticated caller of one request.
struct Principal {
  std::string user_id;
  std::string user_name;
  std::string project_id;
  std::string project_name;
  bool is_admin = false;          // the account administrator: allowed everything
  std::string auth_method;        // "token" | "aksk"
  std::string access_key;         // set for "aksk"
};

struct User {
  std::string id, name, email, description;
  bool enabled = true;
  bool is_admin = false;
  int64_t create_time = 0, update_time = 0;
};
struct Group {
  std::string id, name, description;
  int64_t create_time = 0;
};
struct Role {
  std::string id, name, description;
  Json policy;  // {"Version":"1.1","Statement":[...]}
  bool builtin = false;
};
struct RoleBinding {
  std::string role_id, role_name;
  std::string principal_type;  // "user" | "group"
  std::string principal_id, principal_name;
  std::string project_id;
};
struct Credential {
  std::string access_key;
  std::string secret;  // only in the reply to CreateCredential; empty elsewhere
  std::string user_id, description, status;
  int64_t create_time = 0, last_use_time = 0;
};
struct Project {
  std::string id, name;
};

struct IssuedToken {
  std::string token;  // the secret; return it once in X-Subject-Token
  Principal principal;
  int64_t issued_at = 0, expires_at = 0;  // ms
  std::vector<std::string> roles;         // role names bound to the user (directly or by group)
};

enum class AuthType { kPublic, kPrivate, kInternal };
std::string_view AuthTypeName(AuthType t);            // "PUBLIC" ...
std::optional<AuthType> ParseAuthType(std::string_view s);

struct Workspace {
  std::string id;  // 32 hex; "0" for the default workspace
  std::string project_id, name, description, enterprise_project_id = "0";
  std::string owner_id, owner_name;
  AuthType auth_type = AuthType::kPublic;
  std::vector<std::string> grant_user_ids;  // INTERNAL allow-list
  std::string status = "NORMAL", status_info;
  int64_t create_time = 0, update_time = 0;
};
struct WorkspaceSpec {  // create / update input; unset optionals keep current values on update
  std::optional<std::string> name, description, enterprise_project_id;
  std::optional<AuthType> auth_type;
  std::optional<std::vector<std::string>> grants;  // user ids or user names
};
struct Quota {
  std::string resource;
  int64_t quota = -1;  // -1 = unlimited
  int64_t min_quota = -1, max_quota = 0;
  std::string name_en, unit_en;
  int64_t update_time = 0;
};

// The parts of an HTTP request that SDK-HMAC-SHA256 signs (see base/sdk_hmac.h).
struct SignedRequest {
  std::string method;
  std::string raw_path;   // percent-encoded, as sent
  std::string raw_query;  // percent-encoded, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body_sha256_hex;  // of the body, or "UNSIGNED-PAYLOAD" when the client said so
};

// Extra facts for policy conditions (g:CurrentTime, modelarts:poolType, ...).
using ConditionContext = std::map<std::string, std::string>;

class Iam {
 public:
  virtual ~Iam() = default;

  // First start: creates the project `project_name`, the built-in roles, the default workspace
  // "0" and the administrator `admin`. If `admin_password` is empty a random one is generated
  // and returned (the only time it is ever visible); if the admin exists, returns "" and changes
  // nothing. Idempotent.
  virtual Result<std::string> Bootstrap(const std::string& project_name,
                                        const std::string& admin_password) = 0;
  virtual Result<Project> DefaultProject() = 0;
  virtual Result<std::vector<Project>> ListProjects() = 0;

  // --- authentication ---
  // kUnauthenticated "the user name or password is wrong" (same message for unknown users);
  // kNotFound for an unknown project name; kPermissionDenied for a disabled user.
  virtual Result<IssuedToken> IssueToken(const std::string& user_name, const std::string& password,
                                         const std::string& project_name) = 0;
  // kUnauthenticated "token is invalid", "token has expired", "token has been revoked".
  virtual Result<Principal> ValidateToken(const std::string& token) = 0;
  virtual Result<IssuedToken> DescribeToken(const std::string& token) = 0;
  virtual Status RevokeToken(const std::string& token) = 0;
  // Verifies an SDK-HMAC-SHA256 request. kUnauthenticated with the gateway's messages
  // ("Incorrect IAM authentication information: verify aksk signature fail", "... signature
  // expired, signature time:..., server time:...") when X-Sdk-Date is > 15 min off.
  virtual Result<Principal> VerifySignature(const SignedRequest& request) = 0;

  // --- authorization ---
  // The one decision for every call. `action` is "service:resource:operation"
  // ("modelarts:workspace:get", "obs:object:PutObject", "iam:users:create"). `workspace_id`
  // empty = not workspace-scoped. Admin → OK. Otherwise the policy decision (explicit Deny wins,
  // then any Allow, else implicit deny) AND the workspace ACL (PUBLIC all; PRIVATE owner;
  // INTERNAL owner + grants). kPermissionDenied naming the action (and workspace) otherwise;
  // kNotFound if the workspace does not exist.
  virtual Status Authorize(const Principal& who, const std::string& action,
                           const std::string& workspace_id = "",
                           const ConditionContext& ctx = {}) = 0;
  // Workspace ids `who` may see (for list filtering).
  virtual Result<std::vector<std::string>> VisibleWorkspaces(const Principal& who) = 0;

  // --- users, groups, roles (administration; callers Authorize "iam:*" actions first) ---
  virtual Result<User> CreateUser(const User& user, const std::string& password) = 0;
  virtual Result<User> GetUser(const std::string& id) = 0;
  virtual Result<User> FindUserByName(const std::string& name) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  // Fields set in `patch` are changed; a new password revokes the user's tokens.
  struct UserPatch {
    std::optional<std::string> password, email, description;
    std::optional<bool> enabled;
  };
  virtual Result<User> UpdateUser(const std::string& id, const UserPatch& patch) = 0;
  virtual Status DeleteUser(const std::string& id) = 0;  // the administrator cannot be deleted

  virtual Result<Group> CreateGroup(const Group& group) = 0;
  virtual Result<Group> GetGroup(const std::string& id) = 0;
  virtual Result<std::vector<Group>> ListGroups() = 0;
  virtual Result<Group> UpdateGroup(const std::string& id, const std::optional<std::string>& name,
                                    const std::optional<std::string>& description) = 0;
  virtual Status DeleteGroup(const std::string& id) = 0;
  virtual Status AddGroupMember(const std::string& group_id, const std::string& user_id) = 0;
  virtual Status RemoveGroupMember(const std::string& group_id, const std::string& user_id) = 0;
  virtual Result<std::vector<User>> ListGroupMembers(const std::string& group_id) = 0;

  // Built-in: "ModelArts FullAccess", "ModelArts CommonOperations", "ModelArts ReadOnlyAccess",
  // "Security Administrator" (manages users, groups, roles, credentials).
  virtual Result<std::vector<Role>> ListRoles() = 0;
  virtual Result<Role> GetRole(const std::string& id_or_name) = 0;
  virtual Result<std::vector<RoleBinding>> ListRoleBindings() = 0;
  // principal_type "user" | "group". Takes effect for new decisions within 5 s (immediately in
  // this process).
  virtual Status BindRole(const std::string& project_id, const std::string& principal_type,
                          const std::string& principal_id, const std::string& role_id) = 0;
  virtual Status UnbindRole(const std::string& project_id, const std::string& principal_type,
                            const std::string& principal_id, const std::string& role_id) = 0;

  // --- AK/SK ---
  virtual Result<Credential> CreateCredential(const std::string& user_id,
                                              const std::string& description) = 0;
  virtual Result<std::vector<Credential>> ListCredentials(const std::string& user_id) = 0;  // "" = all
  virtual Result<Credential> GetCredential(const std::string& access_key) = 0;
  virtual Status DeleteCredential(const std::string& access_key) = 0;

  // --- workspaces ---
  // Validation per spec: name 4–64 [A-Za-z0-9_-], "default" reserved; description ≤ 256;
  // grants only with INTERNAL, ≤ 500.
  virtual Result<Workspace> CreateWorkspace(const Principal& owner, const WorkspaceSpec& spec) = 0;
  virtual Result<Workspace> GetWorkspace(const std::string& id) = 0;  // kNotFound
  virtual Result<std::vector<Workspace>> ListWorkspaces(const Principal& who) = 0;  // visible ones
  virtual Result<Workspace> UpdateWorkspace(const std::string& id, const WorkspaceSpec& spec) = 0;
  // The default workspace "0" cannot be deleted (kFailedPrecondition).
  virtual Status DeleteWorkspace(const std::string& id) = 0;
  virtual Result<std::vector<Quota>> GetQuotas(const std::string& workspace_id) = 0;
  virtual Status SetQuotas(const std::string& workspace_id,
                           const std::vector<std::pair<std::string, int64_t>>& quotas) = 0;
};

struct Options {
  std::string master_key_path;  // created (0600, 32 random bytes) if missing
                                // empty: an ephemeral key (tests); AK/SK then die with the process
  int64_t token_ttl_ms = 24LL * 3600 * 1000;
  int64_t max_clock_skew_ms = 15LL * 60 * 1000;
};

Result<std::unique_ptr<Iam>> Open(meta::Database& db, Clock& clock, const Options& options);

// Checks a policy document against the policy language (spec §3; docs/iam.md) without storing
// it: for custom-role editors. kInvalidArgument naming the field and the fix.
Status ValidatePolicy(const Json& policy);

}  // namespace openarts::iam
