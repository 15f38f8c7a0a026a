// ma-cli dataset: datasets, imports and exports, samples, labels and versions over the ModelArts
// data-management API (/v2/{project_id}/datasets, api/ROUTES.md; spec/data.md). There is no
// ModelArts ma-cli for datasets: the commands follow the rest of ma-cli (short and long options,
// readable tables, --output json, one Error: line).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "base/clock.h"
#include "command.h"
#include "progress.h"

namespace openarts::cli {

namespace {

struct TypeName {
  int code;
  const char* name;
};

// The dataset types of spec §1.1 under the names `--type` takes; aliases after the canonical one.
constexpr TypeName kTypeNames[] = {
    {0, "image_classification"},   {1, "object_detection"},        {3, "image_segmentation"},
    {100, "text_classification"},  {101, "named_entity_recognition"}, {102, "text_triplet"},
    {200, "sound_classification"}, {201, "speech_content"},        {202, "speech_segmentation"},
    {400, "table"},                {600, "video"},                 {900, "free_format"},
    // aliases
    {101, "named_entity"},         {101, "text_entity"},           {101, "ner"},
    {200, "audio_classification"}, {201, "audio_content"},         {202, "audio_segmentation"},
    {202, "speech_paragraph"},     {900, "free"},                  {103, "text_triplet_entity"},
};
constexpr size_t kCanonicalTypes = 12;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

int64_t Int(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return 0;
  const Json& v = j[key];
  if (v.is_number()) return v.get<int64_t>();
  return 0;
}

// At most `max` code points of `s`, with "…" when cut.
std::string Shorten(const std::string& s, size_t max) {
  size_t points = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (points++ == max) return s.substr(0, i) + "\xE2\x80\xA6";
  }
  return s;
}

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool IsDatasetId(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The id of the dataset named or identified by `id_or_name` (-i takes either).
Result<std::string> ResolveDataset(client::Client& c, const std::string& id_or_name) {
  if (id_or_name.empty()) return InvalidArgument("--dataset-id: required (a dataset id or name)");
  if (IsDatasetId(id_or_name)) return id_or_name;
  client::DatasetListQuery q;
  q.search = id_or_name;  // a substring match: pages may hold other names too
  q.limit = 100;
  std::vector<std::string> ids, workspaces;
  for (;; q.offset += q.limit) {
    OA_ASSIGN_OR_RETURN(Json r, c.ListDatasets(q));
    const Json page = r.value("datasets", Json::array());
    for (const auto& d : page) {
      if (JsonField(d, "dataset_name") == id_or_name) {
        ids.push_back(JsonField(d, "dataset_id"));
        workspaces.push_back(JsonField(d, "workspace_id"));
      }
    }
    if (page.empty() || q.offset + q.limit >= r.value("total_number", int64_t{0})) break;
  }
  if (ids.empty()) {
    return NotFound("--dataset-id: dataset '" + id_or_name + "' does not exist (see 'ma-cli dataset list')");
  }
  if (ids.size() > 1) {
    return InvalidArgument("--dataset-id: several datasets are named '" + id_or_name + "' (workspaces " +
                           Join(workspaces, ", ") + "); give the id");
  }
  return ids[0];
}

// -i/--dataset-id, which every command on one dataset takes.
void AddDatasetOption(CLI::App* cmd, std::string& dataset) {
  cmd->add_option("-i,--dataset-id", dataset, "dataset id or name")->required();
}

// Asks before an irreversible step; without a terminal, says to add -y.
Status ConfirmOrYes(const std::string& question, const std::string& command) {
  Status ok = Confirm(question);
  if (ok.code() == Code::kFailedPrecondition) {
    return FailedPrecondition(command + ": not confirmed (no terminal to ask on); add -y");
  }
  return ok;
}

Result<std::string> ReadInput(const std::string& file, const std::string& option) {
  if (file == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return InvalidArgument(option + ": cannot read '" + file + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- tasks: follow an import or export to its end ----

bool TaskFinished(const std::string& status) {
  return status == "COMPLETED" || status == "SUCCESSED" || status == "FAILED";
}

using TaskGetter = std::function<Result<Json>()>;

// Polls `get` until the task ends, with a progress line on a terminal. Returns the last state.
Result<Json> FollowTask(const Common& common, const TaskGetter& get) {
  const bool draw = !common.json() && ProgressReporter::StderrIsTty();
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    OA_ASSIGN_OR_RETURN(Json t, get());
    const std::string status = JsonField(t, "status");
    if (draw) {
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ProgressState s{static_cast<uint64_t>(std::clamp<int64_t>(Int(t, "progress"), 0, 100)) * 10, 1000, 0, 0, 0};
      std::string line = FormatProgress(s, 60);
      // The byte counters mean nothing for a task: keep the bar and the percentage.
      line = line.substr(0, line.find('%') + 1) + "  " + status + "  " + FormatDuration(elapsed);
      std::fprintf(stderr, "\r%s\033[K", line.c_str());
      std::fflush(stderr);
    }
    if (TaskFinished(status)) {
      if (draw) {
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
      }
      return t;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

Status TaskFailure(const std::string& what, const Json& t) {
  std::string msg = JsonField(t, "error_msg");
  if (msg.empty()) msg = JsonField(t, "error_code");
  return FailedPrecondition(what + " task " + JsonField(t, "task_id") + " failed" + (msg.empty() ? "" : ": " + msg));
}

// Waits for an import and prints its report (or the task JSON).
Status FinishImport(Cli& cli, client::Client& c, const std::string& dataset_id, const std::string& task_id) {
  OA_ASSIGN_OR_RETURN(Json t, FollowTask(cli.common(), [&] { return c.GetImportTask(dataset_id, task_id); }));
  if (cli.common().json()) PrintJson(t);
  if (JsonField(t, "status") == "FAILED") return TaskFailure("import", t);
  if (!cli.common().json()) {
    for (const auto& l : ImportReportLines(t, 10)) PrintLine(l);
  }
  return Status::Ok();
}

// ---- printing ----

std::string TypeCell(int code) {
  std::string name = DatasetTypeName(code);
  return name == std::to_string(code) ? name : name + " (" + std::to_string(code) + ")";
}

void ShowDataset(const Json& d) {
  PrintRecord({{"id", JsonField(d, "dataset_id")},
               {"name", JsonField(d, "dataset_name")},
               {"type", TypeCell(static_cast<int>(Int(d, "dataset_type")))},
               {"description", JsonField(d, "description")},
               {"input", JsonField(d, "data_path")},
               {"output", JsonField(d, "work_path")},
               {"workspace", JsonField(d, "workspace_id")},
               {"samples", std::to_string(Int(d, "total_sample_count"))},
               {"labeled", std::to_string(Int(d, "annotated_sample_count"))},
               {"unlabeled", std::to_string(Int(d, "unannotated_sample_count"))},
               {"to_be_confirmed", std::to_string(Int(d, "to_be_confirmed_sample_count"))},
               {"current_version", JsonField(d, "current_version_id")},
               {"created", FormatTime(Int(d, "create_time"))},
               {"updated", FormatTime(Int(d, "update_time"))},
               {"created_by", JsonField(d, "created_by")}});
  const Json labels = d.value("labels", Json::array());
  PrintLine("");
  Table t({"label", "type", "samples"});
  for (const auto& l : labels) {
    t.AddRow({JsonField(l, "name"), TypeCell(static_cast<int>(Int(l, "type"))), std::to_string(Int(l, "sample_count"))});
  }
  PrintTable(t);
}

// The distinct label names of a sample, in order.
std::string SampleLabels(const Json& s) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& l : s.value("labels", Json::array())) {
    std::string n = JsonField(l, "name");
    if (!n.empty() && seen.insert(n).second) names.push_back(n);
  }
  return Join(names, ",");
}

std::string StateCell(const Json& s) {
  std::string st = Lower(JsonField(s, "state"));
  std::replace(st.begin(), st.end(), '_', '-');
  return st;
}

// ---- the commands ----

struct DatasetArgs {
  // shared
  std::string dataset, task, sample_id, version;
  bool yes = false, quiet = false;
  // create / update
  std::string name, type, input, output_path, description, workspace_id;
  CLI::Option* description_option = nullptr;  // update: given at all ("" clears the description)
  std::vector<std::string> labels;
  bool import = false;
  // list
  std::string search;
  int page_num = 1, page_size = 10;
  // import / export
  std::string path, format, sample_separator, label_separator, label_file_mode, export_type, state,
      source_header;
  bool no_annotations = false;
  // samples
  std::string label, usage, marker;
  bool hard = false;
  int limit = 10;
  std::vector<std::string> samples;
  // label
  std::string add, remove, set_json, offset_unit;
  int policy = 0;
  std::vector<std::string> names;
  double train_ratio = 1.0;
};

void AddDatasetCrud(Cli& cli, CLI::App* g) {
  auto a = std::make_shared<DatasetArgs>();
  CLI::App* create = cli.Command(
      g, "create", "Create a dataset (and import its input path at once with --import)",
      "Types: image_classification (0), object_detection (1), image_segmentation (3),\n"
      "  text_classification (100), named_entity_recognition (101), text_triplet (102),\n"
      "  sound_classification (200), speech_content (201), speech_segmentation (202), table (400),\n"
      "  video (600), free_format (900).\n"
      "Examples:\n  ma-cli dataset create -n flowers -t image_classification --input obs://b/flowers/ \\\n"
      "    --output-path obs://b/flowers-out/ --label daisy --label rose --import\n"
      "  ma-cli dataset create -n boxes -t 1 --input obs://b/det/ --output-path obs://b/det-out/",
      [&cli, a]() -> Status {
        OA_ASSIGN_OR_RETURN(int type, ParseDatasetType(a->type, "--type"));
        Json body = {{"dataset_name", a->name},
                     {"dataset_type", type},
                     {"data_sources", Json::array({Json{{"data_type", 0}, {"data_path", a->input}}})},
                     {"work_path", a->output_path},
                     {"work_path_type", 0}};
        if (!a->description.empty()) body["description"] = a->description;
        if (!a->workspace_id.empty()) body["workspace_id"] = a->workspace_id;
        if (!a->labels.empty()) {
          Json labels = Json::array();
          for (const auto& l : a->labels) labels.push_back({{"name", l}});
          body["labels"] = labels;
        }
        if (a->import) body["import_data"] = true;
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(Json created, c->CreateDataset(body));
        const std::string id = JsonField(created, "dataset_id");
        const std::string task_id = JsonField(created, "import_task_id");
        if (!cli.common().json()) {
          PrintLine("Created dataset '" + JsonField(created, "dataset_name") + "' (id " + id + ").");
        }
        Json task;
        if (!task_id.empty()) {
          if (!cli.common().json()) PrintLine("Importing " + a->input + " (task " + task_id + ")");
          OA_ASSIGN_OR_RETURN(task, FollowTask(cli.common(), [&] { return c->GetImportTask(id, task_id); }));
          if (!cli.common().json()) {
            if (JsonField(task, "status") != "FAILED") {
              for (const auto& l : ImportReportLines(task, 10)) PrintLine(l);
            }
          }
        }
        if (cli.common().json()) {
          OA_ASSIGN_OR_RETURN(Json d, c->GetDataset(id));
          if (!task.is_null()) d["import_task"] = task;
          PrintJson(d);
        }
        if (!task.is_null() && JsonField(task, "status") == "FAILED") return TaskFailure("import", task);
        return Status::Ok();
      });
  create->add_option("-n,--name", a->name, "1-64 letters, digits, '-' or '_'")->required();
  create->add_option("-t,--type", a->type, "annotation type: a name (see below) or its code")->required();
  create->add_option("--input", a->input, "where the data is: obs://bucket/dir/")->required();
  create->add_option("--output-path", a->output_path,
                     "where versions and labels go: obs://bucket/dir/ (not the input path nor inside it)")
      ->required();
  create->add_option("-l,--label", a->labels, "a label to start with; repeatable");
  create->add_option("-d,--description", a->description, "free text (≤ 256 characters, none of !<>=&\"')");
  create->add_option("--workspace-id", a->workspace_id, "workspace (default \"0\")");
  create->add_flag("--import", a->import, "import the input path at once and wait for it");

  auto ls = std::make_shared<DatasetArgs>();
  CLI::App* list = cli.Command(
      g, "list", "List datasets, newest first (filters and paging)",
      "Examples:\n  ma-cli dataset list\n  ma-cli dataset list --type object_detection\n"
      "  ma-cli dataset list --search flowers -pn 2 -ps 20",
      [&cli, ls]() -> Status {
        client::DatasetListQuery q;
        q.search = ls->search;
        if (!ls->type.empty()) {
          OA_ASSIGN_OR_RETURN(int type, ParseDatasetType(ls->type, "--type"));
          q.type = type;
        }
        q.workspace_id = ls->workspace_id;
        q.offset = (ls->page_num - 1) * ls->page_size;
        q.limit = ls->page_size;
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(Json r, c->ListDatasets(q));
        if (cli.common().json()) return EmitJson(r);
        Table t({"id", "name", "type", "samples", "labeled", "created", "description"});
        const Json items = r.value("datasets", Json::array());
        for (const auto& d : items) {
          t.AddRow({JsonField(d, "dataset_id"), JsonField(d, "dataset_name"), DatasetTypeName(static_cast<int>(Int(d, "dataset_type"))),
                    std::to_string(Int(d, "total_sample_count")), std::to_string(Int(d, "annotated_sample_count")),
                    FormatTime(Int(d, "create_time")), Shorten(JsonField(d, "description"), 40)});
        }
        PrintTable(t);
        std::fprintf(stderr, "page %d: %zu of %s dataset(s)\n", ls->page_num, items.size(),
                     JsonField(r, "total_number").c_str());
        return Status::Ok();
      });
  list->add_option("-t,--type", ls->type, "only this type (a name or a code)");
  list->add_option("-s,--search", ls->search, "a part of the name");
  list->add_option("--workspace-id", ls->workspace_id, "only this workspace");
  list->add_option("--page-num", ls->page_num, "page number (-pn)")->check(CLI::PositiveNumber);
  list->add_option("--page-size", ls->page_size, "datasets per page (-ps)")->check(CLI::Range(1, 100));

  CLI::App* get = cli.Command(g, "get", "Show a dataset: paths, counts and its labels with their sample counts",
                              "Examples:\n  ma-cli dataset get -i flowers\n  ma-cli dataset get -i 3f5c... --output json",
                              [&cli, a]() -> Status {
                                OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, a->dataset));
                                OA_ASSIGN_OR_RETURN(Json d, c->GetDataset(id));
                                if (cli.common().json()) return EmitJson(d);
                                ShowDataset(d);
                                return Status::Ok();
                              });
  AddDatasetOption(get, a->dataset);

  auto up = std::make_shared<DatasetArgs>();
  CLI::App* update = cli.Command(
      g, "update", "Rename a dataset or change its description",
      "Examples:\n  ma-cli dataset update -i flowers --name flowers-2026\n"
      "  ma-cli dataset update -i 3f5c... --description \"five kinds of flowers\"",
      [&cli, up]() -> Status {
        Json patch = Json::object();
        if (!up->name.empty()) patch["dataset_name"] = up->name;
        if (up->description_option->count() > 0) patch["description"] = up->description;
        if (patch.empty()) return InvalidArgument("nothing to change: give --name or --description");
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, up->dataset));
        OA_ASSIGN_OR_RETURN(Json d, c->UpdateDataset(id, patch));
        if (cli.common().json()) return EmitJson(d);
        PrintLine("Updated dataset '" + JsonField(d, "dataset_name") + "' (id " + id + ").");
        return Status::Ok();
      });
  AddDatasetOption(update, up->dataset);
  update->add_option("-n,--name", up->name, "new name");
  up->description_option = update->add_option("-d,--description", up->description, "new description (\"\" clears it)");

  auto del = std::make_shared<DatasetArgs>();
  CLI::App* remove = cli.Command(
      g, "delete", "Delete a dataset with its samples, labels and version records (objects in storage stay)",
      "Example:\n  ma-cli dataset delete -i flowers -y", [&cli, del]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, del->dataset));
        if (!del->yes) OA_TRY(ConfirmOrYes("Delete dataset " + del->dataset + "?", "delete " + del->dataset));
        OA_TRY(c->DeleteDataset(id));
        if (cli.common().json()) return EmitJson(Json{{"dataset_id", id}, {"deleted", true}});
        PrintLine("Deleted dataset " + del->dataset + ".");
        return Status::Ok();
      });
  AddDatasetOption(remove, del->dataset);
  remove->add_flag("-y,--yes", del->yes, "do not ask for confirmation");
}

