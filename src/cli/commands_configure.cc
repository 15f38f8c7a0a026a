// ma-cli configure: writes a profile after checking its credentials against the server.
#include "command.h"
#include "config.h"

namespace openarts::cli {

namespace {

struct ConfigureArgs {
  std::string server, project, username, password, ak, sk, ca_file;
  bool no_verify = false;
  bool insecure = false;
};

Status RunConfigure(Cli& cli, const ConfigureArgs& a) {
  const Common& common = cli.common();
  // An existing profile supplies the defaults of an interactive re-run.
  Profile old;
  if (auto p = LoadProfile(common.config_file, common.profile); p.ok()) old = *p;
  const bool tty = StdinIsTty();
  Profile p;
  p.server = a.server;
  p.project = !a.project.empty() ? a.project : (!old.project.empty() ? old.project : "local");
  p.username = a.username;
  p.password = a.password;
  p.ak = a.ak;
  p.sk = a.sk;
  p.ca_file = a.ca_file;
  p.verify_tls = !a.insecure;

  if (!p.username.empty() && !p.ak.empty()) {
    return InvalidArgument("give either --username/--password or --ak/--sk, not both");
  }
  if (p.server.empty()) {
    if (!tty) return InvalidArgument("--server is required (e.g. --server http://127.0.0.1:8080)");
    std::string def = old.server.empty() ? "http://127.0.0.1:8080" : old.server;
    p.server = Prompt("Server URL [" + def + "]: ");
    if (p.server.empty()) p.server = def;
    if (a.project.empty()) {
      std::string proj = Prompt("Project [" + p.project + "]: ");
      if (!proj.empty()) p.project = proj;
    }
  }
  if (p.username.empty() && p.ak.empty()) {
    if (!tty) return InvalidArgument("credentials are required: --username NAME --password PW, or --ak AK --sk SK");
    std::string def = old.username;
    p.username = Prompt("User name" + (def.empty() ? std::string(" (empty to use an AK/SK instead)") : " [" + def + "]") + ": ");
    if (p.username.empty()) p.username = def;
    if (p.username.empty()) p.ak = Prompt("Access key (AK): ");
  }
  if (!p.username.empty() && p.password.empty()) {
    if (!tty) return InvalidArgument("--password is required with --username (or run interactively)");
    p.password = Prompt("Password for " + p.username + ": ", /*secret=*/true);
    if (p.password.empty()) return InvalidArgument("the password is empty");
  }
  if (!p.ak.empty() && p.sk.empty()) {
    if (!tty) return InvalidArgument("--sk is required with --ak (or run interactively)");
    p.sk = Prompt("Secret key (SK): ", /*secret=*/true);
    if (p.sk.empty()) return InvalidArgument("the secret key is empty");
  }
  if (p.ak.empty() && p.username.empty()) return InvalidArgument("no credentials given");

  client::Options opts = ToClientOptions(p, common.config_file, common.profile, common.debug);
  OA_ASSIGN_OR_RETURN(auto session, client::Session::Create(opts));
  std::string verified_as;
  if (!a.no_verify) {
    client::Client c(session);
    Status st = c.Verify();
    if (!st.ok()) {
      return Status(st.code(), "the credentials were not accepted by " + session->base_url() + ": " + st.message() +
                                   "; nothing was saved (add --no-verify to save anyway)");
    }
    verified_as = p.uses_aksk() ? "access key " + p.ak : "user '" + p.username + "'";
  }
  OA_TRY(SaveProfile(common.config_file, common.profile, p));
  if (common.json()) {
    PrintJson({{"profile", common.profile},
               {"config_file", common.config_file},
               {"server", session->base_url()},
               {"project", p.project},
               {"project_id", session->project_id()},
               {"auth", p.uses_aksk() ? "aksk" : "password"},
               {"verified", !a.no_verify}});
    return Status::Ok();
  }
  if (a.no_verify) {
    PrintLine("Credentials NOT verified (--no-verify).");
  } else {
    PrintLine("Verified " + verified_as + " against " + session->base_url() + " (project '" + p.project +
              "', id " + session->project_id() + ").");
  }
  PrintLine("Saved profile [" + common.profile + "] to " + common.config_file + " (mode 0600).");
  return Status::Ok();
}

}  // namespace

void AddConfigureCommand(Cli& cli) {
  auto a = std::make_shared<ConfigureArgs>();
  CLI::App* cmd = cli.Command(&cli.app(), "configure", "Create or update a profile (server and credentials)",
                              R"(Without flags on a terminal, asks for each value (the password without echo).
The credentials are checked against the server before anything is written.

Examples:
  ma-cli configure
  ma-cli configure --server http://127.0.0.1:8080 --username admin --password "$PW"
  ma-cli configure -P robot --server https://openarts.example.com --ak "$AK" --sk "$SK"
  ma-cli configure -P lab --server https://lab:8443 --ca-file lab-ca.pem --username alice)",
                              [&cli, a] { return RunConfigure(cli, *a); });
  cmd->add_option("--server", a->server, "Server URL, e.g. http://127.0.0.1:8080");
  cmd->add_option("--project", a->project, "Project name the token is scoped to (default: local)");
  cmd->add_option("--username", a->username, "User name (password authentication)");
  cmd->add_option("--password", a->password, "Password (prompted without echo when omitted on a terminal)");
  cmd->add_option("--ak", a->ak, "Access key (AK/SK request signing)");
  cmd->add_option("--sk", a->sk, "Secret key (prompted without echo when omitted on a terminal)");
  cmd->add_option("--ca-file", a->ca_file, "PEM file of the CA that signed the server's certificate");
  cmd->add_flag("--insecure", a->insecure, "Do not verify the server's TLS certificate (not recommended)");
  cmd->add_flag("--no-verify", a->no_verify, "Save without checking the credentials against the server");
}

}  // namespace openarts::cli
