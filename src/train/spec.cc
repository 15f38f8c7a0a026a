#include "spec.h"

#include <algorithm>
#include <cstring>
#include <regex>

#include "objstore/names.h"

namespace openarts::train {
namespace {

Flavor Cpu(int vcpu, int max_num) {
  return {.id = "modelarts.vm.cpu." + std::to_string(vcpu) + "u", .type = "CPU",
          .max_num = max_num, .cpu = vcpu, .memory_gib = vcpu * 4, .disk_gib = 50};
}

bool ValidName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

bool ValidEnvKey(const std::string& k) {
  if (k.empty() || !(std::isalpha(static_cast<unsigned char>(k[0])) || k[0] == '_')) return false;
  return std::all_of(k.begin(), k.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

Status CheckObsUrl(const std::string& field, const std::string& url, bool allow_file) {
  if (allow_file && url.rfind("file://", 0) == 0) return Status::Ok();
  if (!objstore::IsObsUri(url)) {
    return InvalidArgument(field + ": '" + url + "' is not an object-storage path; use obs://bucket/path/" +
                           (allow_file ? " (or file:///abs/dir for local code)" : ""));
  }
  auto parsed = objstore::ParseObsUri(url);
  if (!parsed.ok()) return InvalidArgument(field + ": " + parsed.status().message());
  return Status::Ok();
}

Result<std::string> OptStr(const Json& obj, const char* key, const std::string& path) {
  OA_ASSIGN_OR_RETURN(auto v, GetOptString(obj, key, path));
  return v.value_or("");
}

Result<IoEntry> DecodeIo(const Json& j, const std::string& path, bool output) {
  if (!j.is_object()) return InvalidArgument(path + ": expected an object {name, remote{obs{obs_url}}}");
  IoEntry e;
  OA_ASSIGN_OR_RETURN(e.name, GetString(j, "name", path));
  if (!ValidEnvKey(e.name)) {
    return InvalidArgument(path + ".name: '" + e.name + "' must match [A-Za-z_][A-Za-z0-9_]* (it becomes --" +
                           e.name + "=<dir>)");
  }
  OA_ASSIGN_OR_RETURN(e.local_dir, OptStr(j, "local_dir", path));
  if (!e.local_dir.empty() && e.local_dir[0] != '/') {
    return InvalidArgument(path + ".local_dir: must be an absolute path");
  }
  OA_ASSIGN_OR_RETURN(e.access, OptStr(j, "access", path));
  if (e.access.empty()) e.access = "argument";
  if (e.access != "argument" && e.access != "env") {
    return InvalidArgument(path + ".access: must be 'argument' or 'env'");
  }
  OA_ASSIGN_OR_RETURN(const Json* remote, GetOptObject(j, "remote", path));
  if (!remote) return InvalidArgument(path + ".remote: required ({\"obs\":{\"obs_url\":\"obs://...\"}})");
  OA_ASSIGN_OR_RETURN(const Json* obs, GetOptObject(*remote, "obs", path + ".remote"));
  if (!obs) {
    OA_ASSIGN_OR_RETURN(const Json* dataset, GetOptObject(*remote, "dataset", path + ".remote"));
    if (dataset && !output) {
      OA_ASSIGN_OR_RETURN(e.dataset_id, GetString(*dataset, "id", path + ".remote.dataset"));
      OA_ASSIGN_OR_RETURN(e.dataset_version_id, OptStr(*dataset, "version_id", path + ".remote.dataset"));
      if (e.dataset_version_id.empty()) {
        OA_ASSIGN_OR_RETURN(e.dataset_version_id, OptStr(*dataset, "version_name", path + ".remote.dataset"));
      }
      if (e.dataset_version_id.empty()) {
        return InvalidArgument(path + ".remote.dataset.version_id: required (a published version: "
                               "ma-cli dataset versions -i " + e.dataset_id + ")");
      }
      return e;
    }
    if (dataset) return InvalidArgument(path + ".remote.dataset: outputs go to remote.obs.obs_url");
    return InvalidArgument(path + ".remote.obs: required ({\"obs\":{\"obs_url\":\"obs://...\"}} or "
                           "{\"dataset\":{\"id\":...,\"version_id\":...}})");
  }
  OA_ASSIGN_OR_RETURN(e.obs_url, GetString(*obs, "obs_url", path + ".remote.obs"));
  OA_TRY(CheckObsUrl(path + ".remote.obs.obs_url", e.obs_url, false));
  if (e.obs_url.back() != '/') e.obs_url += '/';
  if (output) {
    OA_ASSIGN_OR_RETURN(auto mode, OptStr(j, "mode", path));
    OA_ASSIGN_OR_RETURN(auto pre, OptStr(j, "prefetch_to_local", path));
    e.download = mode == "download" || pre == "true";
  }
  return e;
}

}  // namespace

// ---- catalogue -------------------------------------------------------------------------------

Json Flavor::ToJson() const {
  return {{"flavor_id", id},
          {"flavor_name", id},
          {"flavor_type", type},
          {"billing", {{"code", id}, {"unit_num", 1}}},
          {"flavor_info",
           {{"max_num", max_num},
            {"cpu", {{"arch", "x86"}, {"core_num", cpu}}},
            {"gpu", {{"unit_num", gpu}, {"product_name", gpu ? "NVIDIA GPU" : ""}}},
            {"npu", {{"unit_num", npu}, {"product_name", npu ? "Ascend" : ""}}},
            {"memory", {{"size", memory_gib}, {"unit", "GB"}}},
            {"disk", {{"size", disk_gib}, {"unit", "GB"}}}}}};
}

Json Engine::ToJson() const {
  return {{"engine_id", id},
          {"engine_name", name},
          {"engine_version", version},
          {"v1_compatible", false},
          {"run_user", "1000"},
          {"image_info", {{"cpu_image_url", image_url}, {"gpu_image_url", image_url},
                          {"image_version", version}}}};
}

const Catalog& Catalog::Default() {
  static const Catalog* catalog = [] {
    auto* c = new Catalog();
    c->flavors_ = {Cpu(1, 16), Cpu(2, 16), Cpu(4, 16), Cpu(8, 16)};
    c->flavors_.push_back({.id = "modelarts.p3.large.public", .type = "GPU", .max_num = 8,
                           .cpu = 8, .gpu = 1, .memory_gib = 64, .disk_gib = 200});
    c->flavors_.push_back({.id = "modelarts.bm.gpu.8v100", .type = "GPU", .max_num = 8,
                           .cpu = 64, .gpu = 8, .memory_gib = 512, .disk_gib = 3200});
    c->flavors_.push_back({.id = "modelarts.kat1.xlarge", .type = "Ascend", .max_num = 8,
                           .cpu = 24, .npu = 1, .memory_gib = 96, .disk_gib = 750});
    c->flavors_.push_back({.id = "modelarts.bm.npu.arm.8snt9b3.d", .type = "Ascend",
                           .max_num = 8, .cpu = 192, .npu = 8, .memory_gib = 1536,
                           .disk_gib = 3200});
    struct E {
      const char* name;
      const char* version;
      const char* image;
    };
    const E engines[] = {
        {"PyTorch", "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64", "pytorch_1_8"},
        {"TensorFlow", "tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64", "tensorflow_2_1"},
        {"Horovod", "horovod_0.20.0-tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64",
         "horovod_0_20_0"},
        {"Horovod", "horovod_0.22.1-pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64",
         "horovod_0_22_1"},
        {"MPI", "mindspore_1.3.0-cuda_10.1-py_3.7-ubuntu_1804-x86_64", "mindspore_1_3_0"},
        {"Ascend-Powered-Engine", "tensorflow_1.15-cann_5.1.0-py_3.7-euler_2.8.3-aarch64",
         "tensorflow_1_15_cann"},
        {"Ascend-Powered-Engine", "mindspore_1.7.0-cann_5.1.0-py_3.7-euler_2.8.3-aarch64",
         "mindspore_1_7_0_cann"},
    };
    int n = 0;
    for (const E& e : engines) {
      c->engines_.push_back({.id = "local-engine-" + std::to_string(++n),
                             .name = e.name,
                             .version = e.version,
                             .image_url = std::string("atelier/") + e.image + ":" + e.version,
                             .python = "/usr/bin/python3"});
    }
    return c;
  }();
  return *catalog;
}

const Flavor* Catalog::FindFlavor(const std::string& id) const {
  for (const auto& f : flavors_) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const Engine* Catalog::FindEngine(const std::string& name, const std::string& version) const {
  for (const auto& e : engines_) {
    if (e.name == name && e.version == version) return &e;
  }
  return nullptr;
}

const Engine* Catalog::EngineForImage(const std::string& image_url) const {
  const auto colon = image_url.rfind(':');
  if (colon == std::string::npos) return nullptr;
  const std::string tag = image_url.substr(colon + 1);
  for (const auto& e : engines_) {
    if (image_url == e.image_url) return &e;
    // <framework-version>-<yyyymmddHHMMSS>-<7 hex>
    if (tag.size() > e.version.size() && tag.compare(0, e.version.size(), e.version) == 0 &&
        tag[e.version.size()] == '-') {
      return &e;
    }
  }
  return nullptr;
}

std::string Catalog::FlavorIds() const {
  std::string out;
  for (const auto& f : flavors_) {
    if (!out.empty()) out += ", ";
    out += f.id;
  }
  return out;
}

// ---- job spec --------------------------------------------------------------------------------

std::string ShellQuote(const std::string& word) {
  if (!word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
        return std::isalnum(c) || std::strchr("_-./=:,@%+", c) != nullptr;
      })) {
    return word;
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

Result<JobSpec> DecodeJobSpec(const Json& body, const Catalog& catalog) {
  if (!body.is_object()) return InvalidArgument("request body: expected a JSON object");
  JobSpec s;
  OA_ASSIGN_OR_RETURN(s.kind, OptStr(body, "kind", ""));
  if (s.kind.empty()) s.kind = "job";
  if (s.kind != "job") {
    return InvalidArgument("kind: '" + s.kind + "' is not supported; use 'job'");
  }

  OA_ASSIGN_OR_RETURN(const Json* md, GetOptObject(body, "metadata"));
  if (!md) return InvalidArgument("metadata: required ({\"name\": \"...\"})");
  OA_ASSIGN_OR_RETURN(s.name, GetString(*md, "name", "metadata"));
  if (!ValidName(s.name)) {
    return InvalidArgument("metadata.name: '" + s.name +
                           "' must be 1-64 characters of letters, digits, '-' and '_'");
  }
  OA_ASSIGN_OR_RETURN(s.description, OptStr(*md, "description", "metadata"));
  if (s.description.size() > 256) {
    return InvalidArgument("metadata.description: at most 256 characters (got " +
                           std::to_string(s.description.size()) + ")");
  }
  OA_ASSIGN_OR_RETURN(s.workspace_id, OptStr(*md, "workspace_id", "metadata"));
  if (s.workspace_id.empty()) s.workspace_id = "0";
  OA_ASSIGN_OR_RETURN(const Json* ann, GetOptObject(*md, "annotations", "metadata"));
  if (ann) {
    for (const auto& [k, v] : ann->items()) {
      if (!v.is_string()) {
        return InvalidArgument("metadata.annotations." + k + ": expected a string value");
      }
      s.annotations[k] = v.get<std::string>();
    }
  }
  if (auto it = s.annotations.find("fault-tolerance/job-retry-num"); it != s.annotations.end()) {
    const std::string& v = it->second;
    if (v.size() != 1 || v[0] < '0' || v[0] > '3') {
      return InvalidArgument("metadata.annotations.fault-tolerance/job-retry-num: '" + v +
                             "' must be 0, 1, 2 or 3");
    }
    s.retry_num = v[0] - '0';
  }
  if (auto it = s.annotations.find("fault-tolerance/job-unconditional-retry");
      it != s.annotations.end()) {
    if (it->second != "true" && it->second != "false") {
      return InvalidArgument("metadata.annotations.fault-tolerance/job-unconditional-retry: must be "
                             "\"true\" or \"false\"");
    }
    s.unconditional_retry = it->second == "true";
  }

  OA_ASSIGN_OR_RETURN(const Json* alg, GetOptObject(body, "algorithm"));
  if (!alg) return InvalidArgument("algorithm: required");
  if (alg->contains("id") || alg->contains("subscription_id")) {
    return InvalidArgument("algorithm.id: saved and subscribed algorithms are not available here; "
                           "give algorithm.code_dir + boot_file or engine.image_url + command");
  }
  OA_ASSIGN_OR_RETURN(s.code_dir, OptStr(*alg, "code_dir", "algorithm"));
  OA_ASSIGN_OR_RETURN(s.boot_file, OptStr(*alg, "boot_file", "algorithm"));
  OA_ASSIGN_OR_RETURN(s.command, OptStr(*alg, "command", "algorithm"));
  OA_ASSIGN_OR_RETURN(s.working_dir, OptStr(*alg, "working_dir", "algorithm"));
  OA_ASSIGN_OR_RETURN(s.local_code_dir, OptStr(*alg, "local_code_dir", "algorithm"));
  for (const auto* f : {&s.working_dir, &s.local_code_dir}) {
    if (!f->empty() && (*f)[0] != '/') {
      return InvalidArgument(std::string("algorithm.") +
                             (f == &s.working_dir ? "working_dir" : "local_code_dir") +
                             ": must be an absolute path such as /home/ma-user/modelarts/user-job-dir/code");
    }
  }
  OA_ASSIGN_OR_RETURN(const Json* engine, GetOptObject(*alg, "engine", "algorithm"));
  if (engine) {
    OA_ASSIGN_OR_RETURN(s.engine_name, OptStr(*engine, "engine_name", "algorithm.engine"));
    OA_ASSIGN_OR_RETURN(s.engine_version, OptStr(*engine, "engine_version", "algorithm.engine"));
    OA_ASSIGN_OR_RETURN(s.image_url, OptStr(*engine, "image_url", "algorithm.engine"));
    OA_ASSIGN_OR_RETURN(auto run_user, OptStr(*engine, "run_user", "algorithm.engine"));
    if (!run_user.empty()) {
      char* end = nullptr;
      const long uid = std::strtol(run_user.c_str(), &end, 10);
      if (*end != '\0' || uid < 1 || uid > 65535) {
        return InvalidArgument("algorithm.engine.run_user: '" + run_user +
                               "' must be a numeric uid 1-65535 (default 1000)");
      }
      s.run_user = static_cast<int>(uid);
    }
  }
  if (s.code_dir.empty()) {
    return InvalidArgument("algorithm.code_dir: required (the object-storage directory of the "
                           "training code, e.g. obs://bucket/mnist/code/)");
  }
  OA_TRY(CheckObsUrl("algorithm.code_dir", s.code_dir, true));
  if (s.code_dir.back() != '/') s.code_dir += '/';
  if (s.custom_mode()) {
    if (!s.engine_name.empty() || !s.engine_version.empty()) {
      return InvalidArgument("algorithm.engine: give either image_url (custom image) or "
                             "engine_name + engine_version (preset engine), not both");
    }
    if (s.command.empty() && s.boot_file.empty()) {
      return InvalidArgument("algorithm.command: a custom-image job needs a command (--user-command) "
                             "or a boot_file");
    }
    if (s.image_url != "host" && !catalog.EngineForImage(s.image_url)) {
      return InvalidArgument("algorithm.engine.image_url: image '" + s.image_url +
                             "' is not available on the local backend; use 'host', a preset "
                             "engine image (ma-cli ma-job get-engine -v) or an image derived from one "
                             "(<framework-version>-<yyyymmddHHMMSS>-<commit>)");
    }
  } else {
    if (s.engine_name.empty() || s.engine_version.empty()) {
      return InvalidArgument("algorithm.engine: engine_name and engine_version are required for a "
                             "preset-engine job (or give engine.image_url for a custom image)");
    }
    if (!catalog.FindEngine(s.engine_name, s.engine_version)) {
      return InvalidArgument("algorithm.engine: no engine '" + s.engine_name + "' version '" +
                             s.engine_version + "'; list them with ma-cli ma-job get-engine -v");
    }
    if (s.boot_file.empty()) {
      return InvalidArgument("algorithm.boot_file: required for a preset-engine job (a file relative "
                             "to code_dir, e.g. main.py)");
    }
    if (!s.command.empty()) {
      return InvalidArgument("algorithm.command: only custom-image jobs take a command; preset-engine "
                             "jobs run boot_file");
    }
  }
  if (!s.boot_file.empty() && (s.boot_file[0] == '/' || s.boot_file.find("..") != std::string::npos)) {
    // Preset mode resolves it inside the code directory.
    if (!s.custom_mode()) {
      return InvalidArgument("algorithm.boot_file: '" + s.boot_file +
                             "' must be relative to code_dir without '..'");
    }
  }
  if (s.command.find('\r') != std::string::npos) {
    return InvalidArgument("algorithm.command: contains a carriage return (CRLF); it would fail with "
                           "$'\\r': command not found. Remove it (sed -i 's/\\r//')");
  }

  OA_ASSIGN_OR_RETURN(const Json* params, GetOptArray(*alg, "parameters", "algorithm"));
  if (params) {
    for (size_t i = 0; i < params->size(); ++i) {
      const std::string path = "algorithm.parameters[" + std::to_string(i) + "]";
      const Json& p = (*params)[i];
      if (!p.is_object()) return InvalidArgument(path + ": expected {name, value}");
      Parameter param;
      OA_ASSIGN_OR_RETURN(param.name, GetString(p, "name", path));
      if (param.name.empty() || param.name[0] == '-' ||
          param.name.find_first_of(" \t\n=") != std::string::npos) {
        return InvalidArgument(path + ".name: '" + param.name +
                               "' must be a plain name (it becomes --name=value)");
      }
      if (p.contains("value") && !p["value"].is_null()) {
        if (p["value"].is_string()) {
          param.value = p["value"].get<std::string>();
        } else if (p["value"].is_number() || p["value"].is_boolean()) {
          param.value = p["value"].dump();
        } else {
          return InvalidArgument(path + ".value: expected a string");
        }
      }
      s.parameters.push_back(std::move(param));
    }
  }
  std::vector<std::string> names;
  for (const char* key : {"inputs", "outputs"}) {
    OA_ASSIGN_OR_RETURN(const Json* list, GetOptArray(*alg, key, "algorithm"));
    if (!list) continue;
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string path = std::string("algorithm.") + key + "[" + std::to_string(i) + "]";
      OA_ASSIGN_OR_RETURN(IoEntry e, DecodeIo((*list)[i], path, key[0] == 'o'));
      if (std::find(names.begin(), names.end(), e.name) != names.end()) {
        return InvalidArgument(path + ".name: '" + e.name + "' is used twice; names must be unique");
      }
      names.push_back(e.name);
      (key[0] == 'o' ? s.outputs : s.inputs).push_back(std::move(e));
    }
  }
  OA_ASSIGN_OR_RETURN(const Json* envs, GetOptObject(*alg, "environments", "algorithm"));
  if (envs) {
    if (envs->size() > 100) {
      return InvalidArgument("algorithm.environments: at most 100 variables (got " +
                             std::to_string(envs->size()) + ")");
    }
    for (const auto& [k, v] : envs->items()) {
      const std::string path = "algorithm.environments." + k;
      if (!ValidEnvKey(k)) {
        return InvalidArgument(path + ": the name must match [A-Za-z_][A-Za-z0-9_]*");
      }
      if (k.rfind("MA_", 0) == 0) {
        return InvalidArgument(path + ": names starting with MA_ are reserved for the platform");
      }
      if (k == "ENABLE_HTTPS") return InvalidArgument(path + ": ENABLE_HTTPS is protected");
      if (!v.is_string()) return InvalidArgument(path + ": expected a string value");
      s.environments[k] = v.get<std::string>();
    }
  }

  OA_ASSIGN_OR_RETURN(const Json* spec, GetOptObject(body, "spec"));
  if (!spec) return InvalidArgument("spec: required ({\"resource\": {\"flavor_id\": ...}})");
  OA_ASSIGN_OR_RETURN(const Json* res, GetOptObject(*spec, "resource", "spec"));
  if (!res) return InvalidArgument("spec.resource: required ({\"flavor_id\": ..., \"node_count\": 1})");
  OA_ASSIGN_OR_RETURN(s.flavor_id, OptStr(*res, "flavor_id", "spec.resource"));
  if (s.flavor_id.empty()) {
    return InvalidArgument("spec.resource.flavor_id: required (--train-instance-type); valid: " +
                           catalog.FlavorIds());
  }
  const Flavor* flavor = catalog.FindFlavor(s.flavor_id);
  if (!flavor) {
    return InvalidArgument("spec.resource.flavor_id: unknown flavor '" + s.flavor_id +
                           "'; valid: " + catalog.FlavorIds());
  }
  OA_ASSIGN_OR_RETURN(auto count, GetOptInt(*res, "node_count", "spec.resource"));
  s.node_count = static_cast<int>(count.value_or(1));
  if (count && (*count < 1 || *count > 1024)) {
    return InvalidArgument("spec.resource.node_count: must be at least 1");
  }
  if (s.node_count > flavor->max_num) {
    return InvalidArgument("spec.resource.node_count: " + std::to_string(s.node_count) +
                           " exceeds the flavor's max_num " + std::to_string(flavor->max_num));
  }
  OA_ASSIGN_OR_RETURN(s.pool_id, OptStr(*res, "pool_id", "spec.resource"));
  if (!s.pool_id.empty() && s.pool_id != "local") {
    return InvalidArgument("spec.resource.pool_id: unknown pool '" + s.pool_id +
                           "'; this installation has the public pool only (omit pool_id)");
  }
  OA_ASSIGN_OR_RETURN(const Json* logp, GetOptObject(*spec, "log_export_path", "spec"));
  if (logp) {
    OA_ASSIGN_OR_RETURN(s.log_url, OptStr(*logp, "obs_url", "spec.log_export_path"));
    if (!s.log_url.empty()) {
      OA_TRY(CheckObsUrl("spec.log_export_path.obs_url", s.log_url, false));
      if (s.log_url.back() != '/') s.log_url += '/';
    }
  }
  OA_ASSIGN_OR_RETURN(const Json* sched, GetOptObject(*spec, "schedule_policy", "spec"));
  if (sched) {
    OA_ASSIGN_OR_RETURN(auto prio, GetOptInt(*sched, "priority", "spec.schedule_policy"));
    if (prio) {
      if (*prio < 1 || *prio > 3) {
        return InvalidArgument("spec.schedule_policy.priority: must be 1, 2 or 3 (3 is highest)");
      }
      s.priority = static_cast<int>(*prio);
    }
    OA_ASSIGN_OR_RETURN(auto pre, GetOptBool(*sched, "preemptible", "spec.schedule_policy"));
    s.preemptible = pre.value_or(false);
  }
  OA_ASSIGN_OR_RETURN(const Json* auto_stop, GetOptObject(*spec, "auto_stop", "spec"));
  if (auto_stop) {
    OA_ASSIGN_OR_RETURN(auto dur, GetOptInt(*auto_stop, "duration", "spec.auto_stop"));
    OA_ASSIGN_OR_RETURN(auto unit, OptStr(*auto_stop, "time_unit", "spec.auto_stop"));
    if (dur) {
      if (*dur < 1) return InvalidArgument("spec.auto_stop.duration: must be at least 1");
      int64_t unit_ms = 3600000;
      if (unit == "MINUTES") unit_ms = 60000;
      else if (!unit.empty() && unit != "HOURS") {
        return InvalidArgument("spec.auto_stop.time_unit: must be HOURS (or MINUTES)");
      }
      s.auto_stop_ms = *dur * unit_ms;
    }
  }
  OA_ASSIGN_OR_RETURN(const Json* vols, GetOptArray(*spec, "volumes", "spec"));
  if (vols) {
    std::vector<std::string> paths;
    for (size_t i = 0; i < vols->size(); ++i) {
      const std::string path = "spec.volumes[" + std::to_string(i) + "]";
      const Json& v = (*vols)[i];
      if (!v.is_object() || v.size() != 1) {
        return InvalidArgument(path + ": expected one of {nfs: {...}}, {host: {...}}");
      }
      Volume vol;
      vol.kind = v.begin().key();
      const Json& body_v = v.begin().value();
      const std::string vp = path + "." + vol.kind;
      if (vol.kind == "nfs") {
        OA_ASSIGN_OR_RETURN(vol.source, GetString(body_v, "nfs_server_path", vp));
      } else if (vol.kind == "host") {
        OA_ASSIGN_OR_RETURN(vol.source, GetString(body_v, "host_path", vp));
      } else {
        return InvalidArgument(path + ": volume type '" + vol.kind +
                               "' is not supported locally; use nfs or host");
      }
      OA_ASSIGN_OR_RETURN(vol.local_path, GetString(body_v, "local_path", vp));
      if (vol.local_path.empty() || vol.local_path[0] != '/') {
        return InvalidArgument(vp + ".local_path: must be an absolute path");
      }
      if (std::find(paths.begin(), paths.end(), vol.local_path) != paths.end()) {
        return InvalidArgument(vp + ".local_path: '" + vol.local_path +
                               "' is mounted twice; mount paths must be unique");
      }
      paths.push_back(vol.local_path);
      OA_ASSIGN_OR_RETURN(auto ro, GetOptBool(body_v, "read_only", vp));
      vol.read_only = ro.value_or(false);
      s.volumes.push_back(std::move(vol));
    }
  }

  // DDP arguments: on by default for multi-instance PyTorch-engine jobs (spec §7), switchable
  // with the annotation openarts/ddp-args: "true" | "false".
  s.ddp_args = s.node_count > 1 && (s.engine_name == "PyTorch" ||
                                    (s.custom_mode() && s.image_url.find("pytorch") != std::string::npos));
  if (auto it = s.annotations.find("openarts/ddp-args"); it != s.annotations.end()) {
    if (it->second != "true" && it->second != "false") {
      return InvalidArgument("metadata.annotations.openarts/ddp-args: must be \"true\" or \"false\"");
    }
    s.ddp_args = it->second == "true";
  }
  return s;
}

Json JobSpec::ToJson() const {
  Json md = {{"name", name}, {"workspace_id", workspace_id}, {"description", description}};
  if (!annotations.empty()) md["annotations"] = annotations;
  Json alg = {{"code_dir", code_dir}};
  if (!boot_file.empty()) alg["boot_file"] = boot_file;
  if (!command.empty()) alg["command"] = command;
  if (!working_dir.empty()) alg["working_dir"] = working_dir;
  if (!local_code_dir.empty()) alg["local_code_dir"] = local_code_dir;
  Json eng = {{"run_user", std::to_string(run_user)}};
  if (!image_url.empty()) eng["image_url"] = image_url;
  if (!engine_name.empty()) eng["engine_name"] = engine_name;
  if (!engine_version.empty()) eng["engine_version"] = engine_version;
  alg["engine"] = eng;
  Json ps = Json::array();
  for (const auto& p : parameters) {
    Json j = {{"name", p.name}};
    if (p.value) j["value"] = *p.value;
    ps.push_back(j);
  }
  alg["parameters"] = ps;
  auto io = [](const std::vector<IoEntry>& list, bool output) {
    Json out = Json::array();
    for (const auto& e : list) {
      Json j = {{"name", e.name}, {"remote", {{"obs", {{"obs_url", e.obs_url}}}}}, {"access", e.access}};
      if (!e.dataset_id.empty()) {
        j["remote"] = {{"dataset", {{"id", e.dataset_id}, {"version_id", e.dataset_version_id}}}};
      }
      if (!e.local_dir.empty()) j["local_dir"] = e.local_dir;
      if (output && e.download) j["mode"] = "download";
      out.push_back(j);
    }
    return out;
  };
  alg["inputs"] = io(inputs, false);
  alg["outputs"] = io(outputs, true);
  alg["environments"] = environments;
  Json sp = {{"resource", {{"flavor_id", flavor_id}, {"node_count", node_count}}},
             {"schedule_policy", {{"priority", priority}, {"preemptible", preemptible}}}};
  if (!pool_id.empty()) sp["resource"]["pool_id"] = pool_id;
  if (!log_url.empty()) sp["log_export_path"] = {{"obs_url", log_url}};
  if (auto_stop_ms) sp["auto_stop"] = {{"time_unit", "MINUTES"}, {"duration", auto_stop_ms / 60000}};
  if (!volumes.empty()) {
    Json vs = Json::array();
    for (const auto& v : volumes) {
      Json body = {{"local_path", v.local_path}, {"read_only", v.read_only}};
      body[v.kind == "nfs" ? "nfs_server_path" : "host_path"] = v.source;
      vs.push_back({{v.kind, body}});
    }
    sp["volumes"] = vs;
  }
  return {{"kind", kind}, {"metadata", md}, {"algorithm", alg}, {"spec", sp}};
}

}  // namespace openarts::train