void AddImportExport(Cli& cli, CLI::App* g) {
  auto im = std::make_shared<DatasetArgs>();
  CLI::App* import = cli.Command(
      g, "import", "Import a manifest or a directory into a dataset and wait for the report",
      "Formats: manifest (a .manifest file), dir (image folders, x.jpg + x.txt, VOC x.jpg + x.xml,\n"
      "  text a.txt [+ a_result.txt], audio folders), coco, yolo, csv, doccano, conll, text_combine.\n"
      "  Without --format: manifest for a path ending in .manifest, else dir.\n"
      "Examples:\n  ma-cli dataset import -i flowers --path obs://b/flowers/flowers.manifest\n"
      "  ma-cli dataset import -i boxes --path obs://b/det/ --format dir --no-annotations\n"
      "  ma-cli dataset import -i reviews --path obs://b/text/ --format text_combine --sample-separator tab \\\n"
      "    --label-separator ,\n  ma-cli dataset import -i flowers --path obs://b/more/ -q     # only the task id",
      [&cli, im]() -> Status {
        ImportOptions o;
        o.path = im->path;
        o.format = im->format;
        o.no_annotations = im->no_annotations;
        o.sample_separator = im->sample_separator;
        o.label_separator = im->label_separator;
        o.label_file_mode = im->label_file_mode;
        OA_ASSIGN_OR_RETURN(Json body, ImportRequestBody(o));
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, im->dataset));
        OA_ASSIGN_OR_RETURN(std::string task_id, c->ImportDataset(id, body));
        if (im->quiet) {
          if (cli.common().json()) return EmitJson(Json{{"task_id", task_id}});
          PrintLine(task_id);
          return Status::Ok();
        }
        return FinishImport(cli, *c, id, task_id);
      });
  AddDatasetOption(import, im->dataset);
  import->add_option("-p,--path", im->path, "obs://bucket/dir/ or obs://bucket/x.manifest")->required();
  import->add_option("-f,--format", im->format, "manifest, dir, coco, yolo, csv, doccano, conll or text_combine")
      ->check(CLI::IsMember({"manifest", "dir", "coco", "yolo", "csv", "doccano", "conll", "text_combine"}));
  import->add_flag("--no-annotations", im->no_annotations, "import the objects only, not their labels");
  import->add_option("--sample-separator", im->sample_separator,
                     "text: between the text and its labels (default tab; 'tab' or one character)");
  import->add_option("--label-separator", im->label_separator, "text: between labels (default ',')");
  import->add_option("--label-file-mode", im->label_file_mode,
                     "text: labels on the same line (same) or in a_result.txt (separate)")
      ->check(CLI::IsMember({"same", "separate"}));
  import->add_flag("-q,--quiet", im->quiet, "print the task id and return at once");

  auto is = std::make_shared<DatasetArgs>();
  CLI::App* import_status = cli.Command(
      g, "import-status", "Show a dataset's import tasks, or one of them with its report",
      "Examples:\n  ma-cli dataset import-status -i flowers\n  ma-cli dataset import-status -i flowers --task 9a1b...",
      [&cli, is]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, is->dataset));
        if (!is->task.empty()) {
          OA_ASSIGN_OR_RETURN(Json t, c->GetImportTask(id, is->task));
          if (cli.common().json()) return EmitJson(t);
          for (const auto& l : ImportReportLines(t, 1000)) PrintLine(l);
          return Status::Ok();
        }
        OA_ASSIGN_OR_RETURN(Json r, c->ListImportTasks(id));
        if (cli.common().json()) return EmitJson(r);
        Table t({"task id", "created", "status", "path", "added", "updated", "rejected"});
        for (const auto& x : r.value("import_tasks", Json::array())) {
          const bool done = JsonField(x, "status") == "COMPLETED";
          t.AddRow({JsonField(x, "task_id"), FormatTime(Int(x, "create_time")), JsonField(x, "status"), JsonField(x, "import_path"),
                    done ? std::to_string(Int(x, "added_sample_count")) : "-",
                    done ? std::to_string(Int(x, "updated_sample_count")) : "-",
                    done ? std::to_string(Int(x, "rejected_sample_count")) : "-"});
        }
        PrintTable(t);
        return Status::Ok();
      });
  AddDatasetOption(import_status, is->dataset);
  import_status->add_option("-t,--task", is->task, "one task: its report with every rejected item");

  auto ex = std::make_shared<DatasetArgs>();
  CLI::App* exp = cli.Command(
      g, "export", "Export a dataset's samples and labels to object storage and wait for it",
      "The path must not be, contain or lie inside the dataset's input or output path (ModelArts.4358).\n"
      "Examples:\n  ma-cli dataset export -i flowers --path obs://exports/flowers/\n"
      "  ma-cli dataset export -i flowers --path obs://exports/labeled/ --type labeled --source-header obs://\n"
      "  ma-cli dataset export -i boxes --path obs://exports/voc/ --format voc",
      [&cli, ex]() -> Status {
        Json body = {{"path", ex->path}, {"source_type_header", ex->source_header}};
        if (!ex->format.empty()) body["annotation_format"] = ex->format;
        if (!ex->state.empty()) {
          OA_ASSIGN_OR_RETURN(std::string state, SampleStateFilter(ex->state, "--state"));
          body["export_type"] = 3;
          body["sample_state"] = state;
        } else {
          body["export_type"] = ex->export_type == "labeled" ? 0 : ex->export_type == "unlabeled" ? 1 : 2;
        }
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, ex->dataset));
        OA_ASSIGN_OR_RETURN(std::string task_id, c->ExportDataset(id, body));
        if (ex->quiet) {
          if (cli.common().json()) return EmitJson(Json{{"task_id", task_id}});
          PrintLine(task_id);
          return Status::Ok();
        }
        OA_ASSIGN_OR_RETURN(Json t, FollowTask(cli.common(), [&] { return c->GetExportTask(id, task_id); }));
        if (cli.common().json()) PrintJson(t);
        if (JsonField(t, "status") == "FAILED") return TaskFailure("export", t);
        if (!cli.common().json()) {
          PrintLine("Exported " + std::to_string(Int(t, "total_sample_count")) + " sample(s) to " + JsonField(t, "path") +
                    " (task " + task_id + ").");
          for (const auto& f : t.value("files", Json::array())) PrintLine("  " + f.get<std::string>());
        }
        return Status::Ok();
      });
  AddDatasetOption(exp, ex->dataset);
  exp->add_option("-p,--path", ex->path, "obs://bucket/dir/ to write to")->required();
  exp->add_option("-f,--format", ex->format, "manifest (default), voc, coco, yolo, csv, conll or doccano")
      ->check(CLI::IsMember({"manifest", "voc", "coco", "yolo", "csv", "conll", "doccano"}, CLI::ignore_case));
  auto* type_opt = exp->add_option("-t,--type", ex->export_type, "labeled, unlabeled or all (default)")
                       ->check(CLI::IsMember({"labeled", "unlabeled", "all"}));
  exp->add_option("--state", ex->state, "only samples in this state: unlabeled, labeled or to-be-confirmed")
      ->excludes(type_opt);
  ex->source_header = "s3://";
  exp->add_option("--source-header", ex->source_header,
                  "prefix of the sources in the manifest: s3:// (default, what training reads) or obs://")
      ->check(CLI::IsMember({"s3://", "obs://"}));
  exp->add_flag("-q,--quiet", ex->quiet, "print the task id and return at once");

  auto es = std::make_shared<DatasetArgs>();
  CLI::App* export_status = cli.Command(
      g, "export-status", "Show a dataset's export task history, or one task",
      "Examples:\n  ma-cli dataset export-status -i flowers\n  ma-cli dataset export-status -i flowers --task 7c2d...",
      [&cli, es]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, es->dataset));
        Json tasks = Json::array();
        if (!es->task.empty()) {
          OA_ASSIGN_OR_RETURN(Json t, c->GetExportTask(id, es->task));
          if (cli.common().json()) return EmitJson(t);
          tasks.push_back(t);
        } else {
          OA_ASSIGN_OR_RETURN(Json r, c->ListExportTasks(id));
          if (cli.common().json()) return EmitJson(r);
          tasks = r.value("export_tasks", Json::array());
        }
        // The console's task-history columns (spec §10).
        Table t({"Task ID", "Creation time", "Export method", "Export path", "Total exported samples",
                 "Export status"});
        for (const auto& x : tasks) {
          t.AddRow({JsonField(x, "task_id"), FormatTime(Int(x, "create_time")), JsonField(x, "export_method"), JsonField(x, "path"),
                    std::to_string(Int(x, "total_sample_count")), JsonField(x, "status")});
        }
        PrintTable(t);
        for (const auto& x : tasks) {
          if (!JsonField(x, "error_msg").empty()) PrintLine(JsonField(x, "task_id") + ": " + JsonField(x, "error_msg"));
        }
        return Status::Ok();
      });
  AddDatasetOption(export_status, es->dataset);
  export_status->add_option("-t,--task", es->task, "one task");
}

