-- Connections to the databases tasks read, as on PostgreSQL (timestamps as text).
-- Expand only: a new table.

CREATE TABLE connections (
    name        TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    description TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
