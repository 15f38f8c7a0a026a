#include "shim_spec.h"

#include <cstring>

namespace openarts::exec {
namespace {

Result<std::vector<std::string>> GetStrings(const Json& j, std::string_view key) {
  OA_ASSIGN_OR_RETURN(const Json* arr, GetOptArray(j, key));
  std::vector<std::string> out;
  if (arr == nullptr) return out;
  for (const auto& v : *arr) {
    if (!v.is_string()) return InvalidArgument("field '" + std::string(key) + "' must hold strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

Json ShimSpec::ToJson() const {
  return Json{{"key", key},           {"task_dir", task_dir},   {"exec_path", exec_path},
              {"argv", argv},         {"env", env},             {"cwd", cwd},
              {"set_ids", set_ids},   {"uid", uid},             {"gid", gid},
              {"cgroups", cgroups},   {"sandboxed", sandboxed}, {"log_max_bytes", log.max_bytes},
              {"log_keep", log.keep}};
}

Result<ShimSpec> ShimSpec::FromJson(const Json& j) {
  OA_TRY(RequireObject(j, "shim spec"));
  ShimSpec s;
  OA_ASSIGN_OR_RETURN(s.key, GetString(j, "key"));
  OA_ASSIGN_OR_RETURN(s.task_dir, GetString(j, "task_dir"));
  OA_ASSIGN_OR_RETURN(s.exec_path, GetString(j, "exec_path"));
  OA_ASSIGN_OR_RETURN(s.argv, GetStrings(j, "argv"));
  OA_ASSIGN_OR_RETURN(s.env, GetStrings(j, "env"));
  OA_ASSIGN_OR_RETURN(s.cwd, GetString(j, "cwd"));
  OA_ASSIGN_OR_RETURN(auto set_ids, GetOptBool(j, "set_ids"));
  s.set_ids = set_ids.value_or(false);
  OA_ASSIGN_OR_RETURN(int64_t uid, GetInt(j, "uid"));
  OA_ASSIGN_OR_RETURN(int64_t gid, GetInt(j, "gid"));
  s.uid = static_cast<int>(uid);
  s.gid = static_cast<int>(gid);
  OA_ASSIGN_OR_RETURN(s.cgroups, GetStrings(j, "cgroups"));
  OA_ASSIGN_OR_RETURN(auto sandboxed, GetOptBool(j, "sandboxed"));
  s.sandboxed = sandboxed.value_or(false);
  OA_ASSIGN_OR_RETURN(int64_t max_bytes, GetInt(j, "log_max_bytes"));
  OA_ASSIGN_OR_RETURN(int64_t keep, GetInt(j, "log_keep"));
  s.log.max_bytes = static_cast<uint64_t>(max_bytes);
  s.log.keep = static_cast<int>(keep);
  if (s.argv.empty()) return InvalidArgument("field 'argv' must not be empty");
  return s;
}

std::string ExitMessage(int exit_code, int signal) {
  if (signal == 0) return "exited with code " + std::to_string(exit_code);
  const char* abbrev = ::sigabbrev_np(signal);
  return "killed by signal " + std::to_string(signal) +
         (abbrev != nullptr ? std::string(" (SIG") + abbrev + ")" : std::string());
}

}  // namespace openarts::exec
