// Team labeling (data/teams.h, spec/data.md §8): workforces, workforce tasks and their
// assignment, labeling in the task, submission, review and progress. The dataset is read by its
// key layout (0004_data.sql: sample numbers under the visible watermark) and written only through
// DataService.
#include "data/teams.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "base/ids.h"
#include "base/log.h"
#include "data_internal.h"

namespace openarts::data {

using formats::ManifestAnnotation;
using formats::ManifestSample;
using meta::Params;
using meta::Row;
using meta::Rows;
using meta::Tx;
using meta::Value;

// ---- values and their API shapes ----

std::string_view WorkerRoleName(WorkerRole r) {
  switch (r) {
    case WorkerRole::kLabeler: return "labeler";
    case WorkerRole::kReviewer: return "reviewer";
    case WorkerRole::kManager: return "manager";
  }
  return "labeler";
}

std::string_view TaskSampleStateName(TaskSampleState s) {
  switch (s) {
    case TaskSampleState::kUnlabeled: return "UNLABELED";
    case TaskSampleState::kLabeled: return "LABELED";
    case TaskSampleState::kSubmitted: return "SUBMITTED";
    case TaskSampleState::kAccepted: return "ACCEPTED";
    case TaskSampleState::kRejected: return "REJECTED";
  }
  return "UNLABELED";
}

Json Worker::ToJson() const {
  return Json{{"worker_id", id},
              {"workforce_id", workforce_id},
              {"email", email},
              {"role", static_cast<int>(role)},
              {"role_name", WorkerRoleName(role)},
              {"user_id", user_id},
              {"create_time", create_time},
              {"update_time", update_time}};
}

Json Workforce::ToJson() const {
  return Json{{"workforce_id", id},
              {"workforce_name", name},
              {"description", description},
              {"worker_count", worker_count},
              {"created_by", created_by},
              {"create_time", create_time},
              {"update_time", update_time}};
}

Json WorkforceTask::ToJson() const {
  Json j = {{"task_id", id},
            {"task_name", name},
            {"description", description},
            {"dataset_id", dataset_id},
            {"workforce_id", workforce_id},
            {"workforce_name", workforce_name},
            {"repetition", repetition},
            {"all_samples", all_samples},
            {"status", completed() ? "COMPLETED" : "LABELING"},
            {"sample_count", sample_count},
            {"accepted_sample_count", accepted_sample_count},
            {"created_by", created_by},
            {"create_time", create_time},
            {"update_time", update_time}};
  if (!role.empty()) j["role"] = role;
  return j;
}

Json TaskSample::ToJson() const {
  Json j = sample.ToJson();
  j["worker_id"] = worker_id;
  j["labelers"] = Json::array({Json{{"email", email}, {"worker_id", worker_id}, {"role", 0}}});
  j["workforce_state"] = TaskSampleStateName(state);
  if (review_time > 0) {
    j["review_accept"] = state == TaskSampleState::kAccepted;
    j["review_comment"] = review_comment;
    j["review_score"] = review_score;
    j["reviewer"] = reviewer;
    j["review_time"] = review_time;
  }
  return j;
}

Json MemberProgress::ToJson() const {
  return Json{{"worker_id", worker_id},   {"email", email},
              {"role", static_cast<int>(role)}, {"assigned", assigned},
              {"labeled", labeled},       {"submitted", submitted},
              {"pending_review", pending_review}, {"accepted", accepted},
              {"rejected", rejected}};
}

Json TaskProgress::ToJson() const {
  Json members_json = Json::array();
  for (const auto& m : members) members_json.push_back(m.ToJson());
  Json t = total.ToJson();
  t.erase("worker_id");
  t.erase("email");
  t.erase("role");
  bool done = sample_count > 0 && accepted_sample_count >= sample_count;
  return Json{{"task_id", task_id},
              {"status", done ? "COMPLETED" : "LABELING"},
              {"sample_count", sample_count},
              {"accepted_sample_count", accepted_sample_count},
              {"members", std::move(members_json)},
              {"total", std::move(t)}};
}

// ---- decoders ----

namespace {

Status Field(const std::string& field, const std::string& problem) { return InvalidArgument(field + ": " + problem); }

// Task and team names follow the dataset-name rule.
Status ValidateName(const std::string& field, std::string_view name) {
  if (name.empty()) return Field(field, "required");
  if (name.size() > 64) return Field(field, "at most 64 characters");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return Field(field, "only letters, digits, '-' and '_' are allowed, got \"" + std::string(name) + "\"");
  }
  return Status::Ok();
}

Result<std::optional<std::string>> OptStr(const Json& obj, const char* key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Field(field, "expected a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<int64_t>> OptInt(const Json& obj, const char* key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<int64_t>();
  if (it->is_number_integer()) return std::optional<int64_t>(it->get<int64_t>());
  if (it->is_string()) {  // ModelArts bodies carry some numbers as strings
    const std::string& t = it->get_ref<const std::string&>();
    int64_t n = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec == std::errc() && end == t.data() + t.size() && !t.empty()) return std::optional<int64_t>(n);
  }
  return Field(field, "expected an integer");
}

// "Ann@Example.COM " → "ann@example.com"; kInvalidArgument for what cannot be an address.
Result<std::string> NormalizeEmail(const std::string& field, std::string_view raw) {
  std::string e = AsciiLower(TrimWhitespace(raw));
  size_t at = e.find('@');
  bool ok = !e.empty() && e.size() <= 254 && at != std::string::npos && at > 0 && e.find('@', at + 1) == std::string::npos;
  std::string_view domain = ok ? std::string_view(e).substr(at + 1) : "";
  ok = ok && domain.find('.') != std::string_view::npos && domain.front() != '.' && domain.back() != '.';
  for (unsigned char c : e) ok = ok && c > 0x20 && c != 0x7f && c != ',' && c != ';' && c != '<' && c != '>';
  if (!ok) return Field(field, "\"" + std::string(raw) + "\" is not an e-mail address (name@domain)");
  return e;
}

Result<std::vector<WorkerSpec>> DecodeWorkerList(const Json& list, const std::string& field) {
  if (!list.is_array()) return Field(field, "expected a list of {\"email\", \"role\"}");
  if (list.size() > static_cast<size_t>(kMaxWorkersPerWorkforce)) {
    return Field(field, "a team has at most " + std::to_string(kMaxWorkersPerWorkforce) + " members");
  }
  std::vector<WorkerSpec> out;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string f = field + "[" + std::to_string(i) + "]";
    const Json& w = list[i];
    if (!w.is_object()) return Field(f, "expected {\"email\": ..., \"role\": 0|1|2}");
    OA_ASSIGN_OR_RETURN(auto email, OptStr(w, "email", f + ".email"));
    if (!email) return Field(f + ".email", "required");
    WorkerSpec s;
    OA_ASSIGN_OR_RETURN(s.email, NormalizeEmail(f + ".email", *email));
    OA_ASSIGN_OR_RETURN(auto role, OptInt(w, "role", f + ".role"));
    int64_t r = role.value_or(0);
    if (r == 3) return Field(f + ".role", "3 (dataset owner) is not a team role; use 0 labeler, 1 reviewer or 2 team manager");
    if (r < 0 || r > 2) return Field(f + ".role", "0 labeler, 1 reviewer or 2 team manager, got " + std::to_string(r));
    s.role = static_cast<WorkerRole>(r);
    out.push_back(std::move(s));
  }
  return out;
}

// The required name under `name_key` and the optional "description".
Status DecodeNamed(const Json& body, const char* name_key, std::string& name, std::string& description) {
  OA_ASSIGN_OR_RETURN(auto n, OptStr(body, name_key, name_key));
  OA_TRY(ValidateName(name_key, n.value_or("")));
  name = *n;
  OA_ASSIGN_OR_RETURN(auto desc, OptStr(body, "description", "description"));
  if (desc) {
    OA_TRY(ValidateDescription("description", *desc));
    description = *desc;
  }
  return Status::Ok();
}

}  // namespace

Result<CreateWorkforceRequest> DecodeCreateWorkforce(const Json& body) {
  CreateWorkforceRequest r;
  OA_TRY(DecodeNamed(body, "workforce_name", r.name, r.description));
  if (auto it = body.find("workers"); it != body.end() && !it->is_null()) {
    OA_ASSIGN_OR_RETURN(r.workers, DecodeWorkerList(*it, "workers"));
  }
  return r;
}

Result<std::vector<WorkerSpec>> DecodeWorkers(const Json& body) {
  auto it = body.find("workers");
  if (it == body.end() || !it->is_array() || it->empty()) {
    return Field("workers", "required: [{\"email\": \"ann@example.com\", \"role\": 0}] (0 labeler, 1 reviewer, 2 team manager)");
  }
  return DecodeWorkerList(*it, "workers");
}

