// What every ma-cli command shares: the common options, the profile → client plumbing, the
// output format and terminal prompts. Each commands_*.cc registers one family of commands.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "client/client.h"
#include "format.h"

namespace openarts::cli {

// -C/--config-file, -P/--profile, -D/--debug, --output: accepted by every command.
struct Common {
  std::string config_file;
  std::string profile = "DEFAULT";
  bool debug = false;
  std::string output = "table";

  bool json() const { return output == "json"; }
};

// The command line being built, and the one action the parse selected.
class Cli {
 public:
  Cli();

  CLI::App& app() { return app_; }
  Common& common() { return common_; }

  // Adds a command under `parent` with the common options, `footer` (examples) and the action
  // run when it is the command selected.
  CLI::App* Command(CLI::App* parent, const std::string& name, const std::string& description,
                    const std::string& footer, std::function<Status()> action);
  // A group of commands ("obs", "user"): requires one of them.
  CLI::App* Group(CLI::App* parent, const std::string& name, const std::string& description,
                  const std::string& footer = "");

  // The profile's session, created on first use; every call shares it.
  Result<std::shared_ptr<client::Session>> Session();
  // The main-thread client on Session(), created on first use.
  Result<client::Client*> Client();

  const std::function<Status()>& action() const { return action_; }

 private:
  void AddCommon(CLI::App* app);

  CLI::App app_;
  Common common_;
  std::function<Status()> action_;
  std::shared_ptr<client::Session> session_;
  std::unique_ptr<client::Client> client_;
};

// Registration of the command families.
void AddConfigureCommand(Cli& cli);
void AddObsCommands(Cli& cli);
void AddIamCommands(Cli& cli);
void AddWorkspaceAndTaskCommands(Cli& cli);
void AddMaJobCommands(Cli& cli);  // commands_majob.cc
// "-pn"/"-ps" (the manual's two-letter short options) → "--page-num"/"--page-size".
void RewriteMultiLetterShorts(std::vector<std::string>& args);

// ---- output ----
void PrintJson(const Json& j);
// PrintJson, then OK: the last step of a command in json mode.
inline Status EmitJson(const Json& j) {
  PrintJson(j);
  return Status::Ok();
}
void PrintTable(const Table& t);
// "key: value" lines, keys aligned — one resource in table mode.
void PrintRecord(const std::vector<std::pair<std::string, std::string>>& fields);
// Plain text line on stdout (suppressed in json mode by callers that print JSON instead).
void PrintLine(const std::string& line);
Json RawList(const auto& items) {
  Json arr = Json::array();
  for (const auto& i : items) arr.push_back(i.raw);
  return arr;
}

// ---- terminal ----
bool StdinIsTty();
// Reads a line from stdin after printing `label` on stderr; `secret` turns echo off.
std::string Prompt(const std::string& label, bool secret = false);
// Asks "question [y/N]" on a terminal. Without one, kFailedPrecondition telling to add -f.
Status Confirm(const std::string& question);

}  // namespace openarts::cli
