// tasks: durable background work (import, export, analysis, advisor, bucket deletion). A task is
// a row in the metadata store with type, status, progress, timestamps and a result or error; a
// runner executes queued tasks with bounded concurrency. If the daemon dies, tasks that were
// Running are resumed (handlers registered as resumable, from their last checkpoint) or failed
// cleanly ("interrupted by a daemon restart") when the service starts again.
//
// Thread-safe. Handlers run on the runner's own threads and may block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"
#include "meta/meta.h"

namespace openarts::tasks {

enum class TaskStatus { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
std::string_view TaskStatusName(TaskStatus s);  // "Queued", "Running", ...
std::optional<TaskStatus> ParseTaskStatus(std::string_view s);

struct TaskInfo {
  std::string id;
  std::string project_id;
  std::string workspace_id = "0";
  std::string type;
  TaskStatus status = TaskStatus::kQueued;
  double progress = 0;     // 0..1
  Json params = Json::object();
  std::string checkpoint;  // handler-defined resume state
  Json result;             // null until Succeeded
  std::string error;       // set when Failed
  std::string created_by;  // user id
  std::string subject;     // what the task acts on ("dataset:<id>"), "" for none; filterable
  bool cancel_requested = false;
  int attempts = 0;
  int64_t create_time = 0, start_time = 0, end_time = 0, update_time = 0;  // ms

  Json ToJson() const;  // the API shape (see api/ROUTES.md)
};

// What a handler sees of its task.
class TaskContext {
 public:
  virtual ~TaskContext() = default;
  virtual const TaskInfo& task() const = 0;
  // True once Cancel() was called (or the service is stopping); the handler should return
  // Cancelled(...) promptly.
  virtual bool cancelled() const = 0;
  // Persists progress (0..1) and, if non-empty, a checkpoint to resume from after a restart.
  virtual Status ReportProgress(double fraction, const std::string& checkpoint = {}) = 0;
};

// Returns the result (stored as JSON) or an error. Returning Cancelled(...) marks the task
// Cancelled; any other error marks it Failed with the message.
using TaskHandler = std::function<Result<Json>(TaskContext&)>;

struct HandlerOptions {
  // On restart, a Running task of this type is queued again (with its checkpoint) instead of
  // failed. Only for handlers that are safe to run twice.
  bool resumable = false;
  int max_attempts = 3;  // a resumable task that keeps dying is failed after this many starts
};

struct ListFilter {
  std::optional<std::string> project_id;
  std::optional<std::vector<std::string>> workspace_ids;  // nullopt = all
  std::optional<TaskStatus> status;
  std::optional<std::string> type;
  std::optional<std::string> subject;  // exact match (indexed)
  int limit = 100;
  int offset = 0;
};

class TaskService {
 public:
  virtual ~TaskService() = default;
  // REQUIRES: before Start(). Types are free-form ("objstore.delete_bucket").
  virtual void Register(const std::string& type, TaskHandler handler,
                        HandlerOptions options = {}) = 0;
  // Recovers tasks left Running by a previous process, then starts the runner threads.
  virtual Status Start() = 0;
  // Signals running handlers to stop (cancelled() becomes true), waits for them; tasks that
  // were interrupted this way stay Running in the store so the next Start() recovers them.
  virtual void Stop() = 0;

  // kInvalidArgument for an unregistered type. The task is durable when this returns.
  // `subject` names what the task acts on ("dataset:<id>") so List can find a resource's tasks
  // however many the project has.
  virtual Result<TaskInfo> Submit(const std::string& project_id, const std::string& workspace_id,
                                  const std::string& type, const Json& params,
                                  const std::string& created_by, const std::string& subject = {}) = 0;
  virtual Result<TaskInfo> Get(const std::string& id) = 0;  // kNotFound
  virtual Result<std::vector<TaskInfo>> List(const ListFilter& filter) = 0;  // newest first
  // Queued → Cancelled at once; Running → cancel requested (the handler sees cancelled());
  // finished → kFailedPrecondition "task is already Succeeded".
  virtual Status Cancel(const std::string& id) = 0;
  // Blocks until the task is finished or `timeout_ms` passes (kDeadlineExceeded). For tests.
  virtual Result<TaskInfo> WaitFor(const std::string& id, int timeout_ms) = 0;
};

struct Options {
  int max_concurrency = 2;
  int poll_interval_ms = 200;  // how often idle runners look for queued tasks
};

Result<std::unique_ptr<TaskService>> Create(meta::Database& db, Clock& clock,
                                            const Options& options = {});

}  // namespace openarts::tasks
