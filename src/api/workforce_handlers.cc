// Team labeling (docs/team-labeling.md, ModelArts shapes): teams under /v2/{project_id}/workforces
// and team labeling tasks under /v2/{project_id}/datasets/{dataset_id}/workforce-tasks.
//
// Teams are a project's resource: modelarts:workforce:create|list|get|update|delete. Inside a task
// the team decides, in data::Teams and not only here: a member needs no IAM grant to see and label
// their share or to review, and an IAM grant of modelarts:workforceTask:<op> in the dataset's
// workspace (administrators included) makes the caller a supervisor who sees and reviews
// everything. Creating and deleting tasks is IAM only. GET .../workforces/worker-tasks is
// self-service: the caller's own tasks.
#include "data/teams.h"
#include "route_table.h"

namespace openarts::api {
namespace {

Result<std::string> TeamsProject(const Call& c) {
  OA_TRY(c.CheckProject());
  if (!c.deps.teams || !c.deps.data) return Unavailable("team labeling is not running on this daemon");
  return c.ProjectId();
}

Result<Json> Body(const Call& c, bool empty_ok = false) {
  if (c.req.body.empty()) {
    if (empty_ok) return Json::object();
    return InvalidArgument("request body: a JSON object is required");
  }
  OA_ASSIGN_OR_RETURN(Json j, ParseJson(c.req.body));
  if (!j.is_object()) return InvalidArgument("request body: expected a JSON object");
  return j;
}

// {dataset_id} without an IAM decision: members need none.
Result<data::Dataset> TaskDataset(const Call& c) {
  OA_ASSIGN_OR_RETURN(std::string project, TeamsProject(c));
  return c.deps.data->GetDataset(project, c.req.Param("dataset_id"));
}

// The caller as data::Teams sees them: a supervisor when IAM allows `action` in the dataset's
// workspace; a denial only means "not a supervisor" (membership may still let them in).
Result<data::Actor> ActorFor(const Call& c, const data::Dataset& d, const std::string& action) {
  data::Actor a{c.who.user_id, c.who.user_name, false};
  Status s = c.Authorize(action, d.workspace_id);
  if (s.ok()) {
    a.supervisor = true;
  } else if (s.code() != Code::kPermissionDenied) {
    return s;
  }
  return a;
}

Json TaskList(const std::vector<data::WorkforceTask>& tasks) {
  Json items = Json::array();
  for (const auto& t : tasks) items.push_back(t.ToJson());
  return Json{{"total_number", items.size()}, {"tasks", std::move(items)}};
}

// ?sample_state&label_name&sample_usage&hard&search&worker_id&marker&offset&limit
Result<data::TaskSampleQuery> SampleQueryOf(const Call& c) {
  data::TaskSampleQuery q;
  OA_ASSIGN_OR_RETURN(q.query.limit, QueryInt(c.req, "limit", 10, 1, 100));
  OA_ASSIGN_OR_RETURN(int offset, QueryInt(c.req, "offset", 0, 0, 1 << 30));
  q.query.offset = offset;
  q.query.marker = c.req.Query("marker").value_or("");
  OA_ASSIGN_OR_RETURN(q.states, data::DecodeTaskSampleState(c.req.Query("sample_state").value_or("")));
  if (auto l = c.req.Query("label_name"); l && !l->empty()) q.query.labels = {*l};
  if (auto u = c.req.Query("sample_usage"); u && !u->empty()) {
    OA_ASSIGN_OR_RETURN(q.query.usage, data::DecodeUsage(*u));
  }
  if (auto h = c.req.Query("hard"); h && !h->empty()) q.query.hard = *h == "true" || *h == "1";
  q.query.search = c.req.Query("search").value_or("");
  q.worker_id = c.req.Query("worker_id").value_or("");
  return q;
}

// {"samples": [ids]} (absent or empty: all of the caller's labeled samples).
Result<std::vector<std::string>> SubmitIds(const Json& body) {
  std::vector<std::string> ids;
  auto it = body.find("samples");
  if (it == body.end() || it->is_null()) return ids;
  if (!it->is_array()) return InvalidArgument("samples: expected a list of sample ids (or leave it out: all)");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& v = (*it)[i];
    if (v.is_string()) {
      ids.push_back(v.get<std::string>());
    } else if (v.is_object() && v.contains("sample_id") && v["sample_id"].is_string()) {
      ids.push_back(v["sample_id"].get<std::string>());
    } else {
      return InvalidArgument("samples[" + std::to_string(i) + "]: expected a sample id");
    }
  }
  return ids;
}

void RegisterTeams(RouteTable& t) {
  const std::string base = "/v2/{project_id}/workforces";
  const std::string wf = base + "/{workforce_id}";

  t.Authed("POST", base, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string project, TeamsProject(c));
    OA_TRY(c.Authorize("modelarts:workforce:create"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto req, data::DecodeCreateWorkforce(body));
    OA_ASSIGN_OR_RETURN(auto w, c.deps.teams->CreateWorkforce({c.who.user_id, c.who.user_name, project}, req));
    c.Reply(201, {{"workforce_id", w.id}, {"workforce_name", w.name}, {"worker_count", w.worker_count}});
    return Status::Ok();
  });
  t.Authed("GET", base, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string project, TeamsProject(c));
    OA_TRY(c.Authorize("modelarts:workforce:list"));
    OA_ASSIGN_OR_RETURN(int offset, QueryInt(c.req, "offset", 0, 0, 1 << 30));
    OA_ASSIGN_OR_RETURN(int limit, QueryInt(c.req, "limit", 10, 1, 100));
    OA_ASSIGN_OR_RETURN(auto list, c.deps.teams->ListWorkforces(project, offset, limit));
    Json items = Json::array();
    for (const auto& w : list.first) items.push_back(w.ToJson());
    c.Reply(200, {{"total_number", list.second}, {"workforces", std::move(items)}});
    return Status::Ok();
  });
  // Self-service: the team labeling tasks the caller works in, with their role.
  t.Authed("GET", base + "/worker-tasks", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string project, TeamsProject(c));
    OA_ASSIGN_OR_RETURN(auto tasks, c.deps.teams->ListMyTasks(project, {c.who.user_id, c.who.user_name, false}));
    c.Reply(200, TaskList(tasks));
    return Status::Ok();
  });
  t.Authed("GET", wf, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string project, TeamsProject(c));
    OA_TRY(c.Authorize("modelarts:workforce:get"));
    OA_ASSIGN_OR_RETURN(auto w, c.deps.teams->GetWorkforce(project, c.req.Param("workforce_id")));
    c.Reply(200, w.ToJson());
    return Status::Ok();
  });
  t.Authed("PUT", wf, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string project, TeamsProject(c));
    OA_TRY(c.Authorize("modelarts:workforce:update"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto w, c.deps.teams->UpdateWorkforce(project, c.req.Param("workforce_id"), body));
    c.Reply(200, w.ToJson());
    return Status::Ok();
  });
  t.Authed("DELETE", wf, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string project, TeamsProject(c));
    OA_TRY(c.Authorize("modelarts:workforce:delete"));
    OA_TRY(c.deps.teams->DeleteWorkforce(project, c.req.Param("workforce_id")));
    c.NoContent();
    return Status::Ok();
  });
  t.Authed("POST", wf + "/workers", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string project, TeamsProject(c));
    OA_TRY(c.Authorize("modelarts:workforce:update"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto specs, data::DecodeWorkers(body));
    OA_ASSIGN_OR_RETURN(auto added, c.deps.teams->AddWorkers(project, c.req.Param("workforce_id"), specs));
    Json items = Json::array();
    for (const auto& w : added) items.push_back(w.ToJson());
    c.Reply(201, {{"success", true}, {"workers", std::move(items)}});
    return Status::Ok();
  });
  t.Authed("GET", wf + "/workers", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string project, TeamsProject(c));
    OA_TRY(c.Authorize("modelarts:workforce:get"));
    OA_ASSIGN_OR_RETURN(auto workers, c.deps.teams->ListWorkers(project, c.req.Param("workforce_id")));
    Json items = Json::array();
    for (const auto& w : workers) items.push_back(w.ToJson());
    c.Reply(200, {{"total_number", items.size()}, {"workers", std::move(items)}});
    return Status::Ok();
  });
  t.Authed("DELETE", wf + "/workers/{worker_id}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(std::string project, TeamsProject(c));
    OA_TRY(c.Authorize("modelarts:workforce:update"));
    OA_TRY(c.deps.teams->DeleteWorker(project, c.req.Param("workforce_id"), c.req.Param("worker_id")));
    c.NoContent();
    return Status::Ok();
  });
}

