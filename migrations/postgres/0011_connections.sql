-- Connections to the databases tasks read (`ingest` with `format: postgres`), by name. The URL
-- is kept as given, password included: the store is as secret as what it connects to. Only
-- `weir connections list` and the store's list verb show them, masked. Expand only: a new table.

CREATE TABLE connections (
    name        TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    description TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
