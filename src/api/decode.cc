#include "api/decode.h"

#include <exception>

#include "base/encoding.h"
#include "base/json.h"

namespace openarts::api {

namespace {

// Parses `body` and requires a JSON object. An empty body is an error unless `empty_ok`, in which
// case it reads as {} (PUT bucket, POST credential: "nothing to say" is a valid request).
Result<Json> ParseObject(std::string_view body, bool empty_ok) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (empty_ok) return Json::object();
    return InvalidArgument("request body is required: send a JSON object");
  }
  OA_ASSIGN_OR_RETURN(Json j, ParseJson(body));
  OA_TRY(RequireObject(j));
  return j;
}

// The object under `key` (e.g. {"user": {...}}); kInvalidArgument when absent or not an object.
Result<const Json*> RequireChild(const Json& obj, std::string_view key, std::string_view path) {
  OA_ASSIGN_OR_RETURN(const Json* child, GetOptObject(obj, key, path));
  if (child == nullptr) {
    return InvalidArgument("field '" + std::string(path) + "' is required (a JSON object)");
  }
  return child;
}

Status RequireNonEmpty(const std::string& value, std::string_view path) {
  if (value.empty()) return InvalidArgument("field '" + std::string(path) + "' must not be empty");
  return Status::Ok();
}

// Every decoder runs inside this: nlohmann may throw on inputs nobody anticipated, and a decoder
// must never let an exception (or a crash) escape to the request thread.
template <typename Fn>
auto Guard(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("request body could not be decoded: ") + e.what());
  }
}

Result<TokenRequest> DecodeTokenRequestImpl(std::string_view body) {
  OA_ASSIGN_OR_RETURN(Json j, ParseObject(body, false));
  OA_ASSIGN_OR_RETURN(const Json* auth, RequireChild(j, "auth", "auth"));
  OA_ASSIGN_OR_RETURN(const Json* identity, RequireChild(*auth, "identity", "auth.identity"));

  OA_ASSIGN_OR_RETURN(const Json* methods, GetOptArray(*identity, "methods", "auth.identity.methods"));
  if (methods == nullptr) {
    return InvalidArgument("field 'auth.identity.methods' is required: use [\"password\"]");
  }
  bool has_password = false;
  for (const Json& m : *methods) {
    if (!m.is_string()) {
      return InvalidArgument("field 'auth.identity.methods' must be an array of strings");
    }
    if (m.get_ref<const std::string&>() == "password") has_password = true;
  }
  if (!has_password) {
    return InvalidArgument(
        "field 'auth.identity.methods' must contain \"password\" (the only method supported)");
  }

  OA_ASSIGN_OR_RETURN(const Json* password,
                      RequireChild(*identity, "password", "auth.identity.password"));
  OA_ASSIGN_OR_RETURN(const Json* user,
                      RequireChild(*password, "user", "auth.identity.password.user"));
  TokenRequest out;
  OA_ASSIGN_OR_RETURN(out.user_name, GetString(*user, "name", "auth.identity.password.user.name"));
  OA_TRY(RequireNonEmpty(out.user_name, "auth.identity.password.user.name"));
  OA_ASSIGN_OR_RETURN(out.password,
                      GetString(*user, "password", "auth.identity.password.user.password"));
  OA_TRY(RequireNonEmpty(out.password, "auth.identity.password.user.password"));
  OA_ASSIGN_OR_RETURN(const Json* domain,
                      GetOptObject(*user, "domain", "auth.identity.password.user.domain"));
  if (domain != nullptr) {
    OA_ASSIGN_OR_RETURN(auto name,
                        GetOptString(*domain, "name", "auth.identity.password.user.domain.name"));
    out.domain_name = name.value_or("");
  }

  OA_ASSIGN_OR_RETURN(const Json* scope, GetOptObject(*auth, "scope", "auth.scope"));
  if (scope != nullptr) {
    OA_ASSIGN_OR_RETURN(const Json* project, GetOptObject(*scope, "project", "auth.scope.project"));
    if (project == nullptr) {
      // A domain-scoped token has no meaning here: ModelArts is a project-level service.
      return InvalidArgument(
          "field 'auth.scope.project' is required when 'auth.scope' is given: scope the token to "
          "a project by name");
    }
    OA_ASSIGN_OR_RETURN(out.project_name, GetString(*project, "name", "auth.scope.project.name"));
    OA_TRY(RequireNonEmpty(out.project_name, "auth.scope.project.name"));
  }
  return out;
}

