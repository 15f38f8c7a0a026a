-- Datasets and labeling (data/). Key layout (see src/data/store.cc):
--   dataset_samples.no        = dataset seq << 40 | sample number   (a dataset is one key range)
--   dataset_sample_labels.k   = label id << 40 | sample number       (label membership index)
--   dataset_sample_sources.k  = dataset seq << 40 | 40-bit hash of the source (+ linear probing
--                               on collision) → sample key; lets an import find existing samples
-- Samples numbered above datasets.visible_no belong to an import that has not committed yet and
-- are invisible to every reader.
CREATE TABLE datasets (
  seq              INTEGER PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  project_id       TEXT NOT NULL,
  workspace_id     TEXT NOT NULL DEFAULT '0',
  name             TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  type             INTEGER NOT NULL,
  input_path       TEXT NOT NULL,
  output_path      TEXT NOT NULL,
  schema_json      TEXT,
  salt             TEXT NOT NULL,
  next_no          BIGINT NOT NULL DEFAULT 0,
  visible_no       BIGINT NOT NULL DEFAULT 0,
  sample_count     BIGINT NOT NULL DEFAULT 0,
  labeled_count    BIGINT NOT NULL DEFAULT 0,
  to_confirm_count BIGINT NOT NULL DEFAULT 0,
  created_by       TEXT NOT NULL DEFAULT '',
  current_version  TEXT NOT NULL DEFAULT '',
  next_version     INTEGER NOT NULL DEFAULT 1,
  last_publish_time BIGINT NOT NULL DEFAULT 0,
  create_time      BIGINT NOT NULL,
  update_time      BIGINT NOT NULL,
  UNIQUE (project_id, workspace_id, name)
);

CREATE TABLE dataset_labels (
  id               INTEGER PRIMARY KEY,
  dataset_seq      INTEGER NOT NULL REFERENCES datasets(seq) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  type             INTEGER NOT NULL,
  property         TEXT NOT NULL DEFAULT '{}',
  attributes       TEXT NOT NULL DEFAULT '[]',
  sample_count     BIGINT NOT NULL DEFAULT 0,
  UNIQUE (dataset_seq, name, type)
);

-- state: 0 unlabeled, 1 to be confirmed, 2 labeled. usage: 0 unset, 1 train, 2 eval, 3 test,
-- 4 inference. doc: the manifest line of the sample without source/usage/hard (label ids in
-- place of names); preds: predictions awaiting confirmation, same form. score: the lowest
-- prediction confidence (filters low_score/high_score).
CREATE TABLE dataset_samples (
  no               INTEGER PRIMARY KEY,
  state            INTEGER NOT NULL,
  usage            INTEGER NOT NULL DEFAULT 0,
  hard             INTEGER NOT NULL DEFAULT 0,
  hard_coefficient REAL,
  sample_type      INTEGER NOT NULL DEFAULT 0,
  source           TEXT NOT NULL,
  doc              TEXT,
  preds            TEXT,
  score            REAL,
  create_time      BIGINT NOT NULL,
  update_time      BIGINT NOT NULL
);
CREATE INDEX dataset_samples_state ON dataset_samples(state);

CREATE TABLE dataset_sample_labels (
  k                INTEGER PRIMARY KEY
);

CREATE TABLE dataset_sample_sources (
  k                INTEGER PRIMARY KEY,
  no               BIGINT NOT NULL
);

CREATE TABLE dataset_versions (
  id               TEXT PRIMARY KEY,
  dataset_seq      INTEGER NOT NULL REFERENCES datasets(seq) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  status           INTEGER NOT NULL,
  train_ratio      REAL NOT NULL DEFAULT 1.0,
  total_count      BIGINT NOT NULL DEFAULT 0,
  annotated_count  BIGINT NOT NULL DEFAULT 0,
  train_count      BIGINT NOT NULL DEFAULT 0,
  eval_count       BIGINT NOT NULL DEFAULT 0,
  manifest_path    TEXT NOT NULL DEFAULT '',
  create_time      BIGINT NOT NULL,
  UNIQUE (dataset_seq, name)
);
