#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <limits>

namespace openarts::server {

const std::vector<OptionSpec>& ServeOptions() {
  static const std::vector<OptionSpec> kOptions = {
      {"config", "OPENARTS_CONFIG", "", "(none)",
       "YAML file with any of the options below (keys in snake_case, e.g. io_threads)"},
      {"home", "OPENARTS_HOME", "home", "~/.openarts",
       "data directory (metadata, objects, secrets); created with mode 0700"},
      {"listen", "OPENARTS_LISTEN", "listen", "127.0.0.1:8080",
       "HOST:PORT to listen on; port 0 picks a free port"},
      {"", "OPENARTS_ADMIN_PASSWORD", "", "(generated)",
       "password of the 'admin' user, used on first start only; environment only"},
      {"project-name", "OPENARTS_PROJECT_NAME", "project_name", "local",
       "name of the installation's project (token scope)"},
      {"log-level", "OPENARTS_LOG_LEVEL", "log_level", "info",
       "trace, debug, info, warn, error or off"},
      {"log-file", "OPENARTS_LOG_FILE", "log_file", "(stderr)", "write the log to this file"},
      {"io-threads", "OPENARTS_IO_THREADS", "io_threads", "0",
       "network threads; 0 = one per core"},
      {"worker-threads", "OPENARTS_WORKER_THREADS", "worker_threads", "0",
       "threads that run request handlers (these may block on disk and database); 0 = 2 per core"},
      {"transfer-threads", "OPENARTS_TRANSFER_THREADS", "transfer_threads", "16",
       "threads that run object uploads (each holds one for the whole transfer)"},
      {"max-body-bytes", "OPENARTS_MAX_BODY_BYTES", "max_body_bytes", "12582912",
       "largest buffered (JSON) request body; object uploads stream and are not limited by it"},
      {"access-log", "OPENARTS_ACCESS_LOG", "access_log", "true",
       "log one line per request (true or false)"},
      {"metadata-url", "OPENARTS_METADATA_URL", "metadata_url", "sqlite:<home>/meta.db",
       "metadata store"},
      {"objects-url", "OPENARTS_OBJECTS_URL", "objects_url", "file://<home>/objects",
       "object store"},
      {"task-concurrency", "OPENARTS_TASK_CONCURRENCY", "task_concurrency", "2",
       "background tasks run at once"},
      {"shutdown-grace-seconds", "OPENARTS_SHUTDOWN_GRACE_SECONDS", "shutdown_grace_seconds",
       "10", "on SIGTERM/SIGINT, how long in-flight requests may take to finish"},
      {"jobs-dir", "OPENARTS_JOBS_DIR", "jobs_dir", "<home>/jobs",
       "working directories of training jobs (code, inputs, outputs, logs)"},
      {"sandbox", "OPENARTS_SANDBOX", "sandbox", "auto",
       "run jobs inside bubblewrap: auto (when it works), bwrap (required) or none"},
      {"task-shim", "OPENARTS_TASK_SHIM", "task_shim", "(beside openarts)",
       "path of openarts-task-shim, the supervisor of each job process"},
      {"cpu-overcommit", "OPENARTS_CPU_OVERCOMMIT", "cpu_overcommit", "4",
       "jobs reserve flavor CPU and memory divided by this (1 = no overcommit)"},
  };
  return kOptions;
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

ServeCommand::ServeCommand(CLI::App& app) {
  for (const OptionSpec& spec : ServeOptions()) {
    if (spec.flag.empty()) continue;
    std::string help = spec.help + " [env " + spec.env;
    if (!spec.yaml_key.empty()) help += ", yaml " + spec.yaml_key;
    help += ", default " + spec.default_text + "]";
    options_[spec.flag] = app.add_option("--" + spec.flag, values_[spec.flag], help);
  }
  app.footer(
      "Precedence: flag > environment > YAML file > default. OPENARTS_ADMIN_PASSWORD (environment "
      "only) sets the administrator password on first start; without it one is generated and "
      "written to <home>/initial_admin_password. See docs/server.md.");
}

namespace {

struct Value {
  std::string text;
  std::string source;  // "--listen", "OPENARTS_LISTEN", "config.yaml: listen"
};

Result<std::map<std::string, std::string>> LoadYaml(const std::string& path) {
  std::map<std::string, std::string> out;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    return InvalidArgument("config file '" + path + "' cannot be read: " + e.what());
  }
  if (root.IsNull()) return out;  // an empty file is a valid (empty) configuration
  if (!root.IsMap()) {
    return InvalidArgument("config file '" + path + "' must be a mapping of option: value");
  }
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>("");
    const OptionSpec* spec = nullptr;
    for (const auto& s : ServeOptions()) {
      if (!s.yaml_key.empty() && s.yaml_key == key) spec = &s;
    }
    if (spec == nullptr) {
      if (key == "admin_password") {
        return InvalidArgument("config file '" + path +
                               "': admin_password is not read from files; set "
                               "OPENARTS_ADMIN_PASSWORD in the environment");
      }
      return InvalidArgument("config file '" + path + "': unknown key '" + key +
                             "' (keys are the flag names in snake_case; see openarts serve "
                             "--help)");
    }
    if (!item.second.IsScalar()) {
      return InvalidArgument("config file '" + path + "': '" + key + "' must be a single value");
    }
    out[key] = item.second.Scalar();
  }
  return out;
}

Result<int64_t> ToInt(const Value& v, int64_t min, int64_t max) {
  int64_t n = 0;
  const char* end = v.text.data() + v.text.size();
  auto [ptr, ec] = std::from_chars(v.text.data(), end, n);
  if (ec != std::errc() || ptr != end || n < min || n > max) {
    return InvalidArgument(v.source + " must be an integer from " + std::to_string(min) + " to " +
                           std::to_string(max) + ", got '" + v.text + "'");
  }
  return n;
}

Result<bool> ToBool(const Value& v) {
  if (v.text == "true" || v.text == "1" || v.text == "yes" || v.text == "on") return true;
  if (v.text == "false" || v.text == "0" || v.text == "no" || v.text == "off") return false;
  return InvalidArgument(v.source + " must be true or false, got '" + v.text + "'");
}

std::string ExpandHome(const std::string& path, const EnvLookup& env) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    return env("HOME").value_or("/") + path.substr(1);
  }
  return path;
}

}  // namespace

