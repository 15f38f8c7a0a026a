// The one implementation of iam::Iam over a meta::Database.
//
// Every fact lives in the database; what the request hot paths need (tokens, users, per-user
// policy sets, workspace ACLs, unsealed AK/SK secrets) is cached in memory behind one
// shared_mutex. Writes go to the database first, then invalidate the cache. Each cache family
// has a generation counter: a loader notes the generation before reading the database and only
// publishes its result if no invalidation happened meanwhile, so a slow read can never resurrect
// a revoked token or a removed grant. Entries older than kRefreshMs are re-read, which bounds how
// long a change made by another process (a second daemon on PostgreSQL) takes to apply.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "iam/iam.h"
#include "policy.h"
#include "secret_box.h"

namespace openarts::iam {

class IamImpl final : public Iam {
 public:
  // Spec: grants apply within 5 s; in this process they apply at once.
  static constexpr int64_t kRefreshMs = 5000;

  IamImpl(meta::Database& db, Clock& clock, Options options, SecretBox box);

  Result<std::string> Bootstrap(const std::string& project_name,
                                const std::string& admin_password) override;
  Result<Project> DefaultProject() override;
  Result<std::vector<Project>> ListProjects() override;

  Result<IssuedToken> IssueToken(const std::string& user_name, const std::string& password,
                                 const std::string& project_name) override;
  Result<Principal> ValidateToken(const std::string& token) override;
  Result<IssuedToken> DescribeToken(const std::string& token) override;
  Status RevokeToken(const std::string& token) override;
  Result<Principal> VerifySignature(const SignedRequest& request) override;

  Status Authorize(const Principal& who, const std::string& action,
                   const std::string& workspace_id, const ConditionContext& ctx) override;
  Result<std::vector<std::string>> VisibleWorkspaces(const Principal& who) override;

  Result<User> CreateUser(const User& user, const std::string& password) override;
  Result<User> GetUser(const std::string& id) override;
  Result<User> FindUserByName(const std::string& name) override;
  Result<std::vector<User>> ListUsers() override;
  Result<User> UpdateUser(const std::string& id, const UserPatch& patch) override;
  Status DeleteUser(const std::string& id) override;

  Result<Group> CreateGroup(const Group& group) override;
  Result<Group> GetGroup(const std::string& id) override;
  Result<std::vector<Group>> ListGroups() override;
  Result<Group> UpdateGroup(const std::string& id, const std::optional<std::string>& name,
                            const std::optional<std::string>& description) override;
  Status DeleteGroup(const std::string& id) override;
  Status AddGroupMember(const std::string& group_id, const std::string& user_id) override;
  Status RemoveGroupMember(const std::string& group_id, const std::string& user_id) override;
  Result<std::vector<User>> ListGroupMembers(const std::string& group_id) override;

  Result<std::vector<Role>> ListRoles() override;
  Result<Role> GetRole(const std::string& id_or_name) override;
  Result<std::vector<RoleBinding>> ListRoleBindings() override;
  Status BindRole(const std::string& project_id, const std::string& principal_type,
                  const std::string& principal_id, const std::string& role_id) override;
  Status UnbindRole(const std::string& project_id, const std::string& principal_type,
                    const std::string& principal_id, const std::string& role_id) override;

  Result<Credential> CreateCredential(const std::string& user_id,
                                      const std::string& description) override;
  Result<std::vector<Credential>> ListCredentials(const std::string& user_id) override;
  Result<Credential> GetCredential(const std::string& access_key) override;
  Status DeleteCredential(const std::string& access_key) override;

  Result<Workspace> CreateWorkspace(const Principal& owner, const WorkspaceSpec& spec) override;
  Result<Workspace> GetWorkspace(const std::string& id) override;
  Result<std::vector<Workspace>> ListWorkspaces(const Principal& who) override;
  Result<Workspace> UpdateWorkspace(const std::string& id, const WorkspaceSpec& spec) override;
  Status DeleteWorkspace(const std::string& id) override;
  Result<std::vector<Quota>> GetQuotas(const std::string& workspace_id) override;
  Status SetQuotas(const std::string& workspace_id,
                   const std::vector<std::pair<std::string, int64_t>>& quotas) override;

