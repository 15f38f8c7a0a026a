// client: the C++ client of the OpenArts REST API (api/ROUTES.md), used by ma-cli and by
// programs that drive the platform. libcurl underneath; no server code is linked.
//
// Two objects:
//  - Session: what one profile knows — server URL, credentials, TLS settings — and the shared
//    authentication state (the cached token, the project id). Thread-safe; share one
//    std::shared_ptr<Session> between all the Clients of a process.
//  - Client: one keep-alive connection (a curl easy handle) on a Session with a typed method per
//    route. NOT thread-safe: parallel transfers use one Client per worker thread.
//
// Authentication. A password profile logs in with POST /v3/auth/tokens on first use, caches the
// token and its expiry in Options::token_cache (a 0600 file), logs in again when the token has
// expired or a request is answered 401. An AK/SK profile signs every request with
// SDK-HMAC-SHA256 (base/sdk_hmac.h) over host, x-sdk-date and content-type; streamed uploads
// send `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` and sign that value as the body hash.
//
// Errors. A server error body {error_code, error_msg, request_id} becomes a Status with the
// server's code (mapped back from the HTTP status) and error_msg. With Options::debug the
// message also carries the HTTP status, method, URL, error_code and request id. A connection
// failure is kUnavailable naming the URL and suggesting `ma-cli configure`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/json.h"
#include "base/status.h"

namespace openarts::client {

struct Options {
  std::string server;            // "http://127.0.0.1:8080" (scheme optional: http:// assumed)
  std::string project = "local";  // project name the token is scoped to
  // Password authentication ...
  std::string username;
  std::string password;
  // ... or AK/SK request signing (used when access_key is set).
  std::string access_key;
  std::string secret_key;

  std::filesystem::path token_cache;  // "" = do not cache tokens on disk
  bool verify_tls = true;
  std::string ca_file;               // PEM bundle; "" = the system's
  long connect_timeout_ms = 10'000;
  // Non-streaming calls give up after this long. Transfers have no total limit but abort when
  // fewer than 1 byte/s flows for stall_timeout_ms.
  long request_timeout_ms = 120'000;
  long stall_timeout_ms = 60'000;
  bool debug = false;  // error messages carry HTTP status, URL, error_code and request id
};

// ---- resources (fields as in api/ROUTES.md; times are ms since the epoch, 0 if absent) ----

struct Token {
  std::string token;  // the secret (X-Subject-Token)
  int64_t expires_at = 0, issued_at = 0;
  std::string user_id, user_name, domain_name, project_id, project_name;
  std::vector<std::string> roles;
};
struct Project {
  std::string id, name;
};
struct User {
  std::string id, name, email, description;
  bool enabled = true;
  int64_t create_time = 0;
  Json raw;  // the server's object, for --output json
};
struct UserSpec {  // create: name and password required; update: set fields only
  std::string name;
  std::optional<std::string> password, email, description;
  std::optional<bool> enabled;
};
struct Group {
  std::string id, name, description;
  int64_t create_time = 0;
  Json raw;
};
struct Role {
  std::string id, name, description;
  bool builtin = false;
  Json raw;
};
struct RoleBinding {
  std::string role_id, role_name, principal_type, principal_id, principal_name, project_id;
  Json raw;
};
enum class PrincipalType { kUser, kGroup };
struct Credential {
  std::string access, secret;  // secret only in the reply to CreateCredential
  std::string user_id, status, description;
  int64_t create_time = 0, last_use_time = 0;
  Json raw;
};
struct Workspace {
  std::string id, name, description, auth_type, owner, status;
  int64_t create_time = 0, update_time = 0;
  Json raw;
};
struct WorkspaceSpec {  // unset fields are not sent
  std::optional<std::string> name, description, auth_type, enterprise_project_id;
  std::optional<std::vector<std::string>> grants;  // user names or ids
};
struct Quota {
  std::string resource, name_en, unit_en;
  int64_t quota = -1, min_quota = -1, max_quota = 0;
  std::optional<int64_t> used_quota;
  Json raw;
};
struct Bucket {
  std::string name, workspace_id, owner;
  int64_t create_time = 0;
  Json raw;
};
struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // lowercase hex MD5 for single PUTs; quotes stripped
  int64_t last_modified = 0;
};
struct ListObjectsOptions {
  std::string prefix, delimiter, marker;
  int max_keys = 1000;
};
struct ObjectList {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_marker;
};
struct Task {
  std::string id, type, status, workspace_id, error;
  double progress = 0;  // 0..1
  int64_t create_time = 0, start_time = 0, end_time = 0;
  Json result;
  Json raw;
  bool Finished() const { return status == "Succeeded" || status == "Failed" || status == "Cancelled"; }
};
struct TaskFilter {
  std::string workspace_id, status, type;  // "" = any
};