void AddSampleCommands(Cli& cli, CLI::App* g) {
  auto sa = std::make_shared<DatasetArgs>();
  CLI::App* samples = cli.Command(
      g, "samples", "List a dataset's samples (filters; --marker pages through any number)",
      "Examples:\n  ma-cli dataset samples -i flowers --state unlabeled --limit 50\n"
      "  ma-cli dataset samples -i flowers --label rose --usage train\n"
      "  ma-cli dataset samples -i flowers --marker 0f3a...     # the page after that sample",
      [&cli, sa]() -> Status {
        client::SampleListQuery q;
        if (!sa->state.empty()) {
          OA_ASSIGN_OR_RETURN(q.sample_state, SampleStateFilter(sa->state, "--state"));
        }
        q.label_name = sa->label;
        q.sample_usage = sa->usage;
        if (sa->hard) q.hard = true;
        q.search = sa->search;
        q.limit = sa->limit;
        q.marker = sa->marker;
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, sa->dataset));
        OA_ASSIGN_OR_RETURN(Json r, c->ListSamples(id, q));
        if (cli.common().json()) return EmitJson(r);
        Table t({"sample id", "state", "usage", "labels", "source"});
        const Json items = r.value("samples", Json::array());
        for (const auto& s : items) {
          t.AddRow({JsonField(s, "sample_id"), StateCell(s), JsonField(s, "sample_usage"), SampleLabels(s),
                    Shorten(JsonField(s, "source"), 80)});
        }
        PrintTable(t);
        std::string more = JsonField(r, "next_marker");
        std::fprintf(stderr, "%zu of %s sample(s)%s\n", items.size(), JsonField(r, "sample_count").c_str(),
                     more.empty() ? "" : ("; next page: --marker " + more).c_str());
        return Status::Ok();
      });
  AddDatasetOption(samples, sa->dataset);
  samples->add_option("--state", sa->state, "unlabeled, labeled or to-be-confirmed");
  samples->add_option("-l,--label", sa->label, "only samples carrying this label");
  samples->add_option("--usage", sa->usage, "train, eval, test or inference")
      ->check(CLI::IsMember({"train", "eval", "test", "inference"}, CLI::ignore_case));
  samples->add_flag("--hard", sa->hard, "only hard examples");
  samples->add_option("-s,--search", sa->search, "a part of the source (or the text)");
  samples->add_option("--limit", sa->limit, "samples per page (1-100)")->check(CLI::Range(1, 100))->capture_default_str();
  samples->add_option("--marker", sa->marker, "continue after this sample id (printed as 'next page')");

  auto one = std::make_shared<DatasetArgs>();
  CLI::App* sample = cli.Command(
      g, "sample", "Show one sample with its labels",
      "Example:\n  ma-cli dataset sample -i flowers --sample 0f3a...", [&cli, one]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, one->dataset));
        OA_ASSIGN_OR_RETURN(Json s, c->GetSample(id, one->sample_id));
        if (cli.common().json()) return EmitJson(s);
        std::vector<std::pair<std::string, std::string>> f = {
            {"sample_id", JsonField(s, "sample_id")}, {"source", JsonField(s, "source")},
            {"state", StateCell(s)},           {"usage", JsonField(s, "sample_usage")},
            {"hard", JsonField(s, "hard")},          {"created", FormatTime(Int(s, "create_time"))},
            {"updated", FormatTime(Int(s, "update_time"))}};
        if (s.contains("text")) f.insert(f.begin() + 2, {"text", JsonField(s, "text")});
        PrintRecord(f);
        PrintLine("labels:");
        for (const auto& l : s.value("labels", Json::array())) PrintLine("  " + l.dump());
        const Json preds = s.value("prediction_labels", Json::array());
        if (!preds.empty()) {
          PrintLine("predictions:");
          for (const auto& l : preds) PrintLine("  " + l.dump());
        }
        return Status::Ok();
      });
  AddDatasetOption(sample, one->dataset);
  sample->add_option("--sample", one->sample_id, "sample id")->required();

  auto lb = std::make_shared<DatasetArgs>();
  CLI::App* label = cli.Command(
      g, "label", "Label samples: add or remove one label (classification), or set labels from a JSON file",
      "--set-json FILE takes the body of PUT .../data-annotations/samples (api/openapi.yaml, SamplesUpdate):\n"
      "  {\"samples\": [{\"sample_id\": \"...\", \"labels\": [{\"name\": \"cat\", \"property\":\n"
      "    {\"@modelarts:shape\": \"bndbox\", \"@modelarts:feature\": [[10,20],[110,220]]}}]}]}\n"
      "  or just the labels array, applied to every --sample. '-' reads standard input.\n"
      "Examples:\n  ma-cli dataset label -i flowers --sample 0f3a... --sample 77b1... --add rose\n"
      "  ma-cli dataset label -i flowers --sample 0f3a... --remove rose\n"
      "  ma-cli dataset label -i boxes --set-json labels.json\n"
      "  ma-cli dataset label -i ner --sample 4c1e... --set-json spans.json --offset-unit utf16",
      [&cli, lb]() -> Status {
        const int actions = !lb->add.empty() + !lb->remove.empty() + !lb->set_json.empty();
        if (actions != 1) return InvalidArgument("give exactly one of --add NAME, --remove NAME or --set-json FILE");
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, lb->dataset));
        if (lb->set_json.empty()) {
          if (lb->samples.empty()) return InvalidArgument("--sample: at least one sample id is required");
          const bool add = !lb->add.empty();
          const std::string& name = add ? lb->add : lb->remove;
          OA_TRY(c->BulkLabel(id, lb->samples, name, add));
          if (cli.common().json()) {
            return EmitJson(Json{{"action", add ? "add" : "remove"}, {"label_name", name}, {"samples", lb->samples}});
          }
          PrintLine(std::string(add ? "Added label '" : "Removed label '") + name + (add ? "' to " : "' from ") +
                    std::to_string(lb->samples.size()) + " sample(s).");
          return Status::Ok();
        }
        OA_ASSIGN_OR_RETURN(std::string text, ReadInput(lb->set_json, "--set-json"));
        OA_ASSIGN_OR_RETURN(Json body, SampleUpdateBody(text, lb->samples, lb->offset_unit));
        OA_ASSIGN_OR_RETURN(Json r, c->UpdateSamples(id, body));
        if (cli.common().json()) return EmitJson(r);
        PrintLine("Updated the labels of " + std::to_string(Int(r, "updated_sample_count")) + " sample(s).");
        return Status::Ok();
      });
  AddDatasetOption(label, lb->dataset);
  label->add_option("--sample", lb->samples, "sample id; repeatable");
  label->add_option("--add", lb->add, "label to add to every --sample (created if new)");
  label->add_option("--remove", lb->remove, "label to remove from every --sample");
  label->add_option("--set-json", lb->set_json, "FILE with the new labels (see below); replaces them");
  label->add_option("--offset-unit", lb->offset_unit,
                    "with --set-json: text offsets in code_point (default) or utf16 units")
      ->check(CLI::IsMember({"code_point", "utf16"}));
}

