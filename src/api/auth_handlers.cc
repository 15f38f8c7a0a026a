// Tokens: POST/GET/DELETE /v3/auth/tokens (IAM/Keystone v3 shapes, spec §6).
#include "api/decode.h"
#include "base/clock.h"
#include "route_table.h"

namespace openarts::api {

namespace {

Json TokenBody(const iam::IssuedToken& t, const std::string& domain_name) {
  Json roles = Json::array();
  for (const auto& r : t.roles) roles.push_back({{"name", r}});
  const auto& p = t.principal;
  return {{"token",
           {{"methods", {"password"}},
            {"issued_at", FormatIso8601(t.issued_at)},
            {"expires_at", FormatIso8601(t.expires_at)},
            {"user", {{"id", p.user_id}, {"name", p.user_name}, {"domain", {{"name", domain_name}}}}},
            {"project",
             {{"id", p.project_id}, {"name", p.project_name}, {"domain", {{"name", domain_name}}}}},
            {"roles", std::move(roles)}}}};
}

// One account per installation: its "domain" is named after the administrator's account, which
// IAM clients only echo. We answer with what the client sent, or "openarts".
std::string DomainOf(const std::string& requested) {
  return requested.empty() ? "openarts" : requested;
}

// The token a GET/DELETE is about: X-Subject-Token, else the caller's own X-Auth-Token.
Result<std::string> SubjectToken(const http::Request& req) {
  if (const std::string* t = req.Header("X-Subject-Token"); t && !t->empty()) return *t;
  if (const std::string* t = req.Header("X-Auth-Token"); t && !t->empty()) return *t;
  return InvalidArgument("header 'X-Subject-Token' is required: the token to validate or revoke");
}

}  // namespace

void RegisterAuthRoutes(RouteTable& t) {
  t.Public("POST", "/v3/auth/tokens", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(TokenRequest in, DecodeTokenRequest(c.req.body));
    std::string project = in.project_name;
    if (project.empty()) {
      OA_ASSIGN_OR_RETURN(auto def, c.deps.iam.DefaultProject());
      project = def.name;
    }
    OA_ASSIGN_OR_RETURN(iam::IssuedToken token,
                        c.deps.iam.IssueToken(in.user_name, in.password, project));
    c.resp.log_principal = token.principal.user_name;
    c.Reply(201, TokenBody(token, DomainOf(in.domain_name)));
    c.resp.headers["X-Subject-Token"] = token.token;
    return Status::Ok();
  });

  // Holding a token already grants everything the token can do, so showing or revoking it needs
  // no further authorization: these two are self-service.
  t.Authed("GET", "/v3/auth/tokens", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string subject, SubjectToken(c.req));
    OA_ASSIGN_OR_RETURN(iam::IssuedToken token, c.deps.iam.DescribeToken(subject));
    c.Reply(200, TokenBody(token, DomainOf("")));
    return Status::Ok();
  });
  t.Authed("DELETE", "/v3/auth/tokens", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string subject, SubjectToken(c.req));
    OA_TRY(c.deps.iam.RevokeToken(subject));
    c.NoContent();
    return Status::Ok();
  });
}

}  // namespace openarts::api
