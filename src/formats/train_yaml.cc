#include "formats/train_yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <exception>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <type_traits>
#include <variant>

#include "base/strings.h"

namespace openarts::formats {
namespace {

// The --parameters and --volumes grammars; errors without the option name.
Result<std::vector<Parameter>> ParseParameters(std::string_view text);
Result<Volume> ParseVolume(std::string_view text);

// ---------------------------------------------------------------------------------------------
// The option table: one row per SubmitConfig field. YAML parsing, ApplyOption, MergeInto and the
// "valid keys" list all read it, so a new option is one row here plus its field.

struct IntTarget {
  std::optional<int64_t> SubmitConfig::*field;
  int64_t min;
  int64_t max;
};
using StrTarget = std::optional<std::string> SubmitConfig::*;
using BoolTarget = std::optional<bool> SubmitConfig::*;
using PolicyTarget = std::optional<Policy> SubmitConfig::*;
using IoTarget = std::optional<std::vector<IoChannel>> SubmitConfig::*;
using EnvTarget = std::optional<std::vector<EnvVar>> SubmitConfig::*;
using ParamsTarget = std::optional<std::vector<Parameter>> SubmitConfig::*;
using VolumesTarget = std::optional<std::vector<Volume>> SubmitConfig::*;
using Target = std::variant<StrTarget, IntTarget, BoolTarget, PolicyTarget, IoTarget, EnvTarget,
                            ParamsTarget, VolumesTarget>;

constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();
constexpr size_t kMaxYamlBytes = 1 << 20;

struct OptionDef {
  SubmitOption info;
  Target target;
  bool allow_empty = false;  // only description may be ""
};

const std::vector<OptionDef>& Options() {
  using C = SubmitConfig;
  static const std::vector<OptionDef> kOptions = {
      {{"name", false, false, "job name: 1-64 of [A-Za-z0-9_-] (default job-<time>-<hex>)"},
       &C::name},
      {{"description", false, false, "job description, at most 256 characters"},
       &C::description,
       true},
      {{"image-url", false, false, "custom image, organization/image_name:tag"}, &C::image_url},
      {{"uid", false, false, "UID the custom image runs as (default 1000)"},
       IntTarget{&C::uid, 0, kIntMax}},
      {{"working-dir", false, false, "working directory of the algorithm"}, &C::working_dir},
      {{"local-code-dir", false, false, "container path the code dir is downloaded to"},
       &C::local_code_dir},
      {{"user-command", false, false, "custom-image command; runs from a directory under /home"},
       &C::user_command},
      {{"pool-id", false, false, "dedicated pool ID (default: the public pool)"}, &C::pool_id},
      {{"train-instance-type", false, false, "flavor of each worker"}, &C::train_instance_type},
      {{"train-instance-count", false, false, "number of instances (default 1)"},
       IntTarget{&C::train_instance_count, 1, kIntMax}},
      {{"data-url", false, false, "object-storage path of the data (required)"}, &C::data_url},
      {{"log-url", false, false, "object-storage path for logs (required)"}, &C::log_url},
      {{"code-dir", false, false, "object-storage path of the code (required)"}, &C::code_dir},
      {{"output", true, false, "name=obs://bucket/path; the dir passed as --name is uploaded"},
       &C::outputs},
      {{"input", true, false, "name=obs://bucket/path; downloaded, its dir passed as --name"},
       &C::inputs},
      {{"env-variables", true, false, "NAME=VALUE environment variable"}, &C::env_variables},
      {{"parameters", true, false, "keyword hyperparameters, e.g. \"--epoch 0 --pretrained\""},
       &C::parameters},
      {{"boot-file", false, false, "boot file relative to code-dir (required for preset engines)"},
       &C::boot_file},
      {{"framework-type", false, false, "preset engine, e.g. PyTorch"}, &C::framework_type},
      {{"framework-version", false, false, "preset engine version"}, &C::framework_version},
      {{"workspace-id", false, false, "workspace (default \"0\")"}, &C::workspace_id},
      {{"policy", false, false, "regular|economic|turbo|auto (default regular)"}, &C::policy},
      {{"volumes", true, false,
        "NFS mount \"local_path=/x;read_only=false;nfs_server_path=host:/path\""},
       &C::volumes},
      {{"retry-num", false, false, "OpenArts: restart a failed job up to N times (0-3)"},
       IntTarget{&C::retry_num, 0, 3}},
      {{"unconditional-retry", false, true,
        "OpenArts: restart on any failure, not only on environment faults"},
       &C::unconditional_retry},
  };
  return kOptions;
}

// '_' and '-' are the same in keys (spec §3: the sample's `pool_id` is CLI --pool-id).
std::string NormalizeKey(std::string_view key) {
  std::string out(key);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

const OptionDef* FindOption(std::string_view key) {
  std::string norm = NormalizeKey(key);
  for (const OptionDef& def : Options()) {
    if (def.info.name == norm) return &def;
  }
  return nullptr;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string UnknownOptionMessage(std::string_view key, bool yaml) {
  std::string norm = NormalizeKey(key);
  std::string msg = std::string(yaml ? "unknown key '" : "unknown option '--") +
                    std::string(key.substr(0, 100)) + "'";
  const OptionDef* best = nullptr;
  size_t best_distance = 3;  // suggest only close matches
  for (const OptionDef& def : Options()) {
    size_t d = EditDistance(norm.substr(0, 100), def.info.name);
    // "pool" → "pool-id": a prefix of a name is as good a hint as a typo.
    if (norm.size() >= 3 && def.info.name.substr(0, norm.size()) == norm) d = 1;
    if (d < best_distance) best_distance = d, best = &def;
  }
  if (best != nullptr) msg += std::string("; did you mean '") + std::string(best->info.name) + "'?";
  msg += yaml ? " Valid keys ('_' and '-' are interchangeable): " : " Valid options: ";
  bool first = true;
  for (const OptionDef& def : Options()) {
    msg += first ? "" : ", ";
    first = false;
    msg += def.info.name;
  }
  return msg;
}

// ---------------------------------------------------------------------------------------------
// Scalar values, shared by YAML and the command line. Each returns the problem without the
// option name; the caller prefixes "file:line:col: key: " or "--key: ".

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// Text that ends up in JSON and in process arguments: valid UTF-8 without NUL.
std::optional<std::string> TextProblem(std::string_view s) {
  if (s.find('\0') != std::string_view::npos) return "contains a NUL character";
  if (!IsValidUtf8(s)) return "is not valid UTF-8";
  return std::nullopt;
}

// 'value' quoted for a message, cut short so a huge value cannot flood the terminal.
std::string Quoted(std::string_view v) {
  constexpr size_t kMax = 80;
  if (v.size() <= kMax) return "'" + std::string(v) + "'";
  return "'" + std::string(v.substr(0, kMax)) + "...'";
}

Result<std::string> ParseStringValue(std::string_view text, bool allow_empty) {
  if (auto p = TextProblem(text)) return InvalidArgument(*p);
  if (!allow_empty && text.empty()) return InvalidArgument("must not be empty");
  return std::string(text);
}

Result<int64_t> ParseIntValue(std::string_view text, int64_t min, int64_t max) {
  std::string expect = max == kIntMax ? "expected an integer >= " + std::to_string(min)
                                      : "expected an integer between " + std::to_string(min) +
                                            " and " + std::to_string(max);
  std::string_view t = TrimWhitespace(text);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size() || v < min || v > max) {
    return InvalidArgument(expect + ", got " + Quoted(text));
  }
  return v;
}

Result<bool> ParseBoolValue(std::string_view text) {
  std::string_view t = TrimWhitespace(text);
  if (IEquals(t, "true")) return true;
  if (IEquals(t, "false")) return false;
  return InvalidArgument("expected true or false, got " + Quoted(text));
}

Result<Policy> ParsePolicyValue(std::string_view text) {
  std::string_view t = TrimWhitespace(text);
  if (t == "regular") return Policy::kRegular;
  if (t == "economic") return Policy::kEconomic;
  if (t == "turbo") return Policy::kTurbo;
  if (t == "auto") return Policy::kAuto;
  return InvalidArgument("expected one of regular, economic, turbo, auto, got " + Quoted(text));
}

std::optional<std::pair<std::string, std::string>> SplitNameValue(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

Result<IoChannel> ParseIoValue(std::string_view text) {
  if (auto p = TextProblem(text)) return InvalidArgument(*p);
  auto nv = SplitNameValue(text);
  if (!nv || nv->second.empty()) {
    return InvalidArgument("expected NAME=obs://bucket/path, got " + Quoted(text));
  }
  return IoChannel{std::move(nv->first), std::move(nv->second)};
}

Result<EnvVar> ParseEnvValue(std::string_view text) {
  if (auto p = TextProblem(text)) return InvalidArgument(*p);
  auto nv = SplitNameValue(text);
  if (!nv) return InvalidArgument("expected NAME=VALUE, got " + Quoted(text));
  return EnvVar{std::move(nv->first), std::move(nv->second)};
}

// ---------------------------------------------------------------------------------------------
// YAML

std::string Where(std::string_view source, const YAML::Mark& mark) {
  std::string out(source);
  if (mark.line >= 0) {
    out += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  return out;
}

class YamlReader {
 public:
  explicit YamlReader(std::string_view source) : source_(source) {}

  Status Error(const YAML::Mark& mark, std::string_view path, std::string_view problem) const {
    std::string msg = Where(source_, mark) + ": ";
    if (!path.empty()) msg += std::string(path) + ": ";
    return InvalidArgument(msg + std::string(problem));
  }
  // Re-anchors a value error from the shared parsers at `mark` and `path`.
  Status Rewrap(const Status& s, const YAML::Mark& mark, std::string_view path) const {
    return Error(mark, path, s.message());
  }

  static const char* Shape(const YAML::Node& n) {
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    if (n.IsNull()) return "nothing";
    return "a scalar";
  }

  // The scalar text of `n`; `want` names the expected type in the error.
  Result<std::string> Scalar(const YAML::Node& n, const YAML::Mark& mark, std::string_view path,
                             std::string_view want) const {
    if (!n.IsScalar()) {
      return Error(mark, path, "expected " + std::string(want) + ", got " + Shape(n));
    }
    const std::string& s = n.Scalar();
    if (auto p = TextProblem(s)) return Error(mark, path, *p);
    return s;
  }

  // A mapping key as text; keys must be plain scalars.
  Result<std::string> Key(const YAML::Node& k, std::string_view path) const {
    if (!k.IsScalar()) return Error(k.Mark(), path, "keys must be plain names");
    if (auto p = TextProblem(k.Scalar())) return Error(k.Mark(), path, "key " + *p);
    return k.Scalar();
  }

  // Reads a map whose keys come from `allowed` (spelled with '_' as in the spec's samples;
  // '-' is accepted too); each key once.
  // Calls on_entry(normalized_key, key_node, value_node).
  template <typename F>
  Status ReadFixedMap(const YAML::Node& n, const YAML::Mark& mark, std::string_view path,
                      std::initializer_list<std::string_view> allowed, F&& on_entry) const {
    if (!n.IsMap()) return Error(mark, path, std::string("expected a mapping, got ") + Shape(n));
    std::set<std::string> seen;
    for (const auto& kv : n) {
      OA_ASSIGN_OR_RETURN(std::string key, Key(kv.first, path));
      std::string norm = key;
      std::replace(norm.begin(), norm.end(), '-', '_');
      if (std::find(allowed.begin(), allowed.end(), norm) == allowed.end()) {
        std::string list;
        for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return Error(kv.first.Mark(), path,
                     "unknown key " + Quoted(key) + " (expected " + list + ")");
      }
      if (!seen.insert(norm).second) {
        return Error(kv.first.Mark(), path, "key " + Quoted(key) + " is given twice");
      }
      OA_TRY(on_entry(norm, kv.first, kv.second));
    }
    return Status::Ok();
  }

  Status Read(const OptionDef& def, const YAML::Node& key, const YAML::Node& value,
              SubmitConfig& config) const {
    const std::string path(def.info.name);
    const YAML::Mark mark = key.Mark();
    return std::visit(
        [&](const auto& target) -> Status {
          using T = std::decay_t<decltype(target)>;
          if constexpr (std::is_same_v<T, StrTarget>) {
            OA_ASSIGN_OR_RETURN(std::string s, Scalar(value, mark, path, "a string"));
            auto v = ParseStringValue(s, def.allow_empty);
            if (!v.ok()) return Rewrap(v.status(), mark, path);
            config.*target = std::move(*v);
          } else if constexpr (std::is_same_v<T, IntTarget>) {
            OA_ASSIGN_OR_RETURN(std::string s, Scalar(value, mark, path, "an integer"));
            auto v = ParseIntValue(s, target.min, target.max);
            if (!v.ok()) return Rewrap(v.status(), mark, path);
            config.*(target.field) = *v;
          } else if constexpr (std::is_same_v<T, BoolTarget>) {
            OA_ASSIGN_OR_RETURN(std::string s, Scalar(value, mark, path, "true or false"));
            auto v = ParseBoolValue(s);
            if (!v.ok()) return Rewrap(v.status(), mark, path);
            config.*target = *v;
          } else if constexpr (std::is_same_v<T, PolicyTarget>) {
            OA_ASSIGN_OR_RETURN(std::string s, Scalar(value, mark, path, "a policy name"));
            auto v = ParsePolicyValue(s);
            if (!v.ok()) return Rewrap(v.status(), mark, path);
            config.*target = *v;
          } else if constexpr (std::is_same_v<T, IoTarget>) {
            OA_ASSIGN_OR_RETURN(config.*target, ReadIoList(value, mark, path));
          } else if constexpr (std::is_same_v<T, EnvTarget>) {
            OA_ASSIGN_OR_RETURN(config.*target, ReadEnv(value, mark, path));
          } else if constexpr (std::is_same_v<T, ParamsTarget>) {
            OA_ASSIGN_OR_RETURN(config.*target, ReadParameters(value, mark, path));
          } else if constexpr (std::is_same_v<T, VolumesTarget>) {
            OA_ASSIGN_OR_RETURN(config.*target, ReadVolumes(value, mark, path));
          }
          return Status::Ok();
        },
        def.target);
  }

 private:
  static std::string Item(std::string_view path, size_t i) {
    return std::string(path) + "[" + std::to_string(i) + "]";
  }

  // A list key may be left empty (`output:`): an empty list, replacing earlier files' lists.
  Status RequireList(const YAML::Node& n, const YAML::Mark& mark, std::string_view path) const {
    if (n.IsSequence() || n.IsNull()) return Status::Ok();
    return Error(mark, path, std::string("expected a list, got ") + Shape(n));
  }

  Result<std::vector<IoChannel>> ReadIoList(const YAML::Node& n, const YAML::Mark& mark,
                                            std::string_view path) const {
    OA_TRY(RequireList(n, mark, path));
    std::vector<IoChannel> out;
    if (n.IsNull()) return out;
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node item = n[i];
      const std::string ipath = Item(path, i);
      IoChannel io;
      bool has_name = false, has_path = false;
      OA_TRY(ReadFixedMap(
          item, item.Mark(), ipath, {"name", "obs_path"},
          [&](const std::string& k, const YAML::Node& kn, const YAML::Node& v) -> Status {
            OA_ASSIGN_OR_RETURN(std::string s, Scalar(v, kn.Mark(), ipath + "." + k, "a string"));
            if (s.empty()) return Error(kn.Mark(), ipath + "." + k, "must not be empty");
            (k == "name" ? io.name : io.obs_path) = std::move(s);
            (k == "name" ? has_name : has_path) = true;
            return Status::Ok();
          }));
      if (!has_name || !has_path) {
        return Error(item.Mark(), ipath,
                     std::string("needs both name and obs_path, missing ") +
                         (has_name ? "obs_path" : "name"));
      }
      out.push_back(std::move(io));
    }
    return out;
  }

  // A list of "K=V" strings or single-key maps, or one mapping K: V.
  Result<std::vector<EnvVar>> ReadEnv(const YAML::Node& n, const YAML::Mark& mark,
                                      std::string_view path) const {
    std::vector<EnvVar> out;
    auto read_pair = [&](const YAML::Node& k, const YAML::Node& v, const std::string& p) -> Status {
      OA_ASSIGN_OR_RETURN(std::string key, Key(k, p));
      OA_ASSIGN_OR_RETURN(std::string value, Scalar(v, k.Mark(), p + "." + key,
                                                    "a string (use \"\" for an empty value)"));
      out.emplace_back(std::move(key), std::move(value));
      return Status::Ok();
    };
    if (n.IsNull()) return out;
    if (n.IsMap()) {
      for (const auto& kv : n) OA_TRY(read_pair(kv.first, kv.second, std::string(path)));
      return out;
    }
    if (!n.IsSequence()) {
      return Error(mark, path,
                   std::string("expected a list of NAME=VALUE or a mapping, got ") + Shape(n));
    }
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node item = n[i];
      const std::string ipath = Item(path, i);
      if (item.IsMap() && item.size() == 1) {
        OA_TRY(read_pair(item.begin()->first, item.begin()->second, ipath));
        continue;
      }
      OA_ASSIGN_OR_RETURN(std::string s, Scalar(item, item.Mark(), ipath, "NAME=VALUE"));
      auto env = ParseEnvValue(s);
      if (!env.ok()) return Rewrap(env.status(), item.Mark(), ipath);
      out.push_back(std::move(*env));
    }
    return out;
  }

  // A list of single-key maps (`- epoch: 10`, `- pretrained:`), or one string parsed like
  // --parameters.
  Result<std::vector<Parameter>> ReadParameters(const YAML::Node& n, const YAML::Mark& mark,
                                                std::string_view path) const {
    std::vector<Parameter> out;
    if (n.IsNull()) return out;
    if (n.IsScalar()) {
      OA_ASSIGN_OR_RETURN(std::string s, Scalar(n, mark, path, "a string"));
      auto params = ParseParameters(s);
      if (!params.ok()) return Rewrap(params.status(), mark, path);
      return std::move(*params);
    }
    OA_TRY(RequireList(n, mark, path));
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node item = n[i];
      const std::string ipath = Item(path, i);
      if (!item.IsMap() || item.size() != 1) {
        return Error(item.Mark(), ipath,
                     "expected a single-key mapping such as 'epoch: 10' or 'pretrained:'");
      }
      const auto& kv = *item.begin();
      OA_ASSIGN_OR_RETURN(std::string name, Key(kv.first, ipath));
      Parameter p{std::move(name), std::nullopt};
      if (!kv.second.IsNull()) {
        // Kept as written: `learning_rate: 0.01` is "0.01", not a float printed back.
        OA_ASSIGN_OR_RETURN(
            p.value, Scalar(kv.second, kv.first.Mark(), ipath + "." + p.name, "a scalar value"));
      }
      out.push_back(std::move(p));
    }
    return out;
  }

  Result<std::vector<Volume>> ReadVolumes(const YAML::Node& n, const YAML::Mark& mark,
                                          std::string_view path) const {
    OA_TRY(RequireList(n, mark, path));
    std::vector<Volume> out;
    if (n.IsNull()) return out;
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node item = n[i];
      const std::string ipath = Item(path, i);
      Volume vol;
      bool has_efs = false, has_local = false, has_server = false;
      OA_TRY(ReadFixedMap(
          item, item.Mark(), ipath, {"efs"},
          [&](const std::string&, const YAML::Node& efs_key, const YAML::Node& efs) -> Status {
            has_efs = true;
            const std::string epath = ipath + ".efs";
            return ReadFixedMap(
                efs, efs_key.Mark(), epath, {"local_path", "read_only", "nfs_server_path"},
                [&](const std::string& k, const YAML::Node& kn, const YAML::Node& v) -> Status {
                  const std::string kpath = epath + "." + k;
                  if (k == "read_only") {
                    OA_ASSIGN_OR_RETURN(std::string s,
                                        Scalar(v, kn.Mark(), kpath, "true or false"));
                    auto b = ParseBoolValue(s);
                    if (!b.ok()) return Rewrap(b.status(), kn.Mark(), kpath);
                    vol.read_only = *b;
                    return Status::Ok();
                  }
                  OA_ASSIGN_OR_RETURN(std::string s, Scalar(v, kn.Mark(), kpath, "a string"));
                  if (s.empty()) return Error(kn.Mark(), kpath, "must not be empty");
                  (k == "local_path" ? vol.local_path : vol.nfs_server_path) = std::move(s);
                  (k == "local_path" ? has_local : has_server) = true;
                  return Status::Ok();
                });
          }));
      if (!has_efs)
        return Error(item.Mark(), ipath,
                     "expected 'efs: {local_path, read_only, nfs_server_path}'");
      if (!has_local || !has_server) {
        return Error(item.Mark(), ipath + ".efs",
                     std::string("needs local_path and nfs_server_path, missing ") +
                         (has_local ? "nfs_server_path" : "local_path"));
      }
      out.push_back(std::move(vol));
    }
    return out;
  }

