// user, group, role and credential administration. Users think in names: every NAME argument
// is resolved to an id here (an id is accepted too).
#include <cstdio>

#include "command.h"

namespace openarts::cli {

namespace {

std::string YesNo(bool b) { return b ? "yes" : "no"; }

void ShowUser(const Common& common, const client::User& u) {
  if (common.json()) return PrintJson(u.raw);
  PrintRecord({{"id", u.id},
               {"name", u.name},
               {"email", u.email},
               {"enabled", YesNo(u.enabled)},
               {"description", u.description},
               {"created", FormatTime(u.create_time)}});
}

void ShowUsers(const Common& common, const std::vector<client::User>& users) {
  if (common.json()) return PrintJson(RawList(users));
  Table t({"name", "id", "email", "enabled", "created", "description"});
  for (const auto& u : users) t.AddRow({u.name, u.id, u.email, YesNo(u.enabled), FormatTime(u.create_time), u.description});
  PrintTable(t);
}

void Done(const Common& common, const std::string& text, Json j) {
  if (common.json()) {
    PrintJson(j);
  } else {
    PrintLine(text);
  }
}

// ---- user ----

struct UserArgs {
  std::string name, password, email, description;
  bool disabled = false, enable = false, disable = false, force = false;
};

std::string PasswordFromArgsOrPrompt(const std::string& given, const std::string& user, bool* missing) {
  *missing = false;
  if (!given.empty()) return given;
  if (!StdinIsTty()) {
    *missing = true;
    return {};
  }
  return Prompt("Password for " + user + ": ", /*secret=*/true);
}

void AddUserCommands(Cli& cli) {
  CLI::App* g = cli.Group(&cli.app(), "user", "Users: list, get, create, update, delete",
                          "Examples:\n  ma-cli user list\n  ma-cli user create alice --email alice@example.com\n"
                          "  ma-cli user update alice --disable\n  ma-cli user delete alice -f");
  cli.Command(g, "list", "List users", "Example:\n  ma-cli user list --output json", [&cli]() -> Status {
    OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
    OA_ASSIGN_OR_RETURN(auto users, c->ListUsers());
    ShowUsers(cli.common(), users);
    return Status::Ok();
  });

  auto a = std::make_shared<UserArgs>();
  CLI::App* get = cli.Command(g, "get", "Show one user", "Example:\n  ma-cli user get alice", [&cli, a]() -> Status {
    OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
    OA_ASSIGN_OR_RETURN(auto u, c->FindUser(a->name));
    ShowUser(cli.common(), u);
    return Status::Ok();
  });
  get->add_option("NAME", a->name, "User name or id")->required();

  CLI::App* create = cli.Command(
      g, "create", "Create a user (no permissions until a role is bound)",
      "Examples:\n  ma-cli user create alice            # prompts for the password\n"
      "  ma-cli user create bob --password \"$PW\" --email bob@example.com\n"
      "  ma-cli role bind --user bob --role \"ModelArts CommonOperations\"",
      [&cli, a]() -> Status {
        bool missing = false;
        client::UserSpec s;
        s.name = a->name;
        s.password = PasswordFromArgsOrPrompt(a->password, a->name, &missing);
        if (missing || s.password->empty()) return InvalidArgument("--password is required (or run on a terminal to be asked)");
        if (!a->email.empty()) s.email = a->email;
        if (!a->description.empty()) s.description = a->description;
        if (a->disabled) s.enabled = false;
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(auto u, c->CreateUser(s));
        Done(cli.common(), "Created user '" + u.name + "' (id " + u.id + ").", u.raw);
        return Status::Ok();
      });
  create->add_option("NAME", a->name, "User name")->required();
  create->add_option("--password", a->password, "Password (prompted without echo when omitted on a terminal)");
  create->add_option("--email", a->email, "E-mail address");
  create->add_option("--description", a->description, "Free text");
  create->add_flag("--disabled", a->disabled, "Create the user disabled");

  CLI::App* update = cli.Command(
      g, "update", "Change a user's password, e-mail, description or enabled state",
      "Examples:\n  ma-cli user update alice --password \"$NEW\"\n  ma-cli user update alice --disable",
      [&cli, a]() -> Status {
        client::UserSpec s;
        if (!a->password.empty()) s.password = a->password;
        if (!a->email.empty()) s.email = a->email;
        if (!a->description.empty()) s.description = a->description;
        if (a->enable && a->disable) return InvalidArgument("--enable and --disable contradict each other");
        if (a->enable) s.enabled = true;
        if (a->disable) s.enabled = false;
        if (!s.password && !s.email && !s.description && !s.enabled) {
          return InvalidArgument("nothing to change; give --password, --email, --description, --enable or --disable");
        }
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(auto u, c->FindUser(a->name));
        OA_ASSIGN_OR_RETURN(auto updated, c->UpdateUser(u.id, s));
        Done(cli.common(), "Updated user '" + u.name + "'.", updated.raw);
        return Status::Ok();
      });
  update->add_option("NAME", a->name, "User name or id")->required();
  update->add_option("--password", a->password, "New password (revokes the user's tokens)");
  update->add_option("--email", a->email, "E-mail address");
  update->add_option("--description", a->description, "Free text");
  update->add_flag("--enable", a->enable, "Allow the user to log in");
  update->add_flag("--disable", a->disable, "Stop the user from logging in");

  CLI::App* del = cli.Command(g, "delete", "Delete a user", "Example:\n  ma-cli user delete alice -f",
                              [&cli, a]() -> Status {
                                OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                OA_ASSIGN_OR_RETURN(auto u, c->FindUser(a->name));
                                if (!a->force) OA_TRY(Confirm("Delete user '" + u.name + "'?"));
                                OA_TRY(c->DeleteUser(u.id));
                                Done(cli.common(), "Deleted user '" + u.name + "'.", {{"deleted", u.id}});
                                return Status::Ok();
                              });
  del->add_option("NAME", a->name, "User name or id")->required();
  del->add_flag("-f,--force", a->force, "Do not ask for confirmation");
}

// ---- group ----

struct GroupArgs {
  std::string group, user, description;
  bool force = false;
};

void AddGroupCommands(Cli& cli) {
  CLI::App* g = cli.Group(&cli.app(), "group", "User groups: list, create, delete, add-user, remove-user, members",
                          "Examples:\n  ma-cli group create developers\n  ma-cli group add-user developers alice\n"
                          "  ma-cli role bind --group developers --role \"ModelArts CommonOperations\"");
  auto a = std::make_shared<GroupArgs>();
  cli.Command(g, "list", "List groups", "Example:\n  ma-cli group list", [&cli]() -> Status {
    OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
    OA_ASSIGN_OR_RETURN(auto groups, c->ListGroups());
    if (cli.common().json()) return EmitJson(RawList(groups));
    Table t({"name", "id", "created", "description"});
    for (const auto& gr : groups) t.AddRow({gr.name, gr.id, FormatTime(gr.create_time), gr.description});
    PrintTable(t);
    return Status::Ok();
  });
  CLI::App* create = cli.Command(g, "create", "Create a group", "Example:\n  ma-cli group create developers --description \"model developers\"",
                                 [&cli, a]() -> Status {
                                   OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                   OA_ASSIGN_OR_RETURN(auto gr, c->CreateGroup(a->group, a->description));
                                   Done(cli.common(), "Created group '" + gr.name + "' (id " + gr.id + ").", gr.raw);
                                   return Status::Ok();
                                 });
  create->add_option("NAME", a->group, "Group name")->required();
  create->add_option("--description", a->description, "Free text");

  CLI::App* del = cli.Command(g, "delete", "Delete a group (its users stay)", "Example:\n  ma-cli group delete developers -f",
                              [&cli, a]() -> Status {
                                OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                OA_ASSIGN_OR_RETURN(auto gr, c->FindGroup(a->group));
                                if (!a->force) OA_TRY(Confirm("Delete group '" + gr.name + "'?"));
                                OA_TRY(c->DeleteGroup(gr.id));
                                Done(cli.common(), "Deleted group '" + gr.name + "'.", {{"deleted", gr.id}});
                                return Status::Ok();
                              });
  del->add_option("NAME", a->group, "Group name or id")->required();
  del->add_flag("-f,--force", a->force, "Do not ask for confirmation");

  auto member_cmd = [&cli, a, g](const std::string& name, bool add) {
    CLI::App* cmd = cli.Command(
        g, name, add ? "Add a user to a group" : "Remove a user from a group",
        "Example:\n  ma-cli group " + name + " developers alice", [&cli, a, add]() -> Status {
          OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
          OA_ASSIGN_OR_RETURN(auto gr, c->FindGroup(a->group));
          OA_ASSIGN_OR_RETURN(auto u, c->FindUser(a->user));
          OA_TRY(add ? c->AddGroupMember(gr.id, u.id) : c->RemoveGroupMember(gr.id, u.id));
          Done(cli.common(),
               (add ? "Added user '" + u.name + "' to" : "Removed user '" + u.name + "' from") + " group '" + gr.name + "'.",
               {{"group_id", gr.id}, {"user_id", u.id}, {"member", add}});
          return Status::Ok();
        });
    cmd->add_option("GROUP", a->group, "Group name or id")->required();
    cmd->add_option("USER", a->user, "User name or id")->required();
  };
  member_cmd("add-user", true);
  member_cmd("remove-user", false);

  CLI::App* members = cli.Command(g, "members", "List the users in a group", "Example:\n  ma-cli group members developers",
                                  [&cli, a]() -> Status {
                                    OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                    OA_ASSIGN_OR_RETURN(auto gr, c->FindGroup(a->group));
                                    OA_ASSIGN_OR_RETURN(auto users, c->ListGroupMembers(gr.id));
                                    ShowUsers(cli.common(), users);
                                    return Status::Ok();
                                  });
  members->add_option("GROUP", a->group, "Group name or id")->required();
}

// ---- role ----

struct RoleArgs {
  std::string user, group, role;
};

void AddRoleCommands(Cli& cli) {
  CLI::App* g = cli.Group(&cli.app(), "role", "Roles and their bindings to users and groups: list, bindings, bind, unbind",
                          "Examples:\n  ma-cli role list\n"
                          "  ma-cli role bind --user alice --role \"ModelArts CommonOperations\"\n"
                          "  ma-cli role unbind --group interns --role \"ModelArts FullAccess\"");
  cli.Command(g, "list", "List roles", "Example:\n  ma-cli role list", [&cli]() -> Status {
    OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
    OA_ASSIGN_OR_RETURN(auto roles, c->ListRoles());
    if (cli.common().json()) return EmitJson(RawList(roles));
    Table t({"name", "builtin", "id", "description"});
    for (const auto& r : roles) t.AddRow({r.name, YesNo(r.builtin), r.id, r.description});
    PrintTable(t);
    return Status::Ok();
  });
  cli.Command(g, "bindings", "List which users and groups hold which roles", "Example:\n  ma-cli role bindings",
              [&cli]() -> Status {
                OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                OA_ASSIGN_OR_RETURN(auto bindings, c->ListRoleBindings());
                if (cli.common().json()) return EmitJson(RawList(bindings));
                Table t({"role", "type", "principal", "principal id"});
                for (const auto& b : bindings) t.AddRow({b.role_name, b.principal_type, b.principal_name, b.principal_id});
                PrintTable(t);
                return Status::Ok();
              });
  auto a = std::make_shared<RoleArgs>();
  auto bind_cmd = [&cli, a, g](const std::string& name, bool bind) {
    CLI::App* cmd = cli.Command(
        g, name, bind ? "Grant a role to a user or a group" : "Take a role away from a user or a group",
        "Examples:\n  ma-cli role " + name + " --user alice --role \"ModelArts CommonOperations\"\n  ma-cli role " +
            name + " --group developers --role \"ModelArts ReadOnlyAccess\"",
        [&cli, a, bind]() -> Status {
          if (a->user.empty() == a->group.empty()) return InvalidArgument("give exactly one of --user NAME and --group NAME");
          OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
          OA_ASSIGN_OR_RETURN(auto role, c->FindRole(a->role));
          client::PrincipalType type = a->user.empty() ? client::PrincipalType::kGroup : client::PrincipalType::kUser;
          std::string id, label;
          if (type == client::PrincipalType::kUser) {
            OA_ASSIGN_OR_RETURN(auto u, c->FindUser(a->user));
            id = u.id;
            label = "user '" + u.name + "'";
          } else {
            OA_ASSIGN_OR_RETURN(auto gr, c->FindGroup(a->group));
            id = gr.id;
            label = "group '" + gr.name + "'";
          }
          OA_TRY(bind ? c->BindRole(type, id, role.id) : c->UnbindRole(type, id, role.id));
          Done(cli.common(),
               bind ? "Bound role '" + role.name + "' to " + label + "." : "Unbound role '" + role.name + "' from " + label + ".",
               {{"role_id", role.id}, {"principal_id", id},
                {"principal_type", type == client::PrincipalType::kUser ? "user" : "group"}, {"bound", bind}});
          return Status::Ok();
        });
    cmd->add_option("--user", a->user, "User name or id");
    cmd->add_option("--group", a->group, "Group name or id");
    cmd->add_option("--role", a->role, "Role name (see 'ma-cli role list') or id")->required();
  };
  bind_cmd("bind", true);
  bind_cmd("unbind", false);
}

// ---- credential ----

struct CredentialArgs {
  std::string user, description, access_key;
  bool force = false;
};

void AddCredentialCommands(Cli& cli) {
  CLI::App* g = cli.Group(&cli.app(), "credential", "Access keys (AK/SK) for programs: create, list, delete",
                          "Examples:\n  ma-cli credential create --description ci\n"
                          "  ma-cli configure -P ci --server URL --ak AK --sk SK");
  auto a = std::make_shared<CredentialArgs>();
  CLI::App* create = cli.Command(
      g, "create", "Create an access key; its secret is shown once",
      "Examples:\n  ma-cli credential create\n  ma-cli credential create --user alice --description \"alice's CI\"",
      [&cli, a]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        std::string user_id;
        if (!a->user.empty()) {
          OA_ASSIGN_OR_RETURN(auto u, c->FindUser(a->user));
          user_id = u.id;
        }
        OA_ASSIGN_OR_RETURN(auto cred, c->CreateCredential(user_id, a->description));
        if (cli.common().json()) {
          PrintJson(cred.raw);
        } else {
          PrintRecord({{"access key (AK)", cred.access},
                       {"secret key (SK)", cred.secret},
                       {"user id", cred.user_id},
                       {"description", cred.description}});
        }
        std::fputs("Warning: the secret key is shown only this once; store it now (it cannot be retrieved later).\n",
                   stderr);
        return Status::Ok();
      });
  create->add_option("--user", a->user, "Owner (name or id); default: yourself");
  create->add_option("--description", a->description, "What the key is for");