 private:
  // What token and signature checks need to know about a user.
  struct UserInfo {
    std::string id, name;
    bool enabled = true, is_admin = false;
    int64_t tokens_valid_after = 0;
    int64_t loaded_at = 0;
  };
  struct TokenEntry {
    Principal principal;  // auth_method "token"
    int64_t issued_at = 0, expires_at = 0;
    bool revoked = false;
    int64_t loaded_at = 0;
  };
  struct SecretEntry {
    std::string secret, user_id;
    bool active = true;
    int64_t loaded_at = 0;
    mutable std::atomic<int64_t> last_use_written{0};
  };
  // The compiled decision table of one user in one project.
  struct PolicyEntry {
    std::string project_id;
    PolicySet policies;
    std::vector<std::string> role_names;
    bool needs_time = false;  // some condition reads g:CurrentTime
    uint64_t generation = 0;
    int64_t loaded_at = 0;
  };
  struct WorkspaceAcl {
    std::string name, project_id, owner_id;
    AuthType auth_type = AuthType::kPublic;
    std::vector<std::string> grants;  // sorted
  };
  struct WorkspaceAcls {
    std::unordered_map<std::string, WorkspaceAcl> by_id;
    uint64_t generation = 0;
    int64_t loaded_at = 0;
  };

  // --- caches (auth.cc, iam_impl.cc, workspaces.cc) ---
  Result<std::shared_ptr<const UserInfo>> LoadUserInfo(const std::string& user_id);
  Result<std::shared_ptr<const PolicyEntry>> LoadPolicy(const std::string& user_id,
                                                        const std::string& project_id);
  Result<std::shared_ptr<const WorkspaceAcls>> LoadAcls();
  Result<std::shared_ptr<const SecretEntry>> LoadSecret(const std::string& access_key);
  Result<std::shared_ptr<const TokenEntry>> LoadToken(const std::string& digest);
  void InvalidateUser(const std::string& user_id, bool revoke_tokens);
  void InvalidatePolicies() { policy_gen_.fetch_add(1); }
  void InvalidateWorkspaces() { ws_gen_.fetch_add(1); }
  void MaybePurgeTokens(int64_t now);

  // The cached entry for `key` if it is younger than kRefreshMs, else null.
  template <typename Map>
  typename Map::mapped_type FindFresh(const Map& map, const std::string& key, int64_t now) const {
    std::shared_lock lock(mu_);
    auto it = map.find(key);
    if (it != map.end() && now - it->second->loaded_at < kRefreshMs) return it->second;
    return nullptr;
  }
  // Caches `value` unless `counter` moved past `gen` (an invalidation raced the load).
  template <typename Map, typename V>
  void Publish(Map& map, const std::string& key, V value, const std::atomic<uint64_t>& counter,
               uint64_t gen) {
    std::unique_lock lock(mu_);
    if (counter.load() == gen) map[key] = std::move(value);
  }

  Result<Project> ProjectByName(const std::string& name);
  Result<Project> CachedDefaultProject();
  Result<std::string> ProjectName(const std::string& project_id);
  Result<User> UserWhere(const std::string& where, const std::string& arg);
  Result<Workspace> LoadWorkspace(const std::string& id);
  Status CheckAcl(const Principal& who, const std::string& workspace_id,
                  const WorkspaceAcls& acls) const;
  bool AclAllows(const Principal& who, const WorkspaceAcl& acl) const;
  Result<std::vector<std::string>> ResolveGrants(const std::vector<std::string>& grants);
  Status EnsureBuiltinRoles();
  const std::string& DummyPasswordHash();

  meta::Database& db_;
  Clock& clock_;
  const Options options_;
  const SecretBox box_;

  std::atomic<uint64_t> policy_gen_{1}, ws_gen_{1}, token_gen_{1}, user_gen_{1}, cred_gen_{1};
  std::atomic<int64_t> last_purge_{0};

  mutable std::shared_mutex mu_;  // guards everything below
  std::unordered_map<std::string, std::shared_ptr<const TokenEntry>> tokens_;  // sha256 raw
  std::unordered_map<std::string, std::shared_ptr<const UserInfo>> users_;
  std::unordered_map<std::string, std::shared_ptr<const SecretEntry>> secrets_;
  std::unordered_map<std::string, std::shared_ptr<const PolicyEntry>> policies_;
  std::shared_ptr<const WorkspaceAcls> acls_;
  std::unordered_map<std::string, std::string> project_names_;  // id → name
  Project default_project_;  // empty id until first needed

  std::once_flag dummy_once_;
  std::string dummy_hash_;
};

}  // namespace openarts::iam
