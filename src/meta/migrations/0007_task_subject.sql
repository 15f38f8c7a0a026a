-- What a task acts on ("dataset:<id>"): a dataset's import, export, labeling and analysis tasks
-- are found by an indexed match instead of by reading the project's tasks and their params.
ALTER TABLE tasks ADD COLUMN subject TEXT NOT NULL DEFAULT '';
CREATE INDEX tasks_subject ON tasks(subject, create_time);