  CLI::App* list = cli.Command(g, "list", "List access keys (never the secrets)",
                               "Examples:\n  ma-cli credential list\n  ma-cli credential list --user alice",
                               [&cli, a]() -> Status {
                                 OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                 std::string user_id;
                                 if (!a->user.empty()) {
                                   OA_ASSIGN_OR_RETURN(auto u, c->FindUser(a->user));
                                   user_id = u.id;
                                 }
                                 OA_ASSIGN_OR_RETURN(auto creds, c->ListCredentials(user_id));
                                 if (cli.common().json()) return EmitJson(RawList(creds));
                                 Table t({"access key", "user id", "status", "created", "last used", "description"});
                                 for (const auto& cr : creds) {
                                   t.AddRow({cr.access, cr.user_id, cr.status, FormatTime(cr.create_time),
                                             FormatTime(cr.last_use_time), cr.description});
                                 }
                                 PrintTable(t);
                                 return Status::Ok();
                               });
  list->add_option("--user", a->user, "Only this user's keys (name or id)");

  CLI::App* del = cli.Command(g, "delete", "Delete an access key", "Example:\n  ma-cli credential delete QTWAOYTTINDUT2QVKYUC -f",
                              [&cli, a]() -> Status {
                                if (!a->force) OA_TRY(Confirm("Delete access key " + a->access_key + "?"));
                                OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                OA_TRY(c->DeleteCredential(a->access_key));
                                Done(cli.common(), "Deleted access key " + a->access_key + ".", {{"deleted", a->access_key}});
                                return Status::Ok();
                              });
  del->add_option("AK", a->access_key, "Access key")->required();
  del->add_flag("-f,--force", a->force, "Do not ask for confirmation");
}

}  // namespace

void AddIamCommands(Cli& cli) {
  AddUserCommands(cli);
  AddGroupCommands(cli);
  AddRoleCommands(cli);
  AddCredentialCommands(cli);
}

}  // namespace openarts::cli