Result<CreateWorkforceTaskRequest> DecodeCreateWorkforceTask(const Json& body) {
  CreateWorkforceTaskRequest r;
  OA_TRY(DecodeNamed(body, "task_name", r.name, r.description));
  OA_ASSIGN_OR_RETURN(auto wf, OptStr(body, "workforce_id", "workforce_id"));
  if (auto cfg = body.find("workforces_config"); cfg != body.end() && cfg->is_object()) {
    auto list = cfg->find("workforces");
    if (list == cfg->end() || !list->is_array() || list->empty()) {
      return Field("workforces_config.workforces", "expected [{\"workforce_id\": ...}]");
    }
    if (list->size() > 1) return Field("workforces_config.workforces", "one team per task; create a task per team");
    if (!(*list)[0].is_object()) return Field("workforces_config.workforces[0]", "expected {\"workforce_id\": ...}");
    OA_ASSIGN_OR_RETURN(auto id, OptStr((*list)[0], "workforce_id", "workforces_config.workforces[0].workforce_id"));
    if (wf && id && *wf != *id) return Field("workforce_id", "differs from workforces_config.workforces[0].workforce_id");
    if (id) wf = id;
  }
  if (!wf || wf->empty()) return Field("workforce_id", "required: the team (workforce) that labels");
  r.workforce_id = *wf;
  OA_ASSIGN_OR_RETURN(auto rep, OptInt(body, "repetition", "repetition"));
  if (rep && (*rep < 1 || *rep > kMaxWorkersPerWorkforce)) {
    return Field("repetition", "labelers per sample: 1 to " + std::to_string(kMaxWorkersPerWorkforce) + ", got " +
                                   std::to_string(*rep));
  }
  r.repetition = static_cast<int>(rep.value_or(1));
  if (auto it = body.find("all_samples"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return Field("all_samples", "expected true or false");
    r.all_samples = it->get<bool>();
  }
  return r;
}

Result<ReviewRequest> DecodeReview(const Json& body) {
  ReviewRequest r;
  auto samples = body.find("samples");
  if (samples == body.end() || !samples->is_array() || samples->empty()) {
    return Field("samples", "required: the sample ids to review (or {\"sample_id\", \"worker_id\"})");
  }
  if (samples->size() > 1000) return Field("samples", "at most 1000 per call");
  for (size_t i = 0; i < samples->size(); ++i) {
    const Json& s = (*samples)[i];
    std::string f = "samples[" + std::to_string(i) + "]";
    ReviewRequest::Item item;
    if (s.is_string()) {
      item.sample_id = s.get<std::string>();
    } else if (s.is_object()) {
      OA_ASSIGN_OR_RETURN(auto id, OptStr(s, "sample_id", f + ".sample_id"));
      if (!id) return Field(f + ".sample_id", "required");
      item.sample_id = *id;
      OA_ASSIGN_OR_RETURN(auto w, OptStr(s, "worker_id", f + ".worker_id"));
      item.worker_id = w.value_or("");
    } else {
      return Field(f, "expected a sample id or {\"sample_id\", \"worker_id\"}");
    }
    r.samples.push_back(std::move(item));
  }
  auto c = body.find("comment");
  if (c == body.end() || !c->is_object()) {
    return Field("comment", "required: {\"result\": \"accept\" | \"reject\", \"comment\": ..., \"score\": \"A\"..\"D\"}");
  }
  OA_ASSIGN_OR_RETURN(auto result, OptStr(*c, "result", "comment.result"));
  std::string res = AsciiLower(result.value_or(""));
  if (res != "accept" && res != "reject") {
    return Field("comment.result", "\"accept\" or \"reject\", got \"" + result.value_or("") + "\"");
  }
  r.accept = res == "accept";
  OA_ASSIGN_OR_RETURN(auto text, OptStr(*c, "comment", "comment.comment"));
  r.comment = text.value_or("");
  if (r.comment.size() > 1024) return Field("comment.comment", "at most 1024 bytes");
  if (!r.accept && TrimWhitespace(r.comment).empty()) {
    return Field("comment.comment", "a rejection needs a reason for the labeler");
  }
  OA_ASSIGN_OR_RETURN(auto score, OptStr(*c, "score", "comment.score"));
  if (score && !score->empty()) {
    if (!r.accept) return Field("comment.score", "a score goes with \"accept\" only");
    if (score->size() != 1 || (*score)[0] < 'A' || (*score)[0] > 'D') {
      return Field("comment.score", "A (best), B, C or D, got \"" + *score + "\"");
    }
    r.score = *score;
  }
  return r;
}

Result<std::vector<TaskSampleState>> DecodeTaskSampleState(std::string_view s) {
  using S = TaskSampleState;
  if (s.empty()) return std::vector<S>{};
  if (s == "__NONE__" || s == "UNLABELED") return std::vector<S>{S::kUnlabeled};
  if (s == "__ALL__" || s == "LABELED") return std::vector<S>{S::kLabeled};
  if (s == "__UNREVIEWED__" || s == "SUBMITTED") return std::vector<S>{S::kSubmitted};
  if (s == "__REVIEWED__") return std::vector<S>{S::kAccepted, S::kRejected};
  if (s == "__ACCEPTED__" || s == "ACCEPTED") return std::vector<S>{S::kAccepted};
  if (s == "__REJECTED__" || s == "REJECTED") return std::vector<S>{S::kRejected};
  return InvalidArgument("sample_state: in a team labeling task one of __NONE__ (unlabeled), __ALL__ (labeled, "
                         "not submitted), __UNREVIEWED__ (submitted), __REVIEWED__, __ACCEPTED__, __REJECTED__; "
                         "got \"" + std::string(s) + "\"");
}

// ---- the service ----

namespace {

constexpr int kAccepting = 5;  // stored state: accepted, the dataset write under way

constexpr std::string_view kWorkforceColumns =
    "w.id, w.project_id, w.name, w.description, w.created_by, w.create_time, w.update_time, "
    "(SELECT COUNT(*) FROM workforce_workers k WHERE k.workforce_id = w.id)";

Workforce WorkforceFromRow(const Row& r) {
  Workforce w;
  w.id = r.Str(0);
  w.project_id = r.Str(1);
  w.name = r.Str(2);
  w.description = r.Str(3);
  w.created_by = r.Str(4);
  w.create_time = r.Int(5);
  w.update_time = r.Int(6);
  w.worker_count = r.Int(7);
  return w;
}

constexpr std::string_view kWorkerColumns = "id, workforce_id, email, user_id, role, create_time, update_time";

Worker WorkerFromRow(const Row& r) {
  Worker w;
  w.id = r.Str(0);
  w.workforce_id = r.Str(1);
  w.email = r.Str(2);
  w.user_id = r.Str(3);
  w.role = static_cast<WorkerRole>(r.Int(4));
  w.create_time = r.Int(5);
  w.update_time = r.Int(6);
  return w;
}

constexpr std::string_view kTaskColumns =
    "t.seq, t.id, t.project_id, t.dataset_id, t.workforce_id, f.name, t.name, t.description, t.repetition, "
    "t.all_samples, t.created_by_id, t.created_by, t.create_time, t.update_time, t.dataset_seq";

struct TaskRow {
  int64_t seq = 0, dataset_seq = 0;
  std::string created_by_id;
  WorkforceTask task;
};

TaskRow TaskFromRow(const Row& r) {
  TaskRow t;
  t.seq = r.Int(0);
  t.task.id = r.Str(1);
  t.task.project_id = r.Str(2);
  t.task.dataset_id = r.Str(3);
  t.task.workforce_id = r.Str(4);
  t.task.workforce_name = r.Str(5);
  t.task.name = r.Str(6);
  t.task.description = r.Str(7);
  t.task.repetition = static_cast<int>(r.Int(8));
  t.task.all_samples = r.Int(9) != 0;
  t.created_by_id = r.Str(10);
  t.task.created_by = r.Str(11);
  t.task.create_time = r.Int(12);
  t.task.update_time = r.Int(13);
  t.dataset_seq = r.Int(14);
  return t;
}

// What one caller may do in one task.
struct Access {
  TaskRow t;
  std::string worker_id;  // the caller's worker in the team; "" = not in it
  WorkerRole role = WorkerRole::kLabeler;
  bool all = false;       // sees every assignment
  bool reviewer = false;  // may review
  bool labeler() const { return !worker_id.empty() && role == WorkerRole::kLabeler; }
};

// "$n" for a new parameter.
std::string Ph(Params& p, Value v) {
  p.push_back(std::move(v));
  return "$" + std::to_string(p.size());
}

// The labeler's work as stored: annotations, and usage / hard only when they set them.
struct Work {
  std::vector<ManifestAnnotation> annotations;
  std::optional<formats::Usage> usage;
  std::optional<bool> hard;
};

std::string EncodeWork(const std::string& source, const ManifestSample& next, const SampleLabelsUpdate& u) {
  ManifestSample m;
  m.source = source;
  m.annotations = next.annotations;
  if (u.usage) m.usage = *u.usage;
  m.hard = u.hard;
  return formats::WriteManifestLine(m);
}

Result<Work> DecodeWork(const std::string& doc) {
  OA_ASSIGN_OR_RETURN(ManifestSample m, formats::ParseManifestLine(doc, "workforce task sample", 1));
  Work w;
  w.annotations = std::move(m.annotations);
  if (m.usage != formats::Usage::kUnset) w.usage = m.usage;
  w.hard = m.hard;
  return w;
}

// "\x1fcat\x1fdog\x1f": the label names of the work, for the label_name filter.
std::string LabelNames(const std::vector<ManifestAnnotation>& annotations) {
  std::set<std::string> names;
  for (const ManifestAnnotation& a : annotations) {
    auto voc = a.extra.find("voc");
    if (voc != a.extra.end()) {
      for (const Json& o : (*voc)["objects"]) {
        if (o.contains("name") && o["name"].is_string()) names.insert(o["name"].get<std::string>());
      }
    } else if (a.name) {
      names.insert(*a.name);
    }
  }
  if (names.empty()) return "";
  std::string out = "\x1f";
  for (const auto& n : names) out += n + "\x1f";
  return out;
}

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string StateSql(const std::vector<TaskSampleState>& states) {
  std::string in;
  for (TaskSampleState s : states) {
    in += (in.empty() ? "" : ", ") + std::to_string(static_cast<int>(s));
    if (s == TaskSampleState::kSubmitted) in += ", " + std::to_string(kAccepting);
  }
  return "t.state IN (" + in + ")";
}

TaskSampleState PublicState(int64_t stored) {
  return stored == kAccepting ? TaskSampleState::kSubmitted : static_cast<TaskSampleState>(stored);
}

std::string StateWord(int64_t stored) {
  std::string s(TaskSampleStateName(PublicState(stored)));
  return AsciiLower(s);
}

class TeamsImpl final : public Teams {
 public:
  TeamsImpl(meta::Database& db, DataService& data, Clock& clock, UserByEmail user_by_email)
      : db_(db), data_(data), clock_(clock), user_by_email_(std::move(user_by_email)) {}

  // Finishes or undoes every review a crash interrupted (the rows still "accepting").
  Status Recover();

  Result<Workforce> CreateWorkforce(const Caller& caller, const CreateWorkforceRequest& req) override;
  Result<std::pair<std::vector<Workforce>, int64_t>> ListWorkforces(const std::string& project_id, int offset,
                                                                     int limit) override;
  Result<Workforce> GetWorkforce(const std::string& project_id, const std::string& id) override;
  Result<Workforce> UpdateWorkforce(const std::string& project_id, const std::string& id, const Json& patch) override;
  Status DeleteWorkforce(const std::string& project_id, const std::string& id) override;
  Result<std::vector<Worker>> AddWorkers(const std::string& project_id, const std::string& workforce_id,
                                         const std::vector<WorkerSpec>& workers) override;
  Result<std::vector<Worker>> ListWorkers(const std::string& project_id, const std::string& workforce_id) override;
  Status DeleteWorker(const std::string& project_id, const std::string& workforce_id,
                      const std::string& worker_id) override;

  Result<WorkforceTask> CreateTask(const Dataset& ds, const Caller& caller,
                                   const CreateWorkforceTaskRequest& req) override;
  Result<std::vector<WorkforceTask>> ListTasks(const Dataset& ds, const Actor& who) override;
  Result<std::vector<WorkforceTask>> ListMyTasks(const std::string& project_id, const Actor& who) override;
  Result<WorkforceTask> GetTask(const Dataset& ds, const std::string& task_id, const Actor& who) override;
  Status CheckAccess(const Dataset& ds, const std::string& task_id, const Actor& who) override {
    return Resolve(ds, task_id, who).status();
  }
  Status DeleteTask(const Dataset& ds, const std::string& task_id) override;
  Result<TaskSamplePage> ListTaskSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                         const TaskSampleQuery& q) override;
  Result<TaskSample> GetTaskSample(const Dataset& ds, const std::string& task_id, const Actor& who,
                                   const std::string& sample_id, const std::string& worker_id) override;
  Result<int64_t> LabelSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                               const std::vector<SampleLabelsUpdate>& updates) override;
  Result<int64_t> SubmitSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                const std::vector<std::string>& sample_ids) override;
  Result<int64_t> ReviewSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                const ReviewRequest& req) override;
  Result<TaskProgress> Progress(const Dataset& ds, const std::string& task_id, const Actor& who) override;

 private:
  struct Fresh {
    std::string salt;
    int64_t visible_no = 0;
  };
  Result<Fresh> FreshOf(int64_t dataset_seq);
  Result<Workforce> LoadWorkforce(const std::string& project_id, const std::string& id);
  // Validates and resolves `workers` and inserts them into `workforce` (which has `existing`).
  Result<std::vector<Worker>> InsertWorkers(Tx& tx, const Workforce& workforce, const std::vector<Worker>& existing,
                                            const std::vector<WorkerSpec>& specs);
  Result<std::vector<Worker>> ResolveWorkers(const std::vector<WorkerSpec>& specs);
  Result<TaskRow> LoadTask(const Dataset& ds, const std::string& task_id);
  Status FillCounts(WorkforceTask& t, int64_t seq, int64_t dataset_seq);
  Result<Access> Resolve(const Dataset& ds, const std::string& task_id, const Actor& who);
  // The assignment of (`sample_id`, the caller's worker) for labeling and submitting; the error
  // names `field`: kNotFound outside the task, kPermissionDenied in another member's share.
  Result<std::pair<int64_t, int64_t>> OwnAssignment(const Access& a, const Fresh& fresh, const std::string& sample_id,
                                                    const std::string& field);
  Result<TaskSample> ToTaskSample(const Dataset& ds, const Fresh& fresh, const Row& r);
  // Writes the work of the task's "accepting" rows `items` (sample number, worker id) into the
  // dataset and marks them accepted; on failure marks them submitted again and returns why.
  Status FinishAccepting(const Dataset& ds, int64_t task_seq, const Fresh& fresh,
                         const std::vector<std::pair<int64_t, std::string>>& items);
  // FinishAccepting for every row of the task still "accepting" (a crash's leftovers).
  Status RecoverTask(const Dataset& ds, int64_t task_seq, const Fresh& fresh);
  // One review (or deletion) of a task at a time: ModelArts.4623 otherwise.
  bool TryLockTask(int64_t seq);
  void UnlockTask(int64_t seq);

  meta::Database& db_;
  DataService& data_;
  Clock& clock_;
  UserByEmail user_by_email_;
  std::mutex mu_;
  std::set<int64_t> busy_;
};