// Dataset list filters (GET /v2/{project_id}/datasets); empty / unset fields do not filter.
struct DatasetListQuery {
  std::string search;             // substring of the name (search_content)
  std::optional<int> type;        // dataset_type code
  std::string workspace_id;
  int offset = 0, limit = 10;     // limit 1..100
};
// Sample list filters (GET .../data-annotations/samples); empty / unset fields do not filter.
struct SampleListQuery {
  std::string sample_state;       // __ALL__ (labeled, sic), __NONE__ (unlabeled), __AUTO_ANNOTATION__
  std::string label_name;
  std::string sample_usage;       // TRAIN, EVAL, TEST, INFERENCE
  std::optional<bool> hard;
  std::string search;             // substring of the source / text
  int limit = 10;                 // 1..100
  int64_t offset = 0;
  std::string marker;             // keyset paging: continue after this sample id (next_marker)
};

// Bytes moved so far in this transfer, and the total when known (0 if not).
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

class Session {
 public:
  // kInvalidArgument naming the field when the options cannot work (no server, no credentials,
  // a malformed URL). Does not contact the server.
  static Result<std::shared_ptr<Session>> Create(Options options);

  const Options& options() const { return options_; }
  const std::string& base_url() const { return base_url_; }  // "http://host:port", no '/'
  const std::string& host_header() const { return host_; }  // "host:port" as curl sends it
  bool uses_aksk() const { return !options_.access_key.empty(); }

  // A valid token for a password profile: the cached one while it has > 60 s left, else a new
  // login through `login`. `stale` is a token the server just refused (401): it is dropped
  // first unless another thread already replaced it.
  using LoginFn = std::function<Result<Token>()>;
  Result<Token> CurrentToken(const LoginFn& login, const std::string& stale = "");
  // Forgets the token in memory and on disk (logout, password change).
  void ForgetToken();

  // The id of options().project, once known (from the token or GET /v3/projects).
  std::string project_id() const;
  void set_project_id(std::string id);

 private:
  explicit Session(Options options);
  std::optional<Token> LoadCachedToken() const;
  void StoreCachedToken(const Token& token) const;

  Options options_;
  std::string base_url_, host_;
  struct State;
  std::shared_ptr<State> state_;  // mutex + token + project id
};

class Client {
 public:
  explicit Client(std::shared_ptr<Session> session);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Session& session() { return *session_; }

  // ---- authentication ----
  // POST /v3/auth/tokens with the session's username/password (never cached by this call).
  Result<Token> Login();
  // GET /v3/auth/tokens for the session's own token (password) — verifies the credentials.
  Result<Token> ValidateToken();
  Status RevokeToken();  // DELETE /v3/auth/tokens, and the cache file
  // Verifies the profile's credentials: a login for password profiles, a signed GET
  // /v3/projects for AK/SK. Resolves the project id either way.
  Status Verify();
  // The project id the /v1 routes need (resolved once per Session).
  Result<std::string> ProjectId();

  // ---- IAM ----
  Result<std::vector<Project>> ListProjects();
  Result<std::vector<User>> ListUsers();
  Result<User> GetUser(const std::string& id);
  Result<User> CreateUser(const UserSpec& spec);
  Result<User> UpdateUser(const std::string& id, const UserSpec& patch);
  Status DeleteUser(const std::string& id);
  // The user with this name or id; kNotFound "user 'x' does not exist".
  Result<User> FindUser(const std::string& name_or_id);

  Result<std::vector<Group>> ListGroups();
  Result<Group> CreateGroup(const std::string& name, const std::string& description);
  Status DeleteGroup(const std::string& id);
  Result<std::vector<User>> ListGroupMembers(const std::string& group_id);
  Status AddGroupMember(const std::string& group_id, const std::string& user_id);
  Status RemoveGroupMember(const std::string& group_id, const std::string& user_id);
  Result<Group> FindGroup(const std::string& name_or_id);