void AddLabelCommands(Cli& cli, CLI::App* g) {
  auto ll = std::make_shared<DatasetArgs>();
  CLI::App* labels = cli.Command(g, "labels", "List a dataset's labels with their sample counts",
                                 "Example:\n  ma-cli dataset labels -i flowers", [&cli, ll]() -> Status {
                                   OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                   OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, ll->dataset));
                                   OA_ASSIGN_OR_RETURN(Json r, c->ListLabels(id));
                                   if (cli.common().json()) return EmitJson(r);
                                   Table t({"name", "type", "count"});
                                   for (const auto& l : r.value("labels", Json::array())) {
                                     t.AddRow({JsonField(l, "name"), TypeCell(static_cast<int>(Int(l, "type"))),
                                               std::to_string(Int(l, "sample_count"))});
                                   }
                                   PrintTable(t);
                                   return Status::Ok();
                                 });
  AddDatasetOption(labels, ll->dataset);

  auto lc = std::make_shared<DatasetArgs>();
  CLI::App* create = cli.Command(g, "label-create", "Add labels to a dataset",
                                 "Example:\n  ma-cli dataset label-create -i flowers tulip sunflower",
                                 [&cli, lc]() -> Status {
                                   OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                   OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, lc->dataset));
                                   Json labels = Json::array();
                                   for (const auto& n : lc->names) labels.push_back({{"name", n}});
                                   OA_TRY(c->CreateLabels(id, labels));
                                   if (cli.common().json()) return EmitJson(Json{{"created", lc->names}});
                                   PrintLine("Created " + std::to_string(lc->names.size()) + " label(s): " +
                                             Join(lc->names, ", ") + ".");
                                   return Status::Ok();
                                 });
  AddDatasetOption(create, lc->dataset);
  create->add_option("NAME", lc->names, "label names")->required();

  auto lr = std::make_shared<DatasetArgs>();
  CLI::App* rename = cli.Command(
      g, "label-rename", "Rename a label everywhere in the dataset (published versions keep the old name)",
      "Example:\n  ma-cli dataset label-rename -i flowers rose roses", [&cli, lr]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, lr->dataset));
        OA_TRY(c->RenameLabel(id, lr->label, lr->name));
        if (cli.common().json()) return EmitJson(Json{{"renamed", lr->label}, {"to", lr->name}});
        PrintLine("Renamed label '" + lr->label + "' to '" + lr->name + "'.");
        return Status::Ok();
      });
  AddDatasetOption(rename, lr->dataset);
  rename->add_option("OLD", lr->label, "the label")->required();
  rename->add_option("NEW", lr->name, "its new name")->required();

  auto ld = std::make_shared<DatasetArgs>();
  CLI::App* remove = cli.Command(
      g, "label-delete", "Delete labels from a dataset and from every sample carrying them",
      "Policies: 0 the label only; 1 also the samples left without any label; 2 also their files.\n"
      "Deleting labels cannot be undone (published versions keep them).\n"
      "Example:\n  ma-cli dataset label-delete -i flowers tulip --policy 0 -y",
      [&cli, ld]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, ld->dataset));
        if (!ld->yes) {
          std::string q = "Deleting labels cannot be undone. Delete " + Join(ld->names, ", ") +
                          (ld->policy == 1   ? " and the samples left without labels"
                           : ld->policy == 2 ? " and the samples left without labels with their files"
                                             : "") +
                          "?";
          OA_TRY(ConfirmOrYes(q, "label-delete: deleting labels cannot be undone"));
        }
        OA_TRY(c->DeleteLabels(id, ld->names, ld->policy));
        if (cli.common().json()) return EmitJson(Json{{"deleted", ld->names}, {"delete_policy", ld->policy}});
        PrintLine("Deleted " + std::to_string(ld->names.size()) + " label(s): " + Join(ld->names, ", ") + ".");
        return Status::Ok();
      });
  AddDatasetOption(remove, ld->dataset);
  remove->add_option("NAME", ld->names, "label names")->required();
  remove->add_option("--policy", ld->policy, "0, 1 or 2 (see below)")->check(CLI::Range(0, 2))->capture_default_str();
  remove->add_flag("-y,--yes", ld->yes, "do not ask for confirmation");
}

