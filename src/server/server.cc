#include "server/server.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "api/api.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/strings.h"
#include "delete_bucket_task.h"

namespace openarts::server {

namespace fs = std::filesystem;

namespace {

// The home holds the metadata, the objects, the master key and the password file. Job
// processes run as another user and must reach their directories under <home>/jobs, so the home
// itself is 0711 (enter, not list) and everything else in it is its owner's only.
Status PrepareHome(const fs::path& home) {
  OA_TRY(MakeDirs(home, 0711));
  if (::chmod(home.c_str(), 0711) != 0) {
    return ErrnoStatus("chmod " + home.string(), errno);
  }
  OA_TRY(MakeDirs(home / "secrets", 0700));
  if (::chmod((home / "secrets").c_str(), 0700) != 0) {
    return ErrnoStatus("chmod " + (home / "secrets").string(), errno);
  }
  return Status::Ok();
}

// The platform user with this e-mail, for team labeling (data::UserByEmail).
Result<std::string> UserIdByEmail(iam::Iam& iam, const std::string& email) {
  OA_ASSIGN_OR_RETURN(auto users, iam.ListUsers());
  std::vector<std::string> names;
  std::string id;
  for (const auto& u : users) {
    if (!IEquals(u.email, email)) continue;
    names.push_back(u.name);
    id = u.id;
  }
  if (names.empty()) return NotFound("no user has the e-mail " + email);
  if (names.size() > 1) {
    return InvalidArgument("users " + names[0] + " and " + names[1] + " share the e-mail " + email +
                           "; give each user their own");
  }
  return id;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const Config& config) {
  std::unique_ptr<Server> s(new Server());
  s->config_ = config;
  Config& c = s->config_;
  if (c.home.empty()) return InvalidArgument("the home directory (--home) must be set");
  const fs::path home = fs::absolute(c.home);
  c.home = home.string();
  if (c.metadata_url.empty()) c.metadata_url = "sqlite:" + (home / "meta.db").string();
  if (c.objects_url.empty()) c.objects_url = "file://" + (home / "objects").string();

  OA_TRY(PrepareHome(home).WithContext("home directory " + c.home));

  meta::Options meta_options;
  meta_options.url = c.metadata_url;
  OA_ASSIGN_OR_RETURN(s->db_, meta::Open(meta_options));

  iam::Options iam_options;
  iam_options.master_key_path = (home / "secrets" / "master.key").string();
  OA_ASSIGN_OR_RETURN(s->iam_, iam::Open(*s->db_, SystemClock(), iam_options));
  OA_ASSIGN_OR_RETURN(std::string generated, s->iam_->Bootstrap(c.project_name, c.admin_password));
  if (!generated.empty() && c.admin_password.empty()) {
    // Shown once, to the person who can read the home directory; never logged.
    const fs::path file = home / "initial_admin_password";
    OA_TRY(WriteFileAtomic(file, generated + "\n", 0600));
    s->initial_password_file_ = file.string();
    OA_LOG_WARN("first start: the password of user 'admin' was generated and written to {}",
                file.string());
  }

  objstore::Options object_options;
  object_options.url = c.objects_url;
  OA_ASSIGN_OR_RETURN(s->objects_, objstore::Open(object_options));
  // Only the daemon reads its metadata and objects (job processes run as other users).
  for (const char* name : {"meta.db", "meta.db-wal", "meta.db-shm", "initial_admin_password"}) {
    ::chmod((home / name).c_str(), 0600);
  }
  ::chmod((home / "objects").c_str(), 0700);

  tasks::Options task_options;
  task_options.max_concurrency = c.task_concurrency;
  OA_ASSIGN_OR_RETURN(s->tasks_, tasks::Create(*s->db_, SystemClock(), task_options));
  tasks::HandlerOptions resumable;
  resumable.resumable = true;
  s->tasks_->Register(std::string(api::kDeleteBucketTaskType), DeleteBucketTask(*s->objects_),
                      resumable);
  OA_ASSIGN_OR_RETURN(s->data_, data::Create(*s->db_, *s->objects_, *s->tasks_, SystemClock()));
  // Team members are platform users named by e-mail.
  iam::Iam* iam = s->iam_.get();
  OA_ASSIGN_OR_RETURN(s->teams_, data::CreateTeams(*s->db_, *s->data_, SystemClock(), [iam](const std::string& email) {
                        return UserIdByEmail(*iam, email);
                      }));
  OA_TRY(s->tasks_->Start());

  exec::LocalOptions exec_options;
  exec_options.sandbox = c.sandbox;
  exec_options.shim_path = c.task_shim;
  OA_ASSIGN_OR_RETURN(s->backend_, exec::CreateLocal(exec_options));
  const exec::Capabilities& caps = s->backend_->capabilities();
  OA_LOG_INFO("execution: sandbox {}, cgroups {}", caps.sandbox ? "bubblewrap" : "none (" + caps.sandbox_reason + ")",
              caps.cgroups ? "yes" : "no (" + caps.cgroups_reason + ")");
  train::Options train_options;
  train_options.jobs_dir = c.jobs_dir.empty() ? (home / "jobs").string() : fs::absolute(c.jobs_dir).string();
  train_options.hidden_paths = {home.string()};
  if (!c.jobs_dir.empty()) train_options.hidden_paths.push_back(train_options.jobs_dir);
  train_options.overcommit = c.cpu_overcommit;
  data::DataService* data_service = s->data_.get();
  train_options.check_dataset = [data_service](const std::string& project, const std::string& id,
                                                const std::string& version) -> Status {
    OA_ASSIGN_OR_RETURN(data::Dataset d, data_service->GetDataset(project, id, false));
    return data_service->GetVersion(d, version).status();
  };
  train_options.stage_dataset = [data_service](const std::string& project, const std::string& id,
                                                const std::string& version, const std::string& dir) -> Status {
    OA_ASSIGN_OR_RETURN(data::Dataset d, data_service->GetDataset(project, id, false));
    return data_service->MaterializeVersion(d, version, dir);
  };
  OA_ASSIGN_OR_RETURN(s->training_, train::Create(*s->db_, *s->objects_, *s->backend_, SystemClock(),
                                                  train_options));

  http::Router router;
  api::Deps deps{*s->iam_, *s->objects_, *s->tasks_, SystemClock()};
  deps.training = s->training_.get();
  deps.data = s->data_.get();
  deps.teams = s->teams_.get();
  api::RegisterRoutes(router, deps);
  s->routes_ = router.Routes();

  http::ServerOptions http_options;
  http_options.listen = c.listen;
  http_options.io_threads = c.io_threads;
  http_options.worker_threads = c.worker_threads;
  http_options.transfer_threads = c.transfer_threads;
  http_options.max_body_bytes = c.max_body_bytes;
  http_options.access_log = c.access_log;
  // Re-adopts the jobs of a previous run before any request can create one.
  if (Status st = s->training_->Start(); !st.ok()) {
    s->tasks_->Stop();
    return st;
  }
  auto http = http::Serve(http_options, std::move(router));
  if (!http.ok()) {
    s->training_->Stop();
    s->tasks_->Stop();
    return http.status();
  }
  s->http_ = std::move(http).value();
  OA_LOG_INFO("serving {} (home {}, metadata {}, objects {})", s->http_->url(), c.home,
              c.metadata_url, c.objects_url);
  return s;
}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return http_->port(); }
std::string Server::url() const { return http_->url(); }

void Server::Stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (http_) {
    http_->Shutdown(config_.shutdown_grace_seconds * 1000);
    http_->Wait();
  }
  // After the last request: a handler may still have been submitting a task. Job processes keep
  // running under their shims; the next start re-adopts them.
  if (training_) training_->Stop();
  if (tasks_) tasks_->Stop();
  OA_LOG_INFO("stopped");
}

}  // namespace openarts::server
