// SQL of the job service (tables in src/meta/migrations/0003_train.sql).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "meta/meta.h"
#include "train/train.h"

namespace openarts::train {

struct JobRow {
  std::string id, project_id, workspace_id, name, description, user_id, user_name;
  Json spec;
  std::string phase, secondary_phase, reason;
  int priority = 1, retry_limit = 0, run_count = 0, output_version = 0;
  bool terminate_requested = false;
  int64_t create_time = 0, start_time = 0, end_time = 0, update_time = 0;
};

struct RunRow {
  int run = 0;
  std::string start_type;
  int64_t start_at = 0, end_at = 0;
  std::string end_reason, end_related_task, end_recover;
};

struct TaskRow {
  int run = 0;
  std::string task;
  std::string handle;  // exec::TaskHandle JSON, "" until started
  std::string state;   // Starting | Running | Exited | Lost
  int exit_code = 0;
  std::string message;
};

class Store {
 public:
  explicit Store(meta::Database& db) : db_(db) {}

  Status Insert(const JobRow& job);
  Result<JobRow> Get(const std::string& id);
  // Jobs not yet finished (Creating, Pending, Running, Terminating), oldest first.
  Result<std::vector<JobRow>> Active();
  Status SetPhase(const std::string& id, const std::string& phase, const std::string& secondary,
                  const std::string& reason, int64_t now);
  Status SetStarted(const std::string& id, int64_t now);  // phase Running, start_time if unset
  Status SetFinished(const std::string& id, const std::string& phase, const std::string& secondary,
                     const std::string& reason, int64_t now);
  Status SetTerminateRequested(const std::string& id, int64_t now);
  Status SetDescription(const std::string& id, const std::string& description, int64_t now);
  Status Delete(const std::string& id);

  // A new run with its tasks in state Starting; bumps run_count.
  Status BeginRun(const std::string& id, int run, const std::string& start_type, int node_count,
                  int64_t now);
  Status EndRun(const std::string& id, int run, int64_t now, const std::string& reason,
                const std::string& related_task, const std::string& recover);
  Status SetTaskHandle(const std::string& id, int run, const std::string& task,
                       const std::string& handle);
  Status SetTaskExit(const std::string& id, int run, const std::string& task,
                     const std::string& state, int exit_code, const std::string& message);
  Result<std::vector<RunRow>> Runs(const std::string& id);
  Result<std::vector<TaskRow>> Tasks(const std::string& id, int run);

  Status AddEvent(const std::string& id, int64_t time, const std::string& level,
                  const std::string& source, const std::string& message);
  Result<Json> Events(const std::string& id, const EventQuery& q);

  Result<std::pair<int64_t, std::vector<JobRow>>> Search(const SearchRequest& r);

 private:
  meta::Database& db_;
};

}  // namespace openarts::train
