// The SQL side of the task service: every statement against the `tasks` table
// (src/meta/migrations/0002_tasks.sql) lives here, so the service reads as policy and the queries
// can be reviewed in one place. Portable SQL only ($N placeholders, no dialect features).
//
// Stateless free functions. Those taking a meta::Tx& run inside the caller's transaction; the
// caller decides what must be atomic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "meta/meta.h"
#include "tasks/tasks.h"

namespace openarts::tasks::store {

// Inserts a new row exactly as given (status, times and all).
Status Insert(meta::Database& db, const TaskInfo& task);

// nullopt when no row has this id.
Result<std::optional<TaskInfo>> Get(meta::Database& db, const std::string& id);
Result<std::optional<TaskInfo>> Get(meta::Tx& tx, const std::string& id);

// Newest first (create_time, then id, descending). An empty workspace_ids list matches nothing.
Result<std::vector<TaskInfo>> List(meta::Database& db, const ListFilter& filter);

// Whether any task is Queued (a cheap read, no write lock).
Result<bool> AnyQueued(meta::Database& db);

// The oldest Queued task (create_time, then id), as {id, type}; nullopt when none is queued.
struct QueuedRef {
  std::string id;
  std::string type;
};
Result<std::optional<QueuedRef>> OldestQueued(meta::Tx& tx);

// Queued → Running, counting the attempt. Returns false if the row was no longer Queued (someone
// else claimed or cancelled it), so a caller that lost the race simply looks again.
Result<bool> ClaimQueued(meta::Tx& tx, const std::string& id, int64_t now);

// Every Running row, for recovery at start-up.
struct RunningRef {
  std::string id;
  std::string type;
  int attempts = 0;
  bool cancel_requested = false;
};
Result<std::vector<RunningRef>> AllRunning(meta::Tx& tx);

// Running → Queued, keeping progress and checkpoint.
Result<bool> Requeue(meta::Tx& tx, const std::string& id, int64_t now);

// `from` → a finished status. `result` is stored only for Succeeded. Returns false if the row was
// not in status `from` any more.
struct Finish {
  TaskStatus from = TaskStatus::kRunning;
  TaskStatus to = TaskStatus::kFailed;
  std::optional<double> progress;  // nullopt keeps the stored value
  std::string result;              // serialized JSON, or "" for none
  std::string error;
};
Result<bool> MarkFinished(meta::Tx& tx, const std::string& id, const Finish& finish, int64_t now);
Result<bool> MarkFinished(meta::Database& db, const std::string& id, const Finish& finish,
                          int64_t now);

Result<bool> RequestCancel(meta::Tx& tx, const std::string& id, int64_t now);

// Progress (and the checkpoint, when non-empty) of a Running task.
Status SaveProgress(meta::Database& db, const std::string& id, double progress,
                    const std::string& checkpoint, int64_t now);

}  // namespace openarts::tasks::store
