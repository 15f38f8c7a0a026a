// api: the REST surface of the daemon (api/ROUTES.md, api/openapi.yaml). One handler file per
// resource turns HTTP requests into calls on iam/, objstore/ and tasks/ and their results into
// JSON. Every authenticated route authenticates the caller (X-Auth-Token or an SDK-HMAC-SHA256
// AK/SK signature) and makes one iam::Iam::Authorize decision before touching a resource.
//
// This is the only place a Status code becomes an HTTP status (HttpStatusFor), and every error
// body is {"error_code", "error_msg", "request_id"}.
//
// Thread-safety: the handlers are stateless; they run on the http worker pool and may block.
#pragma once

#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "http/http.h"
#include "iam/iam.h"
#include "objstore/objstore.h"
#include "tasks/tasks.h"
#include "train/train.h"

namespace openarts::data {
class DataService;
class Teams;
}

namespace openarts::api {

// What the handlers need. The referenced services must outlive the Router (and the http Server
// that owns it).
struct Deps {
  iam::Iam& iam;
  objstore::ObjectStore& objects;
  tasks::TaskService& tasks;
  Clock& clock;
  // Training jobs (/v2/{project_id}/training-jobs...); nullptr = routes answer 503.
  train::JobService* training = nullptr;
  // Datasets (/v2/{project_id}/datasets...); nullptr = routes answer 503.
  data::DataService* data = nullptr;
  // Team labeling (/v2/{project_id}/workforces..., .../datasets/{dataset_id}/workforce-tasks...);
  // nullptr = routes answer 503. Needs `data` too.
  data::Teams* teams = nullptr;
};

// Adds every REST route of api/ROUTES.md to `router` (not /healthz and /metrics, which the http
// server has built in).
void RegisterRoutes(http::Router& router, const Deps& deps);

// The task type DELETE /v1/{project_id}/buckets/{bucket}?force=true submits, with params
// {"bucket": name}. The composition root registers its handler (server/).
inline constexpr std::string_view kDeleteBucketTaskType = "objstore.delete_bucket";

// The one Status → HTTP mapping (api/ROUTES.md): 400 401 403 404 409 413 503 504 500.
int HttpStatusFor(Code code);
// "OA.REQ.0400", "OA.AUTH.0401", ... (api/openapi.yaml, ErrorCode).
std::string_view ErrorCodeFor(Code code);
// Fills `resp` with the status for `status.code()` and the error body.
// REQUIRES: !status.ok().
void WriteError(const http::Request& req, http::Response& resp, const Status& status);

}  // namespace openarts::api
