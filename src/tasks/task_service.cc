// The task runner: N threads that claim the oldest Queued row, run its handler and record the
// outcome. All coordination between runners, Cancel() and recovery goes through the database
// (conditional UPDATEs inside transactions, checked by their change counts); the in-memory state
// only carries what the database cannot: wake-ups and the cancelled() flags of running handlers.
//
// Lock order: a database write transaction may take mu_ inside it (to publish a claimed task or a
// cancel flag atomically with the row change); nothing calls the database while holding mu_.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/ids.h"
#include "base/log.h"
#include "task_store.h"
#include "tasks/tasks.h"

namespace openarts::tasks {

namespace {

// Progress reports without a checkpoint are persisted at most this often; handlers may report
// per item without turning every item into a synchronous commit.
constexpr int64_t kProgressWriteIntervalMs = 250;

bool IsFinished(TaskStatus s) {
  return s == TaskStatus::kSucceeded || s == TaskStatus::kFailed || s == TaskStatus::kCancelled;
}

std::string NoHandlerMessage(const std::string& type) {
  return "no handler for task type '" + type + "'";
}

// Shared between a running handler's context and Cancel().
struct RunState {
  std::atomic<bool> cancel_requested{false};
};

struct Registration {
  TaskHandler handler;
  HandlerOptions options;
};

class TaskServiceImpl;

class Context : public TaskContext {
 public:
  Context(TaskServiceImpl& service, TaskInfo task, std::shared_ptr<RunState> state)
      : service_(service), task_(std::move(task)), state_(std::move(state)) {}

  const TaskInfo& task() const override { return task_; }
  bool cancelled() const override;
  Status ReportProgress(double fraction, const std::string& checkpoint) override;

  bool user_cancelled() const { return state_->cancel_requested.load(); }
  double progress() const { return task_.progress; }

 private:
  TaskServiceImpl& service_;
  TaskInfo task_;
  std::shared_ptr<RunState> state_;
  int64_t last_write_ms_ = -1;  // -1: nothing persisted yet, so the first report always is
};

class TaskServiceImpl : public TaskService {
 public:
  TaskServiceImpl(meta::Database& db, Clock& clock, const Options& options)
      : db_(db), clock_(clock), options_(options) {}

  ~TaskServiceImpl() override { Stop(); }

  void Register(const std::string& type, TaskHandler handler, HandlerOptions options) override {
    std::lock_guard lock(mu_);
    OA_CHECK(state_ == State::kNew);  // REQUIRES: before Start()
    handlers_[type] = Registration{std::move(handler), options};
  }

  Status Start() override {
    {
      std::lock_guard lock(mu_);
      if (state_ != State::kNew) {
        return FailedPrecondition(
            "the task service was already started or stopped; create a new one");
      }
      state_ = State::kStarting;
    }
    Status s = Recover();
    std::lock_guard lock(mu_);
    if (state_ == State::kStopped) {
      return FailedPrecondition("the task service was stopped while starting");
    }
    if (!s.ok()) {
      state_ = State::kNew;  // nothing ran; the caller may fix the store and try again
      return s.WithContext("recovering interrupted tasks");
    }
    state_ = State::kRunning;
    for (int i = 0; i < std::max(1, options_.max_concurrency); ++i) {
      runners_.emplace_back([this] { RunnerLoop(); });
    }
    return Status::Ok();
  }

  void Stop() override {
    std::vector<std::thread> runners;
    {
      std::lock_guard lock(mu_);
      if (state_ == State::kStopped) return;
      state_ = State::kStopped;
      stopping_ = true;
      runners.swap(runners_);
    }
    work_cv_.notify_all();
    for (auto& t : runners) t.join();
    // Waiters blocked on tasks that will now only finish in a later process should re-check.
    NotifyFinished();
  }

