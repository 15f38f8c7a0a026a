#include "task_store.h"

#include <string_view>

namespace openarts::tasks::store {

namespace {

// The column order FromRow() decodes.
constexpr std::string_view kSelect =
    "SELECT id, project_id, workspace_id, type, status, progress, params, checkpoint, result, "
    "error, created_by, cancel_requested, attempts, create_time, start_time, end_time, "
    "update_time, subject FROM tasks";

meta::Value Str(std::string_view s) { return std::string(s); }
meta::Value StatusValue(TaskStatus s) { return std::string(TaskStatusName(s)); }

Result<TaskInfo> FromRow(const meta::Row& row) {
  TaskInfo t;
  t.id = row.Str(0);
  t.project_id = row.Str(1);
  t.workspace_id = row.Str(2);
  t.type = row.Str(3);
  auto status = ParseTaskStatus(row.Str(4));
  // The CHECK constraint makes this unreachable short of a hand-edited database.
  if (!status) return Internal("task '" + t.id + "' has unknown status '" + row.Str(4) + "'");
  t.status = *status;
  t.progress = row.Real(5);
  if (!row.Str(6).empty()) {
    auto params = ParseJson(row.Str(6));
    if (!params.ok()) return Internal("task '" + t.id + "' has corrupt params in the store");
    t.params = std::move(*params);
  }
  t.checkpoint = row.Str(7);
  if (!row.Str(8).empty()) {
    auto result = ParseJson(row.Str(8));
    if (!result.ok()) return Internal("task '" + t.id + "' has a corrupt result in the store");
    t.result = std::move(*result);
  }
  t.error = row.Str(9);
  t.created_by = row.Str(10);
  t.cancel_requested = row.Int(11) != 0;
  t.attempts = static_cast<int>(row.Int(12));
  t.create_time = row.Int(13);
  t.start_time = row.Int(14);
  t.end_time = row.Int(15);
  t.update_time = row.Int(16);
  t.subject = row.Str(17);
  return t;
}

template <typename Conn>
Result<std::optional<TaskInfo>> GetImpl(Conn& conn, const std::string& id) {
  OA_ASSIGN_OR_RETURN(meta::Rows rows,
                      conn.Query(std::string(kSelect) + " WHERE id = $1", {Str(id)}));
  if (rows.empty()) return std::optional<TaskInfo>();
  OA_ASSIGN_OR_RETURN(TaskInfo t, FromRow(rows[0]));
  return std::optional<TaskInfo>(std::move(t));
}

template <typename Conn>
Result<bool> MarkFinishedImpl(Conn& conn, const std::string& id, const Finish& f, int64_t now) {
  // COALESCE keeps the stored progress when the caller has nothing newer.
  OA_ASSIGN_OR_RETURN(
      int64_t n,
      conn.Exec("UPDATE tasks SET status = $3, progress = COALESCE($4, progress), result = $5, "
                "error = $6, end_time = $7, update_time = $7 WHERE id = $1 AND status = $2",
                {Str(id), StatusValue(f.from), StatusValue(f.to),
                 f.progress ? meta::Value(*f.progress) : meta::Value(), Str(f.result),
                 Str(f.error), now}));
  return n == 1;
}

}  // namespace

Status Insert(meta::Database& db, const TaskInfo& t) {
  auto n = db.Exec(
      "INSERT INTO tasks (id, project_id, workspace_id, type, status, progress, params, "
      "checkpoint, result, error, created_by, cancel_requested, attempts, create_time, "
      "start_time, end_time, update_time, subject) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
      "$10, $11, $12, $13, $14, $15, $16, $17, $18)",
      {Str(t.id), Str(t.project_id), Str(t.workspace_id), Str(t.type), StatusValue(t.status),
       t.progress, t.params.dump(), Str(t.checkpoint), t.result.is_null() ? "" : t.result.dump(),
       Str(t.error), Str(t.created_by), int64_t{t.cancel_requested ? 1 : 0}, int64_t{t.attempts},
       t.create_time, t.start_time, t.end_time, t.update_time, Str(t.subject)});
  return n.status();
}

Result<std::optional<TaskInfo>> Get(meta::Database& db, const std::string& id) {
  return GetImpl(db, id);
}
Result<std::optional<TaskInfo>> Get(meta::Tx& tx, const std::string& id) { return GetImpl(tx, id); }

Result<std::vector<TaskInfo>> List(meta::Database& db, const ListFilter& filter) {
  std::string sql(kSelect);
  meta::Params params;
  std::string where;
  auto add = [&](std::string_view column, meta::Value v) {
    params.push_back(std::move(v));
    where += where.empty() ? " WHERE " : " AND ";
    where += std::string(column) + " = $" + std::to_string(params.size());
  };
  if (filter.project_id) add("project_id", Str(*filter.project_id));
  if (filter.status) add("status", StatusValue(*filter.status));
  if (filter.type) add("type", Str(*filter.type));
  if (filter.subject) add("subject", Str(*filter.subject));
  if (filter.workspace_ids) {
    if (filter.workspace_ids->empty()) return std::vector<TaskInfo>();
    where += where.empty() ? " WHERE " : " AND ";
    where += "workspace_id IN (";
    for (size_t i = 0; i < filter.workspace_ids->size(); ++i) {
      params.push_back(Str((*filter.workspace_ids)[i]));
      where += (i ? ", $" : "$") + std::to_string(params.size());
    }
    where += ")";
  }
  sql += where;
  params.push_back(int64_t{filter.limit});
  params.push_back(int64_t{filter.offset});
  sql += " ORDER BY create_time DESC, id DESC LIMIT $" + std::to_string(params.size() - 1) +
         " OFFSET $" + std::to_string(params.size());
  OA_ASSIGN_OR_RETURN(meta::Rows rows, db.Query(sql, params));
  std::vector<TaskInfo> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    OA_ASSIGN_OR_RETURN(TaskInfo t, FromRow(row));
    out.push_back(std::move(t));
  }
  return out;
}

