-- $1 file, $2 diagnostics (jsonb), $3 now
INSERT INTO import_errors (file, diagnostics, first_seen_at, updated_at)
VALUES ($1, $2, $3, $3)
ON CONFLICT (file) DO UPDATE SET diagnostics = excluded.diagnostics, updated_at = excluded.updated_at