Result<Config> ServeCommand::Resolve(const EnvLookup& env) const {
  auto from_flag_or_env = [&](const OptionSpec& spec) -> std::optional<Value> {
    if (!spec.flag.empty()) {
      auto it = options_.find(spec.flag);
      if (it != options_.end() && it->second->count() > 0) {
        return Value{values_.at(spec.flag), "--" + spec.flag};
      }
    }
    if (auto v = env(spec.env)) return Value{*v, spec.env};
    return std::nullopt;
  };

  std::map<std::string, std::string> yaml;
  std::string yaml_path;
  for (const auto& spec : ServeOptions()) {
    if (spec.flag != "config") continue;
    if (auto v = from_flag_or_env(spec); v && !v->text.empty()) {
      yaml_path = ExpandHome(v->text, env);
      OA_ASSIGN_OR_RETURN(yaml, LoadYaml(yaml_path));
    }
  }

  std::map<std::string, Value> resolved;  // by env name: unique for every option
  for (const auto& spec : ServeOptions()) {
    if (spec.flag == "config") continue;
    if (auto v = from_flag_or_env(spec)) {
      resolved[spec.env] = *v;
    } else if (!spec.yaml_key.empty() && yaml.count(spec.yaml_key)) {
      resolved[spec.env] = Value{yaml[spec.yaml_key], yaml_path + ": " + spec.yaml_key};
    }
  }
  auto get = [&](const char* env_name) -> const Value* {
    auto it = resolved.find(env_name);
    return it == resolved.end() ? nullptr : &it->second;
  };

  Config c;
  if (auto* v = get("OPENARTS_HOME")) {
    c.home = ExpandHome(v->text, env);
  } else {
    c.home = ExpandHome("~/.openarts", env);
  }
  if (c.home.empty()) return InvalidArgument("--home must not be empty");
  if (auto* v = get("OPENARTS_LISTEN")) c.listen = v->text;
  if (auto* v = get("OPENARTS_ADMIN_PASSWORD")) c.admin_password = v->text;
  if (auto* v = get("OPENARTS_PROJECT_NAME")) c.project_name = v->text;
  if (auto* v = get("OPENARTS_LOG_LEVEL")) {
    static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
    bool known = false;
    for (const char* l : kLevels) known = known || v->text == l;
    if (!known) {
      return InvalidArgument(v->source + " must be trace, debug, info, warn, error or off, got '" +
                             v->text + "'");
    }
    c.log_level = v->text;
  }
  if (auto* v = get("OPENARTS_LOG_FILE")) c.log_file = ExpandHome(v->text, env);
  if (auto* v = get("OPENARTS_IO_THREADS")) {
    OA_ASSIGN_OR_RETURN(c.io_threads, ToInt(*v, 0, 1024));
  }
  if (auto* v = get("OPENARTS_WORKER_THREADS")) {
    OA_ASSIGN_OR_RETURN(c.worker_threads, ToInt(*v, 0, 4096));
  }
  if (auto* v = get("OPENARTS_TRANSFER_THREADS")) {
    OA_ASSIGN_OR_RETURN(c.transfer_threads, ToInt(*v, 1, 4096));
  }
  if (auto* v = get("OPENARTS_MAX_BODY_BYTES")) {
    OA_ASSIGN_OR_RETURN(int64_t n, ToInt(*v, 1024, std::numeric_limits<int64_t>::max()));
    c.max_body_bytes = static_cast<uint64_t>(n);
  }
  if (auto* v = get("OPENARTS_ACCESS_LOG")) {
    OA_ASSIGN_OR_RETURN(c.access_log, ToBool(*v));
  }
  if (auto* v = get("OPENARTS_METADATA_URL")) c.metadata_url = v->text;
  if (auto* v = get("OPENARTS_OBJECTS_URL")) c.objects_url = v->text;
  if (auto* v = get("OPENARTS_TASK_CONCURRENCY")) {
    OA_ASSIGN_OR_RETURN(c.task_concurrency, ToInt(*v, 1, 256));
  }
  if (auto* v = get("OPENARTS_SHUTDOWN_GRACE_SECONDS")) {
    OA_ASSIGN_OR_RETURN(c.shutdown_grace_seconds, ToInt(*v, 0, 3600));
  }
  if (auto* v = get("OPENARTS_JOBS_DIR")) c.jobs_dir = ExpandHome(v->text, env);
  if (auto* v = get("OPENARTS_SANDBOX")) {
    if (v->text != "auto" && v->text != "bwrap" && v->text != "none") {
      return InvalidArgument(v->source + " must be auto, bwrap or none, got '" + v->text + "'");
    }
    c.sandbox = v->text;
  }
  if (auto* v = get("OPENARTS_TASK_SHIM")) c.task_shim = ExpandHome(v->text, env);
  if (auto* v = get("OPENARTS_CPU_OVERCOMMIT")) {
    OA_ASSIGN_OR_RETURN(c.cpu_overcommit, ToInt(*v, 1, 64));
  }
  if (c.project_name.empty()) return InvalidArgument("--project-name must not be empty");
  return c;
}

}  // namespace openarts::server
