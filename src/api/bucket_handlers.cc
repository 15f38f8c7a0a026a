// Buckets: /v1/{project_id}/buckets[/{bucket}[/objects]]. A bucket belongs to a workspace; every
// decision is made against that workspace.
#include <algorithm>

#include "api/decode.h"
#include "route_table.h"

namespace openarts::api {

namespace {

Json BucketJson(const objstore::BucketInfo& b) {
  return {{"name", b.name},
          {"workspace_id", b.workspace_id},
          {"owner", b.owner},
          {"create_time", b.create_time}};
}

Json ObjectJson(const objstore::ObjectInfo& o) {
  return {{"key", o.key},
          {"size", o.size},
          {"etag", o.etag},
          {"last_modified", o.last_modified},
          {"content_type", o.content_type}};
}

}  // namespace

void RegisterBucketRoutes(RouteTable& t) {
  const std::string base = "/v1/{project_id}/buckets";
  t.Authed("GET", base, [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    const std::string workspace = c.req.Query("workspace_id").value_or("");
    OA_TRY(c.Authorize("obs:bucket:ListBucket", workspace));
    std::vector<std::string> visible;
    if (workspace.empty()) {
      OA_ASSIGN_OR_RETURN(visible, c.deps.iam.VisibleWorkspaces(c.who));
    } else {
      visible.push_back(workspace);
    }
    OA_ASSIGN_OR_RETURN(auto buckets, c.deps.objects.ListBuckets());
    Json list = Json::array();
    for (const auto& b : buckets) {
      if (std::find(visible.begin(), visible.end(), b.workspace_id) != visible.end()) {
        list.push_back(BucketJson(b));
      }
    }
    c.Reply(200, {{"buckets", std::move(list)}});
    return Status::Ok();
  });
  t.Authed("PUT", base + "/{bucket}", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_ASSIGN_OR_RETURN(BucketCreate in, DecodeBucketCreate(c.req.body));
    OA_TRY(c.Authorize("obs:bucket:CreateBucket", in.workspace_id));
    objstore::BucketInfo bucket;
    bucket.name = c.req.Param("bucket");
    bucket.workspace_id = in.workspace_id;
    bucket.owner = c.who.user_id;
    OA_ASSIGN_OR_RETURN(objstore::BucketInfo created, c.deps.objects.CreateBucket(bucket));
    c.Reply(201, BucketJson(created));
    return Status::Ok();
  });
  t.Authed("GET", base + "/{bucket}", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_ASSIGN_OR_RETURN(objstore::BucketInfo b, c.deps.objects.GetBucket(c.req.Param("bucket")));
    OA_TRY(c.Authorize("obs:bucket:HeadBucket", b.workspace_id));
    c.Reply(200, BucketJson(b));
    return Status::Ok();
  });
  t.Authed("DELETE", base + "/{bucket}", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_ASSIGN_OR_RETURN(objstore::BucketInfo b, c.deps.objects.GetBucket(c.req.Param("bucket")));
    OA_TRY(c.Authorize("obs:bucket:DeleteBucket", b.workspace_id));
    if (!QueryBool(c.req, "force")) {
      Status s = c.deps.objects.DeleteBucket(b.name);
      if (s.code() == Code::kFailedPrecondition) {
        return FailedPrecondition(s.message() +
                                  ": delete its objects first, or use ?force=true to delete them "
                                  "in a background task");
      }
      OA_TRY(s);
      c.NoContent();
      return Status::Ok();
    }
    // Deleting millions of objects outlives a request: a durable task does it and survives a
    // restart, and the caller follows it at /v1/{project_id}/tasks/{task_id}.
    OA_ASSIGN_OR_RETURN(std::string project_id, c.ProjectId());
    OA_ASSIGN_OR_RETURN(tasks::TaskInfo task,
                        c.deps.tasks.Submit(project_id, b.workspace_id,
                                            std::string(kDeleteBucketTaskType),
                                            Json{{"bucket", b.name}}, c.who.user_id));
    c.Reply(202, {{"task_id", task.id}});
    return Status::Ok();
  });
  t.Authed("GET", base + "/{bucket}/objects", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_ASSIGN_OR_RETURN(objstore::BucketInfo b, c.deps.objects.GetBucket(c.req.Param("bucket")));
    OA_TRY(c.Authorize("obs:bucket:ListBucket", b.workspace_id));
    objstore::ListOptions options;
    options.prefix = c.req.Query("prefix").value_or("");
    options.delimiter = c.req.Query("delimiter").value_or("");
    options.marker = c.req.Query("marker").value_or("");
    OA_ASSIGN_OR_RETURN(options.max_keys, QueryInt(c.req, "max_keys", 1000, 1, 1000));
    OA_ASSIGN_OR_RETURN(objstore::ListResult r, c.deps.objects.List(b.name, options));
    Json objects = Json::array();
    for (const auto& o : r.objects) objects.push_back(ObjectJson(o));
    c.Reply(200, {{"objects", std::move(objects)},
                  {"common_prefixes", r.common_prefixes},
                  {"is_truncated", r.is_truncated},
                  {"next_marker", r.next_marker}});
    return Status::Ok();
  });
}

}  // namespace openarts::api