  std::string_view source_;
};

// Records where documents start; the events themselves are not needed.
class DocumentCounter : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// A file holds one document. YAML::LoadAll is not used: on a stray ',' yaml-cpp 0.7 reports
// empty documents forever without consuming input (found by train_yaml_fuzz), so the documents
// are counted here, stopping at the second, and a second one at the same place is that bug.
Status CheckSingleDocument(const std::string& text, std::string_view source) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  if (!parser.HandleNextDocument(counter)) return Status::Ok();
  if (!parser.HandleNextDocument(counter)) return Status::Ok();
  const YAML::Mark& first = counter.starts.front();
  const YAML::Mark& second = counter.starts.back();
  if (counter.starts.size() >= 2 && second.pos == first.pos) {
    return InvalidArgument(Where(source, second) +
                           ": not valid YAML: unexpected flow indicator (a stray ',', ']' or "
                           "'}'?)");
  }
  return InvalidArgument(Where(source, second) +
                         ": a second YAML document starts here; a train.yaml file holds one "
                         "(pass several files instead)");
}

Result<SubmitConfig> ParseTrainYamlOrThrow(std::string_view text, std::string_view source) {
  YamlReader reader(source);
  SubmitConfig config;
  if (text.size() > kMaxYamlBytes) {
    return InvalidArgument(std::string(source) + ": " + std::to_string(text.size()) +
                           " bytes is more than a train.yaml may hold (1 MiB)");
  }
  const std::string owned(text);
  OA_TRY(CheckSingleDocument(owned, source));
  const YAML::Node root = YAML::Load(owned);
  if (root.IsNull()) return config;
  if (!root.IsMap()) {
    return reader.Error(root.Mark(), "",
                        std::string("expected a mapping of option names to values, got ") +
                            YamlReader::Shape(root));
  }
  std::vector<std::pair<const OptionDef*, YAML::Mark>> seen;
  for (const auto& kv : root) {
    OA_ASSIGN_OR_RETURN(std::string key, reader.Key(kv.first, ""));
    const OptionDef* def = FindOption(key);
    if (def == nullptr) return reader.Error(kv.first.Mark(), "", UnknownOptionMessage(key, true));
    for (const auto& [prev, prev_mark] : seen) {
      if (prev == def) {
        return reader.Error(kv.first.Mark(), "",
                            "key " + Quoted(key) + " is given twice (first at line " +
                                std::to_string(prev_mark.line + 1) + ")");
      }
    }
    seen.emplace_back(def, kv.first.Mark());
    OA_TRY(reader.Read(*def, kv.first, kv.second, config));
  }
  return config;
}

