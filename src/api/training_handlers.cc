// Training jobs: /v2/{project_id}/training-jobs... (ModelArts REST API v2 shapes, see
// docs/training.md), plus /training-job-flavors and /training-job-engines.
#include "route_table.h"

namespace openarts::api {
namespace {

Status NeedTraining(const Call& c) {
  if (!c.deps.training) return Unavailable("the training service is not running on this daemon");
  return Status::Ok();
}

// Loads the job named by {training_job_id} and authorizes `action` in its workspace.
Result<train::JobRef> Job(Call& c, const std::string& action) {
  OA_TRY(c.CheckProject());
  OA_TRY(NeedTraining(c));
  OA_ASSIGN_OR_RETURN(train::JobRef ref, c.deps.training->Ref(c.req.Param("training_job_id")));
  OA_ASSIGN_OR_RETURN(std::string project, c.ProjectId());
  if (ref.project_id != project) {
    return NotFound("training job '" + ref.id + "' not found");
  }
  OA_TRY(c.Authorize(action, ref.workspace_id));
  return ref;
}

Result<Json> Body(const Call& c) {
  if (c.req.body.empty()) return InvalidArgument("request body: a JSON object is required");
  return ParseJson(c.req.body);
}

}  // namespace

void RegisterTrainingRoutes(RouteTable& t) {
  const std::string base = "/v2/{project_id}/training-jobs";
  const std::string job = base + "/{training_job_id}";

  t.Authed("POST", base, [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_TRY(NeedTraining(c));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    std::string workspace = "0";
    if (body.is_object() && body.contains("metadata") && body["metadata"].is_object()) {
      workspace = body["metadata"].value("workspace_id", "0");
    }
    OA_TRY(c.Authorize("modelarts:trainJob:create", workspace));
    OA_ASSIGN_OR_RETURN(std::string project, c.ProjectId());
    OA_ASSIGN_OR_RETURN(Json created,
                        c.deps.training->Create({c.who.user_id, c.who.user_name, project}, body));
    c.Reply(201, created);
    return Status::Ok();
  });

  t.Authed("GET", job, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto ref, Job(c, "modelarts:trainJob:get"));
    OA_ASSIGN_OR_RETURN(Json j, c.deps.training->Get(ref.id));
    c.Reply(200, j);
    return Status::Ok();
  });

  t.Authed("PUT", job, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto ref, Job(c, "modelarts:trainJob:update"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(std::string description, GetString(body, "description"));
    OA_ASSIGN_OR_RETURN(Json j, c.deps.training->UpdateDescription(ref.id, description));
    c.Reply(200, j);
    return Status::Ok();
  });

  t.Authed("DELETE", job, [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto ref, Job(c, "modelarts:trainJob:delete"));
    OA_TRY(c.deps.training->Delete(ref.id));
    c.resp.status = 202;
    return Status::Ok();
  });

  t.Authed("POST", job + "/actions", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto ref, Job(c, "modelarts:trainJob:update"));
    OA_ASSIGN_OR_RETURN(Json body, Body(c));
    OA_ASSIGN_OR_RETURN(std::string action, GetString(body, "action_type"));
    if (action != "terminate") {
      return InvalidArgument("action_type: '" + action + "' is not supported; use 'terminate'");
    }
    OA_TRY(c.deps.training->Terminate(ref.id));
    OA_ASSIGN_OR_RETURN(Json j, c.deps.training->Get(ref.id));
    c.Reply(202, j);
    return Status::Ok();
  });

  t.Authed("POST", "/v2/{project_id}/training-job-searches", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_TRY(NeedTraining(c));
    Json body = Json::object();
    if (!c.req.body.empty()) {
      OA_ASSIGN_OR_RETURN(body, ParseJson(c.req.body));
      if (!body.is_object()) return InvalidArgument("request body: expected a JSON object");
    }
    train::SearchRequest r;
    OA_ASSIGN_OR_RETURN(r.project_id, c.ProjectId());
    OA_ASSIGN_OR_RETURN(auto offset, GetOptInt(body, "offset"));
    OA_ASSIGN_OR_RETURN(auto limit, GetOptInt(body, "limit"));
    r.offset = static_cast<int>(offset.value_or(0));
    r.limit = static_cast<int>(limit.value_or(10));
    if (r.offset < 0) return InvalidArgument("offset: must be at least 0");
    if (r.limit < 1 || r.limit > 50) return InvalidArgument("limit: must be from 1 to 50");
    OA_ASSIGN_OR_RETURN(auto order, GetOptString(body, "order"));
    if (order && *order != "asc" && *order != "desc") {
      return InvalidArgument("order: must be 'asc' or 'desc'");
    }
    r.ascending = order && *order == "asc";
    OA_ASSIGN_OR_RETURN(auto sort_by, GetOptString(body, "sort_by"));
    if (sort_by && *sort_by != "create_time") {
      return InvalidArgument("sort_by: only 'create_time' is supported");
    }
    std::string workspace;
    OA_ASSIGN_OR_RETURN(const Json* filters, GetOptArray(body, "filters"));
    if (filters) {
      for (size_t i = 0; i < filters->size(); ++i) {
        const Json& f = (*filters)[i];
        const std::string path = "filters[" + std::to_string(i) + "]";
        OA_ASSIGN_OR_RETURN(std::string key, GetString(f, "key", path));
        OA_ASSIGN_OR_RETURN(auto op, GetOptString(f, "operator", path));
        OA_ASSIGN_OR_RETURN(const Json* values, GetOptArray(f, "value", path));
        std::vector<std::string> vals;
        if (values) {
          for (const auto& v : *values) {
            if (!v.is_string()) return InvalidArgument(path + ".value: expected strings");
            vals.push_back(v.get<std::string>());
          }
        }
        if (vals.empty()) return InvalidArgument(path + ".value: at least one value is required");
        if (key == "name") {
          r.name = vals[0];
          r.name_exact = op && *op == "in";
        } else if (key == "phase") {
          r.phases = vals;
        } else if (key == "user_id") {
          r.user_id = vals[0];
        } else if (key == "workspace_id") {
          workspace = vals[0];
        } else {
          return InvalidArgument(path + ".key: '" + key +
                                 "' cannot be filtered on here; use name, phase, user_id or workspace_id");
        }
      }
    }
    OA_TRY(c.Authorize("modelarts:trainJob:list", workspace));
    if (workspace.empty()) {
      OA_ASSIGN_OR_RETURN(auto visible, c.deps.iam.VisibleWorkspaces(c.who));
      r.workspace_ids = std::move(visible);
    } else {
      r.workspace_ids = std::vector<std::string>{workspace};
    }
    OA_ASSIGN_OR_RETURN(Json result, c.deps.training->Search(r));
    c.Reply(200, result);
    return Status::Ok();
  });

  t.Authed("GET", job + "/events", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto ref, Job(c, "modelarts:trainJob:get"));
    train::EventQuery q;
    OA_ASSIGN_OR_RETURN(q.offset, QueryInt(c.req, "offset", 0, 0, 1 << 30));
    OA_ASSIGN_OR_RETURN(q.limit, QueryInt(c.req, "limit", 50, 1, 100));
    const std::string order = c.req.Query("order").value_or("asc");
    if (order != "asc" && order != "desc") {
      return InvalidArgument("query parameter 'order' must be asc or desc");
    }
    q.ascending = order == "asc";
    for (auto [name, field] : {std::pair{"start_time", &q.start_time}, {"end_time", &q.end_time}}) {
      if (auto v = c.req.Query(name); v && !v->empty()) {
        char* end = nullptr;
        *field = std::strtoll(v->c_str(), &end, 10);
        if (*end != '\0' || *field < 0) {
          return InvalidArgument(std::string("query parameter '") + name +
                                 "' must be a time in milliseconds");
        }
      }
    }
    q.level = c.req.Query("level").value_or("");
    if (!q.level.empty() && q.level != "Info" && q.level != "Warning" && q.level != "Error") {
      return InvalidArgument("query parameter 'level' must be Info, Warning or Error");
    }
    q.source = c.req.Query("source").value_or("");
    if (!q.source.empty() && q.source != "Job" && q.source != "Task" && q.source != "K8S") {
      return InvalidArgument("query parameter 'source' must be Job, Task or K8S");
    }
    q.pattern = c.req.Query("pattern").value_or("");
    if (q.pattern.size() > 256) {
      return InvalidArgument("query parameter 'pattern' must be at most 256 characters");
    }
    OA_ASSIGN_OR_RETURN(Json events, c.deps.training->Events(ref.id, q));
    c.Reply(200, events);
    return Status::Ok();
  });

  t.Authed("GET", job + "/tasks/{task_id}/logs/preview", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto ref, Job(c, "modelarts:trainJob:getLog"));
    OA_ASSIGN_OR_RETURN(Json j, c.deps.training->LogPreview(ref.id, c.req.Param("task_id")));
    c.Reply(200, j);
    return Status::Ok();
  });

  t.Authed("GET", job + "/tasks/{task_id}/logs/url", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto ref, Job(c, "modelarts:trainJob:getLog"));
    OA_ASSIGN_OR_RETURN(Json j, c.deps.training->Get(ref.id));
    const std::string task = c.req.Param("task_id");
    // The full log from the daemon (valid as long as the job exists); the uploaded copy too
    // once the job has finished and a log URL was given.
    Json out = {{"obs_url", ""},
                {"url", "/v2/" + c.req.Param("project_id") + "/training-jobs/" + ref.id + "/tasks/" +
                            task + "/logs"}};
    const std::string log_url = j["spec"].value("log_export_path", Json::object()).value("obs_url", "");
    if (!log_url.empty()) {
      out["obs_url"] = log_url + j["metadata"]["name"].get<std::string>() + "-" + task + ".log";
    }
    c.Reply(200, out);
    return Status::Ok();
  });

  t.Authed("GET", job + "/tasks/{task_id}/logs", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto ref, Job(c, "modelarts:trainJob:getLog"));
    const std::string task = c.req.Param("task_id");
    uint64_t offset = 0;
    if (auto v = c.req.Query("offset"); v && !v->empty()) {
      char* end = nullptr;
      offset = std::strtoull(v->c_str(), &end, 10);
      if (*end != '\0') return InvalidArgument("query parameter 'offset' must be a byte offset");
    }
    if (const std::string* last = c.req.Header("Last-Event-ID"); last && !last->empty()) {
      offset = std::strtoull(last->c_str(), nullptr, 10);  // an SSE client resuming
    }
    const bool timestamps = QueryBool(c.req, "timestamps");
    if (c.req.IsWebSocketUpgrade()) {
      // WebSocket: one text message per batch of lines, JSON {"offset": <resume offset>,
      // "lines": [...]}; the server closes with 1000 "finished" once the job has ended and
      // everything was sent.
      train::JobService* training = c.deps.training;
      const std::string id = ref.id;
      c.resp.websocket = [training, id, task, offset, timestamps](http::WebSocket& ws) mutable {
        while (!ws.closed()) {
          auto r = training->ReadLog(id, task, offset, 256 << 10);
          if (!r.ok()) {
            ws.Close(1011, r.status().message());
            return;
          }
          if (!r->lines.empty()) {
            Json lines = Json::array();
            for (const auto& line : r->lines) {
              lines.push_back(timestamps ? FormatIso8601(line.time_ms) + " " + line.text : line.text);
            }
            offset = r->next_offset;
            Json msg = {{"offset", offset}, {"lines", std::move(lines)}};
            if (!ws.Send(msg.dump(-1, ' ', false, Json::error_handler_t::replace))) return;
            continue;
          }
          offset = std::max(offset, r->next_offset);
          if (r->finished) {
            ws.Close(1000, "finished");
            return;
          }
          (void)ws.Receive(20);  // waits, and notices a client that went away
        }
      };
      return Status::Ok();
    }
    if (QueryBool(c.req, "follow")) {
      // Server-Sent Events: one "log" event per batch of lines (id = the offset to resume from),
      // then "end" when the job has finished and everything was sent.
      train::JobService* training = c.deps.training;
      const std::string id = ref.id;
      c.resp.SetEventStream([training, id, task, offset, timestamps](http::ResponseWriter& w) mutable {
        int idle_ms = 0;
        while (!w.closed()) {
          auto r = training->ReadLog(id, task, offset, 256 << 10);
          if (!r.ok()) {
            w.Write(http::SseEvent("error", r.status().message()));
            return;
          }
          if (!r->lines.empty()) {
            std::string text;
            for (const auto& line : r->lines) {
              if (!text.empty()) text += '\n';
              if (timestamps) text += FormatIso8601(line.time_ms) + " ";
              text += line.text;
            }
            offset = r->next_offset;
            if (!w.Write(http::SseEvent("log", text, std::to_string(offset)))) return;
            idle_ms = 0;
            continue;
          }
          offset = std::max(offset, r->next_offset);
          if (r->finished) {
            w.Write(http::SseEvent("end", "finished", std::to_string(offset)));
            return;
          }
          if (idle_ms >= 15000) {  // keep proxies from closing a quiet stream
            if (!w.Write(http::SseComment())) return;
            idle_ms = 0;
          }
          w.WaitClosed(20);
          idle_ms += 20;
        }
      });
      return Status::Ok();
    }
    OA_ASSIGN_OR_RETURN(int limit, QueryInt(c.req, "limit", 1 << 20, 1, 16 << 20));
    OA_ASSIGN_OR_RETURN(train::LogRead r, c.deps.training->ReadLog(ref.id, task, offset,
                                                                    static_cast<size_t>(limit)));
    std::string text;
    for (const auto& line : r.lines) {
      if (timestamps) text += FormatIso8601(line.time_ms) + " ";
      text += line.text;
      text += '\n';
    }
    c.resp.status = 200;
    c.resp.headers["Content-Type"] = "text/plain; charset=utf-8";
    c.resp.headers["X-Log-Next-Offset"] = std::to_string(r.next_offset);
    c.resp.headers["X-Log-End-Offset"] = std::to_string(r.end_offset);
    c.resp.headers["X-Log-Finished"] = r.finished ? "true" : "false";
    c.resp.body = std::move(text);
    return Status::Ok();
  });

  t.Authed("GET", job + "/metrics/{task_id}", [](Call& c) -> Status {
    OA_ASSIGN_OR_RETURN(auto ref, Job(c, "modelarts:trainJob:get"));
    OA_ASSIGN_OR_RETURN(Json j, c.deps.training->Metrics(ref.id, c.req.Param("task_id")));
    c.Reply(200, j);
    return Status::Ok();
  });

  t.Authed("GET", "/v2/{project_id}/training-job-flavors", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_TRY(NeedTraining(c));
    OA_TRY(c.Authorize("modelarts:trainJob:list"));
    const std::string type = c.req.Query("flavor_type").value_or("");
    if (!type.empty() && type != "CPU" && type != "GPU" && type != "Ascend") {
      return InvalidArgument("query parameter 'flavor_type' must be CPU, GPU or Ascend");
    }
    c.Reply(200, c.deps.training->Flavors(type));
    return Status::Ok();
  });

  t.Authed("GET", "/v2/{project_id}/training-job-engines", [](Call& c) -> Status {
    OA_TRY(c.CheckProject());
    OA_TRY(NeedTraining(c));
    OA_TRY(c.Authorize("modelarts:trainJob:list"));
    c.Reply(200, c.deps.training->Engines());
    return Status::Ok();
  });
}

}  // namespace openarts::api
