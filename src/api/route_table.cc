#include "route_table.h"

#include <charconv>
#include <exception>
#include <utility>
#include <vector>

#include "base/crypto.h"
#include "base/log.h"
#include "base/sdk_hmac.h"

namespace openarts::api {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument: return 400;
    case Code::kUnauthenticated: return 401;
    case Code::kPermissionDenied: return 403;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists: return 409;
    case Code::kFailedPrecondition: return 409;
    case Code::kCancelled: return 409;
    case Code::kResourceExhausted: return 413;
    case Code::kUnavailable: return 503;
    case Code::kDeadlineExceeded: return 504;
    case Code::kInternal: return 500;
  }
  return 500;
}

std::string_view ErrorCodeFor(Code code) {
  switch (code) {
    case Code::kOk: return "OA.OK.0200";
    case Code::kInvalidArgument: return "OA.REQ.0400";
    case Code::kUnauthenticated: return "OA.AUTH.0401";
    case Code::kPermissionDenied: return "OA.AUTH.0403";
    case Code::kNotFound: return "OA.NOTFOUND.0404";
    case Code::kAlreadyExists: return "OA.CONFLICT.0409";
    case Code::kFailedPrecondition: return "OA.STATE.0409";
    case Code::kCancelled: return "OA.CANCELLED.0409";
    case Code::kResourceExhausted: return "OA.LIMIT.0413";
    case Code::kUnavailable: return "OA.UNAVAILABLE.0503";
    case Code::kDeadlineExceeded: return "OA.TIMEOUT.0504";
    case Code::kInternal: return "OA.INTERNAL.0500";
  }
  return "OA.INTERNAL.0500";
}

void WriteJson(http::Response& resp, int status, const Json& body) {
  resp.SetJson(status, body);
  resp.stream.reset();
}

void WriteError(const http::Request& req, http::Response& resp, const Status& status) {
  const int http_status = HttpStatusFor(status.code());
  if (http_status >= 500) {
    OA_LOG_ERROR("request {} {} {} failed: {}", req.request_id, req.method, req.path,
                 status.ToString());
  }
  // Challenge as RFC 7235 asks, naming both ways in.
  if (http_status == 401) resp.headers["WWW-Authenticate"] = "X-Auth-Token, SDK-HMAC-SHA256";
  WriteJson(resp, http_status,
            Json{{"error_code", ErrorCodeFor(status.code())},
                 {"error_msg", status.message()},
                 {"request_id", req.request_id}});
}

Result<int> QueryInt(const http::Request& req, const std::string& name, int def, int min,
                     int max) {
  auto v = req.Query(name);
  if (!v || v->empty()) return def;
  int n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size() || n < min || n > max) {
    return InvalidArgument("query parameter '" + name + "' must be an integer from " +
                           std::to_string(min) + " to " + std::to_string(max));
  }
  return n;
}

bool QueryBool(const http::Request& req, const std::string& name) {
  auto v = req.Query(name);
  return v && (*v == "true" || *v == "1" || v->empty());
}

Status Call::Authorize(const std::string& action, const std::string& workspace_id) const {
  return deps.iam.Authorize(who, action, workspace_id);
}

Result<std::string> Call::ProjectId() const {
  if (!who.project_id.empty()) return who.project_id;
  OA_ASSIGN_OR_RETURN(auto project, deps.iam.DefaultProject());
  return project.id;
}

Status Call::CheckProject() const {
  const std::string& in_path = req.Param("project_id");
  OA_ASSIGN_OR_RETURN(std::string mine, ProjectId());
  if (in_path != mine) {
    return NotFound("project '" + in_path + "' not found: use the project id from your token (" +
                    mine + ")");
  }
  return Status::Ok();
}

void Call::Reply(int status, const openarts::Json& body) const { WriteJson(resp, status, body); }

namespace {

constexpr std::string_view kMissingCredentials =
    "X-Auth-Token or an AK/SK signature is required";

// Who is calling: a token, or an SDK-HMAC-SHA256 signature over the request.
Result<iam::Principal> Authenticate(const Deps& deps, const http::Request& req, bool stream_body) {
  if (const std::string* token = req.Header("X-Auth-Token"); token && !token->empty()) {
    return deps.iam.ValidateToken(*token);
  }
  const std::string* authz = req.Header("Authorization");
  if (authz == nullptr || authz->empty()) return Unauthenticated(std::string(kMissingCredentials));
  if (authz->rfind(sdk_hmac::kAlgorithm, 0) != 0) {
    return Unauthenticated("unsupported Authorization scheme: use X-Auth-Token or " +
                           std::string(sdk_hmac::kAlgorithm));
  }
  iam::SignedRequest signed_request;
  signed_request.method = req.method;
  signed_request.raw_path = req.raw_path;
  signed_request.raw_query = req.raw_query;
  signed_request.headers.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) signed_request.headers.emplace_back(name, value);
  if (stream_body) {
    // The body is not read yet (it streams to disk after authorization), so it cannot be hashed
    // up front; the client must say it signed without it.
    const std::string* content_sha = req.Header("X-Sdk-Content-Sha256");
    if (content_sha == nullptr || *content_sha != sdk_hmac::kUnsignedPayload) {
      return Unauthenticated(
          "this route streams the request body: sign it with the header "
          "'X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD' and UNSIGNED-PAYLOAD as the body hash");
    }
    signed_request.body_sha256_hex = std::string(sdk_hmac::kUnsignedPayload);
  } else {
    signed_request.body_sha256_hex = HexEncode(Sha256(req.body));
  }
  return deps.iam.VerifySignature(signed_request);
}

}  // namespace

RouteTable::RouteTable(http::Router& router, const Deps& deps)
    : router_(router), deps_(std::make_shared<const Deps>(deps)) {}

void RouteTable::Public(std::string method, std::string pattern, CallFn fn) {
  router_.Add(std::move(method), std::move(pattern), Wrap(std::move(fn), false, false));
}

void RouteTable::Authed(std::string method, std::string pattern, CallFn fn,
                        http::RouteOptions options) {
  router_.Add(std::move(method), std::move(pattern),
              Wrap(std::move(fn), true, options.stream_body), options);
}

http::Handler RouteTable::Wrap(CallFn fn, bool authenticate, bool stream_body) {
  return [deps = deps_, fn = std::move(fn), authenticate, stream_body](http::Request& req,
                                                                       http::Response& resp) {
    Call call{req, resp, *deps, {}};
    Status status;
    try {
      if (authenticate) {
        auto who = Authenticate(*deps, req, stream_body);
        if (!who.ok()) {
          WriteError(req, resp, who.status());
          return;
        }
        call.who = std::move(who).value();
        resp.log_principal = call.who.user_name;
      }
      status = fn(call);
    } catch (const std::exception& e) {
      OA_LOG_ERROR("request {} {} {}: unexpected exception: {}", req.request_id, req.method,
                   req.path, e.what());
      status = Internal("unexpected error while handling the request (request id " +
                        req.request_id + ")");
    }
    if (!status.ok()) WriteError(req, resp, status);
  };
}

void RegisterRoutes(http::Router& router, const Deps& deps) {
  RouteTable t(router, deps);
  RegisterAuthRoutes(t);
  RegisterProjectRoutes(t);
  RegisterIdentityRoutes(t);
  RegisterCredentialRoutes(t);
  RegisterWorkspaceRoutes(t);
  RegisterBucketRoutes(t);
  RegisterObjectRoutes(t);
  RegisterTaskRoutes(t);
  RegisterTrainingRoutes(t);
  RegisterDatasetRoutes(t);
  RegisterWorkforceRoutes(t);
}

}  // namespace openarts::api