// ---------------------------------------------------------------------------------------------
// Shell-style word splitting for --parameters.

Result<std::vector<std::string>> SplitShellWords(std::string_view s) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < s.size()) {
    char c = s[i];
    if (space(c)) {
      if (in_word) words.push_back(std::move(word)), word.clear(), in_word = false;
      ++i;
    } else if (c == '\'') {
      size_t end = s.find('\'', i + 1);
      if (end == std::string_view::npos) {
        return InvalidArgument("unterminated single quote at offset " + std::to_string(i));
      }
      word.append(s.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      size_t start = i;
      ++i;
      in_word = true;
      while (true) {
        if (i >= s.size()) {
          return InvalidArgument("unterminated double quote at offset " + std::to_string(start));
        }
        char d = s[i];
        if (d == '"') {
          ++i;
          break;
        }
        // Inside double quotes a backslash escapes only these (POSIX sh).
        if (d == '\\' && i + 1 < s.size() &&
            (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == '$' || s[i + 1] == '`')) {
          word += s[i + 1];
          i += 2;
        } else if (d == '\\' && i + 1 < s.size() && s[i + 1] == '\n') {
          i += 2;
        } else {
          word += d;
          ++i;
        }
      }
    } else if (c == '\\') {
      if (i + 1 >= s.size()) return InvalidArgument("ends with a lone backslash");
      if (s[i + 1] != '\n') word += s[i + 1], in_word = true;
      i += 2;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

// "-1", "-0.5", "-.5": a value, not a short option.
bool IsNegativeNumber(std::string_view w) {
  return w.size() >= 2 && w[0] == '-' &&
         ((w[1] >= '0' && w[1] <= '9') || (w[1] == '.' && w.size() >= 3));
}

// ---------------------------------------------------------------------------------------------
// Validation for ToCreateBody.

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Input, output and parameter names become `--<name>=` arguments and directory names.
bool IsArgumentName(std::string_view n) {
  if (n.empty() || n.size() > 64 || n[0] == '-' || n[0] == '.') return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return IsNameChar(c) || c == '.'; });
}

bool IsEnvKey(std::string_view k) {
  if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
  return std::all_of(k.begin(), k.end(), [](char c) { return IsNameChar(c) && c != '-'; });
}

size_t Utf8Length(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool HasDotDotSegment(std::string_view p) {
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    if (p.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

bool UnderHome(std::string_view p) { return p == "/home" || StartsWith(p, "/home/"); }

bool HasSpace(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

// obs://bucket/... or s3://bucket/...; code-dir may also be file:///abs/dir.
Status CheckStoragePath(std::string_view option, std::string_view path, bool allow_file) {
  for (std::string_view scheme : {"obs://", "s3://"}) {
    if (StartsWith(path, scheme)) {
      std::string_view rest = path.substr(scheme.size());
      if (rest.empty() || rest[0] == '/') {
        return InvalidArgument(std::string(option) + ": " + Quoted(path) +
                               " has no bucket; use obs://bucket/path");
      }
      if (HasSpace(path)) {
        return InvalidArgument(std::string(option) + ": " + Quoted(path) +
                               " contains spaces or control characters");
      }
      return Status::Ok();
    }
  }
  if (allow_file && StartsWith(path, "file:///")) return Status::Ok();
  return InvalidArgument(std::string(option) + " must be an object-storage path obs://bucket/path" +
                         (allow_file ? " (or s3://, or file:///abs/dir)" : " (or s3://)") +
                         ", got " + Quoted(path));
}

Status CheckAbsoluteDir(std::string_view option, const std::optional<std::string>& dir) {
  if (!dir) return Status::Ok();
  if (dir->empty() || (*dir)[0] != '/' || HasDotDotSegment(*dir)) {
    return InvalidArgument(std::string(option) +
                           " must be an absolute container path without '..' (e.g. "
                           "/home/ma-user/modelarts/user-job-dir/code), got " +
                           Quoted(*dir));
  }
  return Status::Ok();
}

Status CheckMode(const SubmitConfig& c) {
  if (c.image_url) {
    if (c.framework_type || c.framework_version) {
      return InvalidArgument(
          "--image-url cannot be combined with --framework-type/--framework-version: use "
          "--image-url with --user-command for a custom image, or --framework-type and "
          "--framework-version with --boot-file for a preset engine");
    }
    if (!c.user_command && !c.boot_file) {
      return InvalidArgument(
          "--user-command is required with --image-url (a custom-image job); set the command "
          "that starts training, e.g. --user-command \"cd "
          "/home/ma-user/modelarts/user-job-dir/code && python train.py\", or set --boot-file");
    }
    if (HasSpace(*c.image_url)) {
      return InvalidArgument(
          "--image-url must be organization/image_name:tag without spaces, got " +
          Quoted(*c.image_url));
    }
    return Status::Ok();
  }
  if (!c.framework_type) {
    return InvalidArgument(
        "--framework-type is required for a preset-engine job (e.g. PyTorch, with "
        "--framework-version and --boot-file); set it or use --image-url with --user-command");
  }
  if (!c.framework_version) {
    return InvalidArgument(
        "--framework-version is required for a preset-engine job (e.g. "
        "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64); set it or use --image-url with "
        "--user-command");
  }
  if (!c.boot_file) {
    return InvalidArgument(
        "--boot-file is required for a preset-engine job (with "
        "--framework-type/--framework-version); set it or use --image-url with --user-command");
  }
  return Status::Ok();
}

Status CheckEnv(const std::vector<EnvVar>& env) {
  if (env.size() > 100) {
    return InvalidArgument("--env-variables: at most 100 variables, got " +
                           std::to_string(env.size()));
  }
  std::set<std::string_view> seen;
  for (const auto& [k, v] : env) {
    if (!IsEnvKey(k)) {
      return InvalidArgument("--env-variables: " + Quoted(k) +
                             " is not a valid name; use letters, digits and '_', not starting "
                             "with a digit (no '$')");
    }
    if (StartsWith(k, "MA_")) {
      return InvalidArgument("--env-variables: " + Quoted(k) +
                             " starts with MA_, which is reserved for the platform; rename it");
    }
    if (k == "ENABLE_HTTPS") {
      return InvalidArgument(
          "--env-variables: ENABLE_HTTPS is protected and set by the platform; remove it");
    }
    if (!seen.insert(k).second) {
      return InvalidArgument("--env-variables: " + Quoted(k) + " is given twice; keep one");
    }
  }
  return Status::Ok();
}

// Inputs (data-url first, as `data_url`), outputs and parameters all become --<name> arguments,
// so their names must be valid and distinct.
Status CheckArguments(const SubmitConfig& c) {
  std::vector<std::pair<std::string, std::string>> names;  // name → what declared it
  names.emplace_back("data_url", "--data-url");
  auto add = [&](const std::string& name, const std::string& what) -> Status {
    if (!IsArgumentName(name)) {
      return InvalidArgument(what + ": " + Quoted(name) +
                             " is not a valid name; use 1-64 letters, digits, '_', '-' or '.', "
                             "not starting with '-' or '.'");
    }
    for (const auto& [n, w] : names) {
      if (n == name) {
        return InvalidArgument(what + ": the name " + Quoted(name) + " is already used by " + w +
                               "; each input, output and parameter is passed as --" + name +
                               ", so rename one");
      }
    }
    names.emplace_back(name, what);
    return Status::Ok();
  };
  if (c.inputs) {
    for (const IoChannel& in : *c.inputs) {
      const std::string what = "--input " + in.name;
      // The manual's own sample repeats --data-url as an input named data_url: the same
      // channel twice, which is harmless; only a different path is a conflict.
      if (in.name == "data_url" && c.data_url && in.obs_path == *c.data_url) {
        OA_TRY(CheckStoragePath(what, in.obs_path, false));
        continue;
      }
      if (in.name == "data_url") {
        return InvalidArgument("--input data_url=" + in.obs_path + " conflicts with --data-url " +
                               c.data_url.value_or("") +
                               " (--data-url is passed as the input data_url); drop one or "
                               "rename the input");
      }
      OA_TRY(add(in.name, what));
      OA_TRY(CheckStoragePath(what, in.obs_path, false));
    }
  }
  if (c.outputs) {
    for (const IoChannel& out : *c.outputs) {
      OA_TRY(add(out.name, "--output " + out.name));
      OA_TRY(CheckStoragePath("--output " + out.name, out.obs_path, false));
    }
  }
  if (c.parameters) {
    for (const Parameter& p : *c.parameters) OA_TRY(add(p.name, "--parameters --" + p.name));
  }
  return Status::Ok();
}

Status CheckVolumes(const std::vector<Volume>& volumes) {
  std::set<std::string_view> paths;
  for (const Volume& v : volumes) {
    if (v.local_path.empty() || v.local_path[0] != '/' || HasDotDotSegment(v.local_path) ||
        v.local_path == "/") {
      return InvalidArgument(
          "--volumes: local_path must be an absolute container path other "
          "than / and without '..', got " +
          Quoted(v.local_path));
    }
    size_t colon = v.nfs_server_path.find(":/");
    if (colon == std::string::npos || colon == 0 || HasSpace(v.nfs_server_path)) {
      return InvalidArgument(
          "--volumes: nfs_server_path must be host:/path (e.g. "
          "192.168.0.10:/share), got " +
          Quoted(v.nfs_server_path));
    }
    if (!paths.insert(v.local_path).second) {
      return InvalidArgument("--volumes: local_path " + Quoted(v.local_path) +
                             " is mounted twice; mount paths must be unique");
    }
  }
  return Status::Ok();
}

Status Validate(const SubmitConfig& c) {
  std::string missing;
  if (!c.data_url) missing += " --data-url";
  if (!c.log_url) missing += " --log-url";
  if (!c.code_dir) missing += " --code-dir";
  if (!missing.empty()) {
    return InvalidArgument("missing required option" +
                           std::string(missing.find(' ', 1) == std::string::npos ? "" : "s") + ":" +
                           missing + "; set them in the YAML file or on the command line");
  }
  OA_TRY(CheckMode(c));
  if (c.name) {
    if (c.name->empty() || c.name->size() > 64 ||
        !std::all_of(c.name->begin(), c.name->end(), IsNameChar)) {
      return InvalidArgument(
          "--name must be 1-64 characters of letters, digits, '_' and '-', "
          "got " +
          Quoted(*c.name));
    }
  }
  if (c.description && Utf8Length(*c.description) > 256) {
    return InvalidArgument("--description must be at most 256 characters, got " +
                           std::to_string(Utf8Length(*c.description)));
  }
  OA_TRY(CheckStoragePath("--data-url", *c.data_url, false));
  OA_TRY(CheckStoragePath("--log-url", *c.log_url, false));
  OA_TRY(CheckStoragePath("--code-dir", *c.code_dir, true));
  OA_TRY(CheckArguments(c));
  if (c.env_variables) OA_TRY(CheckEnv(*c.env_variables));
  OA_TRY(CheckAbsoluteDir("--working-dir", c.working_dir));
  OA_TRY(CheckAbsoluteDir("--local-code-dir", c.local_code_dir));
  if (c.boot_file &&
      (c.boot_file->empty() || (*c.boot_file)[0] == '/' || HasDotDotSegment(*c.boot_file))) {
    return InvalidArgument(
        "--boot-file must be a path relative to --code-dir without '..' "
        "(e.g. train.py), got " +
        Quoted(*c.boot_file));
  }
  if (c.volumes) OA_TRY(CheckVolumes(*c.volumes));
  if (c.train_instance_type && HasSpace(*c.train_instance_type)) {
    return InvalidArgument(
        "--train-instance-type must be a flavor ID such as "
        "modelarts.vm.cpu.8u, got " +
        Quoted(*c.train_instance_type));
  }
  if (c.pool_id && HasSpace(*c.pool_id)) {
    return InvalidArgument("--pool-id must be a pool ID without spaces, got " + Quoted(*c.pool_id));
  }
  if (c.workspace_id && HasSpace(*c.workspace_id)) {
    return InvalidArgument("--workspace-id must be a workspace ID without spaces, got " +
                           Quoted(*c.workspace_id));
  }
  if (c.unconditional_retry.value_or(false) && c.retry_num.value_or(0) == 0) {
    return InvalidArgument(
        "--unconditional-retry needs --retry-num between 1 and 3 (retries "
        "are off by default)");
  }
  return Status::Ok();
}

Json ObsRemote(const std::string& url) { return {{"obs", {{"obs_url", url}}}}; }

// ---------------------------------------------------------------------------------------------
// Lint helpers: a quote-aware split of a shell command into simple commands.

std::vector<std::string> SplitCommands(std::string_view cmd) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (size_t i = 0; i < cmd.size(); ++i) {
    char c = cmd[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"' && i + 1 < cmd.size()) {
        cur += c;
        cur += cmd[++i];
        continue;
      }
      if (c == quote) quote = 0;
      cur += c;
      continue;
    }
    if (c == '\\' && i + 1 < cmd.size()) {
      cur += c;
      cur += cmd[++i];
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    if (c == ';' || c == '&' || c == '|' || c == '\n') {
      out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  out.push_back(std::move(cur));
  std::vector<std::string> nonempty;
  for (std::string& s : out) {
    if (!TrimWhitespace(s).empty()) nonempty.emplace_back(TrimWhitespace(s));
  }
  return nonempty;
}

// The words of a simple command, without leading VAR=value assignments and `exec`.
std::vector<std::string> CommandWords(std::string_view segment) {
  auto words = SplitShellWords(segment);
  std::vector<std::string> out = words.ok() ? std::move(*words) : std::vector<std::string>{};
  size_t i = 0;
  while (i < out.size() &&
         (out[i] == "exec" || (out[i].find('=') != std::string::npos && out[i][0] != '=' &&
                               out[i][0] != '-' && IsEnvKey(out[i].substr(0, out[i].find('=')))))) {
    ++i;
  }
  out.erase(out.begin(), out.begin() + static_cast<ptrdiff_t>(i));
  return out;
}

bool LooksLikeInterpreter(std::string_view word) {
  if (word.empty()) return false;
  if (word[0] == '/' || StartsWith(word, "./")) return true;
  static constexpr std::string_view kKnown[] = {
      "python",     "python2", "python3",    "bash",  "sh",    "torchrun", "deepspeed",
      "accelerate", "mpirun",  "horovodrun", "msrun", "conda", "srun"};
  for (std::string_view k : kKnown) {
    if (word == k) return true;
  }
  return StartsWith(word, "python3.");
}

// ---------------------------------------------------------------------------------------------
// The --parameters and --volumes grammars.

Result<std::vector<Parameter>> ParseParameters(std::string_view text) {
  OA_ASSIGN_OR_RETURN(std::vector<std::string> words, SplitShellWords(text));
  std::vector<Parameter> out;
  bool pending = false;  // the last parameter is "--name" and may take the next word
  for (std::string& w : words) {
    if (StartsWith(w, "--")) {
      std::string_view body = std::string_view(w).substr(2);
      size_t eq = body.find('=');
      std::string name(body.substr(0, eq));
      if (name.empty()) {
        return InvalidArgument(Quoted(w) +
                               " has no name; write --name value "
                               "or --name=value");
      }
      Parameter p{std::move(name), std::nullopt};
      if (eq != std::string_view::npos) p.value = std::string(body.substr(eq + 1));
      pending = !p.value.has_value();
      out.push_back(std::move(p));
    } else if (w.size() > 1 && w[0] == '-' && !IsNegativeNumber(w)) {
      return InvalidArgument("short option " + Quoted(w) +
                             " is not supported; use --name value or --name=value");
    } else if (pending) {
      out.back().value = std::move(w);
      pending = false;
    } else {
      return InvalidArgument(Quoted(w) +
                             " is not a keyword parameter; only keyword parameters are supported "
                             "(--name value, --name=value or a bare --flag)");
    }
  }
  return out;
}

Result<Volume> ParseVolume(std::string_view text) {
  Volume v;
  std::set<std::string> seen;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = TrimWhitespace(text.substr(start, end - start));
    start = end + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument("expected key=value, got " + Quoted(item) +
                             " (keys: local_path, read_only, nfs_server_path, separated by ';')");
    }
    std::string key(TrimWhitespace(item.substr(0, eq)));
    std::replace(key.begin(), key.end(), '-', '_');
    std::string_view value = TrimWhitespace(item.substr(eq + 1));
    if (key != "local_path" && key != "read_only" && key != "nfs_server_path") {
      return InvalidArgument("unknown key " + Quoted(key) +
                             " (expected local_path, read_only, nfs_server_path)");
    }
    if (!seen.insert(key).second) {
      return InvalidArgument(key + " is given twice");
    }
    if (key == "read_only") {
      auto b = ParseBoolValue(value);
      if (!b.ok()) return InvalidArgument("read_only: " + b.status().message());
      v.read_only = *b;
    } else {
      if (value.empty()) return InvalidArgument(key + " must not be empty");
      (key == "local_path" ? v.local_path : v.nfs_server_path) = std::string(value);
    }
  }
  for (const char* key : {"local_path", "nfs_server_path"}) {
    if (!seen.count(key)) {
      return InvalidArgument(
          std::string(key) +
          " is required, e.g. "
          "\"local_path=/mnt/data;read_only=false;nfs_server_path=192.168.0.10:/\"");
    }
  }
  return v;
}

}  // namespace

// -----------------------------------------------------------------------------------------------

const std::vector<SubmitOption>& SubmitOptions() {
  static const std::vector<SubmitOption> kInfos = [] {
    std::vector<SubmitOption> out;
    for (const OptionDef& def : Options()) out.push_back(def.info);
    return out;
  }();
  return kInfos;
}

Result<SubmitConfig> ParseTrainYaml(std::string_view text, std::string_view source_name) {
  try {
    return ParseTrainYamlOrThrow(text, source_name);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(Where(source_name, e.mark) + ": not valid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgument(std::string(source_name) + ": could not read the YAML: " + e.what());
  }
}

Status ApplyOption(SubmitConfig& config, std::string_view option, std::string_view value) {
  std::string_view name = option;
  if (StartsWith(name, "--")) name.remove_prefix(2);
  const OptionDef* def = FindOption(name);
  if (def == nullptr) return InvalidArgument(UnknownOptionMessage(name, false));
  const std::string prefix = "--" + std::string(def->info.name) + ": ";
  auto fail = [&](const Status& s) { return InvalidArgument(prefix + s.message()); };
  return std::visit(
      [&](const auto& target) -> Status {
        using T = std::decay_t<decltype(target)>;
        if constexpr (std::is_same_v<T, StrTarget>) {
          auto v = ParseStringValue(value, def->allow_empty);
          if (!v.ok()) return fail(v.status());
          config.*target = std::move(*v);
        } else if constexpr (std::is_same_v<T, IntTarget>) {
          auto v = ParseIntValue(value, target.min, target.max);
          if (!v.ok()) return fail(v.status());
          config.*(target.field) = *v;
        } else if constexpr (std::is_same_v<T, BoolTarget>) {
          auto v = value.empty() ? Result<bool>(true) : ParseBoolValue(value);
          if (!v.ok()) return fail(v.status());
          config.*target = *v;
        } else if constexpr (std::is_same_v<T, PolicyTarget>) {
          auto v = ParsePolicyValue(value);
          if (!v.ok()) return fail(v.status());
          config.*target = *v;
        } else if constexpr (std::is_same_v<T, IoTarget>) {
          auto v = ParseIoValue(value);
          if (!v.ok()) return fail(v.status());
          if (!(config.*target)) (config.*target).emplace();
          (config.*target)->push_back(std::move(*v));
        } else if constexpr (std::is_same_v<T, EnvTarget>) {
          auto v = ParseEnvValue(value);
          if (!v.ok()) return fail(v.status());
          if (!(config.*target)) (config.*target).emplace();
          (config.*target)->push_back(std::move(*v));
        } else if constexpr (std::is_same_v<T, ParamsTarget>) {
          if (auto p = TextProblem(value)) return fail(InvalidArgument(*p));
          auto v = ParseParameters(value);
          if (!v.ok()) return fail(v.status());
          if (!(config.*target)) (config.*target).emplace();
          for (Parameter& p : *v) (config.*target)->push_back(std::move(p));
        } else if constexpr (std::is_same_v<T, VolumesTarget>) {
          if (auto p = TextProblem(value)) return fail(InvalidArgument(*p));
          auto v = ParseVolume(value);
          if (!v.ok()) return fail(v.status());
          if (!(config.*target)) (config.*target).emplace();
          (config.*target)->push_back(std::move(*v));
        }
        return Status::Ok();
      },
      def->target);
}

void MergeInto(SubmitConfig& base, const SubmitConfig& over) {
  for (const OptionDef& def : Options()) {
    std::visit(
        [&](const auto& target) {
          using T = std::decay_t<decltype(target)>;
          if constexpr (std::is_same_v<T, IntTarget>) {
            if (over.*(target.field)) base.*(target.field) = over.*(target.field);
          } else {
            if (over.*target) base.*target = over.*target;
          }
        },
        def.target);
  }
}

Result<std::vector<Parameter>> ParseParameterString(std::string_view text) {
  auto params = ParseParameters(text);
  if (!params.ok()) return InvalidArgument("--parameters: " + params.status().message());
  return params;
}

Result<Volume> ParseVolumeString(std::string_view text) {
  auto volume = ParseVolume(text);
  if (!volume.ok()) return InvalidArgument("--volumes: " + volume.status().message());
  return volume;
}

Result<std::pair<std::string, std::string>> ParseNameValue(std::string_view option,
                                                           std::string_view text) {
  if (auto p = TextProblem(text)) return InvalidArgument(std::string(option) + ": " + *p);
  auto nv = SplitNameValue(text);
  if (!nv) {
    return InvalidArgument(std::string(option) + ": expected NAME=VALUE, got " + Quoted(text));
  }
  return std::move(*nv);
}

std::string DefaultJobName(int64_t now_millis, uint16_t suffix) {
  std::time_t secs = static_cast<std::time_t>(now_millis / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "job-%04d%02d%02d%02d%02d%02d-%04x", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(suffix));
  return buf;
}

Result<Json> ToCreateBody(const SubmitConfig& c, const Clock& clock) {
  OA_TRY(Validate(c));

  Json metadata = Json::object();
  if (c.name) {
    metadata["name"] = *c.name;
  } else {
    std::random_device rd;
    metadata["name"] = DefaultJobName(clock.NowMillis(), static_cast<uint16_t>(rd() & 0xffff));
  }
  if (c.description) metadata["description"] = *c.description;
  metadata["workspace_id"] = c.workspace_id.value_or("0");
  Json annotations = Json::object();
  if (c.retry_num.value_or(0) > 0) {
    annotations["fault-tolerance/job-retry-num"] = std::to_string(*c.retry_num);
  }
  if (c.unconditional_retry) {
    annotations["fault-tolerance/job-unconditional-retry"] =
        *c.unconditional_retry ? "true" : "false";
  }
  if (!annotations.empty()) metadata["annotations"] = std::move(annotations);

  Json algorithm = Json::object();
  algorithm["code_dir"] = *c.code_dir;
  if (c.boot_file) algorithm["boot_file"] = *c.boot_file;
  if (c.working_dir) algorithm["working_dir"] = *c.working_dir;
  if (c.local_code_dir) algorithm["local_code_dir"] = *c.local_code_dir;
  if (c.user_command) algorithm["command"] = *c.user_command;
  Json engine = Json::object();
  if (c.framework_type) engine["engine_name"] = *c.framework_type;
  if (c.framework_version) engine["engine_version"] = *c.framework_version;
  if (c.image_url) engine["image_url"] = *c.image_url;
  if (c.uid) engine["run_user"] = std::to_string(*c.uid);
  algorithm["engine"] = std::move(engine);
  if (c.parameters && !c.parameters->empty()) {
    Json params = Json::array();
    for (const Parameter& p : *c.parameters) {
      Json jp = {{"name", p.name}};
      if (p.value) jp["value"] = *p.value;
      params.push_back(std::move(jp));
    }
    algorithm["parameters"] = std::move(params);
  }
  Json inputs = Json::array();
  inputs.push_back({{"name", "data_url"}, {"remote", ObsRemote(*c.data_url)}});
  if (c.inputs) {
    for (const IoChannel& in : *c.inputs) {
      if (in.name == "data_url") continue;  // the same channel as --data-url (Validate checked)
      inputs.push_back({{"name", in.name}, {"remote", ObsRemote(in.obs_path)}});
    }
  }
  algorithm["inputs"] = std::move(inputs);
  if (c.outputs && !c.outputs->empty()) {
    Json outputs = Json::array();
    for (const IoChannel& out : *c.outputs) {
      outputs.push_back({{"name", out.name}, {"remote", ObsRemote(out.obs_path)}});
    }
    algorithm["outputs"] = std::move(outputs);
  }
  if (c.env_variables && !c.env_variables->empty()) {
    Json env = Json::object();
    for (const auto& [k, v] : *c.env_variables) env[k] = v;
    algorithm["environments"] = std::move(env);
  }

  Json spec = Json::object();
  Json resource = Json::object();
  if (c.train_instance_type) resource["flavor_id"] = *c.train_instance_type;
  resource["node_count"] = c.train_instance_count.value_or(1);
  if (c.pool_id) resource["pool_id"] = *c.pool_id;
  spec["resource"] = std::move(resource);
  spec["log_export_path"] = {{"obs_url", *c.log_url}};
  if (c.volumes && !c.volumes->empty()) {
    Json volumes = Json::array();
    for (const Volume& v : *c.volumes) {
      volumes.push_back({{"nfs",
                          {{"nfs_server_path", v.nfs_server_path},
                           {"local_path", v.local_path},
                           {"read_only", v.read_only}}}});
    }
    spec["volumes"] = std::move(volumes);
  }
  if (c.policy && *c.policy != Policy::kAuto) {
    spec["schedule_policy"] = {{"priority", *c.policy == Policy::kTurbo ? 3 : 1},
                               {"preemptible", *c.policy == Policy::kEconomic}};
  }

  return Json{{"kind", "job"},
              {"metadata", std::move(metadata)},
              {"algorithm", std::move(algorithm)},
              {"spec", std::move(spec)}};
}

std::vector<std::string> LintWarnings(const SubmitConfig& c) {
  std::vector<std::string> out;
  if (c.user_command) {
    const std::string& cmd = *c.user_command;
    if (cmd.find('\r') != std::string::npos) {
      out.push_back(
          "user-command contains a carriage return (\\r); the shell will report "
          "\"$'\\r': command not found\". Remove it (for scripts: sed -i 's/\\r//' run.sh)");
    }
    std::vector<std::string> commands = SplitCommands(cmd);
    for (const std::string& seg : commands) {
      std::vector<std::string> words = CommandWords(seg);
      if (words.size() >= 2 && words[0] == "cd" && words[1][0] == '/' && !UnderHome(words[1])) {
        out.push_back("user-command runs from " + Quoted(words[1]) +
                      ", which is not under /home; run the job from a directory under /home "
                      "(e.g. /home/ma-user/modelarts/user-job-dir/code)");
      }
    }
    if (!commands.empty()) {
      std::vector<std::string> words = CommandWords(commands.back());
      std::string first = words.empty() ? commands.back() : words[0];
      if (!LooksLikeInterpreter(first)) {
        out.push_back("user-command: the last command " + Quoted(commands.back()) +
                      " does not look like an interpreter call (python, bash, torchrun or an "
                      "absolute path); inputs, outputs and hyperparameters are appended to it as "
                      "--name=value, so it should start the training script");
      }
    }
    if (c.code_dir && StartsWith(*c.code_dir, "file://")) {
      out.push_back("user-command is ignored when code-dir is a file:// path");
    }
  }
  if (c.working_dir && !c.working_dir->empty() && (*c.working_dir)[0] == '/' &&
      !UnderHome(*c.working_dir)) {
    out.push_back("working-dir " + Quoted(*c.working_dir) +
                  " is not under /home; jobs should run from a directory under /home");
  }
  if (c.local_code_dir && !c.local_code_dir->empty() && (*c.local_code_dir)[0] == '/' &&
      !UnderHome(*c.local_code_dir)) {
    out.push_back("local-code-dir " + Quoted(*c.local_code_dir) +
                  " is not under /home; jobs should run from a directory under /home");
  }
  return out;
}

}  // namespace openarts::formats
