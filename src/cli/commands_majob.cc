// ma-cli ma-job: submit, get-job, get-log, get-event, stop, delete, get-flavor, get-engine,
// get-pool — the manual's training-job commands (spec/training.md §2).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "command.h"
#include "formats/train_yaml.h"

namespace openarts::cli {
namespace {

bool IsTerminal(const std::string& phase) {
  return phase == "Completed" || phase == "Failed" || phase == "Terminated" || phase == "Abnormal";
}

std::string Duration(int64_t ms) {
  if (ms <= 0) return "-";
  const int64_t s = ms / 1000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

void ShowJob(const Common& common, const Json& job, bool verbose) {
  if (common.json()) return PrintJson(job);
  const Json& md = job["metadata"];
  const Json& st = job["status"];
  std::vector<std::pair<std::string, std::string>> f = {
      {"id", JsonField(md, "id")},
      {"name", JsonField(md, "name")},
      {"phase", JsonField(st, "phase")},
      {"secondary_phase", JsonField(st, "secondary_phase")},
      {"reason", JsonField(st, "reason")},
      {"created", FormatTime(md.value("create_time", int64_t{0}))},
      {"duration", Duration(st.value("duration", int64_t{0}))},
      {"user", JsonField(md, "user_name")},
      {"workspace", JsonField(md, "workspace_id")},
      {"flavor", JsonField(job["spec"]["resource"], "flavor_id")},
      {"instances", JsonField(job["spec"]["resource"], "node_count")},
      {"output_version", JsonField(st, "output_version")},
  };
  if (job["status"].contains("running_records")) {
    f.push_back({"runs", std::to_string(job["status"]["running_records"].size())});
  }
  for (const auto& t : job["status"].value("task_statuses", Json::array())) {
    std::string v = JsonField(t, "state");
    if (t.contains("exit_code")) v += " (exit code " + JsonField(t, "exit_code") + ")";
    f.push_back({JsonField(t, "task"), v});
  }
  PrintRecord(f);
  if (verbose) {
    PrintLine("algorithm:");
    PrintLine(job["algorithm"].dump(2));
    PrintLine("spec:");
    PrintLine(job["spec"].dump(2));
  }
}

// Prints the log of `task` from `offset` until the job ends (follow) or once.
Status StreamLog(client::Client& c, const std::string& id, const std::string& task, bool follow,
                 uint64_t* offset) {
  for (;;) {
    OA_ASSIGN_OR_RETURN(auto page, c.TrainingJobLog(id, task, *offset));
    if (!page.text.empty()) {
      std::fwrite(page.text.data(), 1, page.text.size(), stdout);
      std::fflush(stdout);
    }
    const bool progressed = page.next_offset > *offset;
    *offset = page.next_offset;
    if (!follow || page.finished) return Status::Ok();
    if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

struct SubmitArgs {
  std::vector<std::string> yaml_files;
  std::map<std::string, std::vector<std::string>> values;  // option name → values in order
  std::map<std::string, bool> flags;
  bool quiet = false;
};

Status Submit(Cli& cli, const SubmitArgs& a) {
  formats::SubmitConfig config;
  for (const auto& file : a.yaml_files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return InvalidArgument("YAML_FILE: cannot read '" + file + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    OA_ASSIGN_OR_RETURN(auto parsed, formats::ParseTrainYaml(ss.str(), file));
    formats::MergeInto(config, parsed);
  }
  formats::SubmitConfig options;
  for (const auto& [name, values] : a.values) {
    for (const auto& v : values) {
      // The manual's --output NAME=obs://... shares its name with ma-cli's output format: a
      // value without '=' ("json", "table") is the format.
      if (name == "output" && (v == "json" || v == "table")) {
        cli.common().output = v;
        continue;
      }
      OA_TRY(formats::ApplyOption(options, name, v));
    }
  }
  for (const auto& [name, set] : a.flags) {
    if (set) OA_TRY(formats::ApplyOption(options, name, ""));
  }
  formats::MergeInto(config, options);
  OA_ASSIGN_OR_RETURN(Json body, formats::ToCreateBody(config));
  for (const auto& w : formats::LintWarnings(config)) std::fprintf(stderr, "Warning: %s\n", w.c_str());
  OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
  OA_ASSIGN_OR_RETURN(Json job, c->CreateTrainingJob(body));
  const std::string id = JsonField(job["metadata"], "id");
  if (a.quiet) {
    if (cli.common().json()) return EmitJson(job);
    PrintLine(id);
    return Status::Ok();
  }
  std::fprintf(stderr, "Submitted training job %s (%s); following it (Ctrl-C stops following, not the job)\n",
               id.c_str(), JsonField(job["metadata"], "name").c_str());
  std::string phase;
  uint64_t offset = 0;
  for (;;) {
    OA_ASSIGN_OR_RETURN(job, c->GetTrainingJob(id));
    const std::string now = JsonField(job["status"], "phase");
    if (now != phase) {
      phase = now;
      std::string reason = JsonField(job["status"], "reason");
      std::fprintf(stderr, "[%s] %s%s\n", FormatTime(SystemClock().NowMillis()).c_str(), phase.c_str(),
                   reason.empty() ? "" : (" (" + reason + ")").c_str());
    }
    if (phase == "Running" || IsTerminal(phase)) {
      OA_TRY(StreamLog(*c, id, "worker-0", /*follow=*/false, &offset));
    }
    if (IsTerminal(phase)) {
      OA_TRY(StreamLog(*c, id, "worker-0", /*follow=*/false, &offset));
      if (cli.common().json()) PrintJson(job);
      if (phase != "Completed") {
        return FailedPrecondition("training job " + id + " ended " + phase +
                                  (JsonField(job["status"], "reason").empty()
                                       ? std::string()
                                       : ": " + JsonField(job["status"], "reason")) +
                                  " (ma-cli ma-job get-event -i " + id + ")");
      }
      return Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Asks before `verb` (stop, delete) touches a job; without a terminal, says to add -y.
Status ConfirmJob(const std::string& verb, const std::string& id) {
  std::string question = verb + " training job " + id + "?";
  question[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(question[0])));
  Status ok = Confirm(question);
  if (ok.code() == Code::kFailedPrecondition) {
    return FailedPrecondition(verb + " " + id + ": not confirmed (no terminal to ask on); add -y");
  }
  return ok;
}

// One page of jobs, newest first (POST /training-job-searches).
Status ListJobs(Cli& cli, const std::string& name, const std::string& phase, int page_num, int page_size) {
  OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
  Json req = {{"offset", (page_num - 1) * page_size}, {"limit", page_size},
              {"sort_by", "create_time"}, {"order", "desc"}};
  Json filters = Json::array();
  if (!name.empty()) filters.push_back({{"key", "name"}, {"operator", "like"}, {"value", {name}}});
  if (!phase.empty()) filters.push_back({{"key", "phase"}, {"operator", "in"}, {"value", {phase}}});
  if (!filters.empty()) req["filters"] = filters;
  OA_ASSIGN_OR_RETURN(Json r, c->SearchTrainingJobs(req));
  if (cli.common().json()) return EmitJson(r);
  Table t({"id", "name", "phase", "created", "duration", "flavor", "instances", "user"});
  for (const auto& job : r["items"]) {
    t.AddRow({JsonField(job["metadata"], "id"), JsonField(job["metadata"], "name"), JsonField(job["status"], "phase"),
              FormatTime(job["metadata"].value("create_time", int64_t{0})),
              Duration(job["status"].value("duration", int64_t{0})),
              JsonField(job["spec"]["resource"], "flavor_id"), JsonField(job["spec"]["resource"], "node_count"),
              JsonField(job["metadata"], "user_name")});
  }
  PrintTable(t);
  std::fprintf(stderr, "page %d: %zu of %s job(s)\n", page_num, r["items"].size(), JsonField(r, "total").c_str());
  return Status::Ok();
}

}  // namespace

void AddMaJobCommands(Cli& cli) {
  CLI::App* g = cli.Group(&cli.app(), "ma-job", "Training jobs: submit, get-job, get-log, get-event, stop, ...",
                          "Examples:\n  ma-cli ma-job submit .ma/train.yaml --parameters \"--epochs 3\"\n"
                          "  ma-cli ma-job get-job --page-size 5 --page-num 1\n"
                          "  ma-cli ma-job get-log --job-id b63e90ba... --follow\n"
                          "  ma-cli ma-job stop --job-id efd3e2f8... -y");

  // ---- submit ----
  auto s = std::make_shared<SubmitArgs>();
  CLI::App* submit = cli.Command(
      g, "submit", "Submit a training job from YAML files and options (options win)",
      "YAML keys are the option names without '--' (see docs/formats/train-yaml.md).\n"
      "Examples:\n  ma-cli ma-job submit .ma/train.yaml -q\n"
      "  ma-cli ma-job submit --code-dir obs://bucket/mnist/code/ --boot-file main.py \\\n"
      "    --framework-type PyTorch --framework-version pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64 \\\n"
      "    --data-url obs://bucket/mnist/data/ --log-url obs://bucket/mnist/logs/ \\\n"
      "    --train-instance-type modelarts.vm.cpu.2u --train-instance-count 2 -q",
      [&cli, s]() -> Status { return Submit(cli, *s); });
  submit->add_option("YAML_FILE", s->yaml_files, "train.yaml files, merged left to right");
  // The manual's --output (NAME=obs://path, repeatable) replaces the common --output here; it
  // also accepts "json"/"table" (see Submit).
  submit->remove_option(submit->get_option("--output"));
  for (const auto& opt : formats::SubmitOptions()) {
    const std::string name(opt.name);
    if (opt.flag) {
      submit->add_flag_callback("--" + name, [s, name] { s->flags[name] = true; }, std::string(opt.help));
    } else {
      auto* o = submit->add_option("--" + name, s->values[name], std::string(opt.help));
      if (opt.repeatable) {
        o->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
      } else {
        o->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      }
    }
  }
  submit->add_flag("-q,--quiet", s->quiet, "exit right after a successful submit");

  // ---- get-job ----
  struct GetJobArgs {
    std::string id, name;
    int page_num = 1, page_size = 10;
    bool verbose = false;
  };
  auto gj = std::make_shared<GetJobArgs>();
  CLI::App* get_job = cli.Command(
      g, "get-job", "Show a training job, or list them (filter by name, page)",
      "Examples:\n  ma-cli ma-job get-job --job-id 3f5c...\n  ma-cli ma-job get-job -n mnist\n"
      "  ma-cli ma-job get-job --page-size 5 --page-num 1",
      [&cli, gj]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        if (!gj->id.empty()) {
          OA_ASSIGN_OR_RETURN(Json job, c->GetTrainingJob(gj->id));
          ShowJob(cli.common(), job, gj->verbose);
          return Status::Ok();
        }
        return ListJobs(cli, gj->name, "", gj->page_num, gj->page_size);
      });
  get_job->add_option("-i,--job-id", gj->id, "training job id");
  get_job->add_option("-n,--job-name", gj->name, "job name or a keyword in it");
  get_job->add_option("--page-num", gj->page_num, "page number (-pn)")->check(CLI::PositiveNumber);
  get_job->add_option("--page-size", gj->page_size, "jobs per page (-ps)")->check(CLI::Range(1, 50));
  get_job->add_flag("-v,--verbose", gj->verbose, "show the whole job");

  // ---- list ----
  struct ListArgs {
    std::string name, phase;
    int page_num = 1, page_size = 10;
  };
  auto ls = std::make_shared<ListArgs>();
  CLI::App* list = cli.Command(
      g, "list", "List training jobs, newest first (filters and paging)",
      "Examples:\n  ma-cli ma-job list\n  ma-cli ma-job list --phase Running\n  ma-cli ma-job list -n mnist -pn 2 -ps 20",
      [&cli, ls]() -> Status { return ListJobs(cli, ls->name, ls->phase, ls->page_num, ls->page_size); });
  list->add_option("-n,--job-name", ls->name, "job name or a keyword in it");
  list->add_option("--phase", ls->phase, "only jobs in this phase")
      ->check(CLI::IsMember({"Creating", "Pending", "Running", "Completed", "Failed", "Terminating",
                             "Terminated", "Abnormal"}));
  list->add_option("--page-num", ls->page_num, "page number (-pn)")->check(CLI::PositiveNumber);
  list->add_option("--page-size", ls->page_size, "jobs per page (-ps)")->check(CLI::Range(1, 50));

  // ---- get-log ----
  struct LogArgs {
    std::string id, task = "worker-0";
    bool follow = false;
    int tail = -1;
  };
  auto la = std::make_shared<LogArgs>();
  CLI::App* get_log = cli.Command(
      g, "get-log", "Print the log of one task of a training job",
      "Examples:\n  ma-cli ma-job get-log --job-id b63e90ba...\n"
      "  ma-cli ma-job get-log -i b63e90ba... -t worker-1 --follow\n  ma-cli ma-job get-log -i b63e... --tail 20",
      [&cli, la]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        uint64_t offset = 0;
        if (la->tail >= 0) {
          std::string all;
          for (;;) {
            OA_ASSIGN_OR_RETURN(auto page, c->TrainingJobLog(la->id, la->task, offset));
            all += page.text;
            if (page.next_offset <= offset || page.next_offset >= page.end_offset) {
              offset = page.next_offset;
              break;
            }
            offset = page.next_offset;
          }
          size_t pos = all.size();
          for (int n = 0; n <= la->tail && pos > 0; ++n) {
            const size_t nl = all.rfind('\n', pos - 1);
            if (n == la->tail) break;
            pos = nl == std::string::npos ? 0 : nl;
            if (nl == std::string::npos) break;
          }
          std::string tail = all.substr(pos == 0 ? 0 : pos + 1);
          if (la->tail == 0) tail.clear();
          std::fwrite(tail.data(), 1, tail.size(), stdout);
          std::fflush(stdout);
          if (!la->follow) return Status::Ok();
        }
        return StreamLog(*c, la->id, la->task, la->follow, &offset);
      });
  get_log->add_option("-i,--job-id", la->id, "training job id")->required();
  get_log->add_option("-t,--task-id", la->task, "task: worker-0, worker-1, ...")->capture_default_str();
  get_log->add_flag("-f,--follow", la->follow, "keep printing new lines until the job ends");
  get_log->add_option("--tail", la->tail, "print only the last N lines first")->check(CLI::NonNegativeNumber);

  // ---- get-event ----
  auto ev_id = std::make_shared<std::string>();
  CLI::App* get_event = cli.Command(
      g, "get-event", "Print the events of a training job", "Example:\n  ma-cli ma-job get-event --job-id b63e90ba...",
      [&cli, ev_id]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        Json all = Json::array();
        for (int offset = 0;; offset += 100) {
          OA_ASSIGN_OR_RETURN(Json page, c->TrainingJobEvents(*ev_id, offset, 100));
          for (auto& e : page["events"]) all.push_back(e);
          if (page["events"].size() < 100) break;
        }
        if (cli.common().json()) return EmitJson(Json{{"events", all}});
        for (const auto& e : all) {
          PrintLine(JsonField(e, "time") + " " + JsonField(e, "level") + " " + JsonField(e, "source") + " " + JsonField(e, "message"));
        }
        return Status::Ok();
      });
  get_event->add_option("-i,--job-id", *ev_id, "training job id")->required();

  // ---- stop / delete ----
  struct StopArgs {
    std::string id;
    bool yes = false;
  };
  auto sa = std::make_shared<StopArgs>();
  CLI::App* stop = cli.Command(
      g, "stop", "Stop a running or queued training job (its outputs are still uploaded)",
      "Example:\n  ma-cli ma-job stop --job-id efd3e2f8... -y", [&cli, sa]() -> Status {
        if (!sa->yes) OA_TRY(ConfirmJob("stop", sa->id));
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_TRY(c->StopTrainingJob(sa->id));
        OA_ASSIGN_OR_RETURN(Json job, c->GetTrainingJob(sa->id));
        if (cli.common().json()) return EmitJson(job);
        PrintLine("Training job " + sa->id + " is " + JsonField(job["status"], "phase"));
        return Status::Ok();
      });
  stop->add_option("-i,--job-id", sa->id, "training job id")->required();
  stop->add_flag("-y,--yes", sa->yes, "do not ask for confirmation");

  auto da = std::make_shared<StopArgs>();
  CLI::App* del = cli.Command(
      g, "delete", "Delete a finished training job and its record",
      "Example:\n  ma-cli ma-job delete -i efd3e2f8... -y", [&cli, da]() -> Status {
        if (!da->yes) OA_TRY(ConfirmJob("delete", da->id));
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_TRY(c->DeleteTrainingJob(da->id));
        if (cli.common().json()) return EmitJson(Json{{"id", da->id}, {"deleted", true}});
        PrintLine("Deleted training job " + da->id);
        return Status::Ok();
      });
  del->add_option("-i,--job-id", da->id, "training job id")->required();
  del->add_flag("-y,--yes", da->yes, "do not ask for confirmation");

  // ---- get-flavor / get-engine / get-pool ----
  struct FlavorArgs {
    std::string type;
    bool verbose = false;
  };
  auto fa = std::make_shared<FlavorArgs>();
  CLI::App* get_flavor = cli.Command(
      g, "get-flavor", "List training flavors", "Examples:\n  ma-cli ma-job get-flavor\n  ma-cli ma-job get-flavor -t CPU -v",
      [&cli, fa]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(Json r, c->TrainingFlavors(fa->type));
        if (cli.common().json()) return EmitJson(r);
        std::vector<std::string> head = {"flavor_id", "type"};
        if (fa->verbose) head.insert(head.end(), {"cpu", "gpu", "npu", "memory_gb", "max_num", "available_here"});
        Table t(head);
        for (const auto& f : r["flavors"]) {
          std::vector<std::string> row = {JsonField(f, "flavor_id"), JsonField(f, "flavor_type")};
          if (fa->verbose) {
            const Json& i = f["flavor_info"];
            row.insert(row.end(), {JsonField(i["cpu"], "core_num"), JsonField(i["gpu"], "unit_num"), JsonField(i["npu"], "unit_num"),
                                   JsonField(i["memory"], "size"), JsonField(i, "max_num"), JsonField(f, "available_here")});
          }
          t.AddRow(row);
        }
        PrintTable(t);
        return Status::Ok();
      });
  get_flavor->add_option("-t,--flavor-type", fa->type, "CPU, GPU or Ascend (all when omitted)")
      ->check(CLI::IsMember({"CPU", "GPU", "Ascend"}));
  get_flavor->add_flag("-v,--verbose", fa->verbose, "show resources");

  auto ea = std::make_shared<bool>(false);
  CLI::App* get_engine = cli.Command(
      g, "get-engine", "List the preset engines", "Examples:\n  ma-cli ma-job get-engine\n  ma-cli ma-job get-engine -v",
      [&cli, ea]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(Json r, c->TrainingEngines());
        if (cli.common().json()) return EmitJson(r);
        std::vector<std::string> head = {"engine_name", "engine_version"};
        if (*ea) head.insert(head.end(), {"engine_id", "image_url", "run_user"});
        Table t(head);
        for (const auto& e : r["items"]) {
          std::vector<std::string> row = {JsonField(e, "engine_name"), JsonField(e, "engine_version")};
          if (*ea) row.insert(row.end(), {JsonField(e, "engine_id"), JsonField(e["image_info"], "cpu_image_url"), JsonField(e, "run_user")});
          t.AddRow(row);
        }
        PrintTable(t);
        return Status::Ok();
      });
  get_engine->add_flag("-v,--verbose", *ea, "show ids and images");
}

// The manual's two-letter short options (-pn, -ps) are not single letters, which CLI11 cannot
// express; they are rewritten to their long forms before parsing.
void RewriteMultiLetterShorts(std::vector<std::string>& args) {
  for (auto& a : args) {
    if (a == "-pn") a = "--page-num";
    if (a == "-ps") a = "--page-size";
  }
}

}  // namespace openarts::cli
