-- Training jobs (train/). The job row is the system of record; the execution backend only holds
-- processes. spec = the normalised create body; phase/secondary_phase as in the REST API.
CREATE TABLE training_jobs (
  id               TEXT PRIMARY KEY,
  project_id       TEXT NOT NULL,
  workspace_id     TEXT NOT NULL DEFAULT '0',
  name             TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  user_id          TEXT NOT NULL DEFAULT '',
  user_name        TEXT NOT NULL DEFAULT '',
  spec             TEXT NOT NULL,
  phase            TEXT NOT NULL,
  secondary_phase  TEXT NOT NULL,
  reason           TEXT NOT NULL DEFAULT '',
  priority         INTEGER NOT NULL DEFAULT 1,
  retry_limit      INTEGER NOT NULL DEFAULT 0,
  run_count        INTEGER NOT NULL DEFAULT 0,
  output_version   INTEGER NOT NULL DEFAULT 0,
  terminate_requested INTEGER NOT NULL DEFAULT 0,
  create_time      BIGINT NOT NULL,
  start_time       BIGINT NOT NULL DEFAULT 0,
  end_time         BIGINT NOT NULL DEFAULT 0,
  update_time      BIGINT NOT NULL
);
CREATE INDEX training_jobs_queue ON training_jobs(phase, priority, create_time);
CREATE INDEX training_jobs_list ON training_jobs(project_id, create_time);

-- running_records: one row per run (start of the job or an auto-restart).
CREATE TABLE training_runs (
  job_id           TEXT NOT NULL REFERENCES training_jobs(id) ON DELETE CASCADE,
  run              INTEGER NOT NULL,
  start_type       TEXT NOT NULL,
  start_at         BIGINT NOT NULL,
  end_at           BIGINT NOT NULL DEFAULT 0,
  end_reason       TEXT NOT NULL DEFAULT '',
  end_related_task TEXT NOT NULL DEFAULT '',
  end_recover      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (job_id, run)
);

-- One row per task of a run: the backend handle (exec::TaskHandle JSON) and how it ended.
CREATE TABLE training_tasks (
  job_id           TEXT NOT NULL REFERENCES training_jobs(id) ON DELETE CASCADE,
  run              INTEGER NOT NULL,
  task             TEXT NOT NULL,
  handle           TEXT NOT NULL DEFAULT '',
  state            TEXT NOT NULL,
  exit_code        INTEGER NOT NULL DEFAULT 0,
  message          TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (job_id, run, task)
);

CREATE TABLE training_events (
  job_id           TEXT NOT NULL REFERENCES training_jobs(id) ON DELETE CASCADE,
  seq              INTEGER NOT NULL,
  time             BIGINT NOT NULL,
  level            TEXT NOT NULL,
  source           TEXT NOT NULL,
  message          TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
