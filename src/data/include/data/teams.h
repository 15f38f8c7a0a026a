// data/teams: team labeling and review (spec/data.md §8, docs/team-labeling.md) — what ModelArts
// calls workforces (teams) and workforce tasks (team labeling jobs).
//
// A workforce belongs to a project: at most 10 per project, at most 100 workers. A worker is a
// platform user named by an e-mail unique in the team, with one role: labeler, reviewer or team
// manager (never two managers; a task needs exactly one: ModelArts.4617). A workforce task gives
// samples of one dataset to a team — its unlabeled samples, or all of them — each to `repetition`
// labelers, randomly and evenly (the order is seeded by the task id). A labeler labels their share
// in the task's own rows, validated exactly as manual labeling validates (the dataset is not
// touched), and submits it; a reviewer accepts it (the labels are written into the dataset through
// DataService::UpdateSamples, and the sample becomes labeled) or rejects it with a comment (it
// goes back to its labeler, the comment on it).
//
// Who sees what is decided here, not only by the API: a labeler sees and labels only their own
// share (kPermissionDenied for another member's sample); a reviewer sees what was submitted; the
// team manager, the task's creator, the dataset's creator and callers the API found allowed to
// supervise the dataset (Actor::supervisor) see everything. Membership needs no dataset permission.
//
// Storage: migration src/meta/migrations/0005_teams.sql; tasks go with their dataset. Every state
// change is one transaction. Accepting is written ahead (an "accepting" state), then the dataset,
// then the outcome; Create() finishes (or undoes) what a crash interrupted, so nothing
// acknowledged is lost and nothing half-done stays.
//
// Thread-safe. Blocking (database): call from worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"
#include "data/data.h"
#include "meta/meta.h"

