// train: training jobs — the ModelArts REST API v2 job model (docs/training.md,
// ../shared/spec/training.md) on top of an execution backend (exec/).
//
// A job is N tasks worker-0..N-1 started together (gang) when the pool has room for all of them,
// FIFO within a priority. Lifecycle: Creating (code and inputs fetched from object storage into
// the job directory) → Pending (queued, with the reason) → Running (every task started) →
// Completed | Failed, or → Terminating → Terminated on a stop. The first failing task fails the
// run and the others are stopped; auto-restart (annotation fault-tolerance/job-retry-num 1..3)
// starts a new running record with the same directories, so checkpoints survive. Outputs are
// uploaded to <output obs_url>/V000k/ at the end (also after a stop), task logs to the log URL.
//
// Everything is in the metadata store before it is acknowledged; after a daemon restart, jobs
// are re-adopted from their task handles (the tasks keep running under their shims) or failed
// and retried by policy.
//
// Thread-safe. Calls block briefly (database); none waits for a job except WaitFor().
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
#include "exec/exec.h"
#include "meta/meta.h"
#include "objstore/objstore.h"

namespace openarts::train {

// Who submits, for the job record ("user_name" in the API).
struct Caller {
  std::string user_id;
  std::string user_name;
  std::string project_id;
};

// What the API needs to authorize a call on an existing job.
struct JobRef {
  std::string id;
  std::string project_id;
  std::string workspace_id;
  std::string user_id;
};

struct EventQuery {
  int offset = 0;
  int limit = 50;               // 1..100
  bool ascending = true;        // order=asc|desc
  int64_t start_time = 0;       // ms, 0 = unbounded
  int64_t end_time = 0;
  std::string level;            // Info | Warning | Error, "" = all
  std::string pattern;          // substring, ≤ 256 chars
  std::string source;           // Job | Task | K8S, "" = all
};

// A task's log, as the API serves it.
struct LogRead {
  std::vector<exec::LogLine> lines;
  uint64_t next_offset = 0;
  uint64_t end_offset = 0;
  bool finished = false;  // the job is terminal and every line has been read
};

struct SearchRequest {
  std::string project_id;
  std::optional<std::vector<std::string>> workspace_ids;  // nullopt = all
  int offset = 0;
  int limit = 10;               // 1..50 (API), larger allowed internally
  bool ascending = false;       // sort by create_time
  std::string name;             // keyword (substring); exact match when name_exact
  bool name_exact = false;
  std::vector<std::string> phases;  // filter, any of
  std::string user_id;
};

struct Options {
  std::string jobs_dir;            // host directory for job directories (created 0711)
  std::vector<std::string> hidden_paths;  // hidden from every job (the daemon's data directory)
  std::string daemon_url;          // for MA_APIGW_ENDPOINT / S3_ENDPOINT in jobs
  double overcommit = 4;           // admission uses flavor resources / overcommit
  int64_t pool_cpu_millis = 0;     // 0 = detect (cores × 1000)
  int64_t pool_memory_bytes = 0;   // 0 = detect (physical memory)
  int pool_gpus = -1;              // -1 = detect (/dev/nvidia[0-9]*)
  int pool_npus = -1;              // -1 = detect (/dev/davinci[0-9]*)
  int stop_grace_ms = 10000;       // SIGTERM → SIGKILL on a stop
  int poll_interval_ms = 50;       // how often running tasks are checked
  int sample_interval_ms = 5000;   // CPU/memory metrics
  int staging_threads = 4;        // workers: staging, starting, stopping, uploading
  int run_uid = 1000, run_gid = 1000;
  exec::LogOptions log;
  // Dataset-version inputs (algorithm.inputs[].remote.dataset {id, version_id}): `check_dataset`
  // validates at submit (an error naming what is missing), `stage_dataset` writes the version —
  // its manifest, annotation files and the objects it names — into the input directory. Unset:
  // such inputs are refused at submit.
  std::function<Status(const std::string& project_id, const std::string& dataset_id,
                       const std::string& version_id)>
      check_dataset;
  std::function<Status(const std::string& project_id, const std::string& dataset_id,
                       const std::string& version_id, const std::string& dir)>
      stage_dataset;
};

class JobService {
 public:
  virtual ~JobService() = default;

  // Re-adopts or fails the jobs a previous process left, then starts scheduling.
  virtual Status Start() = 0;
  // Stops scheduling and watching. Tasks keep running (a restart re-adopts them).
  virtual void Stop() = 0;

  // POST /training-jobs: validates the create body (errors name the field and the fix), writes
  // the job and returns its API JSON (201).
  virtual Result<Json> Create(const Caller& who, const Json& body) = 0;
  virtual Result<JobRef> Ref(const std::string& id) = 0;     // kNotFound
  virtual Result<Json> Get(const std::string& id) = 0;       // API JSON
  virtual Result<Json> UpdateDescription(const std::string& id, const std::string& description) = 0;
  // kFailedPrecondition unless the job is finished ("Terminate the job first").
  virtual Status Delete(const std::string& id) = 0;
  // Creating | Pending | Running → Terminating (→ Terminated). kFailedPrecondition otherwise.
  virtual Status Terminate(const std::string& id) = 0;
  // {total, count, items[]}.
  virtual Result<Json> Search(const SearchRequest& request) = 0;

  virtual Result<Json> Events(const std::string& id, const EventQuery& query) = 0;
  // Lines of one task from absolute offset `offset` (all runs, with service-log banners).
  virtual Result<LogRead> ReadLog(const std::string& id, const std::string& task, uint64_t offset,
                                  size_t max_bytes) = 0;
  // {content (the newest ≤ 5 MB as text), current_size, full_size}.
  virtual Result<Json> LogPreview(const std::string& id, const std::string& task) = 0;
  // {metrics: [{metric, value[]}]}: 1-minute averages, -1 = no data.
  virtual Result<Json> Metrics(const std::string& id, const std::string& task) = 0;

  virtual Json Flavors(const std::string& flavor_type) const = 0;  // {flavors: [...]}
  virtual Json Engines() const = 0;                                // {items: [...]}

  // Blocks until the job's phase is one of `phases` or `timeout_ms` passed
  // (kDeadlineExceeded). Returns the API JSON. For tests and `ma-cli` follow mode.
  virtual Result<Json> WaitForPhase(const std::string& id, const std::vector<std::string>& phases,
                                    int timeout_ms) = 0;
};

Result<std::unique_ptr<JobService>> Create(meta::Database& db, objstore::ObjectStore& objects,
                                           exec::Backend& backend, Clock& clock,
                                           const Options& options);

}  // namespace openarts::train
