// workspace and task commands.
#include <cstdio>

#include "command.h"

namespace openarts::cli {

namespace {

void ShowWorkspace(const Common& common, const client::Workspace& w) {
  if (common.json()) return PrintJson(w.raw);
  PrintRecord({{"id", w.id},
               {"name", w.name},
               {"auth_type", w.auth_type},
               {"owner", w.owner},
               {"status", w.status},
               {"description", w.description},
               {"created", FormatTime(w.create_time)},
               {"updated", FormatTime(w.update_time)}});
}

struct WorkspaceArgs {
  std::string workspace, name, description, auth_type, enterprise_project_id;
  std::vector<std::string> grants, set;
  bool force = false;
};

client::WorkspaceSpec SpecFrom(const WorkspaceArgs& a) {
  client::WorkspaceSpec s;
  if (!a.name.empty()) s.name = a.name;
  if (!a.description.empty()) s.description = a.description;
  if (!a.auth_type.empty()) s.auth_type = a.auth_type;
  if (!a.enterprise_project_id.empty()) s.enterprise_project_id = a.enterprise_project_id;
  if (!a.grants.empty()) s.grants = a.grants;
  return s;
}

void AddWorkspaceCommands(Cli& cli) {
  CLI::App* g = cli.Group(&cli.app(), "workspace", "Workspaces: list, get, create, update, delete, quotas",
                          "Examples:\n  ma-cli workspace list\n"
                          "  ma-cli workspace create team-a --auth-type INTERNAL --grant alice --grant bob\n"
                          "  ma-cli workspace quotas team-a");
  auto a = std::make_shared<WorkspaceArgs>();
  cli.Command(g, "list", "List the workspaces you can see", "Example:\n  ma-cli workspace list", [&cli]() -> Status {
    OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
    OA_ASSIGN_OR_RETURN(auto all, c->ListWorkspaces());
    if (cli.common().json()) return EmitJson(RawList(all));
    Table t({"id", "name", "auth_type", "owner", "status", "created", "description"});
    for (const auto& w : all) t.AddRow({w.id, w.name, w.auth_type, w.owner, w.status, FormatTime(w.create_time), w.description});
    PrintTable(t);
    return Status::Ok();
  });

  CLI::App* get = cli.Command(g, "get", "Show one workspace", "Examples:\n  ma-cli workspace get 0\n  ma-cli workspace get team-a",
                              [&cli, a]() -> Status {
                                OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                OA_ASSIGN_OR_RETURN(auto w, c->FindWorkspace(a->workspace));
                                ShowWorkspace(cli.common(), w);
                                return Status::Ok();
                              });
  get->add_option("WORKSPACE", a->workspace, "Workspace id or name")->required();

  auto add_spec_options = [a](CLI::App* cmd) {
    cmd->add_option("--description", a->description, "Free text (≤ 256 characters)");
    cmd->add_option("--auth-type", a->auth_type, "PUBLIC (everyone), PRIVATE (owner) or INTERNAL (owner + --grant users)")
        ->check(CLI::IsMember({"PUBLIC", "PRIVATE", "INTERNAL"}, CLI::ignore_case));
    cmd->add_option("--grant", a->grants, "User (name or id) allowed in an INTERNAL workspace; repeatable");
    cmd->add_option("--enterprise-project-id", a->enterprise_project_id, "Enterprise project (default \"0\")");
  };
  CLI::App* create = cli.Command(g, "create", "Create a workspace",
                                 "Examples:\n  ma-cli workspace create team-a --description \"team A\"\n"
                                 "  ma-cli workspace create private-lab --auth-type PRIVATE",
                                 [&cli, a]() -> Status {
                                   OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                   client::WorkspaceSpec s = SpecFrom(*a);
                                   s.name = a->workspace;
                                   if (s.auth_type) {
                                     for (auto& ch : *s.auth_type) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                                   }
                                   OA_ASSIGN_OR_RETURN(auto w, c->CreateWorkspace(s));
                                   if (cli.common().json()) return EmitJson(w.raw);
                                   PrintLine("Created workspace '" + w.name + "' (id " + w.id + ").");
                                   return Status::Ok();
                                 });
  create->add_option("NAME", a->workspace, "4-64 letters, digits, '-' or '_'")->required();
  add_spec_options(create);

  CLI::App* update = cli.Command(g, "update", "Change a workspace's name, description, access or grants",
                                 "Examples:\n  ma-cli workspace update team-a --description \"team A (2026)\"\n"
                                 "  ma-cli workspace update team-a --auth-type INTERNAL --grant carol",
                                 [&cli, a]() -> Status {
                                   OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                   OA_ASSIGN_OR_RETURN(auto w, c->FindWorkspace(a->workspace));
                                   client::WorkspaceSpec s = SpecFrom(*a);
                                   if (s.auth_type) {
                                     for (auto& ch : *s.auth_type) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                                   }
                                   OA_ASSIGN_OR_RETURN(auto updated, c->UpdateWorkspace(w.id, s));
                                   if (cli.common().json()) return EmitJson(updated.raw);
                                   PrintLine("Updated workspace '" + (updated.name.empty() ? w.name : updated.name) + "'.");
                                   return Status::Ok();
                                 });
  update->add_option("WORKSPACE", a->workspace, "Workspace id or name")->required();
  update->add_option("--name", a->name, "New name");
  add_spec_options(update);

  CLI::App* del = cli.Command(g, "delete", "Delete a workspace and everything in it",
                              "Example:\n  ma-cli workspace delete team-a -f", [&cli, a]() -> Status {
                                OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                OA_ASSIGN_OR_RETURN(auto w, c->FindWorkspace(a->workspace));
                                if (!a->force) OA_TRY(Confirm("Delete workspace '" + w.name + "' and all its resources?"));
                                OA_TRY(c->DeleteWorkspace(w.id));
                                if (cli.common().json()) return EmitJson({{"deleted", w.id}});
                                PrintLine("Deleted workspace '" + w.name + "'.");
                                return Status::Ok();
                              });
  del->add_option("WORKSPACE", a->workspace, "Workspace id or name")->required();
  del->add_flag("-f,--force", a->force, "Do not ask for confirmation");

  CLI::App* quotas = cli.Command(
      g, "quotas", "Show a workspace's quotas, or change them with --set",
      "Examples:\n  ma-cli workspace quotas 0\n  ma-cli workspace quotas team-a --set notebook=10 --set train_job=-1",
      [&cli, a]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(auto w, c->FindWorkspace(a->workspace));
        if (!a->set.empty()) {
          std::vector<std::pair<std::string, int64_t>> q;
          for (const auto& kv : a->set) {
            auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0) return InvalidArgument("--set takes RESOURCE=N, not '" + kv + "'");
            try {
              size_t used = 0;
              int64_t n = std::stoll(kv.substr(eq + 1), &used);
              if (used != kv.size() - eq - 1) throw std::invalid_argument(kv);
              q.emplace_back(kv.substr(0, eq), n);
            } catch (const std::exception&) {
              return InvalidArgument("--set " + kv + ": the quota must be an integer (-1 = unlimited)");
            }
          }
          OA_TRY(c->SetQuotas(w.id, q));
        }
        OA_ASSIGN_OR_RETURN(auto list, c->GetQuotas(w.id));
        if (cli.common().json()) return EmitJson(RawList(list));
        Table t({"resource", "quota", "used", "min", "max", "unit", "name"});
        for (const auto& x : list) {
          t.AddRow({x.resource, x.quota < 0 ? "unlimited" : std::to_string(x.quota),
                    x.used_quota ? std::to_string(*x.used_quota) : "-", std::to_string(x.min_quota),
                    std::to_string(x.max_quota), x.unit_en, x.name_en});
        }
        PrintTable(t);
        return Status::Ok();
      });
  quotas->add_option("WORKSPACE", a->workspace, "Workspace id or name")->required();
  quotas->add_option("--set", a->set, "RESOURCE=N (-1 = unlimited); repeatable");
}

