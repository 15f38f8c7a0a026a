// The options of `openarts serve`: each comes from a flag, an OPENARTS_* environment variable or
// a key of the YAML file named by --config / OPENARTS_CONFIG, in that order of precedence, else
// its default. Secrets (the administrator password) come from the environment only — command
// lines are visible to every user of the machine.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/server.h"

namespace openarts::server {

// One option. `flag` is the long flag without dashes ("io-threads", "" for environment-only),
// `yaml_key` its key in the config file ("io_threads", "" when not allowed there).
struct OptionSpec {
  std::string flag;
  std::string env;
  std::string yaml_key;
  std::string default_text;
  std::string help;
};
// Every option, in help order (docs/server.md mirrors this table).
const std::vector<OptionSpec>& ServeOptions();

// Looks up an environment variable; tests inject a map.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

class ServeCommand {
 public:
  // Adds the flags (with help naming each environment variable) to `app`.
  explicit ServeCommand(CLI::App& app);
  // After `app` parsed the command line: the merged configuration. kInvalidArgument naming the
  // option, where its value came from and what is accepted.
  Result<Config> Resolve(const EnvLookup& env) const;

 private:
  std::map<std::string, std::string> values_;   // flag → value from the command line
  std::map<std::string, CLI::Option*> options_;
};

}  // namespace openarts::server