void AddVersionCommands(Cli& cli, CLI::App* g) {
  auto pa = std::make_shared<DatasetArgs>();
  CLI::App* publish = cli.Command(
      g, "publish", "Publish a version: an immutable manifest of the samples and their labels",
      "--train-ratio < 1 splits the labeled samples into TRAIN and EVAL (classification and detection).\n"
      "Examples:\n  ma-cli dataset publish -i flowers\n"
      "  ma-cli dataset publish -i flowers --name v-split --train-ratio 0.8 -d \"80/20 split\"",
      [&cli, pa]() -> Status {
        Json body = Json::object();
        if (!pa->name.empty()) body["version_name"] = pa->name;
        if (!pa->description.empty()) body["description"] = pa->description;
        body["train_evaluate_sample_ratio"] = pa->train_ratio;
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, pa->dataset));
        OA_ASSIGN_OR_RETURN(Json r, c->PublishVersion(id, body));
        OA_ASSIGN_OR_RETURN(Json v, c->GetVersion(id, JsonField(r, "version_id")));
        if (cli.common().json()) return EmitJson(v);
        PrintLine("Published version " + JsonField(v, "version_name") + " (id " + JsonField(v, "version_id") + "): " +
                  std::to_string(Int(v, "total_sample_count")) + " sample(s), " +
                  std::to_string(Int(v, "annotated_sample_count")) + " labeled, " +
                  std::to_string(Int(v, "train_sample_count")) + " train, " +
                  std::to_string(Int(v, "eval_sample_count")) + " eval.");
        PrintLine("manifest: " + JsonField(v, "manifest_path"));
        return Status::Ok();
      });
  AddDatasetOption(publish, pa->dataset);
  publish->add_option("-n,--name", pa->name, "version name (default V001, V002, ...)");
  publish->add_option("--train-ratio", pa->train_ratio, "share of labeled samples for TRAIN, 0-1 (default 1)")
      ->check(CLI::Range(0.0, 1.0));
  publish->add_option("-d,--description", pa->description, "free text");

  auto vl = std::make_shared<DatasetArgs>();
  CLI::App* versions = cli.Command(g, "versions", "List a dataset's versions, newest first",
                                   "Example:\n  ma-cli dataset versions -i flowers", [&cli, vl]() -> Status {
                                     OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
                                     OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, vl->dataset));
                                     OA_ASSIGN_OR_RETURN(Json r, c->ListVersions(id));
                                     if (cli.common().json()) return EmitJson(r);
                                     Table t({"version", "id", "samples", "labeled", "train", "eval", "created",
                                              "manifest"});
                                     for (const auto& v : r.value("versions", Json::array())) {
                                       t.AddRow({JsonField(v, "version_name"), JsonField(v, "version_id"),
                                                 std::to_string(Int(v, "total_sample_count")),
                                                 std::to_string(Int(v, "annotated_sample_count")),
                                                 std::to_string(Int(v, "train_sample_count")),
                                                 std::to_string(Int(v, "eval_sample_count")),
                                                 FormatTime(Int(v, "create_time")), JsonField(v, "manifest_path")});
                                     }
                                     PrintTable(t);
                                     return Status::Ok();
                                   });
  AddDatasetOption(versions, vl->dataset);

  auto vd = std::make_shared<DatasetArgs>();
  CLI::App* vdel = cli.Command(
      g, "version-delete", "Delete a version's record (its manifest stays in storage)",
      "Example:\n  ma-cli dataset version-delete -i flowers --version V001 -y", [&cli, vd]() -> Status {
        OA_ASSIGN_OR_RETURN(auto* c, cli.Client());
        OA_ASSIGN_OR_RETURN(std::string id, ResolveDataset(*c, vd->dataset));
        if (!vd->yes) {
          OA_TRY(ConfirmOrYes("Delete version " + vd->version + " of dataset " + vd->dataset + "?",
                              "version-delete " + vd->version));
        }
        OA_TRY(c->DeleteVersion(id, vd->version));
        if (cli.common().json()) return EmitJson(Json{{"version", vd->version}, {"deleted", true}});
        PrintLine("Deleted version " + vd->version + ".");
        return Status::Ok();
      });
  AddDatasetOption(vdel, vd->dataset);
  vdel->add_option("-v,--version", vd->version, "version name (V001) or id")->required();
  vdel->add_flag("-y,--yes", vd->yes, "do not ask for confirmation");
}

}  // namespace