  Result<std::vector<Role>> ListRoles();
  Result<Role> FindRole(const std::string& name_or_id);
  Result<std::vector<RoleBinding>> ListRoleBindings();
  Status BindRole(PrincipalType type, const std::string& principal_id, const std::string& role_id);
  Status UnbindRole(PrincipalType type, const std::string& principal_id, const std::string& role_id);

  // user_id "" = the caller.
  Result<Credential> CreateCredential(const std::string& user_id, const std::string& description);
  Result<std::vector<Credential>> ListCredentials(const std::string& user_id);
  Status DeleteCredential(const std::string& access_key);

  // ---- workspaces ----
  Result<std::vector<Workspace>> ListWorkspaces();
  Result<Workspace> GetWorkspace(const std::string& id);
  Result<Workspace> FindWorkspace(const std::string& name_or_id);
  Result<Workspace> CreateWorkspace(const WorkspaceSpec& spec);
  Result<Workspace> UpdateWorkspace(const std::string& id, const WorkspaceSpec& spec);
  Status DeleteWorkspace(const std::string& id);
  Result<std::vector<Quota>> GetQuotas(const std::string& workspace_id);
  Status SetQuotas(const std::string& workspace_id,
                   const std::vector<std::pair<std::string, int64_t>>& quotas);

  // ---- object storage ----
  Result<std::vector<Bucket>> ListBuckets(const std::string& workspace_id = "");
  Result<Bucket> CreateBucket(const std::string& name, const std::string& workspace_id = "");
  Result<Bucket> GetBucket(const std::string& name);
  Status DeleteBucket(const std::string& name);  // kFailedPrecondition if not empty
  // Starts deleting the bucket and everything in it; returns the task id to poll.
  Result<std::string> ForceDeleteBucket(const std::string& name);

  // One page (max_keys ≤ 1000).
  Result<ObjectList> ListObjects(const std::string& bucket, const ListObjectsOptions& options);
  // Every object under `prefix` (all pages, no delimiter).
  Result<std::vector<ObjectInfo>> ListAllObjects(const std::string& bucket,
                                                 const std::string& prefix);
  Result<ObjectInfo> HeadObject(const std::string& bucket, const std::string& key);  // kNotFound
  // Streams `file` to bucket/key with Content-MD5 `md5_hex` (computed here when empty).
  // Memory stays bounded whatever the file size.
  Result<ObjectInfo> PutObjectFromFile(const std::string& bucket, const std::string& key,
                                       const std::filesystem::path& file,
                                       std::string md5_hex = "", const ProgressFn& progress = {});
  Result<ObjectInfo> PutObjectFromString(const std::string& bucket, const std::string& key,
                                         const std::string& data);
  // Streams bucket/key into `file`: written to a sibling temporary, checked against the ETag
  // (when it is an MD5), fsynced and renamed — `file` is never seen half-written. Parent
  // directories are created.
  Result<ObjectInfo> GetObjectToFile(const std::string& bucket, const std::string& key,
                                     const std::filesystem::path& file,
                                     const ProgressFn& progress = {});
  Result<std::string> GetObjectToString(const std::string& bucket, const std::string& key);
  Status DeleteObject(const std::string& bucket, const std::string& key);  // kNotFound
  Result<ObjectInfo> CopyObject(const std::string& src_bucket, const std::string& src_key,
                                const std::string& dst_bucket, const std::string& dst_key);

  // ---- tasks ----
  Result<std::vector<Task>> ListTasks(const TaskFilter& filter = {});
  Result<Task> GetTask(const std::string& id);
  Status CancelTask(const std::string& id);