  Result<TaskInfo> Submit(const std::string& project_id, const std::string& workspace_id,
                          const std::string& type, const Json& params, const std::string& created_by,
                          const std::string& subject) override {
    if (project_id.empty()) return InvalidArgument("project_id is required");
    {
      std::lock_guard lock(mu_);
      if (!handlers_.contains(type)) {
        return InvalidArgument("task type '" + type + "' is not known to this server");
      }
    }
    TaskInfo t;
    t.id = NewId();
    t.project_id = project_id;
    t.workspace_id = workspace_id.empty() ? "0" : workspace_id;
    t.type = type;
    t.status = TaskStatus::kQueued;
    t.params = params.is_null() ? Json::object() : params;
    t.subject = subject;
    t.created_by = created_by;
    t.create_time = t.update_time = clock_.NowMillis();
    OA_TRY(store::Insert(db_, t).WithContext("saving task"));
    {
      std::lock_guard lock(mu_);
      ++work_generation_;
    }
    work_cv_.notify_one();
    return t;
  }

  Result<TaskInfo> Get(const std::string& id) override {
    OA_ASSIGN_OR_RETURN(std::optional<TaskInfo> t, store::Get(db_, id));
    if (!t) return NotFound("task '" + id + "' does not exist");
    return std::move(*t);
  }

  Result<std::vector<TaskInfo>> List(const ListFilter& filter) override {
    if (filter.limit < 1 || filter.limit > 1000) {
      return InvalidArgument("limit must be between 1 and 1000, got " +
                             std::to_string(filter.limit));
    }
    if (filter.offset < 0) {
      return InvalidArgument("offset must not be negative, got " + std::to_string(filter.offset));
    }
    return store::List(db_, filter);
  }

  Status Cancel(const std::string& id) override {
    bool finished_now = false;
    Status s = db_.Transact([&](meta::Tx& tx) -> Status {
      OA_ASSIGN_OR_RETURN(std::optional<TaskInfo> t, store::Get(tx, id));
      if (!t) return NotFound("task '" + id + "' does not exist");
      int64_t now = clock_.NowMillis();
      switch (t->status) {
        case TaskStatus::kQueued: {
          OA_ASSIGN_OR_RETURN(
              finished_now,
              store::MarkFinished(tx, id, {.from = TaskStatus::kQueued,
                                           .to = TaskStatus::kCancelled},
                                  now));
          if (!finished_now) return Unavailable("task '" + id + "' changed state; retry");
          return Status::Ok();
        }
        case TaskStatus::kRunning: {
          OA_ASSIGN_OR_RETURN(bool changed, store::RequestCancel(tx, id, now));
          if (!changed) return Unavailable("task '" + id + "' changed state; retry");
          // Inside the transaction, so a runner that claimed this row before us has already
          // published its RunState (it does so inside the claiming transaction).
          std::lock_guard lock(mu_);
          if (auto it = running_.find(id); it != running_.end()) {
            it->second->cancel_requested = true;
          }
          return Status::Ok();
        }
        default:
          return FailedPrecondition("task is already " + std::string(TaskStatusName(t->status)));
      }
    });
    if (finished_now && s.ok()) NotifyFinished();
    return s;
  }

  Result<TaskInfo> WaitFor(const std::string& id, int timeout_ms) override {
    using namespace std::chrono;
    auto deadline = steady_clock::now() + milliseconds(std::max(0, timeout_ms));
    for (;;) {
      uint64_t seen;
      {
        std::lock_guard lock(mu_);
        seen = finished_generation_;
      }
      OA_ASSIGN_OR_RETURN(TaskInfo t, Get(id));
      if (IsFinished(t.status)) return t;
      auto now = steady_clock::now();
      if (now >= deadline) {
        return DeadlineExceeded("task '" + id + "' is still " +
                                std::string(TaskStatusName(t.status)) + " after " +
                                std::to_string(timeout_ms) + " ms");
      }
      // The notification covers tasks finished by this process; the poll covers the rest
      // (another process sharing the store).
      auto until = std::min(deadline, now + milliseconds(std::max(1, options_.poll_interval_ms)));
      std::unique_lock lock(mu_);
      finished_cv_.wait_until(lock, until, [&] { return finished_generation_ != seen; });
    }
  }

  // For Context.
  meta::Database& db() { return db_; }
  Clock& clock() { return clock_; }
  bool stopping() const { return stopping_.load(); }

 private:
  enum class State { kNew, kStarting, kRunning, kStopped };

  struct Claimed {
    TaskInfo task;
    const Registration* registration;
    std::shared_ptr<RunState> state;
  };