// ---- pure helpers (command.h) ----

Result<int> ParseDatasetType(std::string_view text, std::string_view option) {
  const std::string t = Lower(text);
  if (!t.empty() && t.find_first_not_of("0123456789") == std::string::npos && t.size() <= 4) {
    const int code = std::stoi(t);
    for (size_t i = 0; i < kCanonicalTypes; ++i) {
      if (kTypeNames[i].code == code) return code;
    }
  }
  for (const auto& n : kTypeNames) {
    if (t == n.name && n.code != 103) return n.code;
  }
  std::string names;
  for (size_t i = 0; i < kCanonicalTypes; ++i) {
    names += (i ? ", " : "") + std::string(kTypeNames[i].name) + " (" + std::to_string(kTypeNames[i].code) + ")";
  }
  return InvalidArgument(std::string(option) + ": unknown dataset type '" + std::string(text) + "'; one of " + names);
}

std::string DatasetTypeName(int code) {
  for (const auto& n : kTypeNames) {
    if (n.code == code) return n.name;
  }
  return std::to_string(code);
}

Result<std::string> SampleStateFilter(std::string_view text, std::string_view option) {
  const std::string s = Lower(text);
  if (s == "unlabeled" || s == "__none__") return std::string("__NONE__");
  if (s == "labeled" || s == "__all__") return std::string("__ALL__");
  if (s == "to_be_confirmed" || s == "__auto_annotation__") return std::string("__AUTO_ANNOTATION__");
  return InvalidArgument(std::string(option) + ": '" + std::string(text) +
                         "' is not a state; one of unlabeled, labeled, to-be-confirmed");
}

