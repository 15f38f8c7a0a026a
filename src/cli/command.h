// What every ma-cli command shares: the common options, the profile → client plumbing, the
// output format and terminal prompts. Each commands_*.cc registers one family of commands.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
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
void AddDatasetCommands(Cli& cli);  // commands_dataset.cc
void AddWorkforceCommands(Cli& cli);  // commands_workforce.cc: team labeling
// "-pn"/"-ps" (the manual's two-letter short options) → "--page-num"/"--page-size".
void RewriteMultiLetterShorts(std::vector<std::string>& args);

// ---- dataset commands' pure pieces (commands_dataset.cc; unit-tested) ----
// A dataset type by name ("object_detection", "named_entity_recognition", aliases such as "ner")
// or code ("1"); kInvalidArgument naming `option` and listing the names.
Result<int> ParseDatasetType(std::string_view text, std::string_view option);
std::string DatasetTypeName(int code);  // "object_detection"; the number itself when unknown
// unlabeled | labeled | to-be-confirmed → the API's __NONE__ | __ALL__ | __AUTO_ANNOTATION__.
Result<std::string> SampleStateFilter(std::string_view text, std::string_view option);
struct ImportOptions {
  std::string path, format;  // format "" = decided by the server from the path
  bool no_annotations = false;
  std::string sample_separator, label_separator;  // "tab" or one character
  std::string label_file_mode;                    // "same" | "separate" | ""
};
// The ModelArts import-task body; kInvalidArgument naming the option at fault.
Result<Json> ImportRequestBody(const ImportOptions& options);
// The report of an import task (its API JSON): status line, counts, at most `max_rejected`
// rejected items with their reasons, warnings.
std::vector<std::string> ImportReportLines(const Json& task, size_t max_rejected);
// The PUT samples body from --set-json text: a whole body ({"samples": [...]}) as is, or a list
// of labels applied to each of `sample_ids`; `offset_unit` ("" = leave as is) is added.
Result<Json> SampleUpdateBody(const std::string& text, const std::vector<std::string>& sample_ids,
                              const std::string& offset_unit);

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
