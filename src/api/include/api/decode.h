// Request-body decoders of the REST API: bytes in, a plain struct or a kInvalidArgument that
// names the field and the fix out. Pure functions of base/ only (no HTTP, no IAM), so the
// fuzzer links nothing else and tests can table-drive them.
//
// Contract for every decoder: never throws, never crashes, whatever the bytes; an unknown field
// is ignored (clients of the ModelArts API send extra ones); a known field of the wrong type is
// an error naming its full path ("auth.identity.password.user.name").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace openarts::api {

// POST /v3/auth/tokens (Keystone/IAM password method, project scope by name).
struct TokenRequest {
  std::string user_name;
  std::string password;
  std::string domain_name;   // optional in the body; "" when absent
  std::string project_name;  // "" when the body has no scope (the default project is used)
};
Result<TokenRequest> DecodeTokenRequest(std::string_view body);

// POST /v3/users {"user": {...}}
struct UserCreate {
  std::string name;
  std::string password;
  std::optional<std::string> email, description;
  std::optional<bool> enabled;
};
Result<UserCreate> DecodeUserCreate(std::string_view body);

// PATCH /v3/users/{id} {"user": {...}}; absent fields are left unchanged.
struct UserPatch {
  std::optional<std::string> password, email, description;
  std::optional<bool> enabled;
};
Result<UserPatch> DecodeUserPatch(std::string_view body);

// POST /v3/groups and PATCH /v3/groups/{id} {"group": {...}}.
struct GroupSpec {
  std::optional<std::string> name, description;
};
Result<GroupSpec> DecodeGroupCreate(std::string_view body);  // name required
Result<GroupSpec> DecodeGroupPatch(std::string_view body);

// POST /v3.0/OS-CREDENTIAL/credentials {"credential": {...}}; an empty body means "for me".
struct CredentialCreate {
  std::string user_id;  // "" = the caller
  std::string description;
};
Result<CredentialCreate> DecodeCredentialCreate(std::string_view body);

// POST and PUT /v1/{project_id}/workspaces[/{id}] (the body is the workspace, unwrapped).
struct WorkspaceRequest {
  std::optional<std::string> name, description, enterprise_project_id;
  std::optional<std::string> auth_type;  // validated: "PUBLIC" | "PRIVATE" | "INTERNAL"
  // grants[] items {user_id} or {user_name}; user_id wins when both are given.
  std::optional<std::vector<std::string>> grants;
};
Result<WorkspaceRequest> DecodeWorkspaceCreate(std::string_view body);  // name required
Result<WorkspaceRequest> DecodeWorkspaceUpdate(std::string_view body);

// PUT /v1/{project_id}/workspaces/{id}/quotas {"quotas": [{resource, quota}]}.
Result<std::vector<std::pair<std::string, int64_t>>> DecodeQuotaUpdate(std::string_view body);

// PUT /v1/{project_id}/buckets/{bucket}; an empty body means the default workspace "0".
struct BucketCreate {
  std::string workspace_id = "0";
};
Result<BucketCreate> DecodeBucketCreate(std::string_view body);

// Standard (RFC 4648 §4, padded) base64, as used by Content-MD5. kInvalidArgument naming
// `what` on a malformed string.
Result<std::string> DecodeBase64(std::string_view in, std::string_view what);

}  // namespace openarts::api
