-- Upserts online feature rows; a row older than the stored one (by as-of time) changes nothing.
-- The caller writes one `(?, ?, ?, ?, ?)` per row in place of {rows}: view, entity_key,
-- features (JSON text), as_of, updated_at. Plain `?`: numbered `?NNN` parameters make SQLite's
-- parse quadratic in their count.
INSERT INTO online_features (view, entity_key, features, as_of, updated_at)
VALUES {rows}
ON CONFLICT (view, entity_key) DO UPDATE SET
    features = excluded.features,
    as_of = excluded.as_of,
    updated_at = excluded.updated_at
WHERE online_features.as_of <= excluded.as_of