// Runs `fn` when the scope ends.
class ScopeExit {
 public:
  explicit ScopeExit(std::function<void()> fn) : fn_(std::move(fn)) {}
  ~ScopeExit() { fn_(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;

 private:
  std::function<void()> fn_;
};

Status Checking(const std::string& task_id) {
  return FailedPrecondition("ModelArts.4623 Workforce task is checking: another review of task " + task_id +
                            " is being written into the dataset; try again in a moment");
}

bool TeamsImpl::TryLockTask(int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  return busy_.insert(seq).second;
}

void TeamsImpl::UnlockTask(int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  busy_.erase(seq);
}

Result<TeamsImpl::Fresh> TeamsImpl::FreshOf(int64_t dataset_seq) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT salt, visible_no FROM datasets WHERE seq = $1", {dataset_seq}));
  if (rows.empty()) return NotFound("the dataset was deleted");
  return Fresh{rows[0].Str(0), rows[0].Int(1)};
}

// ---- workforces ----

Result<Workforce> TeamsImpl::LoadWorkforce(const std::string& project_id, const std::string& id) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kWorkforceColumns) +
                                               " FROM workforces w WHERE w.id = $1 AND w.project_id = $2",
                                           {id, project_id}));
  if (rows.empty()) return NotFound("workforce " + id + " does not exist (see GET /v2/{project_id}/workforces)");
  return WorkforceFromRow(rows[0]);
}

Result<std::vector<Worker>> TeamsImpl::ResolveWorkers(const std::vector<WorkerSpec>& specs) {
  std::vector<Worker> out;
  std::map<std::string, size_t> seen;
  int64_t now = clock_.NowMillis();
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string f = "workers[" + std::to_string(i) + "].email";
    OA_ASSIGN_OR_RETURN(std::string email, NormalizeEmail(f, specs[i].email));
    if (auto [it, fresh] = seen.emplace(email, i); !fresh) {
      return Field(f, email + " is listed twice (also workers[" + std::to_string(it->second) + "])");
    }
    auto user = user_by_email_ ? user_by_email_(email) : Result<std::string>(NotFound("no user directory"));
    if (!user.ok()) {
      if (user.status().code() == Code::kNotFound) {
        return Field(f, "no platform user has the e-mail " + email +
                            ": create one with it (ma-cli user create NAME --email " + email +
                            ") or set it on the user (ma-cli user update NAME --email " + email + ")");
      }
      return Field(f, user.status().message());
    }
    Worker w;
    w.id = NewId();
    w.email = email;
    w.user_id = *user;
    w.role = specs[i].role;
    w.create_time = w.update_time = now;
    out.push_back(std::move(w));
  }
  return out;
}

