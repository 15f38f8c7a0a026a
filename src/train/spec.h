// The job specification (the REST create body, decoded and validated) and the catalogue of
// flavors and engines it is checked against. Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace openarts::train {

struct Flavor {
  std::string id;
  std::string type;  // CPU | GPU | Ascend
  int max_num = 1;   // most instances per job (1 = not distributed)
  int cpu = 0;       // vCPUs
  int gpu = 0, npu = 0;
  int memory_gib = 0;
  int disk_gib = 0;
  Json ToJson() const;  // {flavor_id, flavor_name, flavor_type, flavor_info{...}}
};

struct Engine {
  std::string id, name, version;
  std::string image_url;  // atelier/<engine>:<version>
  std::string python;     // the interpreter preset-mode jobs run with
  Json ToJson() const;    // {engine_id, engine_name, engine_version, run_user, image_info}
};

class Catalog {
 public:
  static const Catalog& Default();
  const Flavor* FindFlavor(const std::string& id) const;
  const Engine* FindEngine(const std::string& name, const std::string& version) const;
  // The engine whose version a custom image tag starts with (<framework-version>-<time>-<hex>),
  // or nullptr.
  const Engine* EngineForImage(const std::string& image_url) const;
  std::string FlavorIds() const;  // "a, b, c" for error messages
  const std::vector<Flavor>& flavors() const { return flavors_; }
  const std::vector<Engine>& engines() const { return engines_; }

 private:
  std::vector<Flavor> flavors_;
  std::vector<Engine> engines_;
};

struct IoEntry {
  std::string name;
  std::string obs_url;    // obs://bucket/prefix/ (or s3://); "" for a dataset input
  std::string dataset_id;          // inputs: remote.dataset {id, version_id}
  std::string dataset_version_id;  // version id or name ("V001")
  std::string local_dir;  // "" = the default layout
  std::string access = "argument";  // argument | env
  bool download = false;  // outputs: pre-download existing content (incremental training)
};

struct Parameter {
  std::string name;
  std::optional<std::string> value;  // nullopt = a bare flag (--pretrained)
};

struct Volume {
  std::string kind;  // nfs | obs | host
  std::string source, local_path;
  bool read_only = false;
};

struct JobSpec {
  std::string kind = "job";
  std::string name, description, workspace_id = "0";
  std::map<std::string, std::string> annotations;
  // algorithm
  std::string code_dir, boot_file, command, working_dir, local_code_dir;
  std::string engine_name, engine_version, image_url;
  int run_user = 1000;
  std::vector<Parameter> parameters;
  std::vector<IoEntry> inputs, outputs;
  std::map<std::string, std::string> environments;
  // spec
  std::string flavor_id, pool_id;
  int node_count = 1;
  std::string log_url;
  int priority = 1;  // 1..3, 3 = highest
  bool preemptible = false;
  std::vector<Volume> volumes;
  int64_t auto_stop_ms = 0;
  // derived from annotations
  int retry_num = 0;  // fault-tolerance/job-retry-num 0..3
  bool unconditional_retry = false;
  bool ddp_args = false;  // append --init_method/--rank/--world_size

  bool custom_mode() const { return !image_url.empty(); }
  Json ToJson() const;  // the normalised create body (stored, and echoed by GET)
};

// Decodes and validates a POST /training-jobs body. Errors are kInvalidArgument naming the field
// ("spec.resource.flavor_id: unknown flavor 'x'; valid: ...").
Result<JobSpec> DecodeJobSpec(const Json& body, const Catalog& catalog);

// Shell-quotes one word for /bin/sh ('...' with embedded quotes escaped), unquoted when safe.
std::string ShellQuote(const std::string& word);

}  // namespace openarts::train