struct TaskArgs {
  std::string id, workspace_id, status, type;
};

std::string Percent(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", p * 100);
  return buf;
}

void AddTaskCommands(Cli& cli) {
  CLI::App* g = cli.Group(&cli.app(), "task", "Background tasks (bucket deletion, imports, ...): list, get, cancel",
                          "Examples:\n  ma-cli task list --status Running\n  ma-cli task get 3f2a...\n"
                          "  ma-cli task cancel 3f2a...");
  auto a = std::make_shared<TaskArgs>();
  CLI::App* list = cli.Command(g, "list", "List tasks", "Examples:\n  ma-cli task list\n  ma-cli task list --type bucket_delete --status Failed",
                               [&cli, a]() -> Status {
                                 OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                 OA_ASSIGN_OR_RETURN(auto tasks, c->ListTasks({a->workspace_id, a->status, a->type}));
                                 if (cli.common().json()) return EmitJson(RawList(tasks));
                                 Table t({"id", "type", "status", "progress", "workspace", "created", "error"});
                                 for (const auto& x : tasks) {
                                   t.AddRow({x.id, x.type, x.status, Percent(x.progress), x.workspace_id,
                                             FormatTime(x.create_time), x.error});
                                 }
                                 PrintTable(t);
                                 return Status::Ok();
                               });
  list->add_option("--workspace-id", a->workspace_id, "Only this workspace's tasks");
  list->add_option("--status", a->status, "Queued, Running, Succeeded, Failed or Cancelled");
  list->add_option("--type", a->type, "Task type");

  CLI::App* get = cli.Command(g, "get", "Show one task", "Example:\n  ma-cli task get 3f2a...", [&cli, a]() -> Status {
    OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
    OA_ASSIGN_OR_RETURN(auto t, c->GetTask(a->id));
    if (cli.common().json()) return EmitJson(t.raw);
    PrintRecord({{"id", t.id},
                 {"type", t.type},
                 {"status", t.status},
                 {"progress", Percent(t.progress)},
                 {"workspace", t.workspace_id},
                 {"created", FormatTime(t.create_time)},
                 {"started", FormatTime(t.start_time)},
                 {"ended", FormatTime(t.end_time)},
                 {"result", t.result.is_null() ? "" : t.result.dump()},
                 {"error", t.error}});
    return Status::Ok();
  });
  get->add_option("ID", a->id, "Task id")->required();

  CLI::App* cancel = cli.Command(g, "cancel", "Ask a queued or running task to stop", "Example:\n  ma-cli task cancel 3f2a...",
                                 [&cli, a]() -> Status {
                                   OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                   OA_TRY(c->CancelTask(a->id));
                                   if (cli.common().json()) return EmitJson({{"cancel_requested", a->id}});
                                   PrintLine("Cancellation of task " + a->id + " requested.");
                                   return Status::Ok();
                                 });
  cancel->add_option("ID", a->id, "Task id")->required();
}

}  // namespace

void AddWorkspaceAndTaskCommands(Cli& cli) {
  AddWorkspaceCommands(cli);
  AddTaskCommands(cli);
}

}  // namespace openarts::cli
