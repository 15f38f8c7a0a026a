-- Identity: one account ("domain") per installation, its projects, users, groups, roles,
-- role bindings, tokens and AK/SK credentials. Times are Unix milliseconds.
CREATE TABLE projects (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  create_time BIGINT NOT NULL
);
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  password_hash TEXT,
  email         TEXT NOT NULL DEFAULT '',
  description   TEXT NOT NULL DEFAULT '',
  enabled       INTEGER NOT NULL DEFAULT 1,
  is_admin      INTEGER NOT NULL DEFAULT 0,
  create_time   BIGINT NOT NULL,
  update_time   BIGINT NOT NULL,
  -- Tokens issued before this time are invalid (password change, disable).
  tokens_valid_after BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE user_groups (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  create_time BIGINT NOT NULL
);
CREATE TABLE group_members (
  group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
  user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);
-- A role is a named policy document (the fine-grained policy language, JSON).
CREATE TABLE roles (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  policy      TEXT NOT NULL,
  builtin     INTEGER NOT NULL DEFAULT 0,
  create_time BIGINT NOT NULL
);
-- principal_type: 'user' | 'group'.
CREATE TABLE role_bindings (
  role_id        TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
  principal_type TEXT NOT NULL CHECK (principal_type IN ('user', 'group')),
  principal_id   TEXT NOT NULL,
  project_id     TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  create_time    BIGINT NOT NULL,
  PRIMARY KEY (role_id, principal_type, principal_id, project_id)
);
CREATE INDEX role_bindings_principal ON role_bindings(principal_type, principal_id);
-- Only the SHA-256 of a token is stored.
CREATE TABLE tokens (
  token_hash  TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  issued_at   BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_expiry ON tokens(expires_at);
-- A password change or disable revokes all of one user's tokens.
CREATE INDEX tokens_user ON tokens(user_id);
-- AK/SK. The SK is needed in clear to verify HMAC signatures, so it is stored encrypted with
-- the installation's master key (AES-256-GCM), never in plain text.
CREATE TABLE credentials (
  access_key    TEXT PRIMARY KEY,
  secret_sealed TEXT NOT NULL,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  description   TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'active',
  create_time   BIGINT NOT NULL,
  last_use_time BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX credentials_user ON credentials(user_id);

-- Workspaces: every resource carries a workspace id; "0" is the default, PUBLIC one.
CREATE TABLE workspaces (
  id                    TEXT PRIMARY KEY,
  project_id            TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name                  TEXT NOT NULL,
  description           TEXT NOT NULL DEFAULT '',
  enterprise_project_id TEXT NOT NULL DEFAULT '0',
  owner_id              TEXT NOT NULL,
  auth_type             TEXT NOT NULL CHECK (auth_type IN ('PUBLIC', 'PRIVATE', 'INTERNAL')),
  status                TEXT NOT NULL DEFAULT 'NORMAL',
  status_info           TEXT NOT NULL DEFAULT '',
  create_time           BIGINT NOT NULL,
  update_time           BIGINT NOT NULL,
  UNIQUE (project_id, name)
);
CREATE TABLE workspace_grants (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE TABLE workspace_quotas (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  resource     TEXT NOT NULL,
  quota        BIGINT NOT NULL,
  update_time  BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, resource)
);