namespace {

// Tab, or one letter, digit or one of !@#$%^&*_=|?/':.;, (spec §3.2).
Result<std::string> Separator(const std::string& s, const std::string& option) {
  if (s == "tab" || s == "\\t" || s == "\t") return std::string("\t");
  static constexpr std::string_view kPunct = "!@#$%^&*_=|?/':.;,";
  if (s.size() == 1 && (std::isalnum(static_cast<unsigned char>(s[0])) || kPunct.find(s[0]) != std::string_view::npos)) {
    return s;
  }
  return InvalidArgument(option + ": '" + s +
                         "' is not a separator; use tab, or one letter, digit or one of !@#$%^&*_=|?/':.;,");
}

}  // namespace

Result<Json> ImportRequestBody(const ImportOptions& o) {
  if (o.path.empty()) return InvalidArgument("--path: required, obs://bucket/dir/ or obs://bucket/x.manifest");
  Json body = {{"import_path", o.path}, {"import_annotations", !o.no_annotations}};
  if (!o.format.empty()) {
    body["annotation_format"] = o.format;
    body["import_type"] = o.format == "manifest" ? 1 : 0;
  }
  Json label_format = Json::object();
  if (!o.sample_separator.empty()) {
    OA_ASSIGN_OR_RETURN(std::string sep, Separator(o.sample_separator, "--sample-separator"));
    label_format["text_sample_separator"] = sep;
  }
  if (!o.label_separator.empty()) {
    OA_ASSIGN_OR_RETURN(std::string sep, Separator(o.label_separator, "--label-separator"));
    label_format["text_label_separator"] = sep;
  }
  if (!o.label_file_mode.empty()) {
    if (o.label_file_mode != "same" && o.label_file_mode != "separate") {
      return InvalidArgument("--label-file-mode: same or separate, not '" + o.label_file_mode + "'");
    }
    label_format["label_type"] = o.label_file_mode == "same" ? 1 : 0;
  }
  if (!label_format.empty()) body["label_format"] = label_format;
  return body;
}

