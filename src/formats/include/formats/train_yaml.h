// The `ma-cli ma-job submit` configuration: `.ma/train.yaml` files and command-line options, merged
// and checked, then turned into the body of `POST /v2/{project_id}/training-jobs`.
//
//   SubmitConfig config;                                   // empty: no YAML file given
//   for (file : yaml_files) MergeInto(config, ParseTrainYaml(text, file));
//   SubmitConfig cli;  ApplyOption(cli, "input", "data=obs://b/x") ...;  MergeInto(config, cli);
//   Json body = ToCreateBody(config, clock);  warnings = LintWarnings(config);
//
// Pure functions over values: no I/O, no exceptions (yaml-cpp's are caught inside), thread-safe.
// Every error is kInvalidArgument and names the option (and, for YAML, the file, line and column).
// The format is described in docs/formats/train-yaml.md; the rules come from spec/training.md
// §2.1, §3, §6, §11, §13 and §15.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"

namespace openarts::formats {

// `--input name=obs://…` / `--output …`; YAML `{name, obs_path}`.
struct IoChannel {
  std::string name;
  std::string obs_path;
  bool operator==(const IoChannel&) const = default;
};

// A hyperparameter, appended to the boot command as `--name=value`, or `--name` when `value` is
// unset (a bare flag: YAML `pretrained:`, `--parameters "--pretrained"`).
struct Parameter {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const Parameter&) const = default;
};

// An NFS mount: `--volumes "local_path=/x;read_only=false;nfs_server_path=1.2.3.4:/"`;
// YAML `{efs: {local_path, read_only, nfs_server_path}}`.
struct Volume {
  std::string local_path;
  bool read_only = false;
  std::string nfs_server_path;
  bool operator==(const Volume&) const = default;
};

using EnvVar = std::pair<std::string, std::string>;

// `--policy`: regular (default) → priority 1; economic → priority 1, preemptible; turbo →
// priority 3; auto → no schedule_policy (the scheduler's choice).
enum class Policy { kRegular, kEconomic, kTurbo, kAuto };

// Every option of `ma-cli ma-job submit` that describes the job (not -q/-C/-P/-D, which are the
// CLI's own). An unset optional means "not given here", which is what MergeInto needs.
struct SubmitConfig {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> image_url;
  std::optional<int64_t> uid;  // 0 ≤ uid ≤ 2^31-1; the server defaults to 1000
  std::optional<std::string> working_dir;
  std::optional<std::string> local_code_dir;
  std::optional<std::string> user_command;
  std::optional<std::string> pool_id;
  std::optional<std::string> train_instance_type;
  std::optional<int64_t> train_instance_count;  // ≥ 1; 1 when unset
  std::optional<std::string> data_url;
  std::optional<std::string> log_url;
  std::optional<std::string> code_dir;
  std::optional<std::vector<IoChannel>> outputs;  // YAML key `output`, CLI --output (repeatable)
  std::optional<std::vector<IoChannel>> inputs;   // YAML key `input`, CLI --input (repeatable)
  std::optional<std::vector<EnvVar>> env_variables;
  std::optional<std::vector<Parameter>> parameters;
  std::optional<std::string> boot_file;
  std::optional<std::string> framework_type;
  std::optional<std::string> framework_version;
  std::optional<std::string> workspace_id;  // "0" when unset
  std::optional<Policy> policy;
  std::optional<std::vector<Volume>> volumes;
  // OpenArts extensions (auto-restart, spec §11), not in the ModelArts manual:
  std::optional<int64_t> retry_num;         // 0–3; `retry-num`, --retry-num
  std::optional<bool> unconditional_retry;  // `unconditional-retry`, --unconditional-retry

  bool operator==(const SubmitConfig&) const = default;
};

