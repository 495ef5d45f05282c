-- ?1 name, ?2 url, ?3 description (NULL keeps the current one), ?4 now
INSERT INTO connections (name, url, description, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?4)
ON CONFLICT (name) DO UPDATE SET
    url = excluded.url,
    description = COALESCE(excluded.description, connections.description),
    updated_at = excluded.updated_at