Result<bool> AnyQueued(meta::Database& db) {
  OA_ASSIGN_OR_RETURN(meta::Rows rows,
                      db.Query("SELECT 1 FROM tasks WHERE status = 'Queued' LIMIT 1"));
  return !rows.empty();
}

Result<std::optional<QueuedRef>> OldestQueued(meta::Tx& tx) {
  // Served by the tasks_status (status, create_time) index. Ties within a millisecond fall back
  // to id order: arbitrary but stable.
  OA_ASSIGN_OR_RETURN(meta::Rows rows,
                      tx.Query("SELECT id, type FROM tasks WHERE status = 'Queued' "
                               "ORDER BY create_time, id LIMIT 1"));
  if (rows.empty()) return std::optional<QueuedRef>();
  return std::optional<QueuedRef>(QueuedRef{rows[0].Str(0), rows[0].Str(1)});
}

Result<bool> ClaimQueued(meta::Tx& tx, const std::string& id, int64_t now) {
  // start_time keeps the first start, so a resumed task's duration covers all its attempts.
  OA_ASSIGN_OR_RETURN(
      int64_t n,
      tx.Exec("UPDATE tasks SET status = 'Running', attempts = attempts + 1, cancel_requested = 0, "
              "start_time = CASE WHEN start_time = 0 THEN $2 ELSE start_time END, "
              "update_time = $2 WHERE id = $1 AND status = 'Queued'",
              {Str(id), now}));
  return n == 1;
}

Result<std::vector<RunningRef>> AllRunning(meta::Tx& tx) {
  OA_ASSIGN_OR_RETURN(meta::Rows rows,
                      tx.Query("SELECT id, type, attempts, cancel_requested FROM tasks "
                               "WHERE status = 'Running' ORDER BY create_time, id"));
  std::vector<RunningRef> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back({r.Str(0), r.Str(1), static_cast<int>(r.Int(2)), r.Int(3) != 0});
  }
  return out;
}

Result<bool> Requeue(meta::Tx& tx, const std::string& id, int64_t now) {
  OA_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE tasks SET status = 'Queued', update_time = $2 "
                                         "WHERE id = $1 AND status = 'Running'",
                                         {Str(id), now}));
  return n == 1;
}

Result<bool> MarkFinished(meta::Tx& tx, const std::string& id, const Finish& f, int64_t now) {
  return MarkFinishedImpl(tx, id, f, now);
}
Result<bool> MarkFinished(meta::Database& db, const std::string& id, const Finish& f,
                          int64_t now) {
  return MarkFinishedImpl(db, id, f, now);
}

Result<bool> RequestCancel(meta::Tx& tx, const std::string& id, int64_t now) {
  OA_ASSIGN_OR_RETURN(int64_t n,
                      tx.Exec("UPDATE tasks SET cancel_requested = 1, update_time = $2 "
                              "WHERE id = $1 AND status = 'Running'",
                              {Str(id), now}));
  return n == 1;
}

Status SaveProgress(meta::Database& db, const std::string& id, double progress,
                    const std::string& checkpoint, int64_t now) {
  Result<int64_t> n =
      checkpoint.empty()
          ? db.Exec("UPDATE tasks SET progress = $2, update_time = $3 "
                    "WHERE id = $1 AND status = 'Running'",
                    {Str(id), progress, now})
          : db.Exec("UPDATE tasks SET progress = $2, checkpoint = $3, update_time = $4 "
                    "WHERE id = $1 AND status = 'Running'",
                    {Str(id), progress, Str(checkpoint), now});
  return n.status();
}

}  // namespace openarts::tasks::store
