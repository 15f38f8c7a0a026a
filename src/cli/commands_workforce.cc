// ma-cli workforce: teams and team labeling (docs/team-labeling.md; /v2/{project_id}/workforces
// and .../datasets/{dataset_id}/workforce-tasks). Team commands are the owner's; the `task`
// commands serve everyone in a task: a labeler sees and labels their share and submits it, a
// reviewer accepts or rejects, the owner watches progress. Members need no dataset permission, so
// `--task` alone finds the task among the caller's own (-i is needed only by supervisors).
#include <cctype>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <set>

#include "command.h"

namespace openarts::cli {

namespace {

int64_t Int(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return 0;
  return j[key].get<int64_t>();
}

std::string N(const Json& j, const char* key) { return std::to_string(Int(j, key)); }

bool IsId(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// labeler | reviewer | manager (or 0, 1, 2).
Result<int> ParseRole(const std::string& text, const std::string& option) {
  if (text == "labeler" || text == "0") return 0;
  if (text == "reviewer" || text == "1") return 1;
  if (text == "manager" || text == "team_manager" || text == "2") return 2;
  return InvalidArgument(option + ": a role is labeler, reviewer or manager (0, 1, 2), got '" + text + "'");
}

std::string RoleName(int64_t role) {
  switch (role) {
    case 0: return "labeler";
    case 1: return "reviewer";
    case 2: return "manager";
  }
  return std::to_string(role);
}

// EMAIL or EMAIL:ROLE → {email, role}.
Result<Json> WorkerOf(const std::string& text, const std::string& default_role) {
  size_t colon = text.rfind(':');
  std::string email = colon == std::string::npos ? text : text.substr(0, colon);
  OA_ASSIGN_OR_RETURN(int role, ParseRole(colon == std::string::npos ? default_role : text.substr(colon + 1), "--worker"));
  return Json{{"email", email}, {"role", role}};
}

// unlabeled | labeled | submitted | reviewed | accepted | rejected → the API's sample_state.
Result<std::string> TaskStateFilter(const std::string& text) {
  static const std::pair<const char*, const char*> kStates[] = {
      {"unlabeled", "__NONE__"},     {"labeled", "__ALL__"},         {"submitted", "__UNREVIEWED__"},
      {"reviewed", "__REVIEWED__"},  {"accepted", "__ACCEPTED__"},   {"rejected", "__REJECTED__"}};
  for (const auto& [name, api] : kStates) {
    if (text == name) return std::string(api);
  }
  return InvalidArgument("--state: unlabeled, labeled (not submitted), submitted, reviewed, accepted or rejected; got '" +
                         text + "'");
}

// A team by id or name.
Result<std::string> ResolveTeam(client::Client& c, const std::string& id_or_name) {
  if (id_or_name.empty()) return InvalidArgument("--workforce: required (a team id or name)");
  if (IsId(id_or_name)) return id_or_name;
  OA_ASSIGN_OR_RETURN(Json r, c.ListWorkforces(0, 100));
  for (const auto& w : r.value("workforces", Json::array())) {
    if (JsonField(w, "workforce_name") == id_or_name) return JsonField(w, "workforce_id");
  }
  return NotFound("--workforce: team '" + id_or_name + "' does not exist (see 'ma-cli workforce list')");
}

// A dataset by id or name (names need the right to list datasets; members pass ids or nothing).
Result<std::string> ResolveDatasetId(client::Client& c, const std::string& id_or_name) {
  if (IsId(id_or_name)) return id_or_name;
  client::DatasetListQuery q;
  q.search = id_or_name;
  q.limit = 100;
  OA_ASSIGN_OR_RETURN(Json r, c.ListDatasets(q));
  std::vector<std::string> ids;
  for (const auto& d : r.value("datasets", Json::array())) {
    if (JsonField(d, "dataset_name") == id_or_name) ids.push_back(JsonField(d, "dataset_id"));
  }
  if (ids.empty()) return NotFound("--dataset-id: dataset '" + id_or_name + "' does not exist");
  if (ids.size() > 1) return InvalidArgument("--dataset-id: several datasets are named '" + id_or_name + "'; give the id");
  return ids[0];
}

// The task in --task (id or name) and its dataset: in -i's tasks when given, else in the
// caller's own tasks.
struct TaskRef {
  std::string dataset_id, task_id;
};
Result<TaskRef> ResolveTask(client::Client& c, const std::string& dataset, const std::string& task) {
  if (task.empty()) return InvalidArgument("--task: required (a team labeling task id or name)");
  Json tasks;
  std::string dataset_id;
  if (!dataset.empty()) {
    OA_ASSIGN_OR_RETURN(dataset_id, ResolveDatasetId(c, dataset));
    if (IsId(task)) return TaskRef{dataset_id, task};
    OA_ASSIGN_OR_RETURN(tasks, c.ListWorkforceTasks(dataset_id));
  } else {
    OA_ASSIGN_OR_RETURN(tasks, c.ListMyWorkforceTasks());
  }
  std::vector<TaskRef> found;
  for (const auto& t : tasks.value("tasks", Json::array())) {
    if (JsonField(t, "task_id") == task || JsonField(t, "task_name") == task) {
      found.push_back({JsonField(t, "dataset_id"), JsonField(t, "task_id")});
    }
  }
  if (found.empty()) {
    return NotFound("--task: '" + task + "' is not " +
                    (dataset.empty() ? "one of your team labeling tasks (see 'ma-cli workforce task list'; "
                                       "supervisors add -i DATASET)"
                                     : "a team labeling task of dataset " + dataset));
  }
  if (found.size() > 1) return InvalidArgument("--task: several tasks are named '" + task + "'; give the id or -i");
  return found[0];
}

void ShowTask(const Json& t) {
  std::vector<std::pair<std::string, std::string>> f = {
      {"task_id", JsonField(t, "task_id")},       {"name", JsonField(t, "task_name")},
      {"dataset_id", JsonField(t, "dataset_id")}, {"team", JsonField(t, "workforce_name")},
      {"status", JsonField(t, "status")},         {"samples", N(t, "sample_count")},
      {"accepted", N(t, "accepted_sample_count")}, {"repetition", N(t, "repetition")},
      {"created_by", JsonField(t, "created_by")}, {"created", FormatTime(Int(t, "create_time"))}};
  if (t.contains("role")) f.push_back({"your_role", JsonField(t, "role")});
  if (!JsonField(t, "description").empty()) f.push_back({"description", JsonField(t, "description")});
  PrintRecord(f);
}

std::string Labels(const Json& s) {
  std::string out;
  std::set<std::string> seen;
  for (const auto& l : s.value("labels", Json::array())) {
    std::string n = JsonField(l, "name");
    if (!n.empty() && seen.insert(n).second) out += (out.empty() ? "" : ",") + n;
  }
  return out;
}

// Asks on a terminal; without one, says to add -y.
Status ConfirmYes(const std::string& question) {
  Status ok = Confirm(question);
  if (ok.code() == Code::kFailedPrecondition) return FailedPrecondition(question + " Not confirmed (no terminal to ask on); add -y");
  return ok;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Args {
  std::string workforce, name, description, role = "labeler", dataset, task, state, worker, label, marker,
      set_json, offset_unit, score, comment;
  std::vector<std::string> workers, emails, samples, labels;
  int repetition = 1, limit = 10;
  bool all_samples = false, yes = false, accept = false, reject = false;
};

void AddTeamCommands(Cli& cli, CLI::App* g) {
  auto cr = std::make_shared<Args>();
  CLI::App* create = cli.Command(
      g, "create", "Create a team (workforce) of platform users named by e-mail",
      "Roles: labeler (0), reviewer (1), manager (2; exactly one per team that labels a task).\n"
      "Examples:\n  ma-cli workforce create -n annotators --worker lead@corp.com:manager \\\n"
      "    --worker ann@corp.com --worker bob@corp.com --worker rita@corp.com:reviewer",
      [&cli, cr]() -> Status {
        Json body = {{"workforce_name", cr->name}};
        if (!cr->description.empty()) body["description"] = cr->description;
        Json workers = Json::array();
        for (const auto& w : cr->workers) {
          OA_ASSIGN_OR_RETURN(Json one, WorkerOf(w, "labeler"));
          workers.push_back(one);
        }
        if (!workers.empty()) body["workers"] = workers;
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(Json r, c->CreateWorkforce(body));
        if (cli.common().json()) return EmitJson(r);
        PrintLine("Created team '" + JsonField(r, "workforce_name") + "' (id " + JsonField(r, "workforce_id") + ") with " +
                  N(r, "worker_count") + " member(s).");
        return Status::Ok();
      });
  create->add_option("-n,--name", cr->name, "1-64 letters, digits, '-' or '_'")->required();
  create->add_option("-d,--description", cr->description, "free text");
  create->add_option("--worker", cr->workers, "EMAIL or EMAIL:ROLE (labeler by default); repeatable");

  cli.Command(g, "list", "List the project's teams", "Example:\n  ma-cli workforce list", [&cli]() -> Status {
    OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
    OA_ASSIGN_OR_RETURN(Json r, c->ListWorkforces(0, 100));
    if (cli.common().json()) return EmitJson(r);
    Table t({"id", "name", "members", "created", "description"});
    for (const auto& w : r.value("workforces", Json::array())) {
      t.AddRow({JsonField(w, "workforce_id"), JsonField(w, "workforce_name"), N(w, "worker_count"),
                FormatTime(Int(w, "create_time")), JsonField(w, "description")});
    }
    PrintTable(t);
    return Status::Ok();
  });

  auto del = std::make_shared<Args>();
  CLI::App* remove = cli.Command(
      g, "delete", "Delete a team (refused while one of its tasks is unfinished: ModelArts.4615)",
      "Example:\n  ma-cli workforce delete -w annotators -y", [&cli, del]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveTeam(*c, del->workforce));
        if (!del->yes) OA_TRY(ConfirmYes("Delete team " + del->workforce + "?"));
        OA_TRY(c->DeleteWorkforce(id));
        if (cli.common().json()) return EmitJson(Json{{"workforce_id", id}, {"deleted", true}});
        PrintLine("Deleted team " + del->workforce + ".");
        return Status::Ok();
      });
  remove->add_option("-w,--workforce", del->workforce, "team id or name")->required();
  remove->add_flag("-y,--yes", del->yes, "do not ask for confirmation");

  auto add = std::make_shared<Args>();
  CLI::App* add_worker = cli.Command(
      g, "add-worker", "Add members to a team (each e-mail must be a platform user's)",
      "Examples:\n  ma-cli workforce add-worker -w annotators --email cat@corp.com\n"
      "  ma-cli workforce add-worker -w annotators --email rob@corp.com --role reviewer",
      [&cli, add]() -> Status {
        Json workers = Json::array();
        for (const auto& e : add->emails) {
          OA_ASSIGN_OR_RETURN(Json one, WorkerOf(e, add->role));
          workers.push_back(one);
        }
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveTeam(*c, add->workforce));
        OA_ASSIGN_OR_RETURN(Json r, c->AddWorkers(id, workers));
        if (cli.common().json()) return EmitJson(r);
        for (const auto& w : r.value("workers", Json::array())) {
          PrintLine("Added " + JsonField(w, "email") + " as " + RoleName(Int(w, "role")) + " (worker " +
                    JsonField(w, "worker_id") + ").");
        }
        return Status::Ok();
      });
  add_worker->add_option("-w,--workforce", add->workforce, "team id or name")->required();
  add_worker->add_option("--email", add->emails, "member's e-mail (EMAIL or EMAIL:ROLE); repeatable")->required();
  add_worker->add_option("--role", add->role, "labeler, reviewer or manager (for e-mails without :ROLE)")
      ->capture_default_str();

