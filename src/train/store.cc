#include "store.h"

namespace openarts::train {
namespace {

constexpr const char* kJobCols =
    "id, project_id, workspace_id, name, description, user_id, user_name, spec, phase, "
    "secondary_phase, reason, priority, retry_limit, run_count, output_version, "
    "terminate_requested, create_time, start_time, end_time, update_time";

Result<JobRow> FromRow(const meta::Row& r) {
  JobRow j;
  j.id = r.Str(0);
  j.project_id = r.Str(1);
  j.workspace_id = r.Str(2);
  j.name = r.Str(3);
  j.description = r.Str(4);
  j.user_id = r.Str(5);
  j.user_name = r.Str(6);
  OA_ASSIGN_OR_RETURN(j.spec, ParseJson(r.Str(7)));
  j.phase = r.Str(8);
  j.secondary_phase = r.Str(9);
  j.reason = r.Str(10);
  j.priority = static_cast<int>(r.Int(11));
  j.retry_limit = static_cast<int>(r.Int(12));
  j.run_count = static_cast<int>(r.Int(13));
  j.output_version = static_cast<int>(r.Int(14));
  j.terminate_requested = r.Int(15) != 0;
  j.create_time = r.Int(16);
  j.start_time = r.Int(17);
  j.end_time = r.Int(18);
  j.update_time = r.Int(19);
  return j;
}

Result<std::vector<JobRow>> FromRows(const meta::Rows& rows) {
  std::vector<JobRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    OA_ASSIGN_OR_RETURN(JobRow j, FromRow(r));
    out.push_back(std::move(j));
  }
  return out;
}

Status ExpectOne(Result<int64_t> changed, const std::string& id) {
  if (!changed.ok()) return changed.status();
  if (*changed == 0) return NotFound("training job '" + id + "' not found");
  return Status::Ok();
}

}  // namespace

Status Store::Insert(const JobRow& j) {
  return db_
      .Exec(std::string("INSERT INTO training_jobs (") + kJobCols +
                ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)",
            {j.id, j.project_id, j.workspace_id, j.name, j.description, j.user_id, j.user_name,
             j.spec.dump(), j.phase, j.secondary_phase, j.reason, int64_t{j.priority},
             int64_t{j.retry_limit}, int64_t{j.run_count}, int64_t{j.output_version},
             int64_t{j.terminate_requested}, j.create_time, j.start_time, j.end_time,
             j.update_time})
      .status();
}

Result<JobRow> Store::Get(const std::string& id) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query(std::string("SELECT ") + kJobCols +
                                               " FROM training_jobs WHERE id = $1",
                                           {id}));
  if (rows.empty()) return NotFound("training job '" + id + "' not found");
  return FromRow(rows[0]);
}

Result<std::vector<JobRow>> Store::Active() {
  OA_ASSIGN_OR_RETURN(auto rows,
                      db_.Query(std::string("SELECT ") + kJobCols +
                                " FROM training_jobs WHERE phase IN ('Creating', 'Pending', "
                                "'Running', 'Terminating') ORDER BY create_time, id"));
  return FromRows(rows);
}

Status Store::SetPhase(const std::string& id, const std::string& phase,
                       const std::string& secondary, const std::string& reason, int64_t now) {
  return ExpectOne(db_.Exec("UPDATE training_jobs SET phase = $2, secondary_phase = $3, reason = $4, "
                            "update_time = $5 WHERE id = $1",
                            {id, phase, secondary, reason, now}),
                   id);
}

Status Store::SetStarted(const std::string& id, int64_t now) {
  return ExpectOne(
      db_.Exec("UPDATE training_jobs SET phase = 'Running', secondary_phase = 'Running', reason = '', "
               "start_time = CASE WHEN start_time = 0 THEN $2 ELSE start_time END, update_time = $2 "
               "WHERE id = $1",
               {id, now}),
      id);
}

Status Store::SetFinished(const std::string& id, const std::string& phase,
                          const std::string& secondary, const std::string& reason, int64_t now) {
  return ExpectOne(db_.Exec("UPDATE training_jobs SET phase = $2, secondary_phase = $3, reason = $4, "
                            "end_time = $5, update_time = $5 WHERE id = $1",
                            {id, phase, secondary, reason, now}),
                   id);
}

