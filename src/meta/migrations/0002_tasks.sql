-- Durable background tasks (import, export, analysis, advisor, bucket deletion...).
-- status: Queued | Running | Succeeded | Failed | Cancelled.
CREATE TABLE tasks (
  id               TEXT PRIMARY KEY,
  project_id       TEXT NOT NULL,
  workspace_id     TEXT NOT NULL DEFAULT '0',
  type             TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('Queued', 'Running', 'Succeeded', 'Failed', 'Cancelled')),
  progress         REAL NOT NULL DEFAULT 0,
  params           TEXT NOT NULL DEFAULT '{}',
  -- A handler's resumable state (e.g. the last key processed), saved with progress.
  checkpoint       TEXT NOT NULL DEFAULT '',
  result           TEXT NOT NULL DEFAULT '',
  error            TEXT NOT NULL DEFAULT '',
  created_by       TEXT NOT NULL DEFAULT '',
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  attempts         INTEGER NOT NULL DEFAULT 0,
  create_time      BIGINT NOT NULL,
  start_time       BIGINT NOT NULL DEFAULT 0,
  end_time         BIGINT NOT NULL DEFAULT 0,
  update_time      BIGINT NOT NULL
);
CREATE INDEX tasks_status ON tasks(status, create_time);
CREATE INDEX tasks_workspace ON tasks(workspace_id, create_time);