  auto rm = std::make_shared<Args>();
  CLI::App* remove_worker = cli.Command(
      g, "remove-worker", "Remove a member (refused while they have samples in a task: ModelArts.4628)",
      "Example:\n  ma-cli workforce remove-worker -w annotators --email ann@corp.com", [&cli, rm]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveTeam(*c, rm->workforce));
        OA_ASSIGN_OR_RETURN(Json list, c->ListWorkers(id));
        std::string worker_id;
        for (const auto& w : list.value("workers", Json::array())) {
          if (Lower(JsonField(w, "email")) == Lower(rm->worker) || JsonField(w, "worker_id") == rm->worker) {
            worker_id = JsonField(w, "worker_id");
          }
        }
        if (worker_id.empty()) {
          return NotFound("--email: " + rm->worker + " is not in team " + rm->workforce + " (see 'ma-cli workforce workers')");
        }
        OA_TRY(c->DeleteWorker(id, worker_id));
        if (cli.common().json()) return EmitJson(Json{{"worker_id", worker_id}, {"deleted", true}});
        PrintLine("Removed " + rm->worker + " from team " + rm->workforce + ".");
        return Status::Ok();
      });
  remove_worker->add_option("-w,--workforce", rm->workforce, "team id or name")->required();
  remove_worker->add_option("--email", rm->worker, "the member's e-mail (or worker id)")->required();

  auto ls = std::make_shared<Args>();
  CLI::App* workers = cli.Command(g, "workers", "List a team's members", "Example:\n  ma-cli workforce workers -w annotators",
                                  [&cli, ls]() -> Status {
                                    OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                    OA_ASSIGN_OR_RETURN(std::string id, ResolveTeam(*c, ls->workforce));
                                    OA_ASSIGN_OR_RETURN(Json r, c->ListWorkers(id));
                                    if (cli.common().json()) return EmitJson(r);
                                    Table t({"worker id", "email", "role", "added"});
                                    for (const auto& w : r.value("workers", Json::array())) {
                                      t.AddRow({JsonField(w, "worker_id"), JsonField(w, "email"), RoleName(Int(w, "role")),
                                                FormatTime(Int(w, "create_time"))});
                                    }
                                    PrintTable(t);
                                    return Status::Ok();
                                  });
  workers->add_option("-w,--workforce", ls->workforce, "team id or name")->required();
}