  // ---- training jobs (/v2/{project_id}/..., the API's JSON as is: docs/training.md) ----
  Result<Json> CreateTrainingJob(const Json& body);
  Result<Json> GetTrainingJob(const std::string& id);
  Result<Json> SearchTrainingJobs(const Json& request);  // {total, count, items}
  Status StopTrainingJob(const std::string& id);
  Status DeleteTrainingJob(const std::string& id);
  Result<Json> TrainingJobEvents(const std::string& id, int offset, int limit);
  Result<Json> TrainingFlavors(const std::string& flavor_type);  // "" = all types
  Result<Json> TrainingEngines();
  struct LogPage {
    std::string text;  // complete lines
    uint64_t next_offset = 0, end_offset = 0;
    bool finished = false;  // the job ended and nothing is left to read
  };
  Result<LogPage> TrainingJobLog(const std::string& id, const std::string& task, uint64_t offset);

  // ---- datasets (/v2/{project_id}/datasets/..., the API's JSON as is: api/openapi.yaml) ----
  // The ModelArts create body; → {dataset_id, dataset_name[, import_task_id]}.
  Result<Json> CreateDataset(const Json& body);
  Result<Json> ListDatasets(const DatasetListQuery& query);  // {total_number, datasets}
  Result<Json> GetDataset(const std::string& id);            // with labels and their counts
  // {dataset_name?, description?}; → the dataset.
  Result<Json> UpdateDataset(const std::string& id, const Json& patch);
  Status DeleteDataset(const std::string& id);
  // The ModelArts import-task body {import_path, import_type | annotation_format, ...}; → the
  // task id. kFailedPrecondition (ModelArts.4356) while another import of the dataset runs.
  Result<std::string> ImportDataset(const std::string& id, const Json& body);
  Result<Json> GetImportTask(const std::string& id, const std::string& task_id);
  Result<Json> ListImportTasks(const std::string& id);  // {total_count, import_tasks}, newest first
  // The export-task body {path, export_type, annotation_format, ...}; → the task id.
  // kInvalidArgument (ModelArts.4358) for a path equal to, inside or containing the dataset's
  // input or output path.
  Result<std::string> ExportDataset(const std::string& id, const Json& body);
  Result<Json> GetExportTask(const std::string& id, const std::string& task_id);
  Result<Json> ListExportTasks(const std::string& id);  // {total_count, export_tasks}
  // {sample_count, samples[, next_marker]}.
  Result<Json> ListSamples(const std::string& id, const SampleListQuery& query);
  Result<Json> GetSample(const std::string& id, const std::string& sample_id);
  // {"samples": [{sample_id, labels, sample_usage?, hard?, width?, height?}],
  //  "offset_unit": "code_point" | "utf16"} — replaces each sample's labels, all or nothing.
  Result<Json> UpdateSamples(const std::string& id, const Json& body);
  Result<Json> DeleteSamples(const std::string& id, const std::vector<std::string>& sample_ids);
  // Adds (`add`) or removes one label on many samples (classification types).
  Status BulkLabel(const std::string& id, const std::vector<std::string>& sample_ids,
                   const std::string& label, bool add);
  Result<Json> ListLabels(const std::string& id);  // {labels: [{name, type, property, sample_count}]}
  // `labels`: [{name, type?, property?}] (type defaults to the dataset's label type).
  Status CreateLabels(const std::string& id, const Json& labels);
  Status RenameLabel(const std::string& id, const std::string& from, const std::string& to);
  // delete_policy 0: the label only; 1: also samples left without labels; 2: also their files.
  Status DeleteLabels(const std::string& id, const std::vector<std::string>& names, int delete_policy);
  // {version_name?, description?, train_evaluate_sample_ratio?, ...}; → {version_id, version_name}.
  Result<Json> PublishVersion(const std::string& id, const Json& body);
  Result<Json> ListVersions(const std::string& id);  // {total_number, versions}, newest first
  Result<Json> GetVersion(const std::string& id, const std::string& version_id);  // id or name
  Status DeleteVersion(const std::string& id, const std::string& version_id);