namespace openarts::data {

// API role codes (spec §8); 3 (dataset owner) is not a team role.
enum class WorkerRole : int { kLabeler = 0, kReviewer = 1, kManager = 2 };
std::string_view WorkerRoleName(WorkerRole r);  // "labeler", "reviewer", "manager"

inline constexpr int kMaxWorkforcesPerProject = 10;
inline constexpr int kMaxWorkersPerWorkforce = 100;

struct WorkerSpec {
  std::string email;
  WorkerRole role = WorkerRole::kLabeler;
};

struct Worker {
  std::string id;  // 32 hex
  std::string workforce_id, email, user_id;
  WorkerRole role = WorkerRole::kLabeler;
  int64_t create_time = 0, update_time = 0;
  Json ToJson() const;  // {worker_id, workforce_id, email, role, role_name, user_id, create_time, update_time}
};

struct Workforce {
  std::string id, project_id, name, description, created_by;
  int64_t worker_count = 0;
  int64_t create_time = 0, update_time = 0;
  Json ToJson() const;  // {workforce_id, workforce_name, description, worker_count, created_by, ...}
};

struct CreateWorkforceRequest {
  std::string name;  // 1–64: letters, digits, '-', '_'
  std::string description;
  std::vector<WorkerSpec> workers;
};

// A labeler's assignment of one sample in a task.
enum class TaskSampleState : int {
  kUnlabeled = 0,  // nothing labeled in the task yet
  kLabeled = 1,    // labeled, not submitted (the labeler may change it)
  kSubmitted = 2,  // waiting for review
  kAccepted = 3,   // its labels are in the dataset
  kRejected = 4,   // back with the labeler, with the reviewer's comment
};
std::string_view TaskSampleStateName(TaskSampleState s);  // "UNLABELED" ... "REJECTED"

struct WorkforceTask {
  std::string id, project_id, dataset_id, workforce_id, workforce_name, name, description;
  std::string created_by;  // user name
  int repetition = 1;
  bool all_samples = false;
  int64_t sample_count = 0;           // distinct samples given to the team
  int64_t accepted_sample_count = 0;  // of those, with an accepted labeling
  std::string role;  // the caller's role, set by ListMyTasks: "labeler" | "reviewer" | "manager"
  int64_t create_time = 0, update_time = 0;
  bool completed() const { return sample_count > 0 && accepted_sample_count >= sample_count; }
  // {task_id, task_name, description, dataset_id, workforce_id, workforce_name, repetition,
  //  all_samples, status "LABELING"|"COMPLETED", sample_count, accepted_sample_count, created_by,
  //  create_time, update_time[, role]}
  Json ToJson() const;
};

struct CreateWorkforceTaskRequest {
  std::string name;  // 1–64: letters, digits, '-', '_'; unique in the dataset
  std::string description;
  std::string workforce_id;
  int repetition = 1;        // labelers per sample, 1..the team's labelers
  bool all_samples = false;  // false: unlabeled samples only
};

// Who is calling a task method.
struct Actor {
  std::string user_id, user_name;
  // The caller may supervise the dataset's labeling (the API's IAM decision, administrators
  // included): sees and reviews every sample.
  bool supervisor = false;
};

struct TaskSampleQuery {
  // The dataset's filters and paging: usage, hard, search and scores match the dataset's sample;
  // `labels` the labels given in the task; `marker` is a next_marker of this listing.
  SampleQuery query;
  std::vector<TaskSampleState> states;  // any of these; empty = all
  std::string worker_id;                // one member's share; "" = all the caller may see
};

struct TaskSample {
  // The dataset's sample; once labeled in the task, with the labeler's labels (and usage / hard
  // if they set them) in place of the dataset's.
  Sample sample;
  std::string worker_id, email;
  TaskSampleState state = TaskSampleState::kUnlabeled;
  std::string review_comment, review_score, reviewer;
  int64_t review_time = 0;
  // Sample::ToJson() plus worker_id, labelers[{email, worker_id, role}], workforce_state,
  // review_accept (once reviewed), review_comment, review_score, reviewer, review_time.
  Json ToJson() const;
};

struct TaskSamplePage {
  std::vector<TaskSample> samples;
  int64_t total = -1;
  std::string next_marker;  // "" at the end
};

struct ReviewRequest {
  struct Item {
    std::string sample_id;
    std::string worker_id;  // "" = the sample's only submission
  };
  std::vector<Item> samples;
  bool accept = true;
  std::string comment;  // required to reject
  std::string score;    // "A" (best) .. "D"; accept only; "" = none
};

// Per member (labelers), by current state: labeled counts every assignment with labels
// (labeled, submitted, accepted, rejected); submitted = pending_review + accepted + rejected.
struct MemberProgress {
  std::string worker_id, email;
  WorkerRole role = WorkerRole::kLabeler;
  int64_t assigned = 0, labeled = 0, submitted = 0, pending_review = 0, accepted = 0, rejected = 0;
  Json ToJson() const;
};

struct TaskProgress {
  std::string task_id;
  int64_t sample_count = 0, accepted_sample_count = 0;
  std::vector<MemberProgress> members;  // by e-mail; a labeler sees their own only
  MemberProgress total;                 // over `members`
  Json ToJson() const;  // {task_id, status, sample_count, accepted_sample_count, members, total}
};

// Body decoders (ModelArts shapes); kInvalidArgument naming the field.
// {"workforce_name", "description", "workers": [{"email", "role"}]}
Result<CreateWorkforceRequest> DecodeCreateWorkforce(const Json& body);
// {"workers": [{"email", "role": 0 | 1 | 2}]} (role defaults to 0)
Result<std::vector<WorkerSpec>> DecodeWorkers(const Json& body);
// {"task_name", "description", "workforce_id" | "workforces_config": {"workforces":
//  [{"workforce_id"}]}, "repetition", "all_samples"}
Result<CreateWorkforceTaskRequest> DecodeCreateWorkforceTask(const Json& body);
// {"samples": [id | {"sample_id", "worker_id"}], "comment": {"result": "accept" | "reject",
//  "comment", "score": "A".."D"}}
Result<ReviewRequest> DecodeReview(const Json& body);
// The task listing's `sample_state`: __NONE__ / UNLABELED, __ALL__ / LABELED (labeled, not
// submitted), __UNREVIEWED__ / SUBMITTED, __REVIEWED__ (accepted or rejected), __ACCEPTED__ /
// ACCEPTED, __REJECTED__ / REJECTED; "" = all.
Result<std::vector<TaskSampleState>> DecodeTaskSampleState(std::string_view s);

class Teams {
 public:
  virtual ~Teams() = default;

  // ---- workforces (the API authorizes modelarts:workforce:*) ----
  // kFailedPrecondition beyond 10 per project; kAlreadyExists for a name taken in the project;
  // the workers as AddWorkers. One transaction.
  virtual Result<Workforce> CreateWorkforce(const Caller& caller, const CreateWorkforceRequest& req) = 0;
  // Newest first; the total.
  virtual Result<std::pair<std::vector<Workforce>, int64_t>> ListWorkforces(const std::string& project_id,
                                                                             int offset, int limit) = 0;
  virtual Result<Workforce> GetWorkforce(const std::string& project_id, const std::string& id) = 0;  // kNotFound
  // {"workforce_name"?, "description"?}.
  virtual Result<Workforce> UpdateWorkforce(const std::string& project_id, const std::string& id,
                                            const Json& patch) = 0;
  // kFailedPrecondition "ModelArts.4615 Workforce task is unfinished" while one of its tasks has
  // samples not accepted; its finished tasks are deleted with it.
  virtual Status DeleteWorkforce(const std::string& project_id, const std::string& id) = 0;
  // Each e-mail must be a platform user's (kInvalidArgument) and new to the team
  // (kAlreadyExists); at most 100 workers (kInvalidArgument); never two managers
  // (kInvalidArgument "ModelArts.4617 The number of manager should be one"). All or nothing.
  virtual Result<std::vector<Worker>> AddWorkers(const std::string& project_id, const std::string& workforce_id,
                                                 const std::vector<WorkerSpec>& workers) = 0;
  virtual Result<std::vector<Worker>> ListWorkers(const std::string& project_id,
                                                  const std::string& workforce_id) = 0;  // by e-mail
  // kFailedPrecondition "ModelArts.4628 Can not delete worker who has task" while the worker has
  // samples in a task (delete the task first).
  virtual Status DeleteWorker(const std::string& project_id, const std::string& workforce_id,
                              const std::string& worker_id) = 0;

