// Datasets: /v2/{project_id}/datasets... (ModelArts data-management API shapes, docs/datasets.md):
// datasets, import and export tasks, samples, labels, versions.
#include "data/data.h"
#include "objstore/names.h"
#include "route_table.h"

namespace openarts::api {
namespace {

Status NeedData(const Call& c) {
  if (!c.deps.data) return Unavailable("the data service is not running on this daemon");
  return Status::Ok();
}

Result<Json> Body(const Call& c) {
  if (c.req.body.empty()) return InvalidArgument("request body: a JSON object is required");
  OA_ASSIGN_OR_RETURN(Json j, ParseJson(c.req.body));
  if (!j.is_object()) return InvalidArgument("request body: expected a JSON object");
  return j;
}

// Loads {dataset_id} and authorizes `action` in its workspace.
Result<data::Dataset> LoadDataset(Call& c, const std::string& action) {
  OA_TRY(c.CheckProject());
  OA_TRY(NeedData(c));
  OA_ASSIGN_OR_RETURN(std::string project, c.ProjectId());
  OA_ASSIGN_OR_RETURN(data::Dataset d, c.deps.data->GetDataset(project, c.req.Param("dataset_id")));
  OA_TRY(c.Authorize(action, d.workspace_id));
  return d;
}

// Reading a sample's object also needs read access to its bucket (text samples need nothing more).
Status AuthorizeSource(Call& c, const std::string& source) {
  auto uri = objstore::ParseObsUri(source);
  if (!uri.ok()) return Status::Ok();  // content:// text
  auto bucket = c.deps.objects.GetBucket(uri->bucket);
  if (!bucket.ok()) return NotFound("the sample's object " + source + " is gone: its bucket does not exist");
  return c.Authorize("obs:object:GetObject", bucket->workspace_id);
}

data::Caller CallerOf(const Call& c, const std::string& project, const std::string& workspace) {
  return {c.who.user_id, c.who.user_name, project, workspace};
}

// ModelArts import/export task shapes over the generic task record.
Json ImportTaskJson(const tasks::TaskInfo& t) {
  static constexpr const char* kStatus[] = {"QUEUING", "RUNNING", "COMPLETED", "FAILED", "FAILED"};
  Json j = {{"task_id", t.id},
            {"status", kStatus[static_cast<int>(t.status)]},
            {"progress", static_cast<int>(t.progress * 100)},
            {"import_path", t.params["request"].value("import_path", "")},
            {"import_type", [&] {
               auto r = data::DecodeImportRequest(t.params["request"]);
               return r.ok() && r->format == "manifest" ? 1 : 0;
             }()},
            {"create_time", t.create_time},
            {"update_time", t.update_time},
            {"elapsed_time", t.end_time && t.start_time ? t.end_time - t.start_time : 0}};
  if (t.status == tasks::TaskStatus::kSucceeded && t.result.is_object()) {
    for (auto& [k, v] : t.result.items()) j[k] = v;
    j["imported_sample_count"] = t.result.value("added_sample_count", 0);
    j["total_sample_count"] = t.result.value("added_sample_count", 0) + t.result.value("updated_sample_count", 0) +
                              t.result.value("rejected_sample_count", 0);
  }
  if (t.status == tasks::TaskStatus::kFailed || t.status == tasks::TaskStatus::kCancelled) {
    j["error_code"] = t.error.starts_with("ModelArts.") ? t.error.substr(0, t.error.find(' ')) : "ModelArts.4401";
    j["error_msg"] = t.error;
  }
  return j;
}

Json ExportTaskJson(const tasks::TaskInfo& t) {
  // SUCCESSED (sic): the ModelArts spelling, kept for compatibility (spec §10).
  static constexpr const char* kStatus[] = {"QUEUING", "RUNNING", "SUCCESSED", "FAILED", "FAILED"};
  const Json& req = t.params["request"];
  Json j = {{"task_id", t.id},
            {"status", kStatus[static_cast<int>(t.status)]},
            {"progress", static_cast<int>(t.progress * 100)},
            {"export_type", req.value("export_type", 2)},
            {"export_method", "OBS"},
            {"path", req.value("path", "")},
            {"annotation_format", req.value("annotation_format", "manifest")},
            {"create_time", t.create_time},
            {"update_time", t.update_time},
            {"total_sample_count", 0},
            {"finished_sample_count", 0}};
  if (t.status == tasks::TaskStatus::kSucceeded && t.result.is_object()) {
    for (auto& [k, v] : t.result.items()) j[k] = v;
  }
  if (t.status == tasks::TaskStatus::kFailed || t.status == tasks::TaskStatus::kCancelled) {
    j["error_code"] = t.error.starts_with("ModelArts.") ? t.error.substr(0, t.error.find(' ')) : "ModelArts.4401";
    j["error_msg"] = t.error;
  }
  return j;
}

Result<tasks::TaskInfo> TaskOf(Call& c, const data::Dataset& d, std::string_view type) {
  OA_ASSIGN_OR_RETURN(auto t, c.deps.tasks.Get(c.req.Param("task_id")));
  if (t.type != type || t.params.value("dataset_id", "") != d.id) {
    return NotFound(std::string(type == data::kExportTaskType ? "ModelArts.4359 Export task does not exist"
                                                              : "import task does not exist") +
                    ": " + c.req.Param("task_id"));
  }
  return t;
}

Result<std::vector<std::string>> StringList(const Json& body, const char* key) {
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end()) return InvalidArgument(std::string(key) + ": required, a list");
  if (!it->is_array()) return InvalidArgument(std::string(key) + ": expected a list");
  for (const Json& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
    else if (v.is_object() && v.contains("sample_id") && v["sample_id"].is_string()) out.push_back(v["sample_id"]);
    else if (v.is_object() && v.contains("name") && v["name"].is_string()) out.push_back(v["name"]);
    else return InvalidArgument(std::string(key) + ": expected strings");
  }
  return out;
}

}  // namespace

