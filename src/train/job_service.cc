// The job service: validation, the queue and gang admission, the run lifecycle, staging to and
// from object storage, events, logs and metrics. See train.h for the contract.
//
// Threads: one scheduler thread admits queued jobs, starts their tasks and polls running tasks
// (cheap: a stat and a kill(0) per task); a small worker pool does the slow parts (downloads
// before a job is queued, stopping tasks, uploads after a run). Everything a client can observe
// is written to the store before the in-memory state moves on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/fs.h"
#include "base/ids.h"
#include "base/io.h"
#include "base/log.h"
#include "boot.h"
#include "spec.h"
#include "store.h"
#include "train/train.h"

namespace openarts::train {
namespace {

namespace fs = std::filesystem;

bool IsTerminal(const std::string& phase) {
  return phase == "Completed" || phase == "Failed" || phase == "Terminated" || phase == "Abnormal";
}

struct Resources {
  int64_t cpu_millis = 0, memory_bytes = 0;
  int gpus = 0, npus = 0;
};

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 6060;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 6060;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

int CountDevices(const char* prefix) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/dev", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > std::strlen(prefix) &&
        std::all_of(name.begin() + std::strlen(prefix), name.end(), ::isdigit)) {
      ++n;
    }
  }
  return n;
}

std::string FormatVersion(int v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "V%04d", v);
  return buf;
}

// The human form of a duration for events ("0.296s").
std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

struct Sample {
  int64_t time = 0;
  double cpu = 0;
  double mem_mb = 0;
};

struct TaskState {
  std::string name;
  std::optional<exec::TaskHandle> handle;
  bool done = false;
  exec::TaskStatus status;
};

// A job the service is driving (not finished).
struct Active {
  std::string id, project_id, name;
  JobSpec spec;
  std::string phase;  // Creating | Pending | Running | Terminating
  int priority = 1;
  int64_t create_time = 0;
  int run = 0;              // the current run (0 before the first)
  int runs_used = 0;        // runs started (first + restarts)
  int output_version = 0;
  std::vector<TaskState> tasks;
  bool reserved = false;    // holds pool capacity
  bool busy = false;        // a worker owns the job right now
  bool terminate = false;
  bool finalized = false;
  int64_t run_start = 0;
  std::string reason;       // why pending
  int position = 0;         // 1 = next to start
  std::map<int, std::deque<Sample>> samples;
};