  // ---- tasks ----
  // kInvalidArgument for a dataset type without team labeling (naming the types with it);
  // ModelArts.4617 unless the team has exactly one manager; ModelArts.4822 without labelers or
  // with `repetition` above their number; kFailedPrecondition when no sample is left to give.
  // The task and every assignment in one transaction.
  virtual Result<WorkforceTask> CreateTask(const Dataset& ds, const Caller& caller,
                                           const CreateWorkforceTaskRequest& req) = 0;
  // Supervisors get every task of the dataset, others the tasks whose team they are in
  // (kPermissionDenied when none). Newest first.
  virtual Result<std::vector<WorkforceTask>> ListTasks(const Dataset& ds, const Actor& who) = 0;
  // The project's tasks whose team has `who` as a worker, with WorkforceTask::role. Newest first.
  virtual Result<std::vector<WorkforceTask>> ListMyTasks(const std::string& project_id, const Actor& who) = 0;
  // kNotFound; kPermissionDenied for a caller who is neither in the team nor a supervisor.
  virtual Result<WorkforceTask> GetTask(const Dataset& ds, const std::string& task_id, const Actor& who) = 0;
  // GetTask's check without the counts, for the API to refuse a stranger before reading a body.
  virtual Status CheckAccess(const Dataset& ds, const std::string& task_id, const Actor& who) = 0;
  // The task and its work not yet accepted (accepted labels are in the dataset). kFailedPrecondition
  // ModelArts.4623 while a review of it is being written. REQUIRES: the API authorized the caller.
  virtual Status DeleteTask(const Dataset& ds, const std::string& task_id) = 0;

  // What `who` may see (a labeler: their share; a reviewer: what was submitted; else all), in
  // sample order (then worker id).
  virtual Result<TaskSamplePage> ListTaskSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                                 const TaskSampleQuery& q) = 0;
  // One assignment of the sample (`worker_id` "" = the caller's own, else the first `who` may
  // see). kNotFound when the sample is not in the task; kPermissionDenied when it is in another
  // member's share.
  virtual Result<TaskSample> GetTaskSample(const Dataset& ds, const std::string& task_id, const Actor& who,
                                           const std::string& sample_id, const std::string& worker_id = "") = 0;
  // The caller labels samples of their share (unlabeled, labeled or rejected ones), validated as
  // DataService::UpdateSamples validates; labels not yet in the dataset are allowed (created on
  // acceptance). Empty labels make the sample unlabeled again. All or nothing. Returns the count.
  virtual Result<int64_t> LabelSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                       const std::vector<SampleLabelsUpdate>& updates) = 0;
  // Submits labeled samples of the caller's share for review; `sample_ids` empty = all of them.
  // kFailedPrecondition naming a sample that is not labeled (or already submitted / accepted).
  virtual Result<int64_t> SubmitSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                        const std::vector<std::string>& sample_ids) = 0;
  // A reviewer, the team manager or a supervisor accepts or rejects submitted samples, not their
  // own. Accepting writes the labels into the dataset (one sample is accepted from one labeler
  // only); any failure there undoes the review and is returned. kFailedPrecondition
  // "ModelArts.4623 Workforce task is checking" while another review of the task is being written.
  virtual Result<int64_t> ReviewSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                        const ReviewRequest& req) = 0;
  // Progress per labeler (a labeler sees their own only).
  virtual Result<TaskProgress> Progress(const Dataset& ds, const std::string& task_id, const Actor& who) = 0;
};

// The platform user with this e-mail (any case): their user id; kNotFound when there is none,
// kInvalidArgument when several share it. The composition root binds it to iam/.
using UserByEmail = std::function<Result<std::string>(const std::string& email)>;

// Finishes or undoes the reviews a crash interrupted before returning.
Result<std::unique_ptr<Teams>> CreateTeams(meta::Database& db, DataService& data, Clock& clock,
                                           UserByEmail user_by_email);

}  // namespace openarts::data