std::vector<std::string> ImportReportLines(const Json& task, size_t max_rejected) {
  std::vector<std::string> out;
  const std::string status = JsonField(task, "status");
  double seconds = static_cast<double>(Int(task, "elapsed_time")) / 1000.0;
  out.push_back("Import task " + JsonField(task, "task_id") + " " + status +
                (seconds > 0 ? " in " + FormatDuration(seconds) : "") + ": " + JsonField(task, "import_path"));
  if (status == "FAILED") {
    out.push_back("error: " + JsonField(task, "error_msg"));
    return out;
  }
  if (status != "COMPLETED") return out;
  const int64_t rejected = Int(task, "rejected_sample_count");
  out.push_back("added:    " + std::to_string(Int(task, "added_sample_count")));
  out.push_back("updated:  " + std::to_string(Int(task, "updated_sample_count")));
  out.push_back("rejected: " + std::to_string(rejected));
  const Json items = task.value("rejected_items", Json::array());
  size_t shown = 0;
  for (const auto& r : items) {
    if (shown == max_rejected) break;
    const std::string where = JsonField(r, "where");
    std::string reason = JsonField(r, "reason");
    // Parser messages may start with the place themselves ("a.manifest:8: not valid JSON").
    if (!where.empty() && reason.starts_with(where + ": ")) reason.erase(0, where.size() + 2);
    out.push_back("  " + where + ": " + reason);
    ++shown;
  }
  if (static_cast<int64_t>(shown) < rejected) {
    out.push_back("  ... and " + std::to_string(rejected - static_cast<int64_t>(shown)) +
                  " more (ma-cli dataset import-status -i DATASET --task " + JsonField(task, "task_id") +
                  " --output json)");
  }
  for (const auto& w : task.value("warnings", Json::array())) {
    if (w.is_string()) out.push_back("warning: " + w.get<std::string>());
  }
  return out;
}

Result<Json> SampleUpdateBody(const std::string& text, const std::vector<std::string>& sample_ids,
                              const std::string& offset_unit) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return InvalidArgument("--set-json: not JSON: " + parsed.status().message());
  Json body;
  if (parsed->is_object() && parsed->contains("samples")) {
    if (!sample_ids.empty()) {
      return InvalidArgument("--set-json: the file names its samples; leave out --sample");
    }
    body = std::move(*parsed);
  } else if (parsed->is_array()) {
    if (sample_ids.empty()) {
      return InvalidArgument("--sample: the file is a list of labels; name the samples it is for with --sample");
    }
    Json samples = Json::array();
    for (const auto& id : sample_ids) samples.push_back({{"sample_id", id}, {"labels", *parsed}});
    body = {{"samples", std::move(samples)}};
  } else {
    return InvalidArgument(
        "--set-json: expected {\"samples\": [{\"sample_id\": ..., \"labels\": [...]}]} or a list of labels");
  }
  if (!offset_unit.empty()) body["offset_unit"] = offset_unit;
  return body;
}

void AddDatasetCommands(Cli& cli) {
  CLI::App* g = cli.Group(
      &cli.app(), "dataset", "Datasets: create, import, samples, labels, publish, export, ...",
      "Examples:\n  ma-cli dataset create -n flowers -t image_classification --input obs://b/flowers/ \\\n"
      "    --output-path obs://b/flowers-out/ --import\n"
      "  ma-cli dataset samples -i flowers --state unlabeled\n"
      "  ma-cli dataset label -i flowers --sample 0f3a... --add rose\n"
      "  ma-cli dataset publish -i flowers --train-ratio 0.8\n"
      "  ma-cli dataset export -i flowers --path obs://exports/flowers/\n"
      "-i takes a dataset id or its name. See docs/ma-cli.md.");
  AddDatasetCrud(cli, g);
  AddImportExport(cli, g);
  AddSampleCommands(cli, g);
  AddLabelCommands(cli, g);
  AddVersionCommands(cli, g);
}

}  // namespace openarts::cli
