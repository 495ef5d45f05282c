-- Users, API tokens and dashboard sessions (authentication in the box), and the summary of each
-- DAG version that the DAG list filters and shows without deserializing the DAG.
--
-- Secrets are never stored: passwords as argon2 PHC strings, tokens and session ids as sha256.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    created_by   TEXT,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE sessions (
    session_hash TEXT PRIMARY KEY NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

CREATE INDEX sessions_expires_at ON sessions (expires_at);

ALTER TABLE dag_versions ADD COLUMN description TEXT;
ALTER TABLE dag_versions ADD COLUMN owner TEXT;
ALTER TABLE dag_versions ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE dag_versions ADD COLUMN schedule TEXT;
ALTER TABLE dag_versions ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';

UPDATE dag_versions
SET description = json_extract(dag_json, '$.description'),
    owner       = json_extract(dag_json, '$.owner'),
    tags        = COALESCE(json_extract(dag_json, '$.tags'), '[]'),
    schedule    = json_extract(dag_json, '$.schedule'),
    timezone    = COALESCE(json_extract(dag_json, '$.timezone'), 'UTC');

-- /metrics learns scheduler and pickup delays from the task instances started since it last looked.
CREATE INDEX task_instances_started_at ON task_instances (started_at) WHERE started_at IS NOT NULL;

-- The runs page across all DAGs, newest first.
CREATE INDEX dag_runs_logical_date ON dag_runs (logical_date);