  // ---- team labeling (/v2/{project_id}/workforces, .../workforce-tasks; the API's JSON as is:
  //      docs/team-labeling.md) ----
  // {workforce_name, description?, workers?[{email, role}]} → {workforce_id, workforce_name, worker_count}.
  Result<Json> CreateWorkforce(const Json& body);
  Result<Json> ListWorkforces(int offset = 0, int limit = 100);  // {total_number, workforces}
  Result<Json> GetWorkforce(const std::string& id);
  Result<Json> UpdateWorkforce(const std::string& id, const Json& patch);  // {workforce_name?, description?}
  Status DeleteWorkforce(const std::string& id);  // kFailedPrecondition (ModelArts.4615) while a task is unfinished
  // `workers`: [{email, role 0 labeler | 1 reviewer | 2 team manager}] → {success, workers}.
  Result<Json> AddWorkers(const std::string& workforce_id, const Json& workers);
  Result<Json> ListWorkers(const std::string& workforce_id);  // {total_number, workers}
  Status DeleteWorker(const std::string& workforce_id, const std::string& worker_id);  // ModelArts.4628
  Result<Json> ListMyWorkforceTasks();  // {total_number, tasks[+ role]}: the tasks the caller works in
  // {task_name, workforce_id, repetition?, all_samples?, description?} → the task.
  Result<Json> CreateWorkforceTask(const std::string& dataset_id, const Json& body);
  Result<Json> ListWorkforceTasks(const std::string& dataset_id);  // {total_number, tasks}
  Result<Json> GetWorkforceTask(const std::string& dataset_id, const std::string& task_id);
  Status DeleteWorkforceTask(const std::string& dataset_id, const std::string& task_id);
  // What the caller may see of the task's samples (sample_state: __NONE__, __ALL__, __UNREVIEWED__,
  // __REVIEWED__, __ACCEPTED__, __REJECTED__); `worker_id` one member's share. {sample_count, samples, next_marker?}
  Result<Json> ListWorkforceTaskSamples(const std::string& dataset_id, const std::string& task_id,
                                        const SampleListQuery& query, const std::string& worker_id = "");
  Result<Json> GetWorkforceTaskSample(const std::string& dataset_id, const std::string& task_id,
                                      const std::string& sample_id, const std::string& worker_id = "");
  // The UpdateSamples body, for samples of the caller's share → {success, updated_sample_count}.
  Result<Json> LabelWorkforceTaskSamples(const std::string& dataset_id, const std::string& task_id, const Json& body);
  // `sample_ids` empty = every labeled sample of the caller's share → {success, submitted_sample_count}.
  Result<Json> SubmitWorkforceTaskSamples(const std::string& dataset_id, const std::string& task_id,
                                          const std::vector<std::string>& sample_ids);
  // {samples: [id | {sample_id, worker_id}], comment: {result accept|reject, comment, score A-D}}
  // → {success, reviewed_sample_count}.
  Result<Json> ReviewWorkforceTaskSamples(const std::string& dataset_id, const std::string& task_id, const Json& body);
  // {task_id, status, sample_count, accepted_sample_count, members[{email, assigned, labeled, ...}], total}.
  Result<Json> WorkforceTaskMetrics(const std::string& dataset_id, const std::string& task_id);

 private:
  // One JSON call: `path` (encoded, from the server root) and `query` (encoded, no '?').
  // Returns the reply body, {} when it is empty.
  Result<Json> Fetch(const std::string& method, const std::string& path, const std::string& query = "",
                     std::optional<Json> body = std::nullopt);
  // "/v1/<project id>" + rest: the prefix of every ModelArts-style route.
  Result<std::string> V1(const std::string& rest);
  Result<std::string> V2(const std::string& rest);  // "/v2/<project id>" + rest

  struct Impl;
  std::shared_ptr<Session> session_;
  std::unique_ptr<Impl> impl_;
};

// ---- helpers shared with ma-cli and tests ----

// Percent-encoding (object keys keep '/') and base64 (Content-MD5): base/encoding.h.
using ::openarts::Base64Encode;
using ::openarts::PercentEncode;
// Lowercase hex MD5 of a file, read in bounded chunks. kNotFound / kInternal from the OS.
Result<std::string> FileMd5Hex(const std::filesystem::path& file);
// The Status for an HTTP error response: code from the status, message from error_msg (or the
// body, or the reason phrase).
Status StatusFromHttp(long http_status, std::string_view body, bool debug = false,
                      std::string_view method = "", std::string_view url = "",
                      std::string_view request_id_header = "");
// Milliseconds since the epoch from a JSON number (ms; seconds if < 1e11) or an ISO-8601
// string ("2026-01-02T03:04:05.678Z", "+08:00" offsets allowed); 0 if neither.
int64_t ParseTimeMillis(const Json& j);

}  // namespace openarts::client
