-- The lake's records: dataset versions (the registry and its lineage), validation results with
-- history, feature views, and the online feature store. Expand only: new tables.

CREATE TABLE dataset_versions (
    dataset      TEXT NOT NULL,
    version      BIGINT NOT NULL,
    operation    TEXT NOT NULL,
    row_count    BIGINT NOT NULL,
    byte_count   BIGINT NOT NULL,
    schema       JSONB NOT NULL,
    dag_id       TEXT,
    run_id       TEXT,
    task_id      TEXT,
    inputs       JSONB NOT NULL DEFAULT '[]',
    committed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (dataset, version)
);

CREATE TABLE validations (
    id           BIGSERIAL PRIMARY KEY,
    dataset      TEXT NOT NULL,
    version      BIGINT NOT NULL,
    scope        TEXT NOT NULL,
    dag_id       TEXT,
    run_id       TEXT,
    task_id      TEXT,
    try_number   INTEGER,
    success      BOOLEAN NOT NULL,
    passed       INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    warned       INTEGER NOT NULL,
    row_count    BIGINT NOT NULL,
    results      JSONB NOT NULL,
    validated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX validations_dataset ON validations (dataset, id);

CREATE TABLE feature_views (
    view       TEXT PRIMARY KEY,
    entity     JSONB NOT NULL,
    features   JSONB NOT NULL,
    source     TEXT,
    as_of      TIMESTAMPTZ NOT NULL,
    row_count  BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    dag_id     TEXT,
    task_id    TEXT,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One row per entity: its latest values. An older as-of time never replaces a newer one.
CREATE TABLE online_features (
    view       TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    features   JSONB NOT NULL,
    as_of      TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (view, entity_key)
);
