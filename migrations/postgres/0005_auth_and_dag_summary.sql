-- Users, API tokens and dashboard sessions (authentication in the box), and the summary of each
-- DAG version that the DAG list filters and shows without deserializing the DAG.
--
-- Secrets are never stored: passwords as argon2 PHC strings, tokens and session ids as sha256.

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    -- The first characters of the token, to tell tokens apart in lists without revealing them.
    prefix       text NOT NULL,
    role         text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    created_by   text,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE sessions (
    session_hash text PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

CREATE INDEX sessions_expires_at ON sessions (expires_at);

ALTER TABLE dag_versions
    ADD COLUMN description text,
    ADD COLUMN owner       text,
    ADD COLUMN tags        jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN schedule    text,
    ADD COLUMN timezone    text NOT NULL DEFAULT 'UTC';

UPDATE dag_versions
SET description = dag_json ->> 'description',
    owner       = dag_json ->> 'owner',
    tags        = COALESCE((dag_json -> 'tags')::jsonb, '[]'::jsonb),
    schedule    = dag_json ->> 'schedule',
    timezone    = COALESCE(dag_json ->> 'timezone', 'UTC');


-- /metrics learns scheduler and pickup delays from the task instances started since it last looked.
CREATE INDEX task_instances_started_at ON task_instances (started_at) WHERE started_at IS NOT NULL;

-- The runs page across all DAGs, newest first.
CREATE INDEX dag_runs_logical_date ON dag_runs (logical_date);
