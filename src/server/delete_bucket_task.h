// The handler of the "objstore.delete_bucket" task (api::kDeleteBucketTaskType): deletes every
// object of params.bucket in batches, then the bucket. Resumable: the checkpoint records the
// last key deleted, so a restart continues after it instead of listing deleted keys again.
#pragma once

#include "objstore/objstore.h"
#include "tasks/tasks.h"

namespace openarts::server {

// REQUIRES: `store` outlives the handler.
tasks::TaskHandler DeleteBucketTask(objstore::ObjectStore& store, int batch_size = 1000);

}  // namespace openarts::server