Result<std::vector<Worker>> TeamsImpl::InsertWorkers(Tx& tx, const Workforce& workforce,
                                                     const std::vector<Worker>& existing,
                                                     const std::vector<WorkerSpec>& specs) {
  OA_ASSIGN_OR_RETURN(std::vector<Worker> added, ResolveWorkers(specs));
  if (existing.size() + added.size() > static_cast<size_t>(kMaxWorkersPerWorkforce)) {
    return Field("workers", "a team has at most " + std::to_string(kMaxWorkersPerWorkforce) + " members; " +
                                workforce.name + " has " + std::to_string(existing.size()) + " and this adds " +
                                std::to_string(added.size()));
  }
  int managers = 0;
  for (const Worker& w : existing) managers += w.role == WorkerRole::kManager;
  for (const Worker& w : added) managers += w.role == WorkerRole::kManager;
  if (managers > 1) {
    return Field("workers", "ModelArts.4617 The number of manager should be one: team " + workforce.name +
                                " would have " + std::to_string(managers) + " managers (role 2)");
  }
  for (size_t i = 0; i < added.size(); ++i) {
    Worker& w = added[i];
    w.workforce_id = workforce.id;
    for (const Worker& e : existing) {
      if (e.email == w.email) {
        return AlreadyExists("workers[" + std::to_string(i) + "].email: " + w.email + " is already in team " +
                             workforce.name + " (worker " + e.id + ")");
      }
    }
    OA_TRY(tx.Exec("INSERT INTO workforce_workers(id, workforce_id, email, user_id, role, create_time, update_time) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   {w.id, w.workforce_id, w.email, w.user_id, int64_t{static_cast<int>(w.role)}, w.create_time,
                    w.update_time})
               .status());
  }
  OA_TRY(tx.Exec("UPDATE workforces SET update_time = $1 WHERE id = $2", {clock_.NowMillis(), workforce.id}).status());
  return added;
}

Result<Workforce> TeamsImpl::CreateWorkforce(const Caller& caller, const CreateWorkforceRequest& req) {
  OA_TRY(ValidateName("workforce_name", req.name));
  Workforce w;
  w.id = NewId();
  w.project_id = caller.project_id;
  w.name = req.name;
  w.description = req.description;
  w.created_by = caller.user_name;
  w.create_time = w.update_time = clock_.NowMillis();
  OA_TRY(db_.Transact([&](Tx& tx) -> Status {
    OA_ASSIGN_OR_RETURN(auto n, tx.Query("SELECT COUNT(*) FROM workforces WHERE project_id = $1", {w.project_id}));
    if (n.at(0).Int(0) >= kMaxWorkforcesPerProject) {
      return FailedPrecondition("a project has at most " + std::to_string(kMaxWorkforcesPerProject) +
                                " teams (workforces); delete one first (DELETE /v2/{project_id}/workforces/{id})");
    }
    auto r = tx.Exec("INSERT INTO workforces(id, project_id, name, description, created_by, create_time, "
                     "update_time) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     {w.id, w.project_id, w.name, w.description, w.created_by, w.create_time, w.update_time});
    if (r.status().code() == Code::kAlreadyExists) {
      return AlreadyExists("workforce_name: a team named \"" + w.name + "\" already exists; choose another name");
    }
    OA_TRY(r.status());
    OA_ASSIGN_OR_RETURN(auto added, InsertWorkers(tx, w, {}, req.workers));
    w.worker_count = static_cast<int64_t>(added.size());
    return Status::Ok();
  }));
  return w;
}

Result<std::pair<std::vector<Workforce>, int64_t>> TeamsImpl::ListWorkforces(const std::string& project_id,
                                                                               int offset, int limit) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kWorkforceColumns) +
                                               " FROM workforces w WHERE w.project_id = $1 ORDER BY w.create_time "
                                               "DESC, w.id LIMIT $2 OFFSET $3",
                                           {project_id, int64_t{limit}, int64_t{offset}}));
  std::vector<Workforce> out;
  for (const Row& r : rows) out.push_back(WorkforceFromRow(r));
  OA_ASSIGN_OR_RETURN(auto n, db_.Query("SELECT COUNT(*) FROM workforces WHERE project_id = $1", {project_id}));
  return std::make_pair(std::move(out), n.at(0).Int(0));
}

Result<Workforce> TeamsImpl::GetWorkforce(const std::string& project_id, const std::string& id) {
  return LoadWorkforce(project_id, id);
}

Result<Workforce> TeamsImpl::UpdateWorkforce(const std::string& project_id, const std::string& id,
                                             const Json& patch) {
  OA_ASSIGN_OR_RETURN(Workforce w, LoadWorkforce(project_id, id));
  OA_ASSIGN_OR_RETURN(auto name, OptStr(patch, "workforce_name", "workforce_name"));
  OA_ASSIGN_OR_RETURN(auto desc, OptStr(patch, "description", "description"));
  if (!name && !desc) return Field("request body", "give workforce_name and/or description");
  if (name) {
    OA_TRY(ValidateName("workforce_name", *name));
    w.name = *name;
  }
  if (desc) {
    OA_TRY(ValidateDescription("description", *desc));
    w.description = *desc;
  }
  w.update_time = clock_.NowMillis();
  auto r = db_.Exec("UPDATE workforces SET name = $1, description = $2, update_time = $3 WHERE id = $4",
                    {w.name, w.description, w.update_time, w.id});
  if (r.status().code() == Code::kAlreadyExists) {
    return AlreadyExists("workforce_name: a team named \"" + w.name + "\" already exists; choose another name");
  }
  OA_TRY(r.status());
  return w;
}

Status TeamsImpl::DeleteWorkforce(const std::string& project_id, const std::string& id) {
  OA_ASSIGN_OR_RETURN(Workforce w, LoadWorkforce(project_id, id));
  OA_ASSIGN_OR_RETURN(auto tasks, db_.Query("SELECT " + std::string(kTaskColumns) +
                                                " FROM workforce_tasks t JOIN workforces f ON f.id = t.workforce_id "
                                                "WHERE t.workforce_id = $1",
                                            {w.id}));
  for (const Row& r : tasks) {
    TaskRow t = TaskFromRow(r);
    OA_TRY(FillCounts(t.task, t.seq, t.dataset_seq));
    if (!t.task.completed()) {
      return FailedPrecondition("ModelArts.4615 Workforce task is unfinished: task " + t.task.name + " (" +
                                t.task.id + ") of team " + w.name + " has " +
                                std::to_string(t.task.sample_count - t.task.accepted_sample_count) +
                                " sample(s) not accepted; finish it or delete it first");
    }
  }
  // A task created meanwhile makes the delete fail on its foreign key, not orphan the task.
  return db_.Transact([&](Tx& tx) -> Status {
    for (const Row& r : tasks) {
      OA_TRY(tx.Exec("DELETE FROM workforce_tasks WHERE seq = $1", {r.Int(0)}).status());
    }
    return tx.Exec("DELETE FROM workforces WHERE id = $1", {w.id}).status();
  });
}

Result<std::vector<Worker>> TeamsImpl::AddWorkers(const std::string& project_id, const std::string& workforce_id,
                                                  const std::vector<WorkerSpec>& workers) {
  OA_ASSIGN_OR_RETURN(Workforce w, LoadWorkforce(project_id, workforce_id));
  if (workers.empty()) return Field("workers", "at least one {\"email\", \"role\"}");
  std::vector<Worker> added;
  OA_TRY(db_.Transact([&](Tx& tx) -> Status {
    OA_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT " + std::string(kWorkerColumns) +
                                                " FROM workforce_workers WHERE workforce_id = $1",
                                            {w.id}));
    std::vector<Worker> existing;
    for (const Row& r : rows) existing.push_back(WorkerFromRow(r));
    OA_ASSIGN_OR_RETURN(added, InsertWorkers(tx, w, existing, workers));
    return Status::Ok();
  }));
  return added;
}

Result<std::vector<Worker>> TeamsImpl::ListWorkers(const std::string& project_id, const std::string& workforce_id) {
  OA_ASSIGN_OR_RETURN(Workforce w, LoadWorkforce(project_id, workforce_id));
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kWorkerColumns) +
                                               " FROM workforce_workers WHERE workforce_id = $1 ORDER BY email",
                                           {w.id}));
  std::vector<Worker> out;
  for (const Row& r : rows) out.push_back(WorkerFromRow(r));
  return out;
}

Status TeamsImpl::DeleteWorker(const std::string& project_id, const std::string& workforce_id,
                               const std::string& worker_id) {
  OA_ASSIGN_OR_RETURN(Workforce w, LoadWorkforce(project_id, workforce_id));
  return db_.Transact([&](Tx& tx) -> Status {
    OA_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT email FROM workforce_workers WHERE id = $1 AND workforce_id = $2",
                                            {worker_id, w.id}));
    if (rows.empty()) return NotFound("worker " + worker_id + " is not in team " + w.name);
    OA_ASSIGN_OR_RETURN(auto work, tx.Query("SELECT t.name FROM workforce_task_samples s JOIN workforce_tasks t ON "
                                            "t.seq = s.task_seq WHERE s.worker_id = $1 LIMIT 1",
                                            {worker_id}));
    if (!work.empty()) {
      return FailedPrecondition("ModelArts.4628 Can not delete worker who has task: " + rows[0].Str(0) +
                                " has samples in task " + work[0].Str(0) + "; delete the task first");
    }
    OA_TRY(tx.Exec("DELETE FROM workforce_workers WHERE id = $1", {worker_id}).status());
    return tx.Exec("UPDATE workforces SET update_time = $1 WHERE id = $2", {clock_.NowMillis(), w.id}).status();
  });
}

// ---- tasks ----