void RegisterDatasetRoutes(RouteTable& t) {
  const std::string base = "/v2/{project_id}/datasets";
  const std::string ds = base + "/{dataset_id}";
  const std::string ann = ds + "/data-annotations";

  t.Authed("POST", base, [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_TRY(NeedData(c));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    std::string workspace = body.value("workspace_id", std::string("0"));
    OA_TRY(c.Authorize("modelarts:dataset:create", workspace));
    OA_ASSIGN_OR_RETURN(std::string project, c.ProjectId());
    OA_ASSIGN_OR_RETURN(data::CreateDatasetRequest r, data::DecodeCreateDataset(body));
    OA_ASSIGN_OR_RETURN(data::Dataset d, c.deps.data->CreateDataset(CallerOf(c, project, workspace), r));
    Json out = {{"dataset_id", d.id}, {"dataset_name", d.name}};
    // ModelArts' create body may ask for an import of the input path at once.
    if (body.value("import_data", false)) {
      Json ib = {{"import_path", d.input_path},
                 {"import_type", 0},
                 {"import_annotations", body.value("import_annotations", true)}};
      if (body.contains("label_format")) ib["label_format"] = body["label_format"];
      OA_ASSIGN_OR_RETURN(auto task, c.deps.data->SubmitImport(d, ib, CallerOf(c, project, workspace)));
      out["import_task_id"] = task.id;
    }
    c.Reply(201, out);
    return Status::Ok();
  });

  t.Authed("GET", base, [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_TRY(NeedData(c));
    data::DataService::ListRequest r;
    OA_ASSIGN_OR_RETURN(r.project_id, c.ProjectId());
    OA_ASSIGN_OR_RETURN(r.offset, QueryInt(c.req, "offset", 0, 0, 1 << 30));
    OA_ASSIGN_OR_RETURN(r.limit, QueryInt(c.req, "limit", 10, 1, 100));
    r.search = c.req.Query("search_content").value_or("");
    if (c.req.Query("dataset_type")) {
      OA_ASSIGN_OR_RETURN(int v, QueryInt(c.req, "dataset_type", 0, 0, 1000));
      r.type = v;
    }
    // Only the workspaces the caller may see: filtered in the query, so pages are full and the
    // total counts nothing hidden.
    std::string workspace = c.req.Query("workspace_id").value_or("");
    OA_TRY(c.Authorize("modelarts:dataset:list", workspace));
    if (workspace.empty()) {
      OA_ASSIGN_OR_RETURN(auto visible, c.deps.iam.VisibleWorkspaces(c.who));
      r.workspace_ids = std::move(visible);
    } else {
      r.workspace_ids = std::vector<std::string>{workspace};
    }
    OA_ASSIGN_OR_RETURN(auto list, c.deps.data->ListDatasets(r));
    Json items = Json::array();
    for (const auto& d : list.first) items.push_back(d.ToJson());
    c.Reply(200, {{"total_number", list.second}, {"datasets", std::move(items)}});
    return Status::Ok();
  });

  t.Authed("GET", ds, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    c.Reply(200, d.ToJson());
    return Status::Ok();
  });

  t.Authed("PUT", ds, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:update"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto u, c.deps.data->UpdateDataset(d.project_id, d.id, body));
    c.Reply(200, u.ToJson());
    return Status::Ok();
  });

  t.Authed("DELETE", ds, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:delete"));
    OA_TRY(c.deps.data->DeleteDataset(d.project_id, d.id));
    c.NoContent();
    return Status::Ok();
  });

  // ---- import / export tasks ----
  t.Authed("POST", ds + "/import-tasks", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:import"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto task, c.deps.data->SubmitImport(d, body, CallerOf(c, d.project_id, d.workspace_id)));
    c.Reply(201, {{"task_id", task.id}});
    return Status::Ok();
  });
  t.Authed("GET", ds + "/import-tasks", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(auto list, c.deps.data->ListTasks(d, data::kImportTaskType));
    Json items = Json::array();
    for (const auto& task : list) items.push_back(ImportTaskJson(task));
    c.Reply(200, {{"total_count", items.size()}, {"import_tasks", std::move(items)}});
    return Status::Ok();
  });
  t.Authed("GET", ds + "/import-tasks/{task_id}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(auto task, TaskOf(c, d, data::kImportTaskType));
    c.Reply(200, ImportTaskJson(task));
    return Status::Ok();
  });
  t.Authed("POST", ds + "/export-tasks", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:export"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto task, c.deps.data->SubmitExport(d, body, CallerOf(c, d.project_id, d.workspace_id)));
    c.Reply(201, {{"task_id", task.id}});
    return Status::Ok();
  });
  t.Authed("GET", ds + "/export-tasks", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(auto list, c.deps.data->ListTasks(d, data::kExportTaskType));
    Json items = Json::array();
    for (const auto& task : list) items.push_back(ExportTaskJson(task));
    c.Reply(200, {{"total_count", items.size()}, {"export_tasks", std::move(items)}});
    return Status::Ok();
  });
  t.Authed("GET", ds + "/export-tasks/{task_id}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(auto task, TaskOf(c, d, data::kExportTaskType));
    c.Reply(200, ExportTaskJson(task));
    return Status::Ok();
  });

  // ---- samples ----
  t.Authed("GET", ann + "/samples", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    data::SampleQuery q;
    OA_ASSIGN_OR_RETURN(q.limit, QueryInt(c.req, "limit", 10, 1, 100));
    OA_ASSIGN_OR_RETURN(int offset, QueryInt(c.req, "offset", 0, 0, 1 << 30));
    q.offset = offset;
    q.marker = c.req.Query("marker").value_or("");
    if (auto s = c.req.Query("sample_state")) {
      auto st = data::DecodeSampleState(*s);
      if (!st.ok()) return st.status();
      q.state = *st;
    }
    if (auto l = c.req.Query("label_name"); l && !l->empty()) q.labels = {*l};
    if (auto u = c.req.Query("sample_usage"); u && !u->empty()) {
      OA_ASSIGN_OR_RETURN(q.usage, data::DecodeUsage(*u));
    }
    if (auto h = c.req.Query("hard"); h && !h->empty()) q.hard = *h == "true" || *h == "1";
    q.search = c.req.Query("search").value_or("");
    OA_ASSIGN_OR_RETURN(auto page, c.deps.data->ListSamples(d, q));
    c.Reply(200, SamplePageJson(page));
    return Status::Ok();
  });
  t.Authed("GET", ann + "/samples/{sample_id}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(auto s, c.deps.data->GetSample(d, c.req.Param("sample_id")));
    c.Reply(200, s.ToJson());
    return Status::Ok();
  });
  // OpenArts: a sample's bytes, and a JPEG thumbnail of an image sample (?size=16..1024, default
  // 256), for the console's labeling views. A manifest may name objects of any bucket, so reading
  // needs the dataset's get permission AND read access to the source's bucket.
  t.Authed("GET", ann + "/samples/{sample_id}/content", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(auto content, c.deps.data->GetSampleContent(d, c.req.Param("sample_id")));
    OA_TRY(AuthorizeSource(c, content.source));
    if (const std::string* inm = c.req.Header("If-None-Match"); inm && NoneMatchHits(*inm, content.etag)) {
      c.resp.status = 304;
      c.resp.headers["ETag"] = "\"" + content.etag + "\"";
      return Status::Ok();
    }
    c.resp.status = 200;
    c.resp.headers["ETag"] = "\"" + content.etag + "\"";
    c.resp.headers["Content-Type"] = content.content_type;
    c.resp.headers["Cache-Control"] = "private, max-age=300";
    if (content.object.reader) {
      c.resp.stream = http::StreamBody{content.object.reader, 0, content.object.reader->Size()};
    } else {
      c.resp.body = std::move(content.text);
    }
    return Status::Ok();
  });
  t.Authed("GET", ann + "/samples/{sample_id}/thumbnail", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(int size, QueryInt(c.req, "size", 256, 16, 1024));
    // The etag check first: a browser's revalidation costs no decode.
    OA_ASSIGN_OR_RETURN(auto content, c.deps.data->GetSampleContent(d, c.req.Param("sample_id")));
    OA_TRY(AuthorizeSource(c, content.source));
    std::string etag = "\"" + content.etag + "-" + std::to_string(size) + "\"";
    if (const std::string* inm = c.req.Header("If-None-Match"); inm && NoneMatchHits(*inm, etag)) {
      c.resp.status = 304;
      c.resp.headers["ETag"] = etag;
      return Status::Ok();
    }
    OA_ASSIGN_OR_RETURN(std::string jpg, c.deps.data->SampleThumbnail(d, c.req.Param("sample_id"), size));
    c.resp.status = 200;
    c.resp.headers["ETag"] = etag;
    c.resp.headers["Content-Type"] = "image/jpeg";
    c.resp.headers["Cache-Control"] = "private, max-age=300";
    c.resp.body = std::move(jpg);
    return Status::Ok();
  });
  // Batch labeling: {"samples":[{"sample_id", "labels":[ModelArts sample labels], "sample_usage",
  // "hard"}], "offset_unit": "code_point"|"utf16"}.
  t.Authed("PUT", ann + "/samples", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:label"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto updates, data::DecodeSampleUpdates(body, d));
    OA_TRY(c.deps.data->UpdateSamples(d, updates));
    c.Reply(200, {{"success", true}, {"updated_sample_count", updates.size()}});
    return Status::Ok();
  });
  t.Authed("POST", ann + "/samples/delete", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:label"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto ids, StringList(body, "samples"));
    OA_ASSIGN_OR_RETURN(int64_t n, c.deps.data->DeleteSamples(d, ids));
    c.Reply(200, {{"success", true}, {"deleted_sample_count", n}});
    return Status::Ok();
  });
  // OpenArts: one label added to / removed from many samples (the console's bulk actions).
  t.Authed("POST", ann + "/samples/labels", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:label"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto ids, StringList(body, "samples"));
    OA_ASSIGN_OR_RETURN(std::string label, GetString(body, "label_name"));
    std::string action = body.value("action", std::string("add"));
    if (action == "add") {
      OA_TRY(c.deps.data->AddLabelToSamples(d, ids, label));
    } else if (action == "remove") {
      OA_TRY(c.deps.data->RemoveLabelFromSamples(d, ids, label));
    } else {
      return InvalidArgument("action: \"add\" or \"remove\"");
    }
    c.Reply(200, {{"success", true}});
    return Status::Ok();
  });

  // ---- labels ----
  t.Authed("GET", ann + "/labels", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(auto labels, c.deps.data->ListLabels(d));
    Json items = Json::array();
    for (const auto& l : labels) items.push_back(l.ToJson());
    c.Reply(200, {{"labels", std::move(items)}});
    return Status::Ok();
  });
  t.Authed("POST", ann + "/labels", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:label"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto labels, data::DecodeLabelList(body, d.type));
    OA_TRY(c.deps.data->CreateLabels(d, labels));
    c.Reply(201, {{"success", true}});
    return Status::Ok();
  });
  // Rename: labels[i].property["@modelarts:rename_to"] (spec §6.3).
  t.Authed("PUT", ann + "/labels", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:label"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto renames, data::DecodeRenames(body));
    OA_TRY(c.deps.data->RenameLabels(d, renames));
    c.Reply(200, {{"success", true}});
    return Status::Ok();
  });
  t.Authed("POST", ann + "/labels/delete", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:label"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto names, StringList(body, "labels"));
    OA_ASSIGN_OR_RETURN(auto policy, GetOptInt(body, "delete_policy"));
    OA_TRY(c.deps.data->DeleteLabels(d, names, static_cast<int>(policy.value_or(0))));
    c.Reply(200, {{"success", true}});
    return Status::Ok();
  });
  t.Authed("DELETE", ann + "/labels/{label_name}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:label"));
    int policy = QueryBool(c.req, "delete_source") ? 2 : 0;
    OA_TRY(c.deps.data->DeleteLabels(d, {c.req.Param("label_name")}, policy));
    c.NoContent();
    return Status::Ok();
  });

  // ---- intelligent labeling and feature analysis ----
  // {"task_type": "auto-label", "algorithm_type": "fast"} | {"task_type": "feature-analysis",
  // "version_id": "V001"}
  t.Authed("POST", ds + "/tasks", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:label"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    std::string type = body.value("task_type", std::string("auto-label"));
    data::Caller who = CallerOf(c, d.project_id, d.workspace_id);
    Result<tasks::TaskInfo> task = type == "feature-analysis" ? c.deps.data->SubmitAnalysis(d, body, who)
                                                              : c.deps.data->SubmitAutoLabel(d, body, who);
    if (!task.ok()) return task.status();
    c.Reply(201, {{"task_id", task->id}});
    return Status::Ok();
  });
  t.Authed("GET", ds + "/tasks", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    Json items = Json::array();
    for (auto type : {data::kAutoLabelTaskType, data::kAnalysisTaskType}) {
      OA_ASSIGN_OR_RETURN(auto list, c.deps.data->ListTasks(d, type));
      for (const auto& task : list) {
        Json j = task.ToJson();
        j["task_type"] = type == data::kAutoLabelTaskType ? "auto-label" : "feature-analysis";
        items.push_back(std::move(j));
      }
    }
    c.Reply(200, {{"tasks", std::move(items)}});
    return Status::Ok();
  });
  t.Authed("GET", ds + "/tasks/{task_id}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(auto task, c.deps.tasks.Get(c.req.Param("task_id")));
    if ((task.type != data::kAutoLabelTaskType && task.type != data::kAnalysisTaskType) ||
        task.params.value("dataset_id", "") != d.id) {
      return NotFound("task " + c.req.Param("task_id") + " does not exist in this dataset");
    }
    Json j = task.ToJson();
    j["task_type"] = task.type == data::kAutoLabelTaskType ? "auto-label" : "feature-analysis";
    c.Reply(200, j);
    return Status::Ok();
  });
  // Confirms predictions ("to be confirmed" → labeled): {"samples": [ids]}.
  t.Authed("POST", ann + "/samples/confirm", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:label"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto ids, StringList(body, "samples"));
    OA_ASSIGN_OR_RETURN(int64_t n, c.deps.data->ConfirmPredictions(d, ids));
    c.Reply(200, {{"success", true}, {"confirmed_sample_count", n}});
    return Status::Ok();
  });
  // Histograms of one metric: ?metric=brightness&usage=all|train|eval|test|inference&compare=V002,V003
  t.Authed("GET", ds + "/versions/{version_id}/features", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    std::vector<std::string> versions = {c.req.Param("version_id")};
    std::string compare = c.req.Query("compare").value_or("");
    size_t pos = 0;
    while (pos < compare.size()) {
      size_t comma = compare.find(',', pos);
      if (comma == std::string::npos) comma = compare.size();
      if (comma > pos) versions.push_back(compare.substr(pos, comma - pos));
      pos = comma + 1;
    }
    OA_ASSIGN_OR_RETURN(Json h, c.deps.data->FeatureHistograms(d, versions, c.req.Query("metric").value_or("brightness"),
                                                               c.req.Query("usage").value_or("all")));
    c.Reply(200, h);
    return Status::Ok();
  });

  // ---- versions ----
  t.Authed("POST", ds + "/versions", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:publish"));
    Json body = Json::object();
    if (!c.req.body.empty()) {
      OA_ASSIGN_OR_RETURN(body, Body(c));
    }
    OA_ASSIGN_OR_RETURN(auto req, data::DecodePublishRequest(body));
    OA_ASSIGN_OR_RETURN(auto v, c.deps.data->PublishVersion(d, req));
    c.Reply(201, {{"version_id", v.id}, {"version_name", v.name}});
    return Status::Ok();
  });
  t.Authed("GET", ds + "/versions", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(auto versions, c.deps.data->ListVersions(d));
    Json items = Json::array();
    for (const auto& v : versions) items.push_back(v.ToJson());
    c.Reply(200, {{"total_number", items.size()}, {"versions", std::move(items)}});
    return Status::Ok();
  });
  t.Authed("GET", ds + "/versions/{version_id}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:get"));
    OA_ASSIGN_OR_RETURN(auto v, c.deps.data->GetVersion(d, c.req.Param("version_id")));
    c.Reply(200, v.ToJson());
    return Status::Ok();
  });
  t.Authed("DELETE", ds + "/versions/{version_id}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, LoadDataset(c, "modelarts:dataset:delete"));
    OA_TRY(c.deps.data->DeleteVersion(d, c.req.Param("version_id")));
    c.NoContent();
    return Status::Ok();
  });
}

}  // namespace openarts::api
