-- Team labeling (data/teams.cc, spec/data.md §8): teams ("workforces") of platform users and team
-- labeling tasks ("workforce tasks") that give a dataset's samples to a team's labelers.
CREATE TABLE workforces (
  id               TEXT PRIMARY KEY,
  project_id       TEXT NOT NULL,
  name             TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  created_by       TEXT NOT NULL DEFAULT '',
  create_time      BIGINT NOT NULL,
  update_time      BIGINT NOT NULL,
  UNIQUE (project_id, name)
);

-- role: 0 labeler, 1 reviewer, 2 team manager. email: lowercase, unique in the team; user_id: the
-- platform user it named when the worker was added.
CREATE TABLE workforce_workers (
  id               TEXT PRIMARY KEY,
  workforce_id     TEXT NOT NULL REFERENCES workforces(id) ON DELETE CASCADE,
  email            TEXT NOT NULL,
  user_id          TEXT NOT NULL,
  role             INTEGER NOT NULL,
  create_time      BIGINT NOT NULL,
  update_time      BIGINT NOT NULL,
  UNIQUE (workforce_id, email)
);
CREATE INDEX workforce_workers_user ON workforce_workers(user_id);

-- A task goes with its dataset; a workforce is deleted only without unfinished tasks.
CREATE TABLE workforce_tasks (
  seq              INTEGER PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  project_id       TEXT NOT NULL,
  dataset_seq      INTEGER NOT NULL REFERENCES datasets(seq) ON DELETE CASCADE,
  dataset_id       TEXT NOT NULL,
  workforce_id     TEXT NOT NULL REFERENCES workforces(id),
  name             TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  repetition       INTEGER NOT NULL DEFAULT 1,
  all_samples      INTEGER NOT NULL DEFAULT 0,
  created_by_id    TEXT NOT NULL DEFAULT '',
  created_by       TEXT NOT NULL DEFAULT '',
  create_time      BIGINT NOT NULL,
  update_time      BIGINT NOT NULL,
  UNIQUE (dataset_seq, name)
);
CREATE INDEX workforce_tasks_workforce ON workforce_tasks(workforce_id);

-- One row per (sample, labeler). sample_no: the sample's number in its dataset (the low 40 bits
-- of dataset_samples.no). state: 0 unlabeled, 1 labeled, 2 submitted, 3 accepted, 4 rejected,
-- 5 accepting (the review is being written into the dataset; finished or undone on start).
-- doc: the labeler's work as a manifest line (label names, detection VOC inline, usage / hard
-- only when they set them); label_names: "\x1fa\x1fb\x1f", for the label_name filter.
CREATE TABLE workforce_task_samples (
  task_seq         INTEGER NOT NULL REFERENCES workforce_tasks(seq) ON DELETE CASCADE,
  sample_no        BIGINT NOT NULL,
  worker_id        TEXT NOT NULL,
  state            INTEGER NOT NULL DEFAULT 0,
  doc              TEXT,
  label_names      TEXT NOT NULL DEFAULT '',
  review_comment   TEXT NOT NULL DEFAULT '',
  review_score     TEXT NOT NULL DEFAULT '',
  reviewer         TEXT NOT NULL DEFAULT '',
  review_time      BIGINT NOT NULL DEFAULT 0,
  update_time      BIGINT NOT NULL,
  PRIMARY KEY (task_seq, sample_no, worker_id)
);
CREATE INDEX workforce_task_samples_share ON workforce_task_samples(task_seq, worker_id, sample_no);
CREATE INDEX workforce_task_samples_state ON workforce_task_samples(state, task_seq);
CREATE INDEX workforce_task_samples_worker ON workforce_task_samples(worker_id);