Status Store::SetTerminateRequested(const std::string& id, int64_t now) {
  return ExpectOne(db_.Exec("UPDATE training_jobs SET terminate_requested = 1, phase = 'Terminating', "
                            "secondary_phase = 'Terminating', update_time = $2 WHERE id = $1",
                            {id, now}),
                   id);
}

Status Store::SetDescription(const std::string& id, const std::string& description, int64_t now) {
  return ExpectOne(db_.Exec("UPDATE training_jobs SET description = $2, update_time = $3 WHERE id = $1",
                            {id, description, now}),
                   id);
}

Status Store::Delete(const std::string& id) {
  return db_.Transact([&](meta::Tx& tx) -> Status {
    for (const char* table : {"training_events", "training_tasks", "training_runs"}) {
      OA_TRY(tx.Exec(std::string("DELETE FROM ") + table + " WHERE job_id = $1", {id}).status());
    }
    return ExpectOne(tx.Exec("DELETE FROM training_jobs WHERE id = $1", {id}), id);
  });
}

Status Store::BeginRun(const std::string& id, int run, const std::string& start_type,
                       int node_count, int64_t now) {
  return db_.Transact([&](meta::Tx& tx) -> Status {
    OA_TRY(tx.Exec("INSERT INTO training_runs (job_id, run, start_type, start_at) VALUES ($1,$2,$3,$4)",
                   {id, int64_t{run}, start_type, now})
               .status());
    for (int i = 0; i < node_count; ++i) {
      OA_TRY(tx.Exec("INSERT INTO training_tasks (job_id, run, task, state) VALUES ($1,$2,$3,'Starting')",
                     {id, int64_t{run}, "worker-" + std::to_string(i)})
                 .status());
    }
    return ExpectOne(tx.Exec("UPDATE training_jobs SET run_count = $2, update_time = $3 WHERE id = $1",
                             {id, int64_t{run}, now}),
                     id);
  });
}

Status Store::EndRun(const std::string& id, int run, int64_t now, const std::string& reason,
                     const std::string& related_task, const std::string& recover) {
  return db_
      .Exec("UPDATE training_runs SET end_at = $3, end_reason = $4, end_related_task = $5, "
            "end_recover = $6 WHERE job_id = $1 AND run = $2 AND end_at = 0",
            {id, int64_t{run}, now, reason, related_task, recover})
      .status();
}

Status Store::SetTaskHandle(const std::string& id, int run, const std::string& task,
                            const std::string& handle) {
  return db_
      .Exec("UPDATE training_tasks SET handle = $4, state = 'Running' WHERE job_id = $1 AND run = $2 "
            "AND task = $3",
            {id, int64_t{run}, task, handle})
      .status();
}

Status Store::SetTaskExit(const std::string& id, int run, const std::string& task,
                          const std::string& state, int exit_code, const std::string& message) {
  return db_
      .Exec("UPDATE training_tasks SET state = $4, exit_code = $5, message = $6 WHERE job_id = $1 "
            "AND run = $2 AND task = $3",
            {id, int64_t{run}, task, state, int64_t{exit_code}, message})
      .status();
}

Result<std::vector<RunRow>> Store::Runs(const std::string& id) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT run, start_type, start_at, end_at, end_reason, "
                                           "end_related_task, end_recover FROM training_runs "
                                           "WHERE job_id = $1 ORDER BY run",
                                           {id}));
  std::vector<RunRow> out;
  for (const auto& r : rows) {
    out.push_back({static_cast<int>(r.Int(0)), r.Str(1), r.Int(2), r.Int(3), r.Str(4), r.Str(5),
                   r.Str(6)});
  }
  return out;
}

Result<std::vector<TaskRow>> Store::Tasks(const std::string& id, int run) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT run, task, handle, state, exit_code, message FROM "
                                           "training_tasks WHERE job_id = $1 AND run = $2",
                                           {id, int64_t{run}}));
  std::vector<TaskRow> out;
  for (const auto& r : rows) {
    out.push_back({static_cast<int>(r.Int(0)), r.Str(1), r.Str(2), r.Str(3),
                   static_cast<int>(r.Int(4)), r.Str(5)});
  }
  std::sort(out.begin(), out.end(), [](const TaskRow& a, const TaskRow& b) {
    return a.task.size() != b.task.size() ? a.task.size() < b.task.size() : a.task < b.task;
  });
  return out;
}

