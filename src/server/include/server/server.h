// server: the composition root of the `openarts` daemon — the one place that knows every
// backend. It opens the metadata store, IAM, object storage and the task runner under one home
// directory, bootstraps the installation, registers the background task handlers and the REST
// routes, and serves them.
//
// Tests construct a Server in-process (a temporary home, port 0); the `openarts` executable is a
// thin main() around the same class.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/http.h"
#include "iam/iam.h"
#include "meta/meta.h"
#include "objstore/objstore.h"
#include "exec/exec.h"
#include "tasks/tasks.h"
#include "data/data.h"
#include "data/teams.h"
#include "train/train.h"

namespace openarts::server {

// Everything `openarts serve` can be told (docs/server.md). Empty URLs derive from `home`.
struct Config {
  std::string home;                        // the data directory; created 0700
  std::string listen = "127.0.0.1:8080";   // host:port; port 0 picks a free port
  std::string admin_password;              // first start only; from OPENARTS_ADMIN_PASSWORD
  std::string project_name = "local";
  std::string log_level = "info";
  std::string log_file;                    // "" = stderr
  int io_threads = 0;                      // 0 = number of cores
  int worker_threads = 0;  // 0 = 2 per core
  int transfer_threads = 16;
  uint64_t max_body_bytes = 12ull * 1024 * 1024;  // buffered (JSON) bodies; uploads stream
  bool access_log = true;
  std::string metadata_url;                // "" = sqlite:<home>/meta.db
  std::string objects_url;                 // "" = file://<home>/objects
  int task_concurrency = 2;
  int shutdown_grace_seconds = 10;         // in-flight requests get this long on SIGTERM
  std::string jobs_dir;                    // "" = <home>/jobs
  std::string sandbox = "auto";            // auto | bwrap | none (exec::LocalOptions)
  std::string task_shim;                   // "" = openarts-task-shim beside the executable
  int cpu_overcommit = 4;                  // train::Options::overcommit
};

class Server {
 public:
  // Opens (creating on first start) everything under config.home, bootstraps IAM, starts the
  // task runner and binds. kInvalidArgument for bad configuration, kUnavailable when the address
  // cannot be bound or a store cannot be opened.
  static Result<std::unique_ptr<Server>> Start(const Config& config);
  ~Server();  // Stop()s if still running

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:PORT"
  // The REST routes registered on the router (without /healthz and /metrics).
  const std::vector<http::Router::RouteInfo>& routes() const { return routes_; }
  // The file holding the generated administrator password when this start created it; "" else.
  const std::string& initial_password_file() const { return initial_password_file_; }
  const Config& config() const { return config_; }

  // Graceful stop: no new connections, in-flight requests finish (up to the grace period), then
  // the task runner stops (interrupted tasks resume on the next start). Idempotent.
  void Stop();

  // The services, for in-process tests.
  iam::Iam& iam() { return *iam_; }
  objstore::ObjectStore& objects() { return *objects_; }
  tasks::TaskService& tasks() { return *tasks_; }
  train::JobService& training() { return *training_; }

 private:
  Server() = default;

  Config config_;
  std::unique_ptr<meta::Database> db_;
  std::unique_ptr<iam::Iam> iam_;
  std::unique_ptr<objstore::ObjectStore> objects_;
  std::unique_ptr<tasks::TaskService> tasks_;
  std::unique_ptr<exec::Backend> backend_;
  std::unique_ptr<train::JobService> training_;
  std::unique_ptr<data::DataService> data_;
  std::unique_ptr<data::Teams> teams_;
  std::unique_ptr<http::Server> http_;
  std::vector<http::Router::RouteInfo> routes_;
  std::string initial_password_file_;
  std::mutex stop_mu_;
  bool stopped_ = false;
};

}  // namespace openarts::server
