// AK/SK credentials: /v3.0/OS-CREDENTIAL/credentials. Managing your own keys is self-service;
// managing someone else's needs iam:credentials:{create,list,delete}.
#include "api/decode.h"
#include "route_table.h"

namespace openarts::api {

namespace {

Json CredentialJson(const iam::Credential& cr) {
  Json j = {{"access", cr.access_key},
            {"user_id", cr.user_id},
            {"status", cr.status},
            {"description", cr.description},
            {"create_time", cr.create_time},
            {"last_use_time", cr.last_use_time}};
  if (!cr.secret.empty()) j["secret"] = cr.secret;  // only in the create reply, once
  return j;
}

}  // namespace

void RegisterCredentialRoutes(RouteTable& t) {
  const std::string base = "/v3.0/OS-CREDENTIAL/credentials";
  t.Authed("POST", base, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(CredentialCreate in, DecodeCredentialCreate(c.req.body));
    const std::string user_id = in.user_id.empty() ? c.who.user_id : in.user_id;
    if (user_id != c.who.user_id) OA_TRY(c.Authorize("iam:credentials:create"));
    OA_ASSIGN_OR_RETURN(iam::Credential cred,
                        c.deps.iam.CreateCredential(user_id, in.description));
    c.Reply(201, {{"credential", CredentialJson(cred)}});
    return Status::Ok();
  });
  t.Authed("GET", base, [](Call& c) -> Status {
    const std::string user_id = c.req.Query("user_id").value_or(c.who.user_id);
    if (user_id != c.who.user_id) OA_TRY(c.Authorize("iam:credentials:list"));
    // An empty ?user_id= would mean "everyone's" to the store; only an authorized caller gets it.
    OA_ASSIGN_OR_RETURN(auto creds, c.deps.iam.ListCredentials(user_id));
    Json list = Json::array();
    for (auto& cr : creds) {
      cr.secret.clear();
      list.push_back(CredentialJson(cr));
    }
    c.Reply(200, {{"credentials", std::move(list)}});
    return Status::Ok();
  });
  t.Authed("DELETE", base + "/{access_key}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(iam::Credential cred,
                        c.deps.iam.GetCredential(c.req.Param("access_key")));
    if (cred.user_id != c.who.user_id) OA_TRY(c.Authorize("iam:credentials:delete"));
    OA_TRY(c.deps.iam.DeleteCredential(cred.access_key));
    c.NoContent();
    return Status::Ok();
  });
}

}  // namespace openarts::api