// One submit option, for the CLI to register and for help text. `name` is the dash form without
// "--" ("train-instance-count"); YAML uses the same names, with '_' and '-' interchangeable, except
// that the repeatable --input/--output are the YAML lists `input`/`output`.
struct SubmitOption {
  std::string_view name;
  bool repeatable;  // may be given several times on the command line; the values accumulate
  bool flag;        // takes no value on the command line (--unconditional-retry)
  std::string_view help;
};
// All options, in the manual's order, then the OpenArts extensions.
const std::vector<SubmitOption>& SubmitOptions();

// Parses one train.yaml document. An empty document (or only comments) is an empty config.
// kInvalidArgument "<source_name>:<line>:<col>: <key>: <problem>" for malformed YAML, a top level
// that is not a mapping, an unknown key (the message lists the valid keys), a key given twice
// (`pool_id` and `pool-id` count as the same key), or a value of the wrong type or range
// ("train-instance-count: expected an integer >= 1, got 'two'"), more than one YAML document,
// more than 1 MiB, or text that is not UTF-8 or holds a NUL.
Result<SubmitConfig> ParseTrainYaml(std::string_view text, std::string_view source_name);

// Applies one command-line option to `config`: `option` is the name with or without "--"
// ("input", "--env-variables"), `value` its text. Scalar options are replaced; repeatable ones
// (input, output, env-variables, volumes, parameters) append to the list in `config`, so the CLI
// collects its own SubmitConfig and merges it over the YAML with MergeInto. A flag takes "" as
// true. kInvalidArgument "--<option>: <problem>" for an unknown option or a bad value.
Status ApplyOption(SubmitConfig& config, std::string_view option, std::string_view value);

// Every option set in `over` replaces the one in `base`; lists are replaced, not appended.
void MergeInto(SubmitConfig& base, const SubmitConfig& over);

// Splits a --parameters string shell-style (single and double quotes, backslash escapes):
// "--epoch 0 --pretrained --lr=0.1" → epoch=0, pretrained (bare), lr=0.1. A word that is not a
// --keyword and does not follow one is kInvalidArgument ("only keyword parameters are
// supported"), as are short options ("-e") and unterminated quotes.
Result<std::vector<Parameter>> ParseParameterString(std::string_view text);

// "NAME=VALUE" (split at the first '='; the value may be empty or contain '='). `option` names
// the option in the error: kInvalidArgument "--input: expected NAME=VALUE, got 'x'".
Result<std::pair<std::string, std::string>> ParseNameValue(std::string_view option,
                                                           std::string_view text);

// "local_path=/xx;read_only=false;nfs_server_path=1.2.3.4:/" (';'-separated, any order; read_only
// optional, default false). kInvalidArgument naming the missing, unknown or repeated key.
Result<Volume> ParseVolumeString(std::string_view text);

// The REST create body for a merged config (docs/formats/train-yaml.md shows its shape). Checks
// the required options (data-url, log-url, code-dir), the mode (custom image: image-url with
// user-command or boot-file; preset engine: framework-type, framework-version and boot-file),
// name (1–64 of [A-Za-z0-9_-]) and description (≤ 256 characters) rules, environment-variable
// rules (no MA_ prefix, ENABLE_HTTPS protected, ≤ 100, keys [A-Za-z_][A-Za-z0-9_]*), storage
// paths (obs:// or s3://; code-dir may also be file:///), I/O and parameter names, volumes and
// auto-restart settings. kInvalidArgument naming the option and the fix.
// An unset name becomes DefaultJobName(clock.NowMillis(), <random>).
Result<Json> ToCreateBody(const SubmitConfig& config, const Clock& clock = SystemClock());

// "job-<yyyymmddHHMMSS>-<4 hex>", the time in UTC; `suffix` gives the hex digits.
std::string DefaultJobName(int64_t now_millis, uint16_t suffix);

// Advice that does not stop a submit (spec §2.1, §5): CR characters in user-command, a
// user-command whose last command does not look like an interpreter call (arguments are appended
// to it), directories outside /home, user-command with a file:// code-dir, and the like.
std::vector<std::string> LintWarnings(const SubmitConfig& config);

}  // namespace openarts::formats
