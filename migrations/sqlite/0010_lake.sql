-- The lake's records, as on PostgreSQL with types adapted (timestamps and JSON as text).
-- Expand only: new tables.

CREATE TABLE dataset_versions (
    dataset      TEXT NOT NULL,
    version      INTEGER NOT NULL,
    operation    TEXT NOT NULL,
    row_count    INTEGER NOT NULL,
    byte_count   INTEGER NOT NULL,
    schema       TEXT NOT NULL,
    dag_id       TEXT,
    run_id       TEXT,
    task_id      TEXT,
    inputs       TEXT NOT NULL DEFAULT '[]',
    committed_at TEXT NOT NULL,
    PRIMARY KEY (dataset, version)
);

CREATE TABLE validations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset      TEXT NOT NULL,
    version      INTEGER NOT NULL,
    scope        TEXT NOT NULL,
    dag_id       TEXT,
    run_id       TEXT,
    task_id      TEXT,
    try_number   INTEGER,
    success      BOOLEAN NOT NULL,
    passed       INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    warned       INTEGER NOT NULL,
    row_count    INTEGER NOT NULL,
    results      TEXT NOT NULL,
    validated_at TEXT NOT NULL
);

CREATE INDEX validations_dataset ON validations (dataset, id);

CREATE TABLE feature_views (
    view       TEXT PRIMARY KEY,
    entity     TEXT NOT NULL,
    features   TEXT NOT NULL,
    source     TEXT,
    as_of      TEXT NOT NULL,
    row_count  INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    dag_id     TEXT,
    task_id    TEXT,
    updated_at TEXT NOT NULL
);

-- One row per entity: its latest values. An older as-of time never replaces a newer one.
CREATE TABLE online_features (
    view       TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    features   TEXT NOT NULL,
    as_of      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (view, entity_key)
);