void AddTaskOptions(CLI::App* cmd, Args& a) {
  cmd->add_option("--task", a.task, "team labeling task id or name")->required();
  cmd->add_option("-i,--dataset-id", a.dataset, "its dataset (id or name); members may leave it out");
}

void AddTaskCommands(Cli& cli, CLI::App* g) {
  auto cr = std::make_shared<Args>();
  CLI::App* create = cli.Command(
      g, "create", "Give a dataset's unlabeled samples (or all) to a team, randomly and evenly",
      "Types with team labeling: image_classification, object_detection, text_classification,\n"
      "  named_entity_recognition, text_triplet, speech_segmentation.\n"
      "Examples:\n  ma-cli workforce task create -i flowers -n round1 -w annotators\n"
      "  ma-cli workforce task create -i flowers -n twice -w annotators --repetition 2 --all-samples",
      [&cli, cr]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string ds, ResolveDatasetId(*c, cr->dataset));
        OA_ASSIGN_OR_RETURN(std::string team, ResolveTeam(*c, cr->workforce));
        Json body = {{"task_name", cr->name}, {"workforce_id", team}, {"repetition", cr->repetition},
                     {"all_samples", cr->all_samples}};
        if (!cr->description.empty()) body["description"] = cr->description;
        OA_ASSIGN_OR_RETURN(Json t, c->CreateWorkforceTask(ds, body));
        if (cli.common().json()) return EmitJson(t);
        PrintLine("Created task '" + JsonField(t, "task_name") + "' (id " + JsonField(t, "task_id") + "): " +
                  N(t, "sample_count") + " sample(s) for team " + JsonField(t, "workforce_name") + ".");
        return Status::Ok();
      });
  create->add_option("-i,--dataset-id", cr->dataset, "dataset id or name")->required();
  create->add_option("-n,--name", cr->name, "task name: 1-64 letters, digits, '-' or '_'")->required();
  create->add_option("-w,--workforce", cr->workforce, "the team (id or name)")->required();
  create->add_option("--repetition", cr->repetition, "labelers per sample")->capture_default_str();
  create->add_flag("--all-samples", cr->all_samples, "also samples already labeled (default: unlabeled only)");
  create->add_option("-d,--description", cr->description, "free text");

  auto ls = std::make_shared<Args>();
  CLI::App* list = cli.Command(
      g, "list", "List team labeling tasks: yours (with your role), or a dataset's with -i",
      "Examples:\n  ma-cli workforce task list\n  ma-cli workforce task list -i flowers", [&cli, ls]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        Json r;
        if (ls->dataset.empty()) {
          OA_ASSIGN_OR_RETURN(r, c->ListMyWorkforceTasks());
        } else {
          OA_ASSIGN_OR_RETURN(std::string ds, ResolveDatasetId(*c, ls->dataset));
          OA_ASSIGN_OR_RETURN(r, c->ListWorkforceTasks(ds));
        }
        if (cli.common().json()) return EmitJson(r);
        Table t({"task id", "name", "dataset id", "team", "status", "samples", "accepted", "your role"});
        for (const auto& x : r.value("tasks", Json::array())) {
          t.AddRow({JsonField(x, "task_id"), JsonField(x, "task_name"), JsonField(x, "dataset_id"),
                    JsonField(x, "workforce_name"), JsonField(x, "status"), N(x, "sample_count"),
                    N(x, "accepted_sample_count"), JsonField(x, "role")});
        }
        PrintTable(t);
        return Status::Ok();
      });
  list->add_option("-i,--dataset-id", ls->dataset, "a dataset's tasks (id or name) instead of yours");

  auto sh = std::make_shared<Args>();
  CLI::App* show = cli.Command(g, "show", "Show a task", "Example:\n  ma-cli workforce task show --task round1",
                               [&cli, sh]() -> Status {
                                 OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                 OA_ASSIGN_OR_RETURN(TaskRef ref, ResolveTask(*c, sh->dataset, sh->task));
                                 OA_ASSIGN_OR_RETURN(Json t, c->GetWorkforceTask(ref.dataset_id, ref.task_id));
                                 if (cli.common().json()) return EmitJson(t);
                                 ShowTask(t);
                                 return Status::Ok();
                               });
  AddTaskOptions(show, *sh);

  auto sa = std::make_shared<Args>();
  CLI::App* samples = cli.Command(
      g, "samples", "List the samples you may see: your share (labeler), what was submitted (reviewer), all",
      "Examples:\n  ma-cli workforce task samples --task round1\n"
      "  ma-cli workforce task samples --task round1 --state rejected      # with the reviewer's comments\n"
      "  ma-cli workforce task samples --task round1 --state submitted     # a reviewer's queue",
      [&cli, sa]() -> Status {
        client::SampleListQuery q;
        if (!sa->state.empty()) {
          OA_ASSIGN_OR_RETURN(q.sample_state, TaskStateFilter(sa->state));
        }
        q.label_name = sa->label;
        q.limit = sa->limit;
        q.marker = sa->marker;
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(TaskRef ref, ResolveTask(*c, sa->dataset, sa->task));
        OA_ASSIGN_OR_RETURN(Json r, c->ListWorkforceTaskSamples(ref.dataset_id, ref.task_id, q, sa->worker));
        if (cli.common().json()) return EmitJson(r);
        Table t({"sample id", "labeler", "state", "labels", "review", "source"});
        const Json items = r.value("samples", Json::array());
        for (const auto& s : items) {
          std::string review = JsonField(s, "review_comment");
          if (!JsonField(s, "review_score").empty()) review = JsonField(s, "review_score") + (review.empty() ? "" : " " + review);
          std::string source = JsonField(s, "source");
          if (source.size() > 60) source = source.substr(0, 57) + "...";
          const Json labelers = s.value("labelers", Json::array());
          t.AddRow({JsonField(s, "sample_id"), labelers.empty() ? "" : JsonField(labelers[0], "email"),
                    Lower(JsonField(s, "workforce_state")),
                    Labels(s), review, source});
        }
        PrintTable(t);
        std::string more = JsonField(r, "next_marker");
        std::fprintf(stderr, "%zu of %s sample(s)%s\n", items.size(), JsonField(r, "sample_count").c_str(),
                     more.empty() ? "" : ("; next page: --marker " + more).c_str());
        return Status::Ok();
      });
  AddTaskOptions(samples, *sa);
  samples->add_option("--state", sa->state, "unlabeled, labeled (not submitted), submitted, reviewed, accepted, rejected");
  samples->add_option("-l,--label", sa->label, "only samples labeled with this label in the task");
  samples->add_option("--worker", sa->worker, "one member's share (worker id), for reviewers and owners");
  samples->add_option("--limit", sa->limit, "samples per page (1-100)")->check(CLI::Range(1, 100))->capture_default_str();
  samples->add_option("--marker", sa->marker, "continue after this point (printed as 'next page')");

  auto lb = std::make_shared<Args>();
  CLI::App* label = cli.Command(
      g, "label", "Label samples of your share (replaces what you gave them before; not the dataset yet)",
      "--label NAME (repeatable) gives every --sample those classification labels; --set-json FILE takes\n"
      "  the body of PUT .../data-annotations/samples (see 'ma-cli dataset label --help').\n"
      "Examples:\n  ma-cli workforce task label --task round1 --sample 0f3a... --label rose\n"
      "  ma-cli workforce task label --task round1 --set-json boxes.json",
      [&cli, lb]() -> Status {
        if (lb->labels.empty() == lb->set_json.empty()) return InvalidArgument("give --label NAME or --set-json FILE");
        Json body;
        if (!lb->labels.empty()) {
          if (lb->samples.empty()) return InvalidArgument("--sample: at least one sample id is required");
          Json labels = Json::array();
          for (const auto& l : lb->labels) labels.push_back({{"name", l}});
          Json items = Json::array();
          for (const auto& s : lb->samples) items.push_back({{"sample_id", s}, {"labels", labels}});
          body = {{"samples", items}};
        } else {
          std::string text;
          if (lb->set_json == "-") {
            text.assign(std::istreambuf_iterator<char>(std::cin), {});
          } else {
            std::FILE* f = std::fopen(lb->set_json.c_str(), "rb");
            if (!f) return InvalidArgument("--set-json: cannot read '" + lb->set_json + "'");
            char buf[65536];
            for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
            std::fclose(f);
          }
          OA_ASSIGN_OR_RETURN(body, SampleUpdateBody(text, lb->samples, lb->offset_unit));
        }
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(TaskRef ref, ResolveTask(*c, lb->dataset, lb->task));
        OA_ASSIGN_OR_RETURN(Json r, c->LabelWorkforceTaskSamples(ref.dataset_id, ref.task_id, body));
        if (cli.common().json()) return EmitJson(r);
        PrintLine("Labeled " + N(r, "updated_sample_count") + " sample(s); submit them for review with "
                  "'ma-cli workforce task submit --task " + lb->task + "'.");
        return Status::Ok();
      });
  AddTaskOptions(label, *lb);
  label->add_option("--sample", lb->samples, "sample id; repeatable");
  label->add_option("--label", lb->labels, "label name; repeatable (classification)");
  label->add_option("--set-json", lb->set_json, "FILE with the labels ('-' = standard input)");
  label->add_option("--offset-unit", lb->offset_unit, "with --set-json: code_point (default) or utf16")
      ->check(CLI::IsMember({"code_point", "utf16"}));

  auto sb = std::make_shared<Args>();
  CLI::App* submit = cli.Command(
      g, "submit", "Submit labeled samples of your share for review (all of them without --sample)",
      "Examples:\n  ma-cli workforce task submit --task round1\n  ma-cli workforce task submit --task round1 --sample 0f3a...",
      [&cli, sb]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(TaskRef ref, ResolveTask(*c, sb->dataset, sb->task));
        OA_ASSIGN_OR_RETURN(Json r, c->SubmitWorkforceTaskSamples(ref.dataset_id, ref.task_id, sb->samples));
        if (cli.common().json()) return EmitJson(r);
        PrintLine("Submitted " + N(r, "submitted_sample_count") + " sample(s) for review.");
        return Status::Ok();
      });
  AddTaskOptions(submit, *sb);
  submit->add_option("--sample", sb->samples, "sample id; repeatable");

  auto rv = std::make_shared<Args>();
  CLI::App* review = cli.Command(
      g, "review", "Accept submitted samples (their labels go into the dataset) or reject them with a comment",
      "Examples:\n  ma-cli workforce task review --task round1 --sample 0f3a... --accept --score A\n"
      "  ma-cli workforce task review --task round1 --sample 77b1... --reject --comment 'the box misses the tail'",
      [&cli, rv]() -> Status {
        if (rv->accept == rv->reject) return InvalidArgument("give --accept or --reject");
        Json items = Json::array();
        for (const auto& s : rv->samples) {
          if (rv->worker.empty()) {
            items.push_back(s);
          } else {
            items.push_back({{"sample_id", s}, {"worker_id", rv->worker}});
          }
        }
        Json comment = {{"result", rv->accept ? "accept" : "reject"}, {"comment", rv->comment}};
        if (!rv->score.empty()) comment["score"] = rv->score;
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(TaskRef ref, ResolveTask(*c, rv->dataset, rv->task));
        OA_ASSIGN_OR_RETURN(Json r, c->ReviewWorkforceTaskSamples(ref.dataset_id, ref.task_id,
                                                                  {{"samples", items}, {"comment", comment}}));
        if (cli.common().json()) return EmitJson(r);
        PrintLine(std::string(rv->accept ? "Accepted " : "Rejected ") + N(r, "reviewed_sample_count") + " sample(s).");
        return Status::Ok();
      });
  AddTaskOptions(review, *rv);
  review->add_option("--sample", rv->samples, "sample id; repeatable")->required();
  review->add_flag("--accept", rv->accept, "accept: write the labels into the dataset");
  review->add_flag("--reject", rv->reject, "reject: back to the labeler (needs --comment)");
  review->add_option("--score", rv->score, "with --accept: A (best), B, C or D")->check(CLI::IsMember({"A", "B", "C", "D"}));
  review->add_option("--comment", rv->comment, "the reason, shown to the labeler");
  review->add_option("--worker", rv->worker, "whose labeling (worker id), when several labeled the sample");

  auto pg = std::make_shared<Args>();
  CLI::App* progress = cli.Command(
      g, "progress", "Progress per member: assigned, labeled, submitted, pending review, accepted, rejected",
      "Example:\n  ma-cli workforce task progress --task round1", [&cli, pg]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(TaskRef ref, ResolveTask(*c, pg->dataset, pg->task));
        OA_ASSIGN_OR_RETURN(Json r, c->WorkforceTaskMetrics(ref.dataset_id, ref.task_id));
        if (cli.common().json()) return EmitJson(r);
        Table t({"member", "assigned", "labeled", "submitted", "pending", "accepted", "rejected"});
        auto row = [&](const std::string& who, const Json& m) {
          t.AddRow({who, N(m, "assigned"), N(m, "labeled"), N(m, "submitted"), N(m, "pending_review"), N(m, "accepted"),
                    N(m, "rejected")});
        };
        for (const auto& m : r.value("members", Json::array())) row(JsonField(m, "email"), m);
        row("total", r.value("total", Json::object()));
        PrintTable(t);
        PrintLine(JsonField(r, "status") + ": " + N(r, "accepted_sample_count") + " of " + N(r, "sample_count") +
                  " sample(s) accepted");
        return Status::Ok();
      });
  AddTaskOptions(progress, *pg);

  auto dl = std::make_shared<Args>();
  CLI::App* remove = cli.Command(
      g, "delete", "Delete a task and its work not yet accepted (accepted labels stay in the dataset)",
      "Example:\n  ma-cli workforce task delete -i flowers --task round1 -y", [&cli, dl]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(TaskRef ref, ResolveTask(*c, dl->dataset, dl->task));
        if (!dl->yes) OA_TRY(ConfirmYes("Delete task " + dl->task + " and its unaccepted work?"));
        OA_TRY(c->DeleteWorkforceTask(ref.dataset_id, ref.task_id));
        if (cli.common().json()) return EmitJson(Json{{"task_id", ref.task_id}, {"deleted", true}});
        PrintLine("Deleted task " + dl->task + ".");
        return Status::Ok();
      });
  AddTaskOptions(remove, *dl);
  remove->add_flag("-y,--yes", dl->yes, "do not ask for confirmation");
}

}  // namespace

void AddWorkforceCommands(Cli& cli) {
  CLI::App* g = cli.Group(
      &cli.app(), "workforce", "Team labeling: teams (workforces), tasks, labeling, review, progress",
      "Examples:\n  ma-cli workforce create -n annotators --worker lead@corp.com:manager --worker ann@corp.com\n"
      "  ma-cli workforce task create -i flowers -n round1 -w annotators\n"
      "  ma-cli workforce task samples --task round1            # as a labeler: your share\n"
      "  ma-cli workforce task label --task round1 --sample 0f3a... --label rose\n"
      "  ma-cli workforce task submit --task round1\n"
      "  ma-cli workforce task review --task round1 --sample 0f3a... --accept --score A\n"
      "  ma-cli workforce task progress --task round1\n"
      "See docs/team-labeling.md.");
  AddTeamCommands(cli, g);
  CLI::App* tasks = cli.Group(g, "task", "Team labeling tasks: create, list, show, samples, label, submit, review, "
                                         "progress, delete");
  AddTaskCommands(cli, tasks);
}

}  // namespace openarts::cli