class Service final : public JobService {
 public:
  Service(meta::Database& db, objstore::ObjectStore& objects, exec::Backend& backend, Clock& clock,
          Options options)
      : store_(db), objects_(objects), backend_(backend), clock_(clock), opts_(std::move(options)),
        catalog_(Catalog::Default()) {
    capacity_.cpu_millis = opts_.pool_cpu_millis > 0
                               ? opts_.pool_cpu_millis
                               : static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency())) * 1000;
    if (opts_.pool_memory_bytes > 0) {
      capacity_.memory_bytes = opts_.pool_memory_bytes;
    } else {
      capacity_.memory_bytes = static_cast<int64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGE_SIZE);
    }
    capacity_.gpus = opts_.pool_gpus >= 0 ? opts_.pool_gpus : CountDevices("nvidia");
    capacity_.npus = opts_.pool_npus >= 0 ? opts_.pool_npus : CountDevices("davinci");
  }

  ~Service() override { Stop(); }

  Status Start() override {
    OA_TRY(MakeDirs(opts_.jobs_dir, 0711));
    ::chmod(opts_.jobs_dir.c_str(), 0711);
    OA_TRY(Recover());
    stopping_ = false;
    scheduler_ = std::thread([this] { SchedulerLoop(); });
    for (int i = 0; i < std::max(1, opts_.staging_threads); ++i) {
      workers_.emplace_back([this] { WorkerLoop(); });
    }
    return Status::Ok();
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    work_cv_.notify_all();
    if (scheduler_.joinable()) scheduler_.join();
    for (auto& t : workers_) {
      if (t.joinable()) t.join();
    }
    workers_.clear();
  }

  // ---- API -----------------------------------------------------------------------------------

  Result<Json> Create(const Caller& who, const Json& body) override {
    OA_ASSIGN_OR_RETURN(JobSpec spec, DecodeJobSpec(body, catalog_));
    // Volumes would give a job a view of the host the sandbox exists to deny (an NFS mount needs
    // privileges the daemon should not use for users); refused until an administrator can allow
    // specific sources.
    if (!spec.volumes.empty()) {
      return InvalidArgument("spec.volumes[0]." + spec.volumes[0].kind + ": volumes are not supported by "
                             "the local backend; put the data in object storage and pass it as an "
                             "input (--input NAME=obs://...)");
    }
    OA_TRY(CheckFits(spec));
    OA_TRY(CheckSources(spec, who.project_id));
    // Versions are chosen one job at a time: one more than any in storage and any held by an
    // unfinished job with the same output (it has not uploaded yet). The job is in active_
    // before the lock is released, and leaves it only after its upload.
    std::lock_guard version_lock(version_mu_);
    OA_ASSIGN_OR_RETURN(int version, NextOutputVersion(spec));
    {
      std::lock_guard lock(mu_);
      for (const auto& [other_id, other] : active_) {
        for (const auto& theirs : other->spec.outputs) {
          for (const auto& mine : spec.outputs) {
            if (theirs.obs_url == mine.obs_url) version = std::max(version, other->output_version + 1);
          }
        }
      }
    }
    const int64_t now = clock_.NowMillis();
    JobRow row;
    row.id = NewUuid();
    row.project_id = who.project_id;
    row.workspace_id = spec.workspace_id;
    row.name = spec.name;
    row.description = spec.description;
    row.user_id = who.user_id;
    row.user_name = who.user_name;
    row.spec = spec.ToJson();
    row.phase = "Creating";
    row.secondary_phase = "Creating";
    row.priority = spec.priority;
    row.retry_limit = spec.retry_num;
    row.output_version = version;
    row.create_time = row.update_time = now;
    OA_TRY(store_.Insert(row));
    Event(row.id, "Info", "Job", "Training job created.");
    auto a = std::make_shared<Active>();
    a->id = row.id;
    a->project_id = row.project_id;
    a->name = row.name;
    a->spec = std::move(spec);
    a->phase = "Creating";
    a->priority = row.priority;
    a->create_time = now;
    a->output_version = version;
    {
      std::lock_guard lock(mu_);
      active_[a->id] = a;
      a->busy = true;
      work_.push_back([this, a] { Stage(a); });
    }
    work_cv_.notify_one();
    return Get(row.id);
  }

  Result<JobRef> Ref(const std::string& id) override {
    OA_ASSIGN_OR_RETURN(JobRow row, store_.Get(id));
    return JobRef{row.id, row.project_id, row.workspace_id, row.user_id};
  }

  Result<Json> Get(const std::string& id) override {
    OA_ASSIGN_OR_RETURN(JobRow row, store_.Get(id));
    return ToJson(row);
  }

  Result<Json> UpdateDescription(const std::string& id, const std::string& description) override {
    if (description.size() > 256) {
      return InvalidArgument("metadata.description: at most 256 characters");
    }
    OA_TRY(store_.SetDescription(id, description, clock_.NowMillis()));
    return Get(id);
  }

  Status Delete(const std::string& id) override {
    OA_ASSIGN_OR_RETURN(JobRow row, store_.Get(id));
    if (!IsTerminal(row.phase)) {
      return FailedPrecondition("training job '" + id + "' is " + row.phase +
                                "; stop it first (ma-cli ma-job stop -i " + id + ")");
    }
    OA_TRY(store_.Delete(id));
    std::error_code ec;
    fs::remove_all(JobDirsFor(id).root, ec);
    return Status::Ok();
  }

  Status Terminate(const std::string& id) override {
    OA_ASSIGN_OR_RETURN(JobRow row, store_.Get(id));
    if (IsTerminal(row.phase)) {
      return FailedPrecondition("training job '" + id + "' is already " + row.phase +
                                "; only Creating, Pending and Running jobs can be stopped");
    }
    std::shared_ptr<Active> a;
    {
      std::lock_guard lock(mu_);
      auto it = active_.find(id);
      if (it == active_.end()) return Status::Ok();  // finishing right now
      a = it->second;
      if (a->terminate) return Status::Ok();
      a->terminate = true;
    }
    OA_TRY(store_.SetTerminateRequested(id, clock_.NowMillis()));
    Event(id, "Info", "Job", "Training job is being stopped by the user.");
    {
      std::lock_guard lock(mu_);
      a->phase = "Terminating";
      phase_cv_.notify_all();
    }
    cv_.notify_all();  // the scheduler hands it to a worker when the job is not busy
    return Status::Ok();
  }

  Result<Json> Search(const SearchRequest& request) override {
    OA_ASSIGN_OR_RETURN(auto found, store_.Search(request));
    Json items = Json::array();
    for (const auto& row : found.second) {
      OA_ASSIGN_OR_RETURN(Json j, ToJson(row, /*details=*/false));
      items.push_back(std::move(j));
    }
    const size_t count = items.size();
    return Json{{"total", found.first}, {"count", count}, {"items", std::move(items)}};
  }

  Result<Json> Events(const std::string& id, const EventQuery& query) override {
    OA_TRY(store_.Get(id).status());
    return store_.Events(id, query);
  }

  Result<LogRead> ReadLog(const std::string& id, const std::string& task, uint64_t offset,
                          size_t max_bytes) override {
    OA_ASSIGN_OR_RETURN(JobRow row, store_.Get(id));
    OA_ASSIGN_OR_RETURN(int index, TaskIndex(row, task));
    const std::string dir = JobDirsFor(id).task(index);
    LogRead out;
    if (!fs::exists(dir)) {
      out.finished = IsTerminal(row.phase);
      return out;
    }
    OA_ASSIGN_OR_RETURN(exec::LogChunk chunk, exec::ReadLog(dir, offset, max_bytes));
    out.lines = std::move(chunk.lines);
    out.next_offset = chunk.next_offset;
    out.end_offset = chunk.end_offset;
    out.finished = IsTerminal(row.phase) && chunk.next_offset >= chunk.end_offset;
    return out;
  }

  Result<Json> LogPreview(const std::string& id, const std::string& task) override {
    constexpr uint64_t kPreview = 5ull << 20;
    OA_ASSIGN_OR_RETURN(JobRow row, store_.Get(id));
    OA_ASSIGN_OR_RETURN(int index, TaskIndex(row, task));
    const std::string dir = JobDirsFor(id).task(index);
    uint64_t full = 0;
    std::string content;
    if (fs::exists(dir)) {
      OA_ASSIGN_OR_RETURN(exec::LogChunk probe, exec::ReadLog(dir, UINT64_MAX, 0));
      full = probe.end_offset;
      OA_ASSIGN_OR_RETURN(content, LogText(dir, full > kPreview ? full - kPreview : 0));
    }
    const size_t size = content.size();
    return Json{{"content", std::move(content)}, {"current_size", size}, {"full_size", full}};
  }

  Result<Json> Metrics(const std::string& id, const std::string& task) override {
    OA_ASSIGN_OR_RETURN(JobRow row, store_.Get(id));
    OA_ASSIGN_OR_RETURN(int index, TaskIndex(row, task));
    std::deque<Sample> samples;
    {
      std::lock_guard lock(mu_);
      if (auto it = active_.find(id); it != active_.end()) {
        if (auto s = it->second->samples.find(index); s != it->second->samples.end()) samples = s->second;
      } else if (auto f = finished_samples_.find(id + "/" + task); f != finished_samples_.end()) {
        samples = f->second;
      }
    }
    // 1-minute averages over the last hour, oldest first; -1 = no data.
    const int64_t now = clock_.NowMillis();
    const int64_t minute = 60000;
    const int64_t first = (now / minute - 59) * minute;
    std::vector<double> cpu(60, -1), mem(60, -1);
    std::vector<int> n(60, 0);
    std::vector<double> cpu_sum(60, 0), mem_sum(60, 0);
    for (const auto& s : samples) {
      if (s.time < first) continue;
      const size_t b = static_cast<size_t>((s.time - first) / minute);
      if (b >= 60) continue;
      ++n[b];
      cpu_sum[b] += s.cpu;
      mem_sum[b] += s.mem_mb;
    }
    for (size_t b = 0; b < 60; ++b) {
      if (n[b]) {
        cpu[b] = cpu_sum[b] / n[b];
        mem[b] = mem_sum[b] / n[b];
      }
    }
    Json none = std::vector<double>(60, -1);
    return Json{{"metrics",
                 {{{"metric", "cpuUsage"}, {"value", cpu}},
                  {{"metric", "memUsage"}, {"value", mem}},
                  {{"metric", "gpuUtil"}, {"value", none}},
                  {{"metric", "gpuMemUsage"}, {"value", none}},
                  {{"metric", "npuUtil"}, {"value", none}},
                  {{"metric", "npuMemUsage"}, {"value", none}}}},
                {"interval_seconds", 60},
                {"start_time", first}};
  }

  Json Flavors(const std::string& flavor_type) const override {
    Json out = Json::array();
    for (const auto& f : catalog_.flavors()) {
      if (!flavor_type.empty() && f.type != flavor_type) continue;
      Json j = f.ToJson();
      j["available_here"] = FitsEver(f, 1);
      out.push_back(std::move(j));
    }
    return Json{{"total_count", out.size()}, {"flavors", std::move(out)}};
  }

  Json Engines() const override {
    Json out = Json::array();
    for (const auto& e : catalog_.engines()) out.push_back(e.ToJson());
    return Json{{"total", out.size()}, {"items", std::move(out)}};
  }

  Result<Json> WaitForPhase(const std::string& id, const std::vector<std::string>& phases,
                            int timeout_ms) override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      OA_ASSIGN_OR_RETURN(JobRow row, store_.Get(id));
      if (std::find(phases.begin(), phases.end(), row.phase) != phases.end()) return ToJson(row);
      std::unique_lock lock(mu_);
      if (phase_cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                            std::chrono::milliseconds(200))) ==
              std::cv_status::timeout &&
          std::chrono::steady_clock::now() >= deadline) {
        return DeadlineExceeded("training job '" + id + "' is " + row.phase + " after " +
                                std::to_string(timeout_ms) + " ms");
      }
    }
  }

 private:
  // ---- helpers -------------------------------------------------------------------------------

  static std::string NewUuid() {
    std::string h = NewId();  // 32 hex
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20);
  }

  JobDirs JobDirsFor(const std::string& id) const { return JobDirs{opts_.jobs_dir + "/" + id}; }

  static Result<int> TaskIndex(const JobRow& row, const std::string& task) {
    const int n = row.spec["spec"]["resource"].value("node_count", 1);
    for (int i = 0; i < n; ++i) {
      if (task == TaskName(i)) return i;
    }
    return NotFound("task '" + task + "' not found; this job has worker-0" +
                    (n > 1 ? " .. worker-" + std::to_string(n - 1) : std::string()));
  }

  Resources RequestOf(const Flavor& f, int nodes) const {
    Resources r;
    r.cpu_millis = static_cast<int64_t>(f.cpu * 1000 / opts_.overcommit) * nodes;
    r.memory_bytes = static_cast<int64_t>((static_cast<double>(f.memory_gib) * (1ll << 30)) /
                                          opts_.overcommit) *
                     nodes;
    r.gpus = f.gpu * nodes;
    r.npus = f.npu * nodes;
    return r;
  }

  bool FitsEver(const Flavor& f, int nodes) const {
    const Resources r = RequestOf(f, nodes);
    return r.cpu_millis <= capacity_.cpu_millis && r.memory_bytes <= capacity_.memory_bytes &&
           r.gpus <= capacity_.gpus && r.npus <= capacity_.npus;
  }

  Status CheckFits(const JobSpec& spec) const {
    const Flavor* f = catalog_.FindFlavor(spec.flavor_id);
    const Resources r = RequestOf(*f, spec.node_count);
    auto fail = [&](const std::string& what) {
      std::string fits;
      for (const auto& other : catalog_.flavors()) {
        if (FitsEver(other, spec.node_count)) fits += (fits.empty() ? "" : ", ") + other.id;
      }
      return InvalidArgument("spec.resource: " + std::to_string(spec.node_count) + " x " + f->id +
                             " can never fit this pool: " + what +
                             (fits.empty() ? std::string("; use fewer instances")
                                           : "; flavors that fit: " + fits));
    };
    if (r.gpus > capacity_.gpus) {
      return fail("it needs " + std::to_string(r.gpus) + " GPU(s), the pool has " +
                  std::to_string(capacity_.gpus));
    }
    if (r.npus > capacity_.npus) {
      return fail("it needs " + std::to_string(r.npus) + " Ascend NPU(s), the pool has " +
                  std::to_string(capacity_.npus));
    }
    if (r.cpu_millis > capacity_.cpu_millis) {
      return fail("it reserves " + std::to_string(r.cpu_millis) + " mCPU, the pool has " +
                  std::to_string(capacity_.cpu_millis));
    }
    if (r.memory_bytes > capacity_.memory_bytes) {
      return fail("it reserves " + std::to_string(r.memory_bytes >> 20) + " MiB, the pool has " +
                  std::to_string(capacity_.memory_bytes >> 20));
    }
    return Status::Ok();
  }

  // Pre-submit checks (spec §13): the code and the boot file exist, inputs are not empty.
  Status CheckSources(const JobSpec& spec, const std::string& project_id) {
    if (spec.code_dir.rfind("file://", 0) == 0) {
      const std::string dir = spec.code_dir.substr(7);
      if (!fs::is_directory(dir)) {
        return InvalidArgument("algorithm.code_dir: local directory '" + dir + "' does not exist");
      }
      if (!spec.custom_mode() && !fs::exists(dir + spec.boot_file)) {
        return InvalidArgument("algorithm.boot_file: '" + spec.boot_file + "' is not in " + spec.code_dir);
      }
    } else {
      OA_ASSIGN_OR_RETURN(auto code, objstore::ParseObsUri(spec.code_dir));
      if (!spec.custom_mode() || !spec.boot_file.empty()) {
        if (!spec.boot_file.empty() && spec.boot_file[0] != '/') {
          auto head = objects_.Head(code.bucket, code.key + spec.boot_file);
          if (!head.ok()) {
            return InvalidArgument("algorithm.boot_file: '" + spec.boot_file + "' was not found in " +
                                   spec.code_dir + "; upload it (ma-cli obs-copy) or fix the path");
          }
        }
      }
      OA_ASSIGN_OR_RETURN(bool has_code, NonEmpty(code));
      if (!has_code) {
        return InvalidArgument("algorithm.code_dir: " + spec.code_dir + " is empty; upload the code first");
      }
    }
    for (size_t i = 0; i < spec.inputs.size(); ++i) {
      if (!spec.inputs[i].dataset_id.empty()) {
        std::string f = "algorithm.inputs[" + std::to_string(i) + "].remote.dataset";
        if (!opts_.check_dataset) {
          return InvalidArgument(f + ": this daemon has no data service; use remote.obs.obs_url");
        }
        Status ds = opts_.check_dataset(project_id, spec.inputs[i].dataset_id,
                                        spec.inputs[i].dataset_version_id);
        if (!ds.ok()) return InvalidArgument(f + ": " + ds.message());
        continue;
      }
      OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(spec.inputs[i].obs_url));
      auto nonempty = NonEmpty(uri);
      if (!nonempty.ok() || !*nonempty) {
        return InvalidArgument("algorithm.inputs[" + std::to_string(i) + "] (" + spec.inputs[i].name +
                               "): " + spec.inputs[i].obs_url +
                               " holds no data; upload it or fix the path");
      }
    }
    for (size_t i = 0; i < spec.outputs.size(); ++i) {
      OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(spec.outputs[i].obs_url));
      auto bucket = objects_.GetBucket(uri.bucket);
      if (!bucket.ok()) {
        return InvalidArgument("algorithm.outputs[" + std::to_string(i) + "] (" + spec.outputs[i].name +
                               "): bucket '" + uri.bucket + "' does not exist; create it (ma-cli obs mb)");
      }
    }
    if (!spec.log_url.empty()) {
      OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(spec.log_url));
      if (!objects_.GetBucket(uri.bucket).ok()) {
        return InvalidArgument("spec.log_export_path.obs_url: bucket '" + uri.bucket +
                               "' does not exist; create it (ma-cli obs mb)");
      }
    }
    return Status::Ok();
  }

  Result<bool> NonEmpty(const objstore::ObsUri& uri) {
    objstore::ListOptions lo;
    lo.prefix = uri.key;
    lo.max_keys = 1;
    OA_ASSIGN_OR_RETURN(auto list, objects_.List(uri.bucket, lo));
    return !list.objects.empty();
  }

  // One version number V000k for all outputs: one more than any V#### already under them.
  Result<int> NextOutputVersion(const JobSpec& spec) {
    int highest = 0;
    for (const auto& out : spec.outputs) {
      OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(out.obs_url));
      objstore::ListOptions lo;
      lo.prefix = uri.key;
      lo.delimiter = "/";
      for (;;) {
        auto list = objects_.List(uri.bucket, lo);
        if (!list.ok()) break;
        for (const auto& p : list->common_prefixes) {
          const std::string name = p.substr(uri.key.size());
          if (name.size() == 6 && name[0] == 'V' && name[5] == '/' &&
              std::all_of(name.begin() + 1, name.begin() + 5, ::isdigit)) {
            highest = std::max(highest, std::stoi(name.substr(1, 4)));
          }
        }
        if (!list->is_truncated) break;
        lo.marker = list->next_marker;
      }
    }
    return highest + 1;
  }

  void Event(const std::string& id, const std::string& level, const std::string& source,
             const std::string& message) {
    Status s = store_.AddEvent(id, clock_.NowMillis(), level, source, message);
    if (!s.ok()) OA_LOG_WARN("training job {}: event not recorded: {}", id, s.message());
  }

  // A "[ModelArts Service Log]" line in a task's log (written while no process of it runs).
  void ServiceLog(const std::string& id, int task, const std::string& text) {
    Status st = exec::AppendLogLine(JobDirsFor(id).task(task), "[ModelArts Service Log] " + text,
                                    clock_.NowMillis(), opts_.log);
    if (!st.ok()) OA_LOG_WARN("training job {}: service log line lost: {}", id, st.message());
  }

  // The text of a task's log from absolute offset `offset` to its end.
  static Result<std::string> LogText(const std::string& task_dir, uint64_t offset) {
    std::string text;
    for (;;) {
      OA_ASSIGN_OR_RETURN(exec::LogChunk r, exec::ReadLog(task_dir, offset, 4 << 20));
      for (const auto& line : r.lines) {
        text += line.text;
        text += '\n';
      }
      if (r.next_offset <= offset || r.next_offset >= r.end_offset) return text;
      offset = r.next_offset;
    }
  }

  Result<Json> ToJson(const JobRow& row, bool details = true) {
    Json j;
    j["kind"] = row.spec.value("kind", "job");
    j["metadata"] = {{"id", row.id},
                     {"name", row.name},
                     {"description", row.description},
                     {"workspace_id", row.workspace_id},
                     {"create_time", row.create_time},
                     {"user_id", row.user_id},
                     {"user_name", row.user_name},
                     {"annotations", row.spec["metadata"].value("annotations", Json::object())}};
    const int n = row.spec["spec"]["resource"].value("node_count", 1);
    Json tasks = Json::array();
    for (int i = 0; i < n; ++i) tasks.push_back(TaskName(i));
    const int64_t end = row.end_time ? row.end_time : clock_.NowMillis();
    Json status = {{"phase", row.phase},
                   {"secondary_phase", row.secondary_phase},
                   {"duration", row.start_time ? end - row.start_time : 0},
                   {"start_time", row.start_time},
                   {"end_time", row.end_time},
                   {"tasks", tasks},
                   {"output_version", row.output_version ? FormatVersion(row.output_version) : ""}};
    if (!row.reason.empty()) status["reason"] = row.reason;
    if (row.phase == "Pending") {
      std::lock_guard lock(mu_);
      if (auto it = active_.find(row.id); it != active_.end() && it->second->position > 0) {
        status["queue_position"] = it->second->position;
      }
    }
    if (details) {
      OA_ASSIGN_OR_RETURN(auto runs, store_.Runs(row.id));
      Json records = Json::array();
      for (const auto& r : runs) {
        records.push_back({{"start_at", r.start_at},
                           {"end_at", r.end_at},
                           {"start_type", r.start_type},
                           {"end_reason", r.end_reason},
                           {"end_related_task", r.end_related_task},
                           {"end_recover", r.end_recover}});
      }
      status["running_records"] = records;
      Json statuses = Json::array();
      if (row.run_count > 0) {
        OA_ASSIGN_OR_RETURN(auto ts, store_.Tasks(row.id, row.run_count));
        for (const auto& t : ts) {
          Json s = {{"task", t.task}, {"state", t.state}, {"message", t.message}};
          if (t.state == "Exited" || t.state == "Lost") s["exit_code"] = t.exit_code;
          statuses.push_back(std::move(s));
        }
      }
      status["task_statuses"] = statuses;
    }
    j["status"] = status;
    j["algorithm"] = row.spec["algorithm"];
    j["spec"] = row.spec["spec"];
    return j;
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  Status Recover() {
    OA_ASSIGN_OR_RETURN(auto rows, store_.Active());
    int adopted = 0;
    for (const auto& row : rows) {
      auto spec = DecodeJobSpec(row.spec, catalog_);
      if (!spec.ok()) {
        (void)store_.SetFinished(row.id, "Abnormal", "Unknown",
                                 "the stored job cannot be read: " + spec.status().message(),
                                 clock_.NowMillis());
        continue;
      }
      auto a = std::make_shared<Active>();
      a->id = row.id;
      a->project_id = row.project_id;
      a->name = row.name;
      a->spec = std::move(*spec);
      a->phase = row.phase;
      a->priority = row.priority;
      a->create_time = row.create_time;
      a->output_version = row.output_version;
      a->run = row.run_count;
      a->runs_used = row.run_count;
      a->terminate = row.terminate_requested;
      if (row.phase == "Creating") {
        a->busy = true;
        work_.push_back([this, a] { Stage(a); });
      } else if (row.run_count > 0 && (row.phase == "Running" || row.phase == "Terminating")) {
        OA_ASSIGN_OR_RETURN(auto tasks, store_.Tasks(row.id, row.run_count));
        a->reserved = true;
        Reserve(*a, +1);
        for (const auto& t : tasks) {
          TaskState ts;
          ts.name = t.task;
          if (!t.handle.empty()) {
            auto parsed = ParseJson(t.handle);
            if (parsed.ok()) {
              auto h = exec::TaskHandle::FromJson(*parsed);
              if (h.ok()) ts.handle = *h;
            }
          }
          if (t.state == "Exited" || t.state == "Lost") {
            ts.done = true;
            ts.status.state = t.state == "Lost" ? exec::TaskState::kLost : exec::TaskState::kExited;
            ts.status.exit_code = t.exit_code;
            ts.status.message = t.message;
          } else if (!ts.handle) {
            ts.done = true;  // never started: the daemon died while starting it
            ts.status.state = exec::TaskState::kLost;
            ts.status.exit_code = 137;
            ts.status.message = "the daemon stopped while the task was starting";
          } else {
            ++adopted;
          }
          a->tasks.push_back(std::move(ts));
        }
        a->run_start = clock_.NowMillis();
        Event(row.id, "Info", "Job",
              "Daemon restarted: re-adopting run " + std::to_string(row.run_count) + ".");
      } else if (row.phase == "Running" || row.phase == "Terminating") {
        // Running without a run cannot happen; requeue.
        a->phase = "Pending";
      }
      if (a->phase == "Terminating" && !a->reserved) a->terminate = true;
      active_[a->id] = a;
    }
    if (!rows.empty()) {
      OA_LOG_INFO("training: recovered {} unfinished job(s), re-adopted {} running task(s)",
                  rows.size(), adopted);
    }
    return Status::Ok();
  }

  void Reserve(const Active& a, int sign) {
    const Resources r = RequestOf(*catalog_.FindFlavor(a.spec.flavor_id), a.spec.node_count);
    used_.cpu_millis += sign * r.cpu_millis;
    used_.memory_bytes += sign * r.memory_bytes;
    used_.gpus += sign * r.gpus;
    used_.npus += sign * r.npus;
  }

  // What `r` waits for, or "" if it fits now. REQUIRES: mu_.
  std::string Missing(const Resources& r) const {
    auto short_of = [](const char* what, int64_t need, int64_t free, const char* unit) {
      return std::string("waiting for ") + what + ": needs " + std::to_string(need) + unit + ", " +
             std::to_string(std::max<int64_t>(0, free)) + unit + " free";
    };
    if (r.cpu_millis > capacity_.cpu_millis - used_.cpu_millis) {
      return short_of("CPU", r.cpu_millis, capacity_.cpu_millis - used_.cpu_millis, " mCPU");
    }
    if (r.memory_bytes > capacity_.memory_bytes - used_.memory_bytes) {
      return short_of("memory", r.memory_bytes >> 20, (capacity_.memory_bytes - used_.memory_bytes) >> 20,
                      " MiB");
    }
    if (r.gpus > capacity_.gpus - used_.gpus) {
      return short_of("GPUs", r.gpus, capacity_.gpus - used_.gpus, "");
    }
    if (r.npus > capacity_.npus - used_.npus) {
      return short_of("NPUs", r.npus, capacity_.npus - used_.npus, "");
    }
    return "";
  }

  // Creating: the job directory, code and inputs (and pre-downloaded outputs), then the queue.
  void Stage(std::shared_ptr<Active> a) {
    const JobDirs dirs = JobDirsFor(a->id);
    Status s = Prepare(*a, dirs);
    std::lock_guard lock(mu_);
    a->busy = false;
    if (!s.ok()) {
      finish_.push_back({a, "Failed", "CreateFailed", s.message()});
    } else if (a->phase == "Creating") {
      a->phase = "Pending";
      pending_dirty_ = true;
    }
    cv_.notify_all();
  }

  Status Prepare(Active& a, const JobDirs& dirs) {
    const JobSpec& spec = a.spec;
    std::error_code ec;
    fs::remove_all(dirs.root + "/code", ec);
    for (const std::string& d : {dirs.root, dirs.root + "/tasks", dirs.root + "/inputs",
                                 dirs.root + "/outputs", dirs.root + "/cache"}) {
      OA_TRY(MakeDirs(d, 0711));
      ::chmod(d.c_str(), 0711);
    }
    ::chmod((dirs.root + "/tasks").c_str(), 0700);
    const int64_t t0 = clock_.NowMillis();
    Event(a.id, "Info", "Task", "[worker-0] Download code started.");
    if (spec.code_dir.rfind("file://", 0) == 0) {
      fs::copy(spec.code_dir.substr(7), dirs.code(),
               fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
      if (ec) return Unavailable("copy code from " + spec.code_dir + ": " + ec.message());
    } else {
      OA_TRY(Download(spec.code_dir, dirs.code()));
    }
    Event(a.id, "Info", "Task",
          "[worker-0][time used: " + Seconds(clock_.NowMillis() - t0) + "] Download code finished.");
    for (size_t i = 0; i < spec.inputs.size(); ++i) {
      const int64_t t1 = clock_.NowMillis();
      if (!spec.inputs[i].dataset_id.empty()) {
        if (!opts_.stage_dataset) return Unavailable("dataset inputs need the data service");
        OA_TRY(MakeDirs(dirs.input(i), 0755));
        OA_TRY(opts_.stage_dataset(a.project_id, spec.inputs[i].dataset_id, spec.inputs[i].dataset_version_id,
                                   dirs.input(i)));
      } else {
        OA_TRY(Download(spec.inputs[i].obs_url, dirs.input(i)));
      }
      Event(a.id, "Info", "Task",
            "[worker-0][time used: " + Seconds(clock_.NowMillis() - t1) +
                "] Download training input(parameter name: " + spec.inputs[i].name + ") finished.");
    }
    for (size_t i = 0; i < spec.outputs.size(); ++i) {
      OA_TRY(MakeDirs(dirs.output(i), 0755));
      if (spec.outputs[i].download) {
        OA_TRY(Download(spec.outputs[i].obs_url, dirs.output(i)));
        Event(a.id, "Info", "Task",
              "[worker-0] Pre-download of output(parameter name: " + spec.outputs[i].name + ") finished.");
      }
    }
    OA_TRY(MakeDirs(dirs.log(), 0755));
    for (int i = 0; i < spec.node_count; ++i) OA_TRY(MakeDirs(dirs.cache(i), 0755));
    // Interpreter symlinks for the conda paths ModelArts images have.
    fs::remove_all(dirs.conda(), ec);
    OA_TRY(MakeDirs(dirs.conda() + "/bin", 0755));
    fs::create_symlink("/usr/bin/python3", dirs.conda() + "/bin/python", ec);
    for (const auto& env : CondaEnvNames(spec)) {
      if (env.find('/') != std::string::npos || env == "." || env == "..") continue;
      const std::string bin = dirs.conda() + "/envs/" + env + "/bin";
      OA_TRY(MakeDirs(bin, 0755));
      fs::create_symlink("/usr/bin/python3", bin + "/python", ec);
      fs::create_symlink("/usr/bin/python3", bin + "/python3", ec);
    }
    OA_TRY(WriteFileAtomic(dirs.hosts(), HostsFile(a.id, spec.node_count), 0644));
    // The task runs as run_uid: it owns what it may write.
    if (::geteuid() == 0) {
      std::vector<std::string> owned = {dirs.code(), dirs.log(), dirs.root + "/inputs",
                                        dirs.root + "/outputs", dirs.root + "/cache"};
      for (const auto& d : owned) {
        ChownTree(d, a.spec.run_user, opts_.run_gid);
      }
    }
    return Status::Ok();
  }

  static void ChownTree(const std::string& dir, int uid, int gid) {
    std::error_code ec;
    (void)::lchown(dir.c_str(), uid, gid);
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      (void)::lchown(it->path().c_str(), uid, gid);
    }
  }

  Status Download(const std::string& url, const std::string& dest) {
    OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(url));
    OA_TRY(MakeDirs(dest, 0755));
    objstore::ListOptions lo;
    lo.prefix = uri.key;
    for (;;) {
      OA_ASSIGN_OR_RETURN(auto list, objects_.List(uri.bucket, lo));
      for (const auto& obj : list.objects) {
        std::string rel = obj.key.substr(uri.key.size());
        if (rel.empty() || rel.back() == '/') continue;  // folder markers
        if (rel.find("..") != std::string::npos) continue;
        const fs::path path = fs::path(dest) / rel;
        OA_TRY(MakeDirs(path.parent_path(), 0755));
        OA_ASSIGN_OR_RETURN(auto handle, objects_.Get(uri.bucket, obj.key));
        std::string data(handle.info.size, '\0');
        uint64_t off = 0;
        while (off < data.size()) {
          OA_ASSIGN_OR_RETURN(size_t n, handle.reader->ReadAt(off, data.data() + off, data.size() - off));
          if (n == 0) break;
          off += n;
        }
        OA_TRY(WriteFileAtomic(path, data, 0644));
      }
      if (!list.is_truncated) break;
      lo.marker = list.next_marker;
    }
    return Status::Ok();
  }

  // Uploads every file under `dir` to `url` (obs://bucket/prefix/). Returns the file count.
  Result<int> Upload(const std::string& dir, const std::string& url) {
    OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(url));
    int count = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      const std::string rel = fs::relative(it->path(), dir).generic_string();
      OA_ASSIGN_OR_RETURN(auto src, OpenFileSource(it->path().string()));
      OA_TRY(objects_.Put(uri.bucket, uri.key + rel, *src).status());
      ++count;
    }
    return count;
  }

  void UploadResults(Active& a) {
    const JobDirs dirs = JobDirsFor(a.id);
    for (size_t i = 0; i < a.spec.outputs.size(); ++i) {
      const auto& out = a.spec.outputs[i];
      const std::string dest = out.obs_url + FormatVersion(a.output_version) + "/";
      const int64_t t0 = clock_.NowMillis();
      auto n = Upload(dirs.output(i), dest);
      if (n.ok()) {
        Event(a.id, "Info", "Task",
              "[worker-0][time used: " + Seconds(clock_.NowMillis() - t0) +
                  "] Upload training output(parameter name: " + out.name + ") finished: " +
                  std::to_string(*n) + " file(s) to " + dest);
      } else {
        Event(a.id, "Error", "Task",
              "[worker-0] Upload training output(parameter name: " + out.name +
                  ") failed: " + n.status().message());
      }
    }
    if (!a.spec.log_url.empty()) {
      for (int i = 0; i < a.spec.node_count; ++i) {
        auto text = LogText(dirs.task(i), 0);
        if (!text.ok()) {
          Event(a.id, "Warning", "Task", "[" + TaskName(i) + "] Log upload failed: " + text.status().message());
          continue;
        }
        auto uri = objstore::ParseObsUri(a.spec.log_url);
        if (!uri.ok()) break;
        StringSource src(std::move(*text));
        auto put = objects_.Put(uri->bucket, uri->key + a.name + "-" + TaskName(i) + ".log", src);
        if (!put.ok()) {
          Event(a.id, "Warning", "Task", "[" + TaskName(i) + "] Log upload failed: " + put.status().message());
        }
      }
    }
  }

  // Starts run a->run + 1. Called on a worker (the job is busy) with mu_ NOT held. Returns false when the
  // job was failed instead.
  bool StartRun(const std::shared_ptr<Active>& a, bool restart) {
    const int run = a->run + 1;
    const JobDirs dirs = JobDirsFor(a->id);
    const int64_t now = clock_.NowMillis();
    Status s = store_.BeginRun(a->id, run, restart ? "restarted" : "init_or_rescheduled",
                               a->spec.node_count, now);
    if (!s.ok()) {
      OA_LOG_ERROR("training job {}: cannot record run {}: {}", a->id, run, s.message());
      return false;
    }
    BootContext ctx;
    ctx.job_id = a->id;
    ctx.run = run;
    ctx.master_port = FreePort();
    ctx.sandbox = backend_.capabilities().sandbox;
    ctx.project_id = a->project_id;
    ctx.daemon_url = opts_.daemon_url;
    ctx.hidden_paths = opts_.hidden_paths;
    ctx.uid = a->spec.run_user;
    ctx.gid = opts_.run_gid;
    ctx.log = opts_.log;
    if (const Engine* e = catalog_.FindEngine(a->spec.engine_name, a->spec.engine_version)) {
      ctx.python = e->python;
    }
    std::vector<TaskState> tasks;
    std::string failure;
    for (int i = 0; i < a->spec.node_count; ++i) {
      ctx.task_index = i;
      exec::TaskSpec ts = BuildTaskSpec(a->spec, dirs, ctx);
      const Flavor* f = catalog_.FindFlavor(a->spec.flavor_id);
      ts.limits.cpu_millis = std::min<int64_t>(f->cpu * 1000, capacity_.cpu_millis);
      ts.limits.memory_bytes = std::min<int64_t>(static_cast<int64_t>(f->memory_gib) << 30,
                                                 capacity_.memory_bytes);
      ServiceLog(a->id, i, "Training started: run " + std::to_string(run) +
                               (restart ? " (restarted)" : "") + ", " + TaskName(i) + " of " +
                               std::to_string(a->spec.node_count) + ".");
      auto h = backend_.Start(ts);
      TaskState t;
      t.name = TaskName(i);
      if (!h.ok()) {
        failure = "[" + t.name + "] cannot start: " + h.status().message();
        tasks.push_back(std::move(t));
        break;
      }
      t.handle = *h;
      (void)store_.SetTaskHandle(a->id, run, t.name, h->ToJson().dump());
      tasks.push_back(std::move(t));
    }
    {
      std::lock_guard lock(mu_);
      a->run = run;
      a->runs_used++;
      a->tasks = std::move(tasks);
      a->run_start = now;
    }
    if (!failure.empty()) {
      Event(a->id, "Error", "Task", failure);
      for (auto& t : a->tasks) {
        if (t.handle) (void)backend_.Stop(*t.handle, 0);
      }
      (void)store_.EndRun(a->id, run, clock_.NowMillis(), "CreateFailed", "", "");
      std::lock_guard lock(mu_);
      finish_.push_back({a, "Failed", "CreateFailed", failure});
      return false;
    }
    (void)store_.SetStarted(a->id, clock_.NowMillis());
    if (!backend_.capabilities().sandbox) {
      Event(a->id, "Warning", "Job",
            "Tasks run without a sandbox: " + backend_.capabilities().sandbox_reason);
    }
    if (!backend_.capabilities().cgroups) {
      Event(a->id, "Warning", "Job",
            "CPU and memory limits are not enforced: " + backend_.capabilities().cgroups_reason);
    }
    for (const auto& t : a->tasks) Event(a->id, "Info", "Task", "[" + t.name + "] Started.");
    Event(a->id, "Info", "Job",
          restart ? "Training job restarted (run " + std::to_string(run) + ")." : "Training job is running.");
    {
      std::lock_guard lock(mu_);
      a->phase = "Running";
      phase_cv_.notify_all();
    }
    return true;
  }

  struct Finish {
    std::shared_ptr<Active> job;
    std::string phase, secondary, reason;
  };

  // The scheduler: admission, polling, metrics, finishing. Runs until Stop().
  void SchedulerLoop() {
    int64_t last_sample = 0;
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::milliseconds(opts_.poll_interval_ms));
      if (stopping_) break;

      // 1. Jobs that end without running (failed staging, terminated while queued).
      std::vector<Finish> finish;
      finish.swap(finish_);
      for (auto& [id, a] : active_) {
        if (a->terminate && !a->busy && !a->reserved && a->phase != "Terminated") {
          finish.push_back({a, "Terminated", "Terminated", "stopped by the user"});
          a->busy = true;
        }
      }
      // 2. Running jobs: task exits, stops, auto-stop.
      std::vector<std::shared_ptr<Active>> to_poll;
      for (auto& [id, a] : active_) {
        if (a->reserved && !a->busy && a->phase != "Pending") to_poll.push_back(a);
      }
      lock.unlock();
      for (auto& f : finish) Finalize(f);
      for (auto& a : to_poll) PollJob(a);
      lock.lock();

      // 3. Admission: strict FIFO within priority, all tasks of a job or none.
      std::vector<std::shared_ptr<Active>> queue;
      for (auto& [id, a] : active_) {
        if (a->phase == "Pending" && !a->busy && !a->reserved && !a->terminate) queue.push_back(a);
      }
      std::sort(queue.begin(), queue.end(), [](const auto& x, const auto& y) {
        if (x->priority != y->priority) return x->priority > y->priority;
        if (x->create_time != y->create_time) return x->create_time < y->create_time;
        return x->id < y->id;
      });
      std::vector<std::shared_ptr<Active>> admit;
      for (size_t i = 0; i < queue.size(); ++i) {
        auto& a = queue[i];
        const std::string missing =
            Missing(RequestOf(*catalog_.FindFlavor(a->spec.flavor_id), a->spec.node_count));
        if (missing.empty()) {
          Reserve(*a, +1);
          a->reserved = true;
          admit.push_back(a);
          continue;
        }
        // The head waits for capacity; everything behind it waits for the head. The reason is
        // stored when it changes kind (not on every move of the queue: 1,000 queued jobs must
        // not mean 1,000 writes per admission); the live position is in status.queue_position.
        for (size_t k = i; k < queue.size(); ++k) {
          queue[k]->position = static_cast<int>(k - i) + 1;
          std::string reason = k == i ? missing : "queued behind earlier jobs (first come, first served within a priority)";
          if (queue[k]->reason != reason) {
            const bool first_time = queue[k]->reason.empty() || queue[k]->reason == "queued";
            queue[k]->reason = reason;
            lock.unlock();
            (void)store_.SetPhase(queue[k]->id, "Pending", "Queuing", reason, clock_.NowMillis());
            if (first_time) Event(queue[k]->id, "Info", "Job", "Training job is queuing: " + reason + ".");
            lock.lock();
          }
        }
        break;
      }
      if (pending_dirty_) {
        pending_dirty_ = false;
        for (auto& a : queue) {
          if (a->reason.empty() && std::find(admit.begin(), admit.end(), a) == admit.end()) {
            a->reason = "queued";
            lock.unlock();
            (void)store_.SetPhase(a->id, "Pending", "Queuing", "", clock_.NowMillis());
            lock.lock();
          }
        }
      }
      // Starting is handed to the workers: a slow start (a busy machine delays the shim) must not
      // hold back admissions and exit checks of every other job.
      for (auto& a : admit) {
        a->busy = true;
        work_.push_back([this, a] {
          StartRun(a, /*restart=*/false);
          std::lock_guard guard(mu_);
          a->busy = false;
          cv_.notify_all();
        });
      }
      if (!admit.empty()) work_cv_.notify_all();
      lock.unlock();
      const int64_t now = clock_.NowMillis();
      if (now - last_sample >= opts_.sample_interval_ms) {
        last_sample = now;
        SampleAll();
      }
      lock.lock();
      phase_cv_.notify_all();
    }
  }

  void PollJob(const std::shared_ptr<Active>& a) {
    bool any_failed = false, all_done = true;
    std::string failed_task;
    int failed_code = 0;
    for (auto& t : a->tasks) {
      if (!t.done && t.handle) {
        exec::TaskStatus st = backend_.Poll(*t.handle);
        if (st.state != exec::TaskState::kRunning) {
          t.done = true;
          t.status = st;
          const bool lost = st.state == exec::TaskState::kLost;
          if (lost) t.status.exit_code = 137;
          (void)store_.SetTaskExit(a->id, a->run, t.name, lost ? "Lost" : "Exited", t.status.exit_code,
                                   st.message);
          Event(a->id, t.status.exit_code == 0 ? "Info" : "Error", "Task",
                "[" + t.name + "] Training finished. Exit code " + std::to_string(t.status.exit_code) +
                    (lost ? " (the task's supervisor was lost)." : "."));
        }
      }
      if (!t.done) all_done = false;
      if (t.done && t.status.exit_code != 0 && !any_failed) {
        any_failed = true;
        failed_task = t.name;
        failed_code = t.status.exit_code;
      }
    }
    const bool timed_out = a->spec.auto_stop_ms > 0 && clock_.NowMillis() - a->run_start > a->spec.auto_stop_ms;
    std::lock_guard lock(mu_);
    if (a->terminate) {
      a->busy = true;
      work_.push_back([this, a] { EndRun(a, "terminated", "", 0, /*terminate=*/true); });
    } else if (timed_out) {
      a->busy = true;
      a->terminate = true;
      work_.push_back([this, a] { EndRun(a, "auto_stop", "", 0, /*terminate=*/true); });
    } else if (any_failed || all_done) {
      a->busy = true;
      work_.push_back([this, a, failed_task, failed_code, any_failed] {
        EndRun(a, any_failed ? "failed" : "completed", failed_task, failed_code, false);
      });
    } else {
      return;
    }
    work_cv_.notify_one();
  }

  // On a worker: stop what still runs, close the run, then restart, or upload and finish.
  void EndRun(std::shared_ptr<Active> a, const std::string& why, const std::string& failed_task,
              int failed_code, bool terminate) {
    const int grace = opts_.stop_grace_ms;
    for (auto& t : a->tasks) {
      if (t.done || !t.handle) continue;
      Status s = backend_.Stop(*t.handle, grace);
      if (!s.ok()) OA_LOG_WARN("training job {}: stop {}: {}", a->id, t.name, s.message());
      t.status = backend_.Poll(*t.handle);
      t.done = true;
      if (t.status.state == exec::TaskState::kRunning) t.status.exit_code = 137;
      (void)store_.SetTaskExit(a->id, a->run, t.name, "Exited", t.status.exit_code,
                               terminate ? "stopped" : "stopped: another task failed");
      Event(a->id, "Info", "Task", "[" + t.name + "] Stopped (" + t.status.message + ").");
    }
    for (auto& t : a->tasks) {
      if (t.handle) (void)backend_.Release(*t.handle);
    }
    const int64_t now = clock_.NowMillis();
    if (terminate) {
      (void)store_.EndRun(a->id, a->run, now, why == "auto_stop" ? "auto_stop" : "terminated", "", "");
      UploadResults(*a);
      Finalize({a, "Terminated", "Terminated",
                why == "auto_stop" ? "stopped after the maximum running time" : "stopped by the user"});
      return;
    }
    if (why == "completed") {
      (void)store_.EndRun(a->id, a->run, now, "completed", "", "");
      UploadResults(*a);
      Event(a->id, "Info", "Job", "Training job completed.");
      Finalize({a, "Completed", "Completed", ""});
      return;
    }
    // Failed: retry by policy (spec §11): exit codes 128-255 (signals, environment faults) are
    // retried; 1-127 only with fault-tolerance/job-unconditional-retry.
    const bool retryable = a->spec.unconditional_retry || failed_code >= 128;
    const bool can_retry = retryable && a->runs_used <= a->spec.retry_num;
    (void)store_.EndRun(a->id, a->run, now, "[" + failed_task + "] exit code " + std::to_string(failed_code),
                        failed_task, can_retry ? "job_reschedule" : "");
    if (can_retry) {
      Event(a->id, "Warning", "Job",
            "[" + failed_task + "] failed with exit code " + std::to_string(failed_code) +
                "; restarting the job (restart " + std::to_string(a->runs_used) + " of " +
                std::to_string(a->spec.retry_num) + ").");
      {
        std::lock_guard lock(mu_);
        if (a->terminate) {  // stopped while we were deciding
          a->busy = false;
          cv_.notify_all();
          return;
        }
      }
      if (StartRun(a, /*restart=*/true)) {
        std::lock_guard lock(mu_);
        a->busy = false;
        cv_.notify_all();
      }
      return;
    }
    UploadResults(*a);
    std::string reason = "[" + failed_task + "] exit code " + std::to_string(failed_code);
    if (retryable && a->spec.retry_num > 0) reason += " (no restarts left)";
    Event(a->id, "Error", "Job", "Training job failed: " + reason + ".");
    Finalize({a, "Failed", "Failed", reason});
  }

  void Finalize(const Finish& f) {
    {
      std::lock_guard lock(mu_);
      if (f.job->finalized) return;
      f.job->finalized = true;
    }
    Status s = store_.SetFinished(f.job->id, f.phase, f.secondary, f.reason, clock_.NowMillis());
    if (!s.ok()) OA_LOG_ERROR("training job {}: cannot record {}: {}", f.job->id, f.phase, s.message());
    if (f.phase == "Terminated") Event(f.job->id, "Info", "Job", "Training job terminated.");
    if (f.phase == "Failed" && f.secondary == "CreateFailed") {
      Event(f.job->id, "Error", "Job", "Training job failed to start: " + f.reason);
    }
    std::lock_guard lock(mu_);
    if (f.job->reserved) {
      Reserve(*f.job, -1);
      f.job->reserved = false;
    }
    for (auto& [task, samples] : f.job->samples) {
      finished_samples_[f.job->id + "/" + TaskName(task)] = samples;
    }
    if (finished_samples_.size() > 1000) finished_samples_.erase(finished_samples_.begin());
    f.job->phase = f.phase;
    active_.erase(f.job->id);
    cv_.notify_all();
    phase_cv_.notify_all();
  }

  void SampleAll() {
    std::vector<std::shared_ptr<Active>> running;
    {
      std::lock_guard lock(mu_);
      for (auto& [id, a] : active_) {
        if (a->phase == "Running" && !a->busy) running.push_back(a);
      }
    }
    const int64_t now = clock_.NowMillis();
    for (auto& a : running) {
      for (size_t i = 0; i < a->tasks.size(); ++i) {
        const auto& t = a->tasks[i];
        if (t.done || !t.handle) continue;
        auto u = backend_.Sample(*t.handle);
        if (!u.ok()) continue;
        std::lock_guard lock(mu_);
        auto& d = a->samples[static_cast<int>(i)];
        d.push_back({now, u->cpu_percent, static_cast<double>(u->memory_bytes) / (1 << 20)});
        while (d.size() > 3 * 24 * 3600 * 1000ull / std::max(1, opts_.sample_interval_ms)) d.pop_front();
      }
    }
  }

  void WorkerLoop() {
    std::unique_lock lock(mu_);
    for (;;) {
      work_cv_.wait(lock, [&] { return stopping_ || !work_.empty(); });
      if (stopping_) return;
      auto fn = std::move(work_.front());
      work_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  Store store_;
  objstore::ObjectStore& objects_;
  exec::Backend& backend_;
  Clock& clock_;
  const Options opts_;
  const Catalog& catalog_;
  Resources capacity_, used_;

  std::mutex version_mu_;  // Create() picks output versions one job at a time
  std::mutex mu_;
  std::condition_variable cv_, work_cv_, phase_cv_;
  bool stopping_ = true;
  bool pending_dirty_ = false;
  std::map<std::string, std::shared_ptr<Active>> active_;
  std::vector<Finish> finish_;
  std::deque<std::function<void()>> work_;
  std::map<std::string, std::deque<Sample>> finished_samples_;
  std::thread scheduler_;
  std::vector<std::thread> workers_;
};

}  // namespace

Result<std::unique_ptr<JobService>> Create(meta::Database& db, objstore::ObjectStore& objects,
                                           exec::Backend& backend, Clock& clock,
                                           const Options& options) {
  if (options.jobs_dir.empty() || options.jobs_dir[0] != '/') {
    return InvalidArgument("train: jobs_dir must be an absolute path");
  }
  if (options.overcommit < 1) return InvalidArgument("train: overcommit must be at least 1");
  return std::unique_ptr<JobService>(
      std::make_unique<Service>(db, objects, backend, clock, options));
}

}  // namespace openarts::train