std::string TeamTypes() {
  std::string out;
  for (int code : {0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900}) {
    const Capabilities* c = CapabilitiesOf(code);
    if (c && c->team) out += (out.empty() ? "" : ", ") + std::string(c->name) + " (" + std::to_string(code) + ")";
  }
  return out;
}

Result<WorkforceTask> TeamsImpl::CreateTask(const Dataset& ds, const Caller& caller,
                                            const CreateWorkforceTaskRequest& req) {
  const Capabilities* caps = CapabilitiesOf(ds.type);
  if (!caps || !caps->team) {
    return InvalidArgument("dataset_type: a dataset of type " + std::to_string(ds.type) +
                           (caps ? " (" + std::string(caps->name) + ")" : std::string()) +
                           " has no team labeling; teams label " + TeamTypes());
  }
  OA_TRY(ValidateName("task_name", req.name));
  OA_ASSIGN_OR_RETURN(Workforce team, LoadWorkforce(ds.project_id, req.workforce_id));
  OA_ASSIGN_OR_RETURN(auto worker_rows, db_.Query("SELECT " + std::string(kWorkerColumns) +
                                                      " FROM workforce_workers WHERE workforce_id = $1 ORDER BY id",
                                                  {team.id}));
  std::vector<std::string> labelers;
  int managers = 0;
  for (const Row& r : worker_rows) {
    Worker w = WorkerFromRow(r);
    if (w.role == WorkerRole::kLabeler) labelers.push_back(w.id);
    managers += w.role == WorkerRole::kManager;
  }
  if (managers != 1) {
    return FailedPrecondition("ModelArts.4617 The number of manager should be one: team " + team.name + " has " +
                              std::to_string(managers) + "; add one worker with role 2 (team manager)");
  }
  if (labelers.empty() || req.repetition > static_cast<int>(labelers.size())) {
    return FailedPrecondition("ModelArts.4822 The number of labelers must exceed 1: team " + team.name + " has " +
                              std::to_string(labelers.size()) + " labeler(s) (role 0) and each sample needs " +
                              std::to_string(req.repetition) + "; add labelers or lower repetition");
  }
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  // The samples to give, in key order, a page at a time (a dataset may hold millions).
  std::vector<int64_t> numbers;
  for (int64_t after = SampleKey(ds.seq, 0);;) {
    OA_ASSIGN_OR_RETURN(auto rows, db_.Query(std::string("SELECT no FROM dataset_samples WHERE no > $1 AND no <= $2") +
                                                 (req.all_samples ? "" : " AND state = 0") +
                                                 " ORDER BY no LIMIT 100000",
                                             {after, SampleKey(ds.seq, fresh.visible_no)}));
    for (const Row& r : rows) numbers.push_back(NumberOf(r.Int(0)));
    if (rows.size() < 100000) break;
    after = rows.back().Int(0);
  }
  if (numbers.empty()) {
    return FailedPrecondition(std::string("dataset ") + ds.name + " has no " + (req.all_samples ? "" : "unlabeled ") +
                              "samples to give to a team" +
                              (req.all_samples ? "; import some first" : "; import some, or pass all_samples"));
  }
  WorkforceTask t;
  t.id = NewId();
  t.project_id = ds.project_id;
  t.dataset_id = ds.id;
  t.workforce_id = team.id;
  t.workforce_name = team.name;
  t.name = req.name;
  t.description = req.description;
  t.repetition = req.repetition;
  t.all_samples = req.all_samples;
  t.created_by = caller.user_name;
  t.create_time = t.update_time = clock_.NowMillis();
  t.sample_count = static_cast<int64_t>(numbers.size());
  // Random and even: a Fisher–Yates shuffle seeded by the task id (reproducible from the id
  // alone), then each sample to the next `repetition` labelers in turn, so shares differ by at
  // most one sample.
  std::mt19937_64 rng(Fnv1a64(t.id));
  for (size_t i = numbers.size() - 1; i > 0; --i) std::swap(numbers[i], numbers[rng() % (i + 1)]);
  OA_TRY(db_.Transact([&](Tx& tx) -> Status {
    auto r = tx.Exec("INSERT INTO workforce_tasks(id, project_id, dataset_seq, dataset_id, workforce_id, name, "
                     "description, repetition, all_samples, created_by_id, created_by, create_time, update_time) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                     {t.id, t.project_id, ds.seq, ds.id, team.id, t.name, t.description, int64_t{t.repetition},
                      int64_t{t.all_samples ? 1 : 0}, caller.user_id, caller.user_name, t.create_time,
                      t.update_time});
    if (r.status().code() == Code::kAlreadyExists) {
      return AlreadyExists("task_name: dataset " + ds.name + " already has a team labeling task named \"" + t.name +
                           "\"; choose another name");
    }
    OA_TRY(r.status());
    OA_ASSIGN_OR_RETURN(auto seq, tx.Query("SELECT seq FROM workforce_tasks WHERE id = $1", {t.id}));
    const int64_t task_seq = seq.at(0).Int(0);
    std::vector<Params> batch;
    size_t next = 0;
    for (int64_t no : numbers) {
      for (int k = 0; k < t.repetition; ++k) {
        batch.push_back({task_seq, no, labelers[next++ % labelers.size()], t.create_time});
      }
      if (batch.size() >= 10000) {
        OA_TRY(tx.ExecMany("INSERT INTO workforce_task_samples(task_seq, sample_no, worker_id, update_time) "
                           "VALUES ($1, $2, $3, $4)",
                           batch)
                   .status());
        batch.clear();
      }
    }
    return tx.ExecMany("INSERT INTO workforce_task_samples(task_seq, sample_no, worker_id, update_time) "
                       "VALUES ($1, $2, $3, $4)",
                       batch)
        .status();
  }));
  return t;
}

Result<TaskRow> TeamsImpl::LoadTask(const Dataset& ds, const std::string& task_id) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kTaskColumns) +
                                               " FROM workforce_tasks t JOIN workforces f ON f.id = t.workforce_id "
                                               "WHERE t.id = $1 AND t.dataset_seq = $2",
                                           {task_id, ds.seq}));
  if (rows.empty()) {
    return NotFound("workforce task " + task_id + " does not exist in dataset " + ds.name +
                    " (see GET .../workforce-tasks)");
  }
  return TaskFromRow(rows[0]);
}

Status TeamsImpl::FillCounts(WorkforceTask& t, int64_t seq, int64_t dataset_seq) {
  // Samples deleted from the dataset drop out of the task.
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT COUNT(*), SUM(acc) FROM (SELECT t.sample_no, MAX(CASE WHEN "
                                           "t.state = 3 THEN 1 ELSE 0 END) AS acc FROM workforce_task_samples t "
                                           "JOIN dataset_samples s ON s.no = $2 + t.sample_no WHERE t.task_seq = $1 "
                                           "GROUP BY t.sample_no) x",
                                           {seq, SampleKey(dataset_seq, 0)}));
  t.sample_count = rows.at(0).Int(0);
  t.accepted_sample_count = rows.at(0).Int(1);
  return Status::Ok();
}

Result<Access> TeamsImpl::Resolve(const Dataset& ds, const std::string& task_id, const Actor& who) {
  Access a;
  OA_ASSIGN_OR_RETURN(a.t, LoadTask(ds, task_id));
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id, role FROM workforce_workers WHERE workforce_id = $1 AND "
                                           "user_id = $2",
                                           {a.t.task.workforce_id, who.user_id}));
  if (!rows.empty()) {
    a.worker_id = rows[0].Str(0);
    a.role = static_cast<WorkerRole>(rows[0].Int(1));
  }
  const bool owner = who.supervisor || (!who.user_id.empty() && a.t.created_by_id == who.user_id) ||
                     (!who.user_name.empty() && ds.created_by == who.user_name);
  a.all = owner || (!a.worker_id.empty() && a.role == WorkerRole::kManager);
  a.reviewer = a.all || (!a.worker_id.empty() && a.role == WorkerRole::kReviewer);
  if (!a.all && a.worker_id.empty()) {
    return PermissionDenied("workforce task " + a.t.task.name + " (" + task_id + "): you are not in its team (" +
                            a.t.task.workforce_name + ") and may not supervise dataset " + ds.name +
                            "; ask the task's creator (" + a.t.task.created_by + ") to add your e-mail to the team");
  }
  return a;
}

Result<std::vector<WorkforceTask>> TeamsImpl::ListTasks(const Dataset& ds, const Actor& who) {
  const bool owner = who.supervisor || (!who.user_name.empty() && ds.created_by == who.user_name);
  std::string sql = "SELECT " + std::string(kTaskColumns) +
                    " FROM workforce_tasks t JOIN workforces f ON f.id = t.workforce_id WHERE t.dataset_seq = $1";
  Params p = {ds.seq};
  if (!owner) {
    sql += " AND (t.created_by_id = $2 OR EXISTS (SELECT 1 FROM workforce_workers k WHERE k.workforce_id = "
           "t.workforce_id AND k.user_id = $2))";
    p.push_back(who.user_id);
  }
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query(sql + " ORDER BY t.create_time DESC, t.seq DESC", p));
  if (rows.empty() && !owner) {
    return PermissionDenied("dataset " + ds.name + ": you are in no team labeling task of it and may not "
                            "supervise it (modelarts:workforceTask:list)");
  }
  std::vector<WorkforceTask> out;
  for (const Row& r : rows) {
    TaskRow t = TaskFromRow(r);
    OA_TRY(FillCounts(t.task, t.seq, t.dataset_seq));
    out.push_back(std::move(t.task));
  }
  return out;
}