Result<UserCreate> DecodeUserCreateImpl(std::string_view body) {
  OA_ASSIGN_OR_RETURN(Json j, ParseObject(body, false));
  OA_ASSIGN_OR_RETURN(const Json* user, RequireChild(j, "user", "user"));
  UserCreate out;
  OA_ASSIGN_OR_RETURN(out.name, GetString(*user, "name", "user.name"));
  OA_TRY(RequireNonEmpty(out.name, "user.name"));
  OA_ASSIGN_OR_RETURN(out.password, GetString(*user, "password", "user.password"));
  OA_TRY(RequireNonEmpty(out.password, "user.password"));
  OA_ASSIGN_OR_RETURN(out.email, GetOptString(*user, "email", "user.email"));
  OA_ASSIGN_OR_RETURN(out.description, GetOptString(*user, "description", "user.description"));
  OA_ASSIGN_OR_RETURN(out.enabled, GetOptBool(*user, "enabled", "user.enabled"));
  return out;
}

Result<UserPatch> DecodeUserPatchImpl(std::string_view body) {
  OA_ASSIGN_OR_RETURN(Json j, ParseObject(body, false));
  OA_ASSIGN_OR_RETURN(const Json* user, RequireChild(j, "user", "user"));
  UserPatch out;
  OA_ASSIGN_OR_RETURN(out.password, GetOptString(*user, "password", "user.password"));
  if (out.password) OA_TRY(RequireNonEmpty(*out.password, "user.password"));
  OA_ASSIGN_OR_RETURN(out.email, GetOptString(*user, "email", "user.email"));
  OA_ASSIGN_OR_RETURN(out.description, GetOptString(*user, "description", "user.description"));
  OA_ASSIGN_OR_RETURN(out.enabled, GetOptBool(*user, "enabled", "user.enabled"));
  if (user->contains("name")) {
    return InvalidArgument("field 'user.name' cannot be changed: create a new user instead");
  }
  return out;
}

Result<GroupSpec> DecodeGroup(std::string_view body, bool create) {
  OA_ASSIGN_OR_RETURN(Json j, ParseObject(body, false));
  OA_ASSIGN_OR_RETURN(const Json* group, RequireChild(j, "group", "group"));
  GroupSpec out;
  OA_ASSIGN_OR_RETURN(out.name, GetOptString(*group, "name", "group.name"));
  if (create && !out.name) return InvalidArgument("field 'group.name' is required");
  if (out.name) OA_TRY(RequireNonEmpty(*out.name, "group.name"));
  OA_ASSIGN_OR_RETURN(out.description, GetOptString(*group, "description", "group.description"));
  return out;
}

Result<CredentialCreate> DecodeCredentialCreateImpl(std::string_view body) {
  OA_ASSIGN_OR_RETURN(Json j, ParseObject(body, true));
  CredentialCreate out;
  OA_ASSIGN_OR_RETURN(const Json* cred, GetOptObject(j, "credential", "credential"));
  if (cred == nullptr) return out;
  OA_ASSIGN_OR_RETURN(auto user_id, GetOptString(*cred, "user_id", "credential.user_id"));
  OA_ASSIGN_OR_RETURN(auto description,
                      GetOptString(*cred, "description", "credential.description"));
  out.user_id = user_id.value_or("");
  out.description = description.value_or("");
  return out;
}

Result<WorkspaceRequest> DecodeWorkspace(std::string_view body, bool create) {
  OA_ASSIGN_OR_RETURN(Json j, ParseObject(body, false));
  WorkspaceRequest out;
  OA_ASSIGN_OR_RETURN(out.name, GetOptString(j, "name", "name"));
  if (create && !out.name) {
    return InvalidArgument(
        "field 'name' is required: 4-64 letters, digits, '-' or '_' (\"default\" is reserved)");
  }
  OA_ASSIGN_OR_RETURN(out.description, GetOptString(j, "description", "description"));
  OA_ASSIGN_OR_RETURN(out.enterprise_project_id,
                      GetOptString(j, "enterprise_project_id", "enterprise_project_id"));
  OA_ASSIGN_OR_RETURN(out.auth_type, GetOptString(j, "auth_type", "auth_type"));
  if (out.auth_type && *out.auth_type != "PUBLIC" && *out.auth_type != "PRIVATE" &&
      *out.auth_type != "INTERNAL") {
    return InvalidArgument("field 'auth_type' must be PUBLIC, PRIVATE or INTERNAL");
  }
  OA_ASSIGN_OR_RETURN(const Json* grants, GetOptArray(j, "grants", "grants"));
  if (grants != nullptr) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < grants->size(); ++i) {
      const std::string path = "grants[" + std::to_string(i) + "]";
      const Json& g = (*grants)[i];
      if (!g.is_object()) {
        return InvalidArgument("field '" + path + "' must be an object {user_id} or {user_name}");
      }
      OA_ASSIGN_OR_RETURN(auto id, GetOptString(g, "user_id", path + ".user_id"));
      OA_ASSIGN_OR_RETURN(auto name, GetOptString(g, "user_name", path + ".user_name"));
      if (id && !id->empty()) {
        ids.push_back(std::move(*id));
      } else if (name && !name->empty()) {
        ids.push_back(std::move(*name));
      } else {
        return InvalidArgument("field '" + path + "' needs 'user_id' or 'user_name'");
      }
    }
    out.grants = std::move(ids);
  }
  return out;
}

