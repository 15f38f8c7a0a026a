#include "delete_bucket_task.h"

#include <algorithm>

#include "base/json.h"
#include "base/log.h"

namespace openarts::server {

namespace {

// Checkpoint: {"marker": last key deleted, "deleted": count so far, "total": count at start}.
struct Progress {
  std::string marker;
  int64_t deleted = 0;
  int64_t total = -1;

  std::string Encode() const {
    return Json{{"marker", marker}, {"deleted", deleted}, {"total", total}}.dump(
        -1, ' ', false, Json::error_handler_t::replace);
  }
  static Progress Decode(const std::string& s) {
    Progress p;
    auto j = ParseJson(s);
    if (!j.ok() || !j->is_object()) return p;  // no (or an unreadable) checkpoint: start over
    p.marker = j->value("marker", "");
    p.deleted = j->value("deleted", int64_t{0});
    p.total = j->value("total", int64_t{-1});
    return p;
  }
};

Result<int64_t> CountObjects(objstore::ObjectStore& store, const std::string& bucket) {
  int64_t n = 0;
  objstore::ListOptions options;
  for (;;) {
    OA_ASSIGN_OR_RETURN(auto page, store.List(bucket, options));
    n += static_cast<int64_t>(page.objects.size());
    if (!page.is_truncated) return n;
    options.marker = page.next_marker;
  }
}

Result<Json> Run(objstore::ObjectStore& store, int batch_size, tasks::TaskContext& ctx) {
  const Json& params = ctx.task().params;
  if (!params.is_object() || !params.contains("bucket") || !params["bucket"].is_string()) {
    return InvalidArgument("task params need 'bucket' (a string)");
  }
  const std::string bucket = params["bucket"].get<std::string>();
  Progress p = Progress::Decode(ctx.task().checkpoint);

  if (auto info = store.GetBucket(bucket); !info.ok()) {
    // Gone already: a previous run deleted it and died before recording success.
    if (info.status().code() == Code::kNotFound) {
      return Json{{"bucket", bucket}, {"deleted_objects", p.deleted}};
    }
    return info.status();
  }
  if (p.total < 0) {
    OA_ASSIGN_OR_RETURN(p.total, CountObjects(store, bucket));
    OA_TRY(ctx.ReportProgress(0, p.Encode()));
  }

  // Two passes at most from the start: the second catches objects uploaded behind the marker
  // while the first ran. A bucket that keeps filling up fails the delete below with its message.
  for (int pass = 0; pass < 2; ++pass) {
    objstore::ListOptions options;
    options.max_keys = batch_size;
    options.marker = p.marker;
    for (;;) {
      if (ctx.cancelled()) {
        return Cancelled("bucket deletion cancelled after " + std::to_string(p.deleted) +
                         " objects; the bucket keeps the rest");
      }
      OA_ASSIGN_OR_RETURN(auto page, store.List(bucket, options));
      for (const auto& object : page.objects) {
        Status s = store.Delete(bucket, object.key);
        if (!s.ok() && s.code() != Code::kNotFound) return s;
        ++p.deleted;
        p.marker = object.key;
      }
      const double fraction =
          p.total > 0 ? std::min(0.99, double(p.deleted) / double(p.total)) : 0.99;
      OA_TRY(ctx.ReportProgress(fraction, p.Encode()));
      if (!page.is_truncated) break;
      options.marker = page.next_marker;
    }
    Status s = store.DeleteBucket(bucket);
    if (s.ok() || s.code() == Code::kNotFound) {
      OA_LOG_INFO("task {}: bucket '{}' deleted with {} objects", ctx.task().id, bucket,
                  p.deleted);
      return Json{{"bucket", bucket}, {"deleted_objects", p.deleted}};
    }
    if (s.code() != Code::kFailedPrecondition) return s;
    p.marker.clear();
  }
  return FailedPrecondition("bucket '" + bucket +
                            "' kept receiving objects while being deleted; stop the writers and "
                            "delete it again");
}

}  // namespace

tasks::TaskHandler DeleteBucketTask(objstore::ObjectStore& store, int batch_size) {
  return [&store, batch_size](tasks::TaskContext& ctx) { return Run(store, batch_size, ctx); };
}

}  // namespace openarts::server
