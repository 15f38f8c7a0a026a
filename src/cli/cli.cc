// ma-cli's entry point: the CLI11 tree, common options, and the one-line error contract.
#include "cli/cli.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "args.h"
#include "command.h"
#include "config.h"

namespace openarts::cli {

namespace {

constexpr const char* kRootFooter = R"(Examples:
  ma-cli configure --server http://127.0.0.1:8080 --username admin
  ma-cli obs mb obs://my-bucket
  ma-cli obs-copy ./data/ obs://my-bucket/data/ -r
  ma-cli obs ls obs://my-bucket/data/
  ma-cli user create alice --password '...'
  ma-cli role bind --user alice --role "ModelArts CommonOperations"

Profiles live in ~/.modelarts/ma-cli-profile.ini (or $MA_CLI_CONFIG); see docs/ma-cli.md.)";

// Messages go on one line: scripts grep the last line of stderr.
std::string OneLine(std::string s) {
  for (auto& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

Cli::Cli() : app_("ma-cli: the OpenArts command line (object storage, IAM, workspaces, tasks)", "ma-cli") {
  common_.config_file = DefaultConfigPath().string();
  app_.set_help_flag("-h,-H,--help", "Print this help and exit");
  app_.set_version_flag("--version", "ma-cli 0.1.0 (OpenArts)");
  app_.footer(std::string(kRootFooter) + "\n");
  app_.require_subcommand(1);
  AddCommon(&app_);
}

void Cli::AddCommon(CLI::App* app) {
  app->add_option("-C,--config-file", common_.config_file,
                  "Profile file (INI); default $MA_CLI_CONFIG or ~/.modelarts/ma-cli-profile.ini")
      ->type_name("PATH");
  app->add_option("-P,--profile", common_.profile, "Profile (section of the config file) to use")
      ->type_name("TEXT")
      ->capture_default_str();
  app->add_flag("-D,--debug", common_.debug, "Full error detail: HTTP status, error_code, request id");
  app->add_option("--output", common_.output, "Output format: table (readable) or json (for scripts)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

CLI::App* Cli::Command(CLI::App* parent, const std::string& name, const std::string& description,
                       const std::string& footer, std::function<Status()> action) {
  CLI::App* sub = parent->add_subcommand(name, description);
  AddCommon(sub);
  if (!footer.empty()) sub->footer(footer + "\n");
  sub->callback([this, action = std::move(action)] { action_ = action; });
  return sub;
}

CLI::App* Cli::Group(CLI::App* parent, const std::string& name, const std::string& description,
                     const std::string& footer) {
  CLI::App* sub = parent->add_subcommand(name, description);
  AddCommon(sub);
  sub->require_subcommand(1);
  if (!footer.empty()) sub->footer(footer + "\n");
  return sub;
}

Result<std::shared_ptr<client::Session>> Cli::Session() {
  if (session_) return session_;
  OA_ASSIGN_OR_RETURN(Profile p, LoadProfile(common_.config_file, common_.profile));
  OA_ASSIGN_OR_RETURN(session_, client::Session::Create(ToClientOptions(p, common_.config_file, common_.profile,
                                                                        common_.debug)));
  return session_;
}

Result<client::Client*> Cli::Client() {
  if (client_) return client_.get();
  OA_ASSIGN_OR_RETURN(auto s, Session());
  client_ = std::make_unique<client::Client>(s);
  return client_.get();
}

void PrintJson(const Json& j) {
  std::string s = j.dump(2, ' ', false, Json::error_handler_t::replace);
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

void PrintTable(const Table& t) {
  std::string s = t.Render();
  std::fwrite(s.data(), 1, s.size(), stdout);
}

void PrintRecord(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t w = 0;
  for (const auto& [k, v] : fields) w = std::max(w, k.size());
  for (const auto& [k, v] : fields) {
    std::string line = k + ":" + std::string(w - k.size() + 1, ' ') + v + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
}

void PrintLine(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

bool StdinIsTty() { return ::isatty(STDIN_FILENO) == 1; }

std::string Prompt(const std::string& label, bool secret) {
  // Echo goes off before the prompt appears, so whatever the user types after seeing it stays
  // hidden; TCSANOW, not TCSAFLUSH, so type-ahead is never thrown away (a flush between the
  // prompt and the switch would swallow a fast typist's password and hang the read).
  struct termios old {};
  bool restore = false;
  if (secret && ::tcgetattr(STDIN_FILENO, &old) == 0) {
    struct termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
  }
  std::fputs(label.c_str(), stderr);
  std::fflush(stderr);
  std::string line;
  std::getline(std::cin, line);
  if (restore) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fputc('\n', stderr);  // the user's Enter was not echoed
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Status Confirm(const std::string& question) {
  if (!StdinIsTty()) {
    return FailedPrecondition(question.substr(0, question.find('?')) +
                              ": not confirmed (no terminal to ask on); add -f to go ahead");
  }
  std::string answer = Prompt(question + " [y/N] ");
  if (answer == "y" || answer == "Y" || answer == "yes") return Status::Ok();
  return Cancelled("cancelled; nothing was changed");
}

int Main(int argc, char** argv) {
  if (Status st = CheckDashes(argc, argv); !st.ok()) {
    std::fprintf(stderr, "Error: %s\n", OneLine(st.message()).c_str());
    return 2;
  }
  Cli cli;
  AddConfigureCommand(cli);
  AddObsCommands(cli);
  AddIamCommands(cli);
  AddWorkspaceAndTaskCommands(cli);
  AddMaJobCommands(cli);
  AddDatasetCommands(cli);
  AddWorkforceCommands(cli);
  std::vector<std::string> args(argv, argv + argc);
  RewriteMultiLetterShorts(args);
  std::vector<char*> rewritten;
  for (auto& a : args) rewritten.push_back(a.data());
  argv = rewritten.data();
  try {
    cli.app().parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.app().exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.app().exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.app().exit(e);
  } catch (const CLI::ParseError& e) {
    // Name the command the user was typing, so the hint points at the right --help.
    std::string path = "ma-cli";
    CLI::App* deepest = &cli.app();
    for (;;) {
      auto subs = deepest->get_subcommands();
      if (subs.empty()) break;
      deepest = subs.front();
      path += " " + deepest->get_name();
    }
    std::string what = OneLine(e.what());
    // CLI11 reports "ma-cli obs frobnicate" as a missing subcommand; name the word instead.
    if (!deepest->get_subcommands({}).empty()) {
      bool after = deepest == &cli.app();
      for (int i = 1; i < argc; ++i) {
        std::string_view arg(argv[i]);
        if (!after) {
          after = arg == deepest->get_name();
          continue;
        }
        if (arg.starts_with("-")) continue;
        bool known = false;
        for (CLI::App* sub : deepest->get_subcommands({})) known = known || sub->check_name(std::string(arg));
        if (!known) what = "'" + std::string(arg) + "' is not a command of '" + path + "'";
        break;
      }
    }
    std::fprintf(stderr, "Error: %s (see '%s --help')\n", what.c_str(), path.c_str());
    return 2;
  }
  if (!cli.action()) {
    std::fprintf(stderr, "Error: no command given (see 'ma-cli --help')\n");
    return 2;
  }
  Status st = cli.action()();
  std::fflush(stdout);
  if (st.ok()) return 0;
  std::string msg = OneLine(st.message());
  if (cli.common().debug) msg = std::string(CodeName(st.code())) + ": " + msg;
  std::fprintf(stderr, "Error: %s\n", msg.c_str());
  return 1;
}

}  // namespace openarts::cli