  // Tasks left Running by a previous process: that process is gone, so nobody is running them.
  // REQUIRES: no other process runs tasks against this store.
  Status Recover() {
    int recovered = 0;
    OA_TRY(db_.Transact([&](meta::Tx& tx) -> Status {
      OA_ASSIGN_OR_RETURN(std::vector<store::RunningRef> running, store::AllRunning(tx));
      int64_t now = clock_.NowMillis();
      for (const auto& r : running) {
        auto it = handlers_.find(r.type);
        store::Finish failed{.from = TaskStatus::kRunning, .to = TaskStatus::kFailed};
        if (r.cancel_requested) {
          // The user asked for it to stop, and it did.
          OA_TRY(store::MarkFinished(tx, r.id, {.to = TaskStatus::kCancelled}, now).status());
        } else if (it == handlers_.end()) {
          failed.error = NoHandlerMessage(r.type);
          OA_TRY(store::MarkFinished(tx, r.id, failed, now).status());
        } else if (!it->second.options.resumable) {
          failed.error = "interrupted by a daemon restart";
          OA_TRY(store::MarkFinished(tx, r.id, failed, now).status());
        } else if (r.attempts >= it->second.options.max_attempts) {
          failed.error = "interrupted by a daemon restart too many times";
          OA_TRY(store::MarkFinished(tx, r.id, failed, now).status());
        } else {
          OA_TRY(store::Requeue(tx, r.id, now).status());
        }
        ++recovered;
      }
      return Status::Ok();
    }));
    if (recovered > 0) {
      OA_LOG_INFO("tasks: recovered {} task(s) interrupted by a restart", recovered);
    }
    return Status::Ok();
  }

  void RunnerLoop() {
    const auto poll = std::chrono::milliseconds(std::max(1, options_.poll_interval_ms));
    while (!stopping_) {
      uint64_t seen;
      {
        std::lock_guard lock(mu_);
        seen = work_generation_;
      }
      Result<std::optional<Claimed>> claimed = Claim();
      if (!claimed.ok()) {
        OA_LOG_WARN("tasks: cannot claim a queued task: {}", claimed.status().ToString());
      } else if (claimed->has_value()) {
        Execute(std::move(**claimed));
        continue;
      }
      std::unique_lock lock(mu_);
      work_cv_.wait_for(lock, poll, [&] { return stopping_ || work_generation_ != seen; });
    }
  }

  Result<std::optional<Claimed>> Claim() {
    std::optional<Claimed> claimed;
    // Idle runners poll; a read on the read pool keeps them off the single write connection.
    OA_ASSIGN_OR_RETURN(bool any, store::AnyQueued(db_));
    if (!any) return claimed;
    bool failed_any = false;
    Status s = db_.Transact([&](meta::Tx& tx) -> Status {
      for (;;) {
        // Claiming now would only spend an attempt on a task that stops at once.
        if (stopping_) return Status::Ok();
        OA_ASSIGN_OR_RETURN(std::optional<store::QueuedRef> next, store::OldestQueued(tx));
        if (!next) return Status::Ok();
        int64_t now = clock_.NowMillis();
        auto it = handlers_.find(next->type);
        if (it == handlers_.end()) {
          // Submitted by a binary that knew the type; failing it beats leaving it queued forever.
          OA_TRY(store::MarkFinished(tx, next->id,
                                     {.from = TaskStatus::kQueued, .to = TaskStatus::kFailed,
                                      .error = NoHandlerMessage(next->type)},
                                     now)
                     .status());
          failed_any = true;
          continue;
        }
        OA_ASSIGN_OR_RETURN(bool won, store::ClaimQueued(tx, next->id, now));
        if (!won) continue;
        OA_ASSIGN_OR_RETURN(std::optional<TaskInfo> task, store::Get(tx, next->id));
        if (!task) return Internal("task '" + next->id + "' vanished while being claimed");
        auto state = std::make_shared<RunState>();
        {
          std::lock_guard lock(mu_);
          running_[task->id] = state;
        }
        claimed = Claimed{std::move(*task), &it->second, std::move(state)};
        return Status::Ok();
      }
    });
    if (!s.ok()) {
      // The row change rolled back; so must its publication.
      if (claimed) {
        std::lock_guard lock(mu_);
        running_.erase(claimed->task.id);
      }
      return s;
    }
    if (failed_any) NotifyFinished();
    return claimed;
  }