void RegisterTasks(RouteTable& t) {
  const std::string base = "/v2/{project_id}/datasets/{dataset_id}/workforce-tasks";
  const std::string task = base + "/{workforce_task_id}";
  const std::string samples = task + "/data-annotations/samples";

  t.Authed("POST", base, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, TaskDataset(c));
    OA_TRY(c.Authorize("modelarts:workforceTask:create", d.workspace_id));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto req, data::DecodeCreateWorkforceTask(body));
    OA_ASSIGN_OR_RETURN(auto created, c.deps.teams->CreateTask(
                                          d, {c.who.user_id, c.who.user_name, d.project_id, d.workspace_id}, req));
    c.Reply(201, created.ToJson());
    return Status::Ok();
  });
  t.Authed("GET", base, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, TaskDataset(c));
    OA_ASSIGN_OR_RETURN(auto who, ActorFor(c, d, "modelarts:workforceTask:list"));
    OA_ASSIGN_OR_RETURN(auto tasks, c.deps.teams->ListTasks(d, who));
    c.Reply(200, TaskList(tasks));
    return Status::Ok();
  });
  t.Authed("GET", task, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, TaskDataset(c));
    OA_ASSIGN_OR_RETURN(auto who, ActorFor(c, d, "modelarts:workforceTask:get"));
    OA_ASSIGN_OR_RETURN(auto found, c.deps.teams->GetTask(d, c.req.Param("workforce_task_id"), who));
    c.Reply(200, found.ToJson());
    return Status::Ok();
  });
  t.Authed("DELETE", task, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, TaskDataset(c));
    OA_TRY(c.Authorize("modelarts:workforceTask:delete", d.workspace_id));
    OA_TRY(c.deps.teams->DeleteTask(d, c.req.Param("workforce_task_id")));
    c.NoContent();
    return Status::Ok();
  });
  t.Authed("GET", task + "/metrics", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, TaskDataset(c));
    OA_ASSIGN_OR_RETURN(auto who, ActorFor(c, d, "modelarts:workforceTask:get"));
    OA_ASSIGN_OR_RETURN(auto p, c.deps.teams->Progress(d, c.req.Param("workforce_task_id"), who));
    c.Reply(200, p.ToJson());
    return Status::Ok();
  });

  // ---- the samples of a task: the dataset's sample shapes, seen through the caller's role ----
  t.Authed("GET", samples, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, TaskDataset(c));
    OA_ASSIGN_OR_RETURN(auto who, ActorFor(c, d, "modelarts:workforceTask:get"));
    // Membership first: a stranger learns nothing from query validation.
    OA_TRY(c.deps.teams->CheckAccess(d, c.req.Param("workforce_task_id"), who));
    OA_ASSIGN_OR_RETURN(auto q, SampleQueryOf(c));
    OA_ASSIGN_OR_RETURN(auto page, c.deps.teams->ListTaskSamples(d, c.req.Param("workforce_task_id"), who, q));
    c.Reply(200, SamplePageJson(page));
    return Status::Ok();
  });
  t.Authed("GET", samples + "/{sample_id}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, TaskDataset(c));
    OA_ASSIGN_OR_RETURN(auto who, ActorFor(c, d, "modelarts:workforceTask:get"));
    OA_ASSIGN_OR_RETURN(auto s, c.deps.teams->GetTaskSample(d, c.req.Param("workforce_task_id"), who,
                                                             c.req.Param("sample_id"),
                                                             c.req.Query("worker_id").value_or("")));
    c.Reply(200, s.ToJson());
    return Status::Ok();
  });
  // Labeling by the member: the body of PUT .../datasets/{id}/data-annotations/samples.
  t.Authed("PUT", samples, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, TaskDataset(c));
    OA_ASSIGN_OR_RETURN(auto who, ActorFor(c, d, "modelarts:workforceTask:get"));
    OA_TRY(c.deps.teams->CheckAccess(d, c.req.Param("workforce_task_id"), who));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto updates, data::DecodeSampleUpdates(body, d));
    OA_ASSIGN_OR_RETURN(int64_t n, c.deps.teams->LabelSamples(d, c.req.Param("workforce_task_id"), who, updates));
    c.Reply(200, {{"success", true}, {"updated_sample_count", n}});
    return Status::Ok();
  });
  t.Authed("POST", samples + "/submit", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, TaskDataset(c));
    OA_ASSIGN_OR_RETURN(auto who, ActorFor(c, d, "modelarts:workforceTask:get"));
    OA_TRY(c.deps.teams->CheckAccess(d, c.req.Param("workforce_task_id"), who));
    OA_ASSIGN_OR_RETURN(Json body, Body(c, true));
    OA_ASSIGN_OR_RETURN(auto ids, SubmitIds(body));
    OA_ASSIGN_OR_RETURN(int64_t n, c.deps.teams->SubmitSamples(d, c.req.Param("workforce_task_id"), who, ids));
    c.Reply(200, {{"success", true}, {"submitted_sample_count", n}});
    return Status::Ok();
  });
  t.Authed("POST", samples + "/review", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto d, TaskDataset(c));
    OA_ASSIGN_OR_RETURN(auto who, ActorFor(c, d, "modelarts:workforceTask:review"));
    OA_TRY(c.deps.teams->CheckAccess(d, c.req.Param("workforce_task_id"), who));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(auto req, data::DecodeReview(body));
    OA_ASSIGN_OR_RETURN(int64_t n, c.deps.teams->ReviewSamples(d, c.req.Param("workforce_task_id"), who, req));
    c.Reply(200, {{"success", true}, {"reviewed_sample_count", n}});
    return Status::Ok();
  });
}

}  // namespace

void RegisterWorkforceRoutes(RouteTable& t) {
  RegisterTeams(t);
  RegisterTasks(t);
}

}  // namespace openarts::api