Result<std::vector<WorkforceTask>> TeamsImpl::ListMyTasks(const std::string& project_id, const Actor& who) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kTaskColumns) +
                                               ", k.role FROM workforce_tasks t JOIN workforces f ON f.id = "
                                               "t.workforce_id JOIN workforce_workers k ON k.workforce_id = "
                                               "t.workforce_id AND k.user_id = $2 WHERE t.project_id = $1 ORDER BY "
                                               "t.create_time DESC, t.seq DESC",
                                           {project_id, who.user_id}));
  std::vector<WorkforceTask> out;
  for (const Row& r : rows) {
    TaskRow t = TaskFromRow(r);
    OA_TRY(FillCounts(t.task, t.seq, t.dataset_seq));
    t.task.role = WorkerRoleName(static_cast<WorkerRole>(r.Int(15)));
    out.push_back(std::move(t.task));
  }
  return out;
}

Result<WorkforceTask> TeamsImpl::GetTask(const Dataset& ds, const std::string& task_id, const Actor& who) {
  OA_ASSIGN_OR_RETURN(Access a, Resolve(ds, task_id, who));
  OA_TRY(FillCounts(a.t.task, a.t.seq, a.t.dataset_seq));
  if (!a.worker_id.empty()) a.t.task.role = WorkerRoleName(a.role);
  return a.t.task;
}

Status TeamsImpl::DeleteTask(const Dataset& ds, const std::string& task_id) {
  OA_ASSIGN_OR_RETURN(TaskRow t, LoadTask(ds, task_id));
  if (!TryLockTask(t.seq)) return Checking(task_id);
  ScopeExit unlock([this, seq = t.seq] { UnlockTask(seq); });
  return db_.Transact([&](Tx& tx) -> Status {
    OA_ASSIGN_OR_RETURN(auto accepting, tx.Query("SELECT 1 FROM workforce_task_samples WHERE state = $1 AND "
                                                 "task_seq = $2 LIMIT 1",
                                                 {int64_t{kAccepting}, t.seq}));
    if (!accepting.empty()) return Checking(task_id);
    return tx.Exec("DELETE FROM workforce_tasks WHERE seq = $1", {t.seq}).status();
  });
}

// ---- samples of a task ----

Result<TaskSample> TeamsImpl::ToTaskSample(const Dataset& ds, const Fresh& fresh, const Row& r) {
  TaskSample ts;
  OA_ASSIGN_OR_RETURN(ts.sample, data_.GetSample(ds, SampleIdOf(fresh.salt, r.Int(0))));
  ts.worker_id = r.Str(1);
  ts.state = PublicState(r.Int(2));
  if (!r.IsNull(3)) {
    OA_ASSIGN_OR_RETURN(Work w, DecodeWork(r.Str(3)));
    ts.sample.manifest.annotations = std::move(w.annotations);
    if (w.usage) ts.sample.usage = ts.sample.manifest.usage = *w.usage;
    if (w.hard) {
      ts.sample.hard = *w.hard;
      ts.sample.manifest.hard = w.hard;
    }
  }
  ts.review_comment = r.Str(4);
  ts.review_score = r.Str(5);
  ts.reviewer = r.Str(6);
  ts.review_time = r.Int(7);
  ts.email = r.Str(8);
  return ts;
}

constexpr std::string_view kAssignmentSelect =
    "SELECT t.sample_no, t.worker_id, t.state, t.doc, t.review_comment, t.review_score, t.reviewer, "
    "t.review_time, w.email FROM workforce_task_samples t JOIN dataset_samples s ON s.no = $2 + t.sample_no "
    "LEFT JOIN workforce_workers w ON w.id = t.worker_id WHERE t.task_seq = $1";

Result<TaskSamplePage> TeamsImpl::ListTaskSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                                  const TaskSampleQuery& q) {
  OA_ASSIGN_OR_RETURN(Access a, Resolve(ds, task_id, who));
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  Params p = {a.t.seq, SampleKey(ds.seq, 0)};
  std::string cond;
  // What this caller may see.
  if (!a.all && !a.reviewer) {
    if (!q.worker_id.empty() && q.worker_id != a.worker_id) {
      return PermissionDenied("worker_id: you see only your own share of task " + a.t.task.name +
                              " (your worker id is " + a.worker_id + ")");
    }
    cond += " AND t.worker_id = " + Ph(p, a.worker_id);
  } else if (!a.all) {
    cond += " AND " + StateSql({TaskSampleState::kSubmitted, TaskSampleState::kAccepted, TaskSampleState::kRejected});
  }
  if (!q.worker_id.empty() && (a.all || a.reviewer)) cond += " AND t.worker_id = " + Ph(p, q.worker_id);
  if (!q.states.empty()) cond += " AND " + StateSql(q.states);
  const SampleQuery& sq = q.query;
  if (sq.state) cond += " AND s.state = " + Ph(p, int64_t{static_cast<int>(*sq.state)});
  if (sq.usage) cond += " AND s.usage = " + Ph(p, int64_t{static_cast<int>(*sq.usage)});
  if (sq.hard) cond += " AND s.hard = " + Ph(p, int64_t{*sq.hard ? 1 : 0});
  if (!sq.search.empty()) cond += " AND instr(s.source, " + Ph(p, sq.search) + ") > 0";
  if (sq.low_score) cond += " AND s.score >= " + Ph(p, *sq.low_score);
  if (sq.high_score) cond += " AND s.score <= " + Ph(p, *sq.high_score);
  if (!sq.labels.empty()) {
    std::string any;
    for (const std::string& l : sq.labels) {
      any += (any.empty() ? "" : " OR ") + std::string("instr(t.label_names, ") + Ph(p, "\x1f" + l + "\x1f") + ") > 0";
    }
    cond += " AND (" + any + ")";
  }
  TaskSamplePage page;
  if (sq.with_count) {
    OA_ASSIGN_OR_RETURN(auto n, db_.Query("SELECT COUNT(*) FROM workforce_task_samples t JOIN dataset_samples s ON "
                                          "s.no = $2 + t.sample_no WHERE t.task_seq = $1" + cond,
                                          p));
    page.total = n.at(0).Int(0);
  }
  std::string where = cond;
  if (!sq.marker.empty()) {
    // "<sample id>:<worker id>" continues after that assignment; a bare sample id after the sample.
    std::string sample_id = sq.marker.substr(0, sq.marker.find(':'));
    std::string worker = sq.marker.size() > sample_id.size() ? sq.marker.substr(sample_id.size() + 1) : "";
    auto no = ParseSampleId(fresh.salt, sample_id);
    if (!no) return InvalidArgument("marker: not a next_marker of this listing: \"" + sq.marker + "\"");
    std::string n1 = Ph(p, *no);
    if (worker.empty()) {
      where += " AND t.sample_no > " + n1;
    } else {
      where += " AND (t.sample_no > " + n1 + " OR (t.sample_no = " + n1 + " AND t.worker_id > " + Ph(p, worker) + "))";
    }
  }
  const int limit = std::clamp(sq.limit, 1, 1000);
  std::string sql = std::string(kAssignmentSelect) + where + " ORDER BY t.sample_no, t.worker_id LIMIT " +
                    std::to_string(limit + 1);
  if (sq.marker.empty() && sq.offset > 0) sql += " OFFSET " + std::to_string(sq.offset);
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query(sql, p));
  const bool more = rows.size() > static_cast<size_t>(limit);
  if (more) rows.resize(limit);
  for (const Row& r : rows) {
    auto ts = ToTaskSample(ds, fresh, r);
    if (!ts.ok() && ts.status().code() == Code::kNotFound) continue;  // deleted since the query
    OA_TRY(ts.status());
    page.samples.push_back(std::move(ts).value());
  }
  if (more && !rows.empty()) page.next_marker = SampleIdOf(fresh.salt, rows.back().Int(0)) + ":" + rows.back().Str(1);
  return page;
}

Result<TaskSample> TeamsImpl::GetTaskSample(const Dataset& ds, const std::string& task_id, const Actor& who,
                                            const std::string& sample_id, const std::string& worker_id) {
  OA_ASSIGN_OR_RETURN(Access a, Resolve(ds, task_id, who));
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  auto no = ParseSampleId(fresh.salt, sample_id);
  if (!no) return NotFound("sample " + sample_id + " is not in dataset " + ds.name);
  Params p = {a.t.seq, SampleKey(ds.seq, 0)};
  std::string sql = std::string(kAssignmentSelect) + " AND t.sample_no = " + Ph(p, *no);
  if (!worker_id.empty()) sql += " AND t.worker_id = " + Ph(p, worker_id);
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query(sql + " ORDER BY t.worker_id", p));
  if (rows.empty()) return NotFound("sample " + sample_id + " is not in task " + a.t.task.name +
                                    (worker_id.empty() ? "" : " for worker " + worker_id));
  for (const Row& r : rows) {
    const int64_t state = r.Int(2);
    const bool visible = a.all || (a.labeler() && r.Str(1) == a.worker_id) ||
                         (a.reviewer && state >= static_cast<int>(TaskSampleState::kSubmitted));
    if (visible) return ToTaskSample(ds, fresh, r);
  }
  if (a.reviewer) {
    return PermissionDenied("sample " + sample_id + " of task " + a.t.task.name +
                            " is not submitted for review yet (it is " + StateWord(rows[0].Int(2)) + ")");
  }
  return PermissionDenied("sample " + sample_id + " is in another labeler's share of task " + a.t.task.name +
                          ": you see only your own");
}