  void Execute(Claimed c) {
    const std::string id = c.task.id;
    Context ctx(*this, std::move(c.task), c.state);
    Result<Json> out = Internal("the handler did not run");
    try {
      out = c.registration->handler(ctx);
    } catch (const std::exception& e) {
      out = Internal(std::string("internal error: ") + e.what());
    } catch (...) {
      out = Internal("internal error: unknown exception");
    }

    store::Finish finish;
    bool record = true;
    if (out.ok()) {
      finish.to = TaskStatus::kSucceeded;
      finish.progress = 1.0;
      finish.result = out->dump();
    } else if (out.status().code() == Code::kCancelled && !ctx.user_cancelled() && stopping_) {
      // Stopped by shutdown, not by the user: the row stays Running and the next Start()
      // resumes or fails it by the handler's policy.
      record = false;
    } else if (out.status().code() == Code::kCancelled) {
      finish.to = TaskStatus::kCancelled;
      finish.progress = ctx.progress();
    } else {
      finish.to = TaskStatus::kFailed;
      finish.progress = ctx.progress();
      finish.error = out.status().message().empty()
                         ? std::string(CodeName(out.status().code()))
                         : out.status().message();
    }
    if (record) {
      auto r = store::MarkFinished(db_, id, finish, clock_.NowMillis());
      if (!r.ok()) {
        // The row stays Running; the next Start() will recover it.
        OA_LOG_ERROR("tasks: cannot record the end of task {}: {}", id, r.status().ToString());
      } else if (!*r) {
        OA_LOG_WARN("tasks: task {} was no longer Running when it finished", id);
      }
    }
    {
      std::lock_guard lock(mu_);
      running_.erase(id);
    }
    NotifyFinished();
  }

  void NotifyFinished() {
    {
      std::lock_guard lock(mu_);
      ++finished_generation_;
    }
    finished_cv_.notify_all();
  }

  meta::Database& db_;
  Clock& clock_;
  const Options options_;
  std::atomic<bool> stopping_{false};

  std::mutex mu_;
  State state_ = State::kNew;                                // guarded by mu_
  std::map<std::string, Registration> handlers_;            // written only before Start()
  std::vector<std::thread> runners_;                         // guarded by mu_
  std::unordered_map<std::string, std::shared_ptr<RunState>> running_;  // guarded by mu_
  uint64_t work_generation_ = 0;      // bumped on Submit; guarded by mu_
  uint64_t finished_generation_ = 0;  // bumped when a task finishes here; guarded by mu_
  std::condition_variable work_cv_;
  std::condition_variable finished_cv_;
};

bool Context::cancelled() const {
  return state_->cancel_requested.load() || service_.stopping();
}

Status Context::ReportProgress(double fraction, const std::string& checkpoint) {
  if (std::isnan(fraction)) return InvalidArgument("progress must be a number between 0 and 1");
  task_.progress = std::clamp(fraction, 0.0, 1.0);
  if (!checkpoint.empty()) task_.checkpoint = checkpoint;
  int64_t now = service_.clock().NowMillis();
  // A checkpoint is always written: losing it costs work after a restart. A clock that went
  // backwards also forces a write rather than silencing progress until it catches up.
  bool due = !checkpoint.empty() || last_write_ms_ < 0 || now < last_write_ms_ ||
             now - last_write_ms_ >= kProgressWriteIntervalMs;
  if (!due) return Status::Ok();
  OA_TRY(store::SaveProgress(service_.db(), task_.id, task_.progress, checkpoint, now)
             .WithContext("saving progress of task " + task_.id));
  last_write_ms_ = now;
  task_.update_time = now;
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<TaskService>> Create(meta::Database& db, Clock& clock,
                                            const Options& options) {
  if (options.max_concurrency < 1) {
    return InvalidArgument("max_concurrency must be at least 1, got " +
                           std::to_string(options.max_concurrency));
  }
  if (options.poll_interval_ms < 1) {
    return InvalidArgument("poll_interval_ms must be at least 1, got " +
                           std::to_string(options.poll_interval_ms));
  }
  return std::unique_ptr<TaskService>(std::make_unique<TaskServiceImpl>(db, clock, options));
}

}  // namespace openarts::tasks