Status Store::AddEvent(const std::string& id, int64_t time, const std::string& level,
                       const std::string& source, const std::string& message) {
  return db_
      .Exec("INSERT INTO training_events (job_id, seq, time, level, source, message) "
            "SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM training_events "
            "WHERE job_id = $1",
            {id, time, level, source, message})
      .status();
}

Result<Json> Store::Events(const std::string& id, const EventQuery& q) {
  std::string where = "job_id = $1";
  meta::Params params{id};
  auto add = [&](const std::string& cond, meta::Value v) {
    params.push_back(std::move(v));
    where += " AND " + cond + " $" + std::to_string(params.size());
  };
  if (q.start_time) add("time >=", q.start_time);
  if (q.end_time) add("time <=", q.end_time);
  if (!q.level.empty()) add("level =", q.level);
  if (!q.source.empty()) add("source =", q.source);
  if (!q.pattern.empty()) {
    params.push_back("%" + q.pattern + "%");
    where += " AND message LIKE $" + std::to_string(params.size());
  }
  OA_ASSIGN_OR_RETURN(auto total, db_.Query("SELECT COUNT(*) FROM training_events WHERE " + where, params));
  params.push_back(int64_t{q.limit});
  params.push_back(int64_t{q.offset});
  OA_ASSIGN_OR_RETURN(
      auto rows,
      db_.Query("SELECT time, level, source, message FROM training_events WHERE " + where +
                    " ORDER BY seq " + (q.ascending ? "ASC" : "DESC") + " LIMIT $" +
                    std::to_string(params.size() - 1) + " OFFSET $" + std::to_string(params.size()),
                params));
  Json events = Json::array();
  for (const auto& r : rows) {
    events.push_back({{"time", FormatIso8601(r.Int(0))},
                      {"level", r.Str(1)},
                      {"source", r.Str(2)},
                      {"message", r.Str(3)}});
  }
  return Json{{"total", total.empty() ? 0 : total[0].Int(0)}, {"events", std::move(events)}};
}

Result<std::pair<int64_t, std::vector<JobRow>>> Store::Search(const SearchRequest& r) {
  std::string where = "project_id = $1";
  meta::Params params{r.project_id};
  auto param = [&](meta::Value v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  };
  if (r.workspace_ids) {
    if (r.workspace_ids->empty()) return std::pair<int64_t, std::vector<JobRow>>{0, {}};
    where += " AND workspace_id IN (";
    for (size_t i = 0; i < r.workspace_ids->size(); ++i) {
      where += (i ? "," : "") + param((*r.workspace_ids)[i]);
    }
    where += ")";
  }
  if (!r.name.empty()) {
    if (r.name_exact) {
      where += " AND name = " + param(r.name);
    } else {
      where += " AND name LIKE " + param("%" + r.name + "%");
    }
  }
  if (!r.phases.empty()) {
    where += " AND phase IN (";
    for (size_t i = 0; i < r.phases.size(); ++i) where += (i ? "," : "") + param(r.phases[i]);
    where += ")";
  }
  if (!r.user_id.empty()) where += " AND user_id = " + param(r.user_id);
  OA_ASSIGN_OR_RETURN(auto count, db_.Query("SELECT COUNT(*) FROM training_jobs WHERE " + where, params));
  const std::string limit = param(int64_t{r.limit});
  const std::string offset = param(int64_t{r.offset});
  OA_ASSIGN_OR_RETURN(auto rows,
                      db_.Query(std::string("SELECT ") + kJobCols + " FROM training_jobs WHERE " +
                                    where + " ORDER BY create_time " + (r.ascending ? "ASC" : "DESC") +
                                    ", id LIMIT " + limit + " OFFSET " + offset,
                                params));
  OA_ASSIGN_OR_RETURN(auto jobs, FromRows(rows));
  return std::pair<int64_t, std::vector<JobRow>>{count.empty() ? 0 : count[0].Int(0), std::move(jobs)};
}

}  // namespace openarts::train