Result<std::vector<std::pair<std::string, int64_t>>> DecodeQuotaUpdateImpl(std::string_view body) {
  OA_ASSIGN_OR_RETURN(Json j, ParseObject(body, false));
  OA_ASSIGN_OR_RETURN(const Json* quotas, GetOptArray(j, "quotas", "quotas"));
  if (quotas == nullptr) {
    return InvalidArgument("field 'quotas' is required: [{\"resource\": ..., \"quota\": N}]");
  }
  std::vector<std::pair<std::string, int64_t>> out;
  for (size_t i = 0; i < quotas->size(); ++i) {
    const std::string path = "quotas[" + std::to_string(i) + "]";
    const Json& q = (*quotas)[i];
    if (!q.is_object()) return InvalidArgument("field '" + path + "' must be an object");
    OA_ASSIGN_OR_RETURN(auto resource, GetString(q, "resource", path + ".resource"));
    OA_TRY(RequireNonEmpty(resource, path + ".resource"));
    OA_ASSIGN_OR_RETURN(auto quota, GetInt(q, "quota", path + ".quota"));
    out.emplace_back(std::move(resource), quota);
  }
  return out;
}

Result<BucketCreate> DecodeBucketCreateImpl(std::string_view body) {
  OA_ASSIGN_OR_RETURN(Json j, ParseObject(body, true));
  BucketCreate out;
  OA_ASSIGN_OR_RETURN(auto ws, GetOptString(j, "workspace_id", "workspace_id"));
  if (ws) {
    OA_TRY(RequireNonEmpty(*ws, "workspace_id"));
    out.workspace_id = std::move(*ws);
  }
  return out;
}


}  // namespace

Result<TokenRequest> DecodeTokenRequest(std::string_view body) {
  return Guard([&] { return DecodeTokenRequestImpl(body); });
}
Result<UserCreate> DecodeUserCreate(std::string_view body) {
  return Guard([&] { return DecodeUserCreateImpl(body); });
}
Result<UserPatch> DecodeUserPatch(std::string_view body) {
  return Guard([&] { return DecodeUserPatchImpl(body); });
}
Result<GroupSpec> DecodeGroupCreate(std::string_view body) {
  return Guard([&] { return DecodeGroup(body, true); });
}
Result<GroupSpec> DecodeGroupPatch(std::string_view body) {
  return Guard([&] { return DecodeGroup(body, false); });
}
Result<CredentialCreate> DecodeCredentialCreate(std::string_view body) {
  return Guard([&] { return DecodeCredentialCreateImpl(body); });
}
Result<WorkspaceRequest> DecodeWorkspaceCreate(std::string_view body) {
  return Guard([&] { return DecodeWorkspace(body, true); });
}
Result<WorkspaceRequest> DecodeWorkspaceUpdate(std::string_view body) {
  return Guard([&] { return DecodeWorkspace(body, false); });
}
Result<std::vector<std::pair<std::string, int64_t>>> DecodeQuotaUpdate(std::string_view body) {
  return Guard([&] { return DecodeQuotaUpdateImpl(body); });
}
Result<BucketCreate> DecodeBucketCreate(std::string_view body) {
  return Guard([&] { return DecodeBucketCreateImpl(body); });
}

Result<std::string> DecodeBase64(std::string_view in, std::string_view what) {
  auto raw = Base64Decode(in);
  if (!raw.ok()) return InvalidArgument(std::string(what) + " must be standard padded base64");
  return raw;
}

}  // namespace openarts::api