Result<std::pair<int64_t, int64_t>> TeamsImpl::OwnAssignment(const Access& a, const Fresh& fresh,
                                                            const std::string& sample_id, const std::string& field) {
  auto no = ParseSampleId(fresh.salt, sample_id);
  if (!no) return NotFound(field + ": sample " + sample_id + " is not in this dataset");
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT worker_id, state FROM workforce_task_samples WHERE task_seq = $1 "
                                           "AND sample_no = $2",
                                           {a.t.seq, *no}));
  if (rows.empty()) return NotFound(field + ": sample " + sample_id + " is not in task " + a.t.task.name);
  for (const Row& r : rows) {
    if (r.Str(0) == a.worker_id) return std::make_pair(*no, r.Int(1));
  }
  return PermissionDenied(field + ": sample " + sample_id + " is in another labeler's share of task " +
                          a.t.task.name + ": you label only your own");
}

Status NeedLabeler(const Access& a) {
  if (a.labeler()) return Status::Ok();
  return PermissionDenied("only the labelers of task " + a.t.task.name + " label and submit its samples; you are " +
                          (a.worker_id.empty() ? std::string("not in its team") :
                                                 "its " + std::string(WorkerRoleName(a.role))));
}

Result<int64_t> TeamsImpl::LabelSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                        const std::vector<SampleLabelsUpdate>& updates) {
  OA_ASSIGN_OR_RETURN(Access a, Resolve(ds, task_id, who));
  OA_TRY(NeedLabeler(a));
  if (updates.empty()) return Field("samples", "required: [{\"sample_id\": ..., \"labels\": [...]}]");
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  OA_ASSIGN_OR_RETURN(auto label_list, data_.ListLabels(ds));
  // Labels new to the dataset are allowed here (created when accepted) but must be valid names.
  LabelResolver check = [&](const std::string& name, int type) -> Result<int64_t> {
    for (const Label& l : label_list) {
      if (l.name == name && l.type == type) return l.id;
    }
    OA_TRY(ValidateLabelName(name).WithContext("labels"));
    return int64_t{0};
  };
  struct Pending {
    int64_t no;
    int64_t state;
    std::string doc, names;
  };
  std::vector<Pending> pending;
  for (size_t i = 0; i < updates.size(); ++i) {
    const SampleLabelsUpdate& u = updates[i];
    std::string f = "samples[" + std::to_string(i) + "]";
    OA_ASSIGN_OR_RETURN(auto own, OwnAssignment(a, fresh, u.sample_id, f));
    if (own.second == static_cast<int>(TaskSampleState::kSubmitted) || own.second == kAccepting) {
      return FailedPrecondition(f + ": sample " + u.sample_id + " is submitted for review; it can change again if "
                                "the reviewer rejects it");
    }
    if (own.second == static_cast<int>(TaskSampleState::kAccepted)) {
      return FailedPrecondition(f + ": sample " + u.sample_id + " was accepted: its labels are in the dataset now");
    }
    OA_ASSIGN_OR_RETURN(Sample cur, data_.GetSample(ds, u.sample_id));
    OA_ASSIGN_OR_RETURN(ManifestSample next, ApplyLabelsUpdate(cur, u, ds.type, f));
    OA_TRY(EncodeSample(next, ds.type, check).status().WithContext(f));
    if (ds.type == static_cast<int>(AnnotationType::kSpeechSegmentation)) {
      OA_TRY(data_.CheckSegmentsFitRecording(next, ds.type, f));
    }
    Pending pd;
    pd.no = own.first;
    if (next.annotations.empty()) {
      pd.state = static_cast<int>(TaskSampleState::kUnlabeled);
    } else {
      pd.state = static_cast<int>(TaskSampleState::kLabeled);
      pd.doc = EncodeWork(cur.source, next, u);
      pd.names = LabelNames(next.annotations);
    }
    pending.push_back(std::move(pd));
  }
  const int64_t now = clock_.NowMillis();
  OA_TRY(db_.Transact([&](Tx& tx) -> Status {
    for (size_t i = 0; i < pending.size(); ++i) {
      const Pending& pd = pending[i];
      OA_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE workforce_task_samples SET state = $1, doc = $2, label_names = "
                                             "$3, update_time = $4 WHERE task_seq = $5 AND sample_no = $6 AND "
                                             "worker_id = $7 AND state IN (0, 1, 4)",
                                             {pd.state, pd.doc.empty() ? Value{} : Value{pd.doc}, pd.names, now,
                                              a.t.seq, pd.no, a.worker_id}));
      if (n != 1) {
        return FailedPrecondition("samples[" + std::to_string(i) + "]: sample " + updates[i].sample_id +
                                  " was submitted meanwhile; list your share again");
      }
    }
    return Status::Ok();
  }));
  return static_cast<int64_t>(pending.size());
}

Result<int64_t> TeamsImpl::SubmitSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                         const std::vector<std::string>& sample_ids) {
  OA_ASSIGN_OR_RETURN(Access a, Resolve(ds, task_id, who));
  OA_TRY(NeedLabeler(a));
  const int64_t now = clock_.NowMillis();
  if (sample_ids.empty()) {
    return db_.Exec("UPDATE workforce_task_samples SET state = 2, update_time = $1 WHERE task_seq = $2 AND "
                    "worker_id = $3 AND state = 1",
                    {now, a.t.seq, a.worker_id});
  }
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  std::vector<int64_t> numbers;
  for (size_t i = 0; i < sample_ids.size(); ++i) {
    std::string f = "samples[" + std::to_string(i) + "]";
    OA_ASSIGN_OR_RETURN(auto own, OwnAssignment(a, fresh, sample_ids[i], f));
    if (own.second != static_cast<int>(TaskSampleState::kLabeled)) {
      std::string why = own.second == static_cast<int>(TaskSampleState::kRejected)
                            ? "was rejected: label it again (see its review_comment), then submit"
                        : own.second == static_cast<int>(TaskSampleState::kUnlabeled) ? "is not labeled yet: label it first"
                                                                                       : "is " + StateWord(own.second) + " already";
      return FailedPrecondition(f + ": sample " + sample_ids[i] + " " + why);
    }
    numbers.push_back(own.first);
  }
  int64_t total = 0;
  OA_TRY(db_.Transact([&](Tx& tx) -> Status {
    for (size_t i = 0; i < numbers.size(); ++i) {
      OA_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE workforce_task_samples SET state = 2, update_time = $1 WHERE "
                                             "task_seq = $2 AND sample_no = $3 AND worker_id = $4 AND state = 1",
                                             {now, a.t.seq, numbers[i], a.worker_id}));
      total += n;
    }
    return Status::Ok();
  }));
  return total;
}

Status TeamsImpl::FinishAccepting(const Dataset& ds, int64_t task_seq, const Fresh& fresh,
                                  const std::vector<std::pair<int64_t, std::string>>& items) {
  std::vector<SampleLabelsUpdate> updates;
  Status st;
  for (const auto& [no, worker] : items) {
    auto rows = db_.Query("SELECT doc FROM workforce_task_samples WHERE task_seq = $1 AND sample_no = $2 AND "
                          "worker_id = $3 AND state = $4",
                          {task_seq, no, worker, int64_t{kAccepting}});
    if (!rows.ok()) return rows.status();  // still accepting: the next review or start retries
    if (rows->empty()) continue;
    SampleLabelsUpdate u;
    u.sample_id = SampleIdOf(fresh.salt, no);
    if (!(*rows)[0].IsNull(0)) {
      auto w = DecodeWork((*rows)[0].Str(0));
      if (!w.ok()) {
        st = w.status();
        break;
      }
      u.annotations = std::move(w->annotations);
      u.usage = w->usage;
      u.hard = w->hard;
    }
    updates.push_back(std::move(u));
  }
  if (st.ok() && !updates.empty()) st = data_.UpdateSamples(ds, updates);
  const int64_t now = clock_.NowMillis();
  Status done = db_.Transact([&](Tx& tx) -> Status {
    for (const auto& [no, worker] : items) {
      if (st.ok()) {
        OA_TRY(tx.Exec("UPDATE workforce_task_samples SET state = 3, update_time = $1 WHERE task_seq = $2 AND "
                       "sample_no = $3 AND worker_id = $4 AND state = $5",
                       {now, task_seq, no, worker, int64_t{kAccepting}})
                   .status());
      } else {
        OA_TRY(tx.Exec("UPDATE workforce_task_samples SET state = 2, review_comment = '', review_score = '', "
                       "reviewer = '', review_time = 0, update_time = $1 WHERE task_seq = $2 AND sample_no = $3 AND "
                       "worker_id = $4 AND state = $5",
                       {now, task_seq, no, worker, int64_t{kAccepting}})
                   .status());
      }
    }
    return Status::Ok();
  });
  if (!st.ok()) return st.WithContext("accepting into dataset " + ds.name);
  return done;
}

