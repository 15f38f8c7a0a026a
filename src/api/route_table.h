// Private plumbing shared by the handler files: authentication, the authorization call, error
// mapping and JSON replies around each handler, so a handler is only "decode, authorize, act,
// encode".
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/api.h"
#include "base/json.h"

namespace openarts::api {

// One authenticated call in flight.
struct Call {
  http::Request& req;
  http::Response& resp;
  const Deps& deps;
  iam::Principal who;  // empty for public routes

  // iam.Authorize(who, action, workspace_id); every handler calls it once (copy: twice).
  Status Authorize(const std::string& action, const std::string& workspace_id = "") const;
  // Checks the {project_id} path parameter against the caller's project.
  Status CheckProject() const;
  // The caller's project id (the token's, or the installation's for AK/SK).
  Result<std::string> ProjectId() const;
  void Reply(int status, const openarts::Json& body) const;
  void NoContent() const { resp.status = 204; }
};

using CallFn = std::function<Status(Call&)>;

class RouteTable {
 public:
  RouteTable(http::Router& router, const Deps& deps);
  // A route anyone may call (only POST /v3/auth/tokens).
  void Public(std::string method, std::string pattern, CallFn fn);
  // A route that needs X-Auth-Token or an AK/SK signature.
  void Authed(std::string method, std::string pattern, CallFn fn,
              http::RouteOptions options = {});

 private:
  http::Handler Wrap(CallFn fn, bool authenticate, bool stream_body);

  http::Router& router_;
  std::shared_ptr<const Deps> deps_;
};

// Serialises with invalid UTF-8 replaced rather than thrown on (keys and names echo user input).
void WriteJson(http::Response& resp, int status, const Json& body);

// Query helpers: kInvalidArgument naming the parameter.
Result<int> QueryInt(const http::Request& req, const std::string& name, int def, int min, int max);
bool QueryBool(const http::Request& req, const std::string& name);

// The ModelArts shape of a page of samples, {"sample_count", "samples", "next_marker"}: the
// dataset's listing and a team task's share (any page with `samples` having ToJson(), `total` and
// `next_marker`).
template <typename Page>
Json SamplePageJson(const Page& page) {
  Json items = Json::array();
  for (const auto& s : page.samples) items.push_back(s.ToJson());
  Json out = {{"sample_count", page.total}, {"samples", std::move(items)}};
  if (!page.next_marker.empty()) out["next_marker"] = page.next_marker;
  return out;
}

// If-None-Match: "*", or a comma-separated list of (possibly weak) entity tags (object_handlers.cc).
bool NoneMatchHits(const std::string& header, const std::string& etag);

// Per-resource registration (one file each).
void RegisterAuthRoutes(RouteTable& t);        // auth_handlers.cc
void RegisterProjectRoutes(RouteTable& t);     // project_handlers.cc
void RegisterIdentityRoutes(RouteTable& t);    // identity_handlers.cc: users, groups, roles
void RegisterCredentialRoutes(RouteTable& t);  // credential_handlers.cc
void RegisterWorkspaceRoutes(RouteTable& t);   // workspace_handlers.cc
void RegisterBucketRoutes(RouteTable& t);      // bucket_handlers.cc
void RegisterObjectRoutes(RouteTable& t);      // object_handlers.cc
void RegisterTaskRoutes(RouteTable& t);        // task_handlers.cc
void RegisterTrainingRoutes(RouteTable& t);    // training_handlers.cc
void RegisterDatasetRoutes(RouteTable& t);     // dataset_handlers.cc
void RegisterWorkforceRoutes(RouteTable& t);   // workforce_handlers.cc: teams, team labeling

}  // namespace openarts::api