Status TeamsImpl::RecoverTask(const Dataset& ds, int64_t task_seq, const Fresh& fresh) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT sample_no, worker_id FROM workforce_task_samples WHERE state = $1 "
                                           "AND task_seq = $2",
                                           {int64_t{kAccepting}, task_seq}));
  if (rows.empty()) return Status::Ok();
  std::vector<std::pair<int64_t, std::string>> items;
  for (const Row& r : rows) items.emplace_back(r.Int(0), r.Str(1));
  Status st = FinishAccepting(ds, task_seq, fresh, items);
  OA_LOG_WARN("team labeling: {} acceptance(s) interrupted by a crash in dataset {}: {}", items.size(), ds.name,
              st.ok() ? std::string("written") : "undone, back to review (" + st.message() + ")");
  return Status::Ok();
}

Result<int64_t> TeamsImpl::ReviewSamples(const Dataset& ds, const std::string& task_id, const Actor& who,
                                         const ReviewRequest& req) {
  OA_ASSIGN_OR_RETURN(Access a, Resolve(ds, task_id, who));
  if (!a.reviewer) {
    return PermissionDenied("only reviewers (role 1), the team manager and the dataset's supervisors review task " +
                            a.t.task.name + "; you are its labeler");
  }
  if (req.samples.empty()) return Field("samples", "required: the sample ids to review");
  if (!TryLockTask(a.t.seq)) return Checking(task_id);
  ScopeExit unlock([this, seq = a.t.seq] { UnlockTask(seq); });
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  // What a crash left half-accepted is settled first, so nothing is reviewed twice.
  OA_TRY(RecoverTask(ds, a.t.seq, fresh));
  std::vector<std::pair<int64_t, std::string>> items;
  std::set<std::pair<int64_t, std::string>> listed;
  std::set<int64_t> accepted_here;
  for (size_t i = 0; i < req.samples.size(); ++i) {
    const ReviewRequest::Item& item = req.samples[i];
    const std::string f = "samples[" + std::to_string(i) + "]";
    auto no = ParseSampleId(fresh.salt, item.sample_id);
    if (!no) return NotFound(f + ": sample " + item.sample_id + " is not in dataset " + ds.name);
    OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT worker_id, state FROM workforce_task_samples WHERE task_seq = $1 "
                                             "AND sample_no = $2 ORDER BY worker_id",
                                             {a.t.seq, *no}));
    if (rows.empty()) return NotFound(f + ": sample " + item.sample_id + " is not in task " + a.t.task.name);
    const Row* chosen = nullptr;
    if (!item.worker_id.empty()) {
      for (const Row& r : rows) {
        if (r.Str(0) == item.worker_id) chosen = &r;
      }
      if (!chosen) {
        return NotFound(f + ": worker " + item.worker_id + " has no share of sample " + item.sample_id);
      }
    } else {
      std::vector<const Row*> submitted;
      for (const Row& r : rows) {
        if (r.Int(1) == static_cast<int>(TaskSampleState::kSubmitted)) submitted.push_back(&r);
      }
      if (submitted.size() > 1) {
        std::string workers;
        for (const Row* r : submitted) workers += (workers.empty() ? "" : ", ") + r->Str(0);
        return Field(f, "sample " + item.sample_id + " was submitted by " + std::to_string(submitted.size()) +
                            " labelers (workers " + workers + "); name one with {\"sample_id\", \"worker_id\"}");
      }
      chosen = submitted.empty() ? &rows[0] : submitted[0];
    }
    const std::string worker = chosen->Str(0);
    if (chosen->Int(1) != static_cast<int>(TaskSampleState::kSubmitted)) {
      return FailedPrecondition(f + ": sample " + item.sample_id + " is " + StateWord(chosen->Int(1)) +
                                ", not submitted for review");
    }
    if (worker == a.worker_id) return PermissionDenied(f + ": you cannot review your own labeling");
    if (!listed.emplace(*no, worker).second) return Field(f, "sample " + item.sample_id + " is listed twice");
    if (req.accept) {
      for (const Row& r : rows) {
        if (r.Int(1) == static_cast<int>(TaskSampleState::kAccepted)) {
          return FailedPrecondition(f + ": sample " + item.sample_id + " was accepted already (from worker " +
                                    r.Str(0) + "); reject this submission instead");
        }
      }
      if (!accepted_here.insert(*no).second) {
        return Field(f, "sample " + item.sample_id + " is accepted twice in this review; accept one labeling");
      }
    }
    items.emplace_back(*no, worker);
  }
  const int64_t now = clock_.NowMillis();
  OA_TRY(db_.Transact([&](Tx& tx) -> Status {
    for (size_t i = 0; i < items.size(); ++i) {
      OA_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE workforce_task_samples SET state = $1, review_comment = $2, "
                                             "review_score = $3, reviewer = $4, review_time = $5, update_time = $5 "
                                             "WHERE task_seq = $6 AND sample_no = $7 AND worker_id = $8 AND state = 2",
                                             {int64_t{req.accept ? kAccepting : static_cast<int>(TaskSampleState::kRejected)},
                                              req.comment, req.score, who.user_name, now, a.t.seq, items[i].first,
                                              items[i].second}));
      if (n != 1) {
        return FailedPrecondition("samples[" + std::to_string(i) + "]: sample " + req.samples[i].sample_id +
                                  " changed meanwhile; list the task's samples again");
      }
    }
    return Status::Ok();
  }));
  if (req.accept) OA_TRY(FinishAccepting(ds, a.t.seq, fresh, items));
  return static_cast<int64_t>(items.size());
}

Result<TaskProgress> TeamsImpl::Progress(const Dataset& ds, const std::string& task_id, const Actor& who) {
  OA_ASSIGN_OR_RETURN(Access a, Resolve(ds, task_id, who));
  TaskProgress out;
  out.task_id = a.t.task.id;
  OA_TRY(FillCounts(a.t.task, a.t.seq, a.t.dataset_seq));
  out.sample_count = a.t.task.sample_count;
  out.accepted_sample_count = a.t.task.accepted_sample_count;
  Params p = {a.t.seq, SampleKey(ds.seq, 0)};
  std::string sql = "SELECT t.worker_id, w.email, t.state, COUNT(*) FROM workforce_task_samples t JOIN "
                    "dataset_samples s ON s.no = $2 + t.sample_no LEFT JOIN workforce_workers w ON w.id = "
                    "t.worker_id WHERE t.task_seq = $1";
  if (!a.all && !a.reviewer) sql += " AND t.worker_id = " + Ph(p, a.worker_id);
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query(sql + " GROUP BY t.worker_id, w.email, t.state", p));
  std::map<std::string, MemberProgress> by_worker;
  for (const Row& r : rows) {
    MemberProgress& m = by_worker[r.Str(0)];
    m.worker_id = r.Str(0);
    m.email = r.Str(1);
    const int64_t n = r.Int(3);
    switch (PublicState(r.Int(2))) {
      case TaskSampleState::kUnlabeled: break;
      case TaskSampleState::kLabeled: m.labeled += n; break;
      case TaskSampleState::kSubmitted: m.pending_review += n; break;
      case TaskSampleState::kAccepted: m.accepted += n; break;
      case TaskSampleState::kRejected: m.rejected += n; break;
    }
    m.assigned += n;
  }
  for (auto& [id, m] : by_worker) {
    m.submitted = m.pending_review + m.accepted + m.rejected;
    m.labeled += m.submitted;
    out.members.push_back(m);
  }
  std::sort(out.members.begin(), out.members.end(),
            [](const MemberProgress& x, const MemberProgress& y) { return x.email < y.email; });
  for (const MemberProgress& m : out.members) {
    out.total.assigned += m.assigned;
    out.total.labeled += m.labeled;
    out.total.submitted += m.submitted;
    out.total.pending_review += m.pending_review;
    out.total.accepted += m.accepted;
    out.total.rejected += m.rejected;
  }
  return out;
}

Status TeamsImpl::Recover() {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT DISTINCT t.seq, t.project_id, t.dataset_id, t.id FROM workforce_tasks t "
                                           "JOIN workforce_task_samples s ON s.task_seq = t.seq WHERE s.state = $1",
                                           {int64_t{kAccepting}}));
  for (const Row& r : rows) {
    // One task's trouble must not keep the daemon down: its rows stay "accepting" (the task
    // answers ModelArts.4623) and the next review of it retries.
    Status st = [&]() -> Status {
      OA_ASSIGN_OR_RETURN(Dataset ds, data_.GetDataset(r.Str(1), r.Str(2)));
      OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
      return RecoverTask(ds, r.Int(0), fresh);
    }();
    if (!st.ok()) OA_LOG_ERROR("team labeling: cannot settle the reviews of task {}: {}", r.Str(3), st.ToString());
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Teams>> CreateTeams(meta::Database& db, DataService& data, Clock& clock,
                                           UserByEmail user_by_email) {
  auto teams = std::make_unique<TeamsImpl>(db, data, clock, std::move(user_by_email));
  OA_TRY(teams->Recover());
  return std::unique_ptr<Teams>(std::move(teams));
}

}  // namespace openarts::data
